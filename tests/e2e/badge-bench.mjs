// Failure to badge, what the visitor sees: a fresh tab sent (tabs.update) to a 502 from a real
// nginx on 127.0.0.1, until action.getBadgeText({tabId}) is non-empty, polled every ~5 ms from an
// extension page of the extension under test (one clock for both ends). Gateway Doctor against
// the baseline (tests/e2e/bench/minimal-extension: webRequest listeners, a 44-byte wasm
// classifier, setBadgeText), in two browsers of the same binary, alternating batches; with the
// background awake, and stopped before each sample as the browser stops an idle one (Chromium's
// service worker stopped through DevTools; Firefox's event page suspended after its idle time,
// shortened for the bench: see FIREFOX_IDLE_MS).
// Prints one JSON line. Usage: node badge-bench.mjs [samples] [batch] [chromium|firefox]
import { launch, sleep } from './lib/browsers.mjs';
import {
  backgroundRunning,
  ensureBackground,
  FIREFOX_IDLE_MS,
  launchMinimal,
  launchMinimalFirefox,
  launchOursFirefox,
  median,
  ratioOfMedians,
  stopBackground,
} from './lib/bench-tools.mjs';
import { startNginx, startSilentUpstream } from './lib/servers.mjs';

const samples = Number(process.argv[2] ?? 20);
const batch = Number(process.argv[3] ?? 5);
const browserName = process.argv[4] ?? 'chromium';
if (!['chromium', 'firefox'].includes(browserName)) throw new Error(`no such browser: ${browserName}`);
const TIMEOUT_MS = 10000;

/** Runs in the extension page: ms from just before tabs.update to a non-empty badge. */
const poll = async (api, [tabId, url, timeoutMs]) => {
  const started = performance.now();
  await api.tabs.update(tabId, { url });
  let polls = 0;
  for (;;) {
    const text = await api.action.getBadgeText({ tabId });
    const now = performance.now();
    polls += 1;
    if (text) return { ms: now - started, text, polls };
    if (now - started > timeoutMs) return { ms: null, text, polls };
    await new Promise((r) => setTimeout(r, 5));
  }
};

async function prepare(handle) {
  // Sample tabs go to a window of their own: the polling page stays the visible tab of its
  // window (a hidden page's timers are throttled to one a second).
  handle.benchWindow = await handle.inExtension((api) => api.windows.create({ url: 'about:blank' }).then((w) => w.id));
}

let site = 0;
/** One sample: a fresh tab, the worker in `state`, then the failure. */
async function sample(handle, name, state, nginx) {
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
  const wasRunning = await backgroundRunning(handle);
  // A site of its own (an outage's history is per origin), a path of its own.
  const url = `${nginx.baseOn(2 + (site++ % 29))}/dead/badge-${name}-${state}-${site}`;
  const result = await handle.inExtension(poll, [tab, url, TIMEOUT_MS]);
  // Still shown once the error page has loaded (browsers reset the badge on commit).
  await handle.waitForLoad(tab, url).catch(() => {});
  await sleep(100);
  const kept = Boolean(await handle.badge(tab));
  await handle.inExtension((api, id) => api.tabs.remove(id).then(() => null), tab);
  await sleep(100);
  return { ...result, kept, wasRunning };
}

const slow = await startSilentUpstream();
const nginx = await startNginx({ slowPort: slow.port });
const browsers =
  browserName === 'chromium'
    ? { ours: await launch('chromium'), minimal: await launchMinimal() }
    : { ours: await launchOursFirefox(), minimal: await launchMinimalFirefox() };
const times = { ours: { awake: [], stopped: [] }, minimal: { awake: [], stopped: [] } };
const extra = { ours: { awake: {}, stopped: {} }, minimal: { awake: {}, stopped: {} } };
try {
  for (const handle of Object.values(browsers)) await prepare(handle);
  // Warm both (first navigations pay one-off costs).
  for (const [name, handle] of Object.entries(browsers)) await sample(handle, name, 'awake', nginx);
  let round = 0;
  while (Object.values(times).some((t) => t.awake.length < samples || t.stopped.length < samples)) {
    // Alternate which extension goes first in each round.
    const order = round++ % 2 ? ['minimal', 'ours'] : ['ours', 'minimal'];
    for (const state of ['awake', 'stopped']) {
      for (const name of order) {
        for (let i = 0; i < batch && times[name][state].length < samples; i++) {
          const r = await sample(browsers[name], name, state, nginx);
          const e = extra[name][state];
          if (r.ms === null) e.timeouts = (e.timeouts ?? 0) + 1;
          else times[name][state].push(r.ms);
          if (!r.kept) e.lost = (e.lost ?? 0) + 1;
          if ((state === 'stopped') === r.wasRunning) e.wrong_state = (e.wrong_state ?? 0) + 1;
          e.polls = (e.polls ?? 0) + r.polls;
          if ((e.timeouts ?? 0) > samples) throw new Error(`${name} ${state}: no badge within ${TIMEOUT_MS} ms, again and again`);
        }
      }
    }
    const done = Object.values(times).map((t) => t.awake.length + t.stopped.length).reduce((a, b) => a + b);
    process.stderr.write(`  failure to badge: ${done}/${4 * samples} samples\n`);
  }
} finally {
  for (const handle of Object.values(browsers)) await handle.close();
  await nginx.stop();
  await slow.stop();
}
const figures = {};
for (const state of ['awake', 'stopped']) {
  const ours = median(times.ours[state]);
  const minimal = median(times.minimal[state]);
  figures[state] = {
    ours_ms: ours,
    minimal_ms: minimal,
    ratio: ours / minimal,
    // Batches resampled whole: a drift of the machine between batches widens the interval.
    ratio_interval: ratioOfMedians(times.ours[state], times.minimal[state], 1000, 13, batch),
    ours_min: Math.min(...times.ours[state]),
    ours_max: Math.max(...times.ours[state]),
    minimal_min: Math.min(...times.minimal[state]),
    minimal_max: Math.max(...times.minimal[state]),
    n: samples,
    ours_extra: extra.ours[state],
    minimal_extra: extra.minimal[state],
  };
}
// How the background was stopped, for the report.
const stoppedBy =
  browserName === 'chromium'
    ? 'the worker stopped through DevTools'
    : `the event page suspended by Firefox after its idle time (${FIREFOX_IDLE_MS / 1000} s for the bench, 30 s by default)`;
console.log(JSON.stringify({ browser: browserName, stopped_by: stoppedBy, failure_to_badge: figures, baseline: 'minimal-extension (plain JS, 44-byte wasm classifier)' }));
