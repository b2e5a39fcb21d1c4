// Where a stopped worker's failure-to-badge time goes, Gateway Doctor against the baseline
// (tests/e2e/bench/minimal-extension), in Chromium: the badge bench's sample (a fresh tab sent to
// an nginx 502, the worker stopped before it), on copies of both extensions that carry the same
// few lines of timing: one line before the background script's first and a few after its last
// (the end of its first turn, and one more main-frame listener that notes when the first event
// arrived). Both sides carry the same lines, so both pay the same for them; the badge figures
// themselves come from badge-bench.mjs, on the builds as shipped.
// Phases, from just before tabs.update: the worker created (its performance.timeOrigin), its
// script's first line, the end of its first turn (listeners added; the browser delivers no event
// before), the first main-frame event in the worker, the badge seen by the polling page.
// Prints one JSON line. Usage: node badge-phases.mjs [samples]
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, sleep } from './lib/browsers.mjs';
import { MINIMAL_EXTENSION, launchUnpacked, median, stopWorker, workerTarget } from './lib/bench-tools.mjs';
import { startNginx, startSilentUpstream } from './lib/servers.mjs';

const samples = Number(process.argv[2] ?? 20);
const TIMEOUT_MS = 10000;
const NOW = '(performance.timeOrigin + performance.now())';
const PROLOGUE = `globalThis.benchPhases = { firstLine: ${NOW} };\n`;
const EPILOGUE = `
globalThis.benchPhases.firstTurnEnd = ${NOW};
(globalThis.browser ?? globalThis.chrome).webRequest.onCompleted.addListener(
  () => { globalThis.benchPhases.event ??= ${NOW}; },
  { urls: ['http://*/*', 'https://*/*'], types: ['main_frame'] },
);
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
  const handle = await launchUnpacked(copy, page);
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
  ['badge_seen', 'event', 'seen'],
  ['total', 'started', 'seen'],
];

let site = 0;
async function sample(handle, name, nginx) {
  const tab = await handle.inExtension(
    (api, w) => api.tabs.create({ windowId: w, url: 'about:blank', active: true }).then((t) => t.id),
    handle.benchWindow,
  );
  await sleep(100);
  await stopWorker(handle);
  const url = `${nginx.baseOn(2 + (site++ % 29))}/dead/phases-${name}-${site}`;
  const { started, seen } = await handle.inExtension(poll, [tab, url, TIMEOUT_MS]);
  await sleep(300);
  const target = workerTarget(handle);
  const marks = target
    ? await (await target.worker()).evaluate(() => ({ created: performance.timeOrigin, ...globalThis.benchPhases }))
    : null;
  await handle.inExtension((api, id) => api.tabs.remove(id).then(() => null), tab);
  await sleep(100);
  if (seen === null || !marks) return null;
  const at = { ...marks, started, seen };
  return Object.fromEntries(PHASES.map(([phase, from, to]) => [phase, at[from] !== undefined && at[to] !== undefined ? at[to] - at[from] : null]));
}

const slow = await startSilentUpstream();
const nginx = await startNginx({ slowPort: slow.port });
const handles = {
  ours: await launchCopy(join(DIST, 'chrome'), 'popup.html?tab=-1'),
  minimal: await launchCopy(MINIMAL_EXTENSION, 'page.html'),
};
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
    PHASES.map(([phase]) => [phase, median(list.map((r) => r[phase]).filter((v) => v !== null))]),
  );
  phases[name].n = list.length;
}
console.log(JSON.stringify({ phases, order: PHASES.map(([phase]) => phase) }));
