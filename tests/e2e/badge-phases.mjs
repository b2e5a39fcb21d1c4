// Where the failure-to-badge time goes, Gateway Doctor against the baseline
// (tests/e2e/bench/minimal-extension): the badge bench's sample (a fresh tab sent to an nginx 502)
// on copies of both extensions that carry the same few lines of timing: one line before the
// background script's first and a few after its last (the end of its first turn, one more
// main-frame listener that notes when the first event arrived, and a wrapper that notes when
// setBadgeText was first called with a text). Both sides carry the same lines, so both pay the
// same for them; the badge figures themselves come from badge-bench.mjs, on the builds as shipped.
// Phases, from just before tabs.update: the background created (its performance.timeOrigin), its
// script's first line, the end of its first turn (listeners added; the browser delivers no event
// before), the first main-frame event in it, setBadgeText called, the badge seen by the polling
// page. With the background awake, the first four marks lie before the sample and are left out.
// In Firefox the polling page shares the background page's process and main thread, so what the
// background does after setBadgeText delays the poll's answer: "setBadgeText called" is the
// figure to compare there.
// Prints one JSON line. Usage: node badge-phases.mjs [samples] [chromium|firefox] [stopped|awake]
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, sleep } from './lib/browsers.mjs';
import {
  MINIMAL_EXTENSION,
  ensureBackground,
  launchUnpacked,
  launchUnpackedFirefox,
  median,
  stopBackground,
  workerTarget,
} from './lib/bench-tools.mjs';
import { startNginx, startSilentUpstream } from './lib/servers.mjs';

const samples = Number(process.argv[2] ?? 20);
const browserName = process.argv[3] ?? 'chromium';
const state = process.argv[4] ?? 'stopped';
if (!['chromium', 'firefox'].includes(browserName) || !['stopped', 'awake'].includes(state)) {
  throw new Error('usage: node badge-phases.mjs [samples] [chromium|firefox] [stopped|awake]');
}
const TIMEOUT_MS = 10000;
const NOW = '(performance.timeOrigin + performance.now())';
const PROLOGUE = `globalThis.benchPhases = { firstLine: ${NOW} };\n`;
// Marks are kept per tab (an awake background sees every sample): \`events\` and \`badges\` by tab id.
const EPILOGUE = `
globalThis.benchPhases.firstTurnEnd = ${NOW};
globalThis.benchPhases.events = {};
globalThis.benchPhases.badges = {};
{
  const api = globalThis.browser ?? globalThis.chrome;
  api.webRequest.onCompleted.addListener(
    (d) => { globalThis.benchPhases.events[d.tabId] ??= ${NOW}; },
    { urls: ['http://*/*', 'https://*/*'], types: ['main_frame'] },
  );
  const setBadgeText = api.action.setBadgeText.bind(api.action);
  api.action.setBadgeText = (details) => {
    if (details.text) globalThis.benchPhases.badges[details.tabId] ??= ${NOW};
    return setBadgeText(details);
  };
}
`;

/** A copy of the extension in `dir` with the timing lines around its background script. */
function timedCopy(dir, into) {
  cpSync(dir, into, { recursive: true });
  const script = join(into, 'background.js');
  writeFileSync(script, PROLOGUE + readFileSync(script, 'utf8') + EPILOGUE);
  return into;
}

async function launchCopy(dir, page) {
  const copy = timedCopy(dir, join(mkdtempSync(join(tmpdir(), 'gd-bench-phases-')), 'extension'));
  const handle = browserName === 'chromium' ? await launchUnpacked(copy, page) : await launchUnpackedFirefox(copy, page);
  handle.copy = copy;
  // Sample tabs in a window of their own: the polling page stays visible (see badge-bench.mjs).
  handle.benchWindow = await handle.inExtension((api) => api.windows.create({ url: 'about:blank' }).then((w) => w.id));
  return handle;
}

/** Runs in the extension page: epoch ms just before tabs.update and when the badge was seen. */
const poll = async (api, [tabId, url, timeoutMs]) => {
  const started = performance.timeOrigin + performance.now();
  await api.tabs.update(tabId, { url });
  for (;;) {
    const text = await api.action.getBadgeText({ tabId });
    const now = performance.timeOrigin + performance.now();
    if (text) return { started, seen: now };
    if (now - started > timeoutMs) return { started, seen: null };
    await new Promise((r) => setTimeout(r, 5));
  }
};

const PHASES = [
  ['worker_created', 'started', 'created'],
  ['script_loaded', 'created', 'firstLine'],
  ['first_turn', 'firstLine', 'firstTurnEnd'],
  ['event_delivered', 'firstTurnEnd', 'event'],
  ['update_to_event', 'started', 'event'],
  ['badge_called', 'event', 'badgeCall'],
  ['call_to_seen', 'badgeCall', 'seen'],
  ['total', 'started', 'seen'],
];

/** The background's marks, read where the background runs: the worker (Chromium), the page (Firefox). */
async function backgroundMarks(handle) {
  if (browserName === 'firefox') {
    return handle.inExtension((api) => {
      const page = api.extension.getViews().find((w) => w.location.pathname.endsWith('/_generated_background_page.html'));
      return page ? { created: page.performance.timeOrigin, ...page.benchPhases } : null;
    });
  }
  const target = workerTarget(handle);
  return target ? (await target.worker()).evaluate(() => ({ created: performance.timeOrigin, ...globalThis.benchPhases })) : null;
}

let site = 0;
async function sample(handle, name, nginx) {
  const tab = await handle.inExtension(
    (api, w) => api.tabs.create({ windowId: w, url: 'about:blank', active: true }).then((t) => t.id),
    handle.benchWindow,
  );
  await sleep(100);
  if (state === 'stopped') await stopBackground(handle);
  else {
    await ensureBackground(handle, () =>
      handle.inExtension((api, [id, u]) => api.tabs.update(id, { url: u }).then(() => null), [tab, `${nginx.base}/ok/index.html`]),
    );
    await sleep(100);
  }
  const url = `${nginx.baseOn(2 + (site++ % 29))}/dead/phases-${name}-${site}`;
  const { started, seen } = await handle.inExtension(poll, [tab, url, TIMEOUT_MS]);
  await sleep(300);
  const marks = await backgroundMarks(handle);
  await handle.inExtension((api, id) => api.tabs.remove(id).then(() => null), tab);
  await sleep(100);
  if (seen === null || !marks) return null;
  const at = { started, seen, event: marks.events?.[tab], badgeCall: marks.badges?.[tab] };
  // A background that started before the sample: its start is no phase of this one.
  if (marks.created >= started) Object.assign(at, { created: marks.created, firstLine: marks.firstLine, firstTurnEnd: marks.firstTurnEnd });
  const phase = (from, to) => (at[from] !== undefined && at[to] !== undefined ? at[to] - at[from] : null);
  return Object.fromEntries(PHASES.map(([key, from, to]) => [key, phase(from, to)]));
}

const slow = await startSilentUpstream();
const nginx = await startNginx({ slowPort: slow.port });
const handles = {
  ours: await launchCopy(join(DIST, browserName === 'chromium' ? 'chrome' : 'firefox'), 'popup.html?tab=-1'),
  minimal: await launchCopy(MINIMAL_EXTENSION, 'page.html'),
};
// Ours asks only loopback addresses in its checks, as in every test.
await handles.ours.setSettings({});
const rows = { ours: [], minimal: [] };
try {
  for (let i = 0; i < samples; i++) {
    // Alternate which extension goes first.
    for (const name of i % 2 ? ['minimal', 'ours'] : ['ours', 'minimal']) {
      const row = await sample(handles[name], name, nginx);
      if (row) rows[name].push(row);
    }
  }
} finally {
  for (const handle of Object.values(handles)) {
    await handle.browser.close();
    rmSync(handle.profile, { recursive: true, force: true });
    rmSync(join(handle.copy, '..'), { recursive: true, force: true });
  }
  await nginx.stop();
  await slow.stop();
}
const phases = {};
for (const [name, list] of Object.entries(rows)) {
  if (list.length < samples / 2) throw new Error(`${name}: ${list.length} of ${samples} samples had every mark`);
  phases[name] = Object.fromEntries(
    PHASES.map(([phase]) => {
      const values = list.map((r) => r[phase]).filter((v) => v !== null);
      return [phase, values.length >= list.length / 2 ? median(values) : null];
    }),
  );
  phases[name].n = list.length;
}
console.log(JSON.stringify({ browser: browserName, state, phases, order: PHASES.map(([phase]) => phase) }));
