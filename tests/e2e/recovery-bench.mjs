// Real-browser half of the auto-retry benchmark: Chromium with the built extension, a real nginx
// in front of an application that is stopped for an outage and started again. Three strategies go
// through the same harness: the extension's auto-retry, Chromium's own reload schedule, and a
// fixed 5 s reloader per tab (both driven by the harness, with auto-retry off). Prints JSON.
// Usage: node recovery-bench.mjs [--baseline-trials=N] [SECONDSxTRIALS...], e.g. 5x10 60x10
// GD_RECOVERY_TRACE=1 prints every request of each outage as nginx logged it.
//   --baseline-trials=N  outages per length for the two baselines (default: as many as ours)
// Delay: from the moment the application listens again to the moment the tab shows the page's own
// content (its title, as tabs.onUpdated reports it in an extension page); for all ten tabs, and
// for the one in front of the visitor (the active tab of the window). Requests in the first
// minute: everything nginx received for the ten tabs' addresses, their first visits included,
// from the first tab opening until a minute later or the upstream's return, whichever is first;
// and the extension's share of it (probes, checks, reloads: all but each tab's first visit).
// The delay in two parts: the wait for the site's first 200 after its return (nginx's log), and
// from that answer to the pages.
import { DNS_TEST_HOST, launch, sleep } from './lib/browsers.mjs';
import { clusteredMedian, median } from './lib/bench-tools.mjs';
import { startNginx, startSilentUpstream, startSwitchableApp } from './lib/servers.mjs';

const args = process.argv.slice(2);
const baselineArg = args.find((a) => a.startsWith('--baseline-trials='));
const lengthArgs = args.filter((a) => !a.startsWith('--'));
const outages = (lengthArgs.length ? lengthArgs : ['5x4', '30x1']).map((arg) => {
  const [seconds, trials = '1'] = arg.split('x');
  return { seconds: Number(seconds), trials: Number(trials) };
});
const baselineTrials = baselineArg ? Number(baselineArg.split('=')[1]) : null;
const TABS = 10;
const GIVE_UP_AFTER_MS = 120000;
const CHROMIUM_SCHEDULE_MS = [1000, 5000, 30000, 60000, 300000, 600000, 1800000];

const slow = await startSilentUpstream();
const app = await startSwitchableApp();
const nginx = await startNginx({ slowPort: slow.port, appPort: app.port });
const browser = await launch('chromium');
let origin = 1;

async function setAutoRetry(on) {
  await browser.inExtension((api, value) => api.storage.sync.set({ autoRetry: value }).then(() => null), on);
}

// When each tab first showed a page titled "App ...", by the browser's own event.
await browser.inExtension((api) => {
  globalThis.benchShown = {};
  api.tabs.onUpdated.addListener((id, change, tab) => {
    if (!(id in globalThis.benchShown) && typeof tab.title === 'string' && tab.title.startsWith('App ')) {
      globalThis.benchShown[id] = { at: Date.now(), title: tab.title };
    }
  });
  return null;
});
const shownSoFar = () => browser.inExtension(() => globalThis.benchShown);

/** One outage: returns recovery delays (ms) per tab and the requests nginx saw meanwhile. */
async function outage(strategy, seconds) {
  // An origin of its own per outage (auto-retry remembers an origin's recent outage): a name
  // the test browsers resolve to 127.0.0.1, so there are as many as outages.
  const n = origin++;
  const base = `http://o${n}.${DNS_TEST_HOST}:${nginx.port}`;
  const path = (i) => `/app/${strategy}${seconds}x${n}x${i}`;
  const ours = (uri) => uri.startsWith(`/app/${strategy}${seconds}x${n}x`);
  await setAutoRetry(strategy === 'ours');
  await app.stop();
  const start = Date.now();
  const failedAt = [];
  const tabs = [];
  for (let i = 0; i < TABS; i++) {
    tabs.push(await browser.openTab(base + path(i)));
    failedAt.push(Date.now());
  }
  const upPlanned = start + seconds * 1000;
  let upAt = null;
  // The harness's own reloaders for the baselines.
  const nextReload = failedAt.map((t, i) => ({ at: t + (strategy === 'fixed' ? 5000 : CHROMIUM_SCHEDULE_MS[0]), step: 0, i }));
  let shown = {};
  const recovered = () => tabs.every((id, i) => shown[id]?.title === `App ${path(i).slice(5).replace(/[^a-z0-9-]/gi, '')}`);
  while (upAt === null || (!recovered() && Date.now() - upAt < GIVE_UP_AFTER_MS)) {
    const now = Date.now();
    if (upAt === null && now >= upPlanned) {
      await app.start();
      upAt = Date.now();
    }
    if (strategy !== 'ours') {
      for (const r of nextReload) {
        if (!shown[tabs[r.i]] && now >= r.at) {
          await browser.inExtension((api, id) => api.tabs.reload(id).then(() => null), tabs[r.i]);
          r.step += 1;
          r.at = now + (strategy === 'fixed' ? 5000 : CHROMIUM_SCHEDULE_MS[Math.min(r.step, CHROMIUM_SCHEDULE_MS.length - 1)] - CHROMIUM_SCHEDULE_MS[Math.min(r.step - 1, CHROMIUM_SCHEDULE_MS.length - 1)]);
        }
      }
    }
    shown = await shownSoFar();
    await sleep(upAt === null ? 200 : 50);
  }
  // The tab in front of the visitor: the active one of its window (the last opened).
  const front = await browser.inExtension(
    (api, ids) => Promise.all(ids.map((id) => api.tabs.get(id).then((t) => t.active))),
    tabs,
  );
  const log = nginx.requests().filter((r) => ours(r.uri));
  if (process.env.GD_RECOVERY_TRACE) {
    // Where the requests went: seconds since the first tab opened, method, tab, status.
    const line = (r) => `${((r.at - start) / 1000).toFixed(2)} ${r.method} ${r.uri.split('x').pop()} ${r.status}`;
    process.stderr.write(`  trace (${strategy} ${seconds} s, up at ${((upAt - start) / 1000).toFixed(2)}): ${log.map(line).join(' | ')}\n`);
  }
  const during = log.filter((r) => r.at >= start && r.at < upAt);
  const firstMinute = log.filter((r) => r.at >= start && r.at < Math.min(start + 60000, upAt));
  await browser.inExtension((api, ids) => api.tabs.remove(ids).then(() => null), tabs);
  const delays = tabs.map((id, i) => {
    const s = shown[id];
    return s && s.title === `App ${path(i).slice(5).replace(/[^a-z0-9-]/gi, '')}` ? Math.max(0, s.at - upAt) : null;
  });
  // The extension's own share: all but each tab's first visit (which the visitor made).
  const firstVisits = new Set();
  const extensionFirstMinute = firstMinute.filter((r) => {
    const visit = r.method === 'GET' && !firstVisits.has(r.uri);
    if (visit) firstVisits.add(r.uri);
    return !visit;
  }).length;
  const frontDelays = delays.filter((d, i) => front[i] && d !== null);
  // The delay in two parts: the wait for the site's first answer after its return (for ours, the
  // probe that found it back: luck of the probe's phase), and from that answer to each page.
  const firstOk = log.find((r) => r.at >= upAt && r.status === 200);
  const waitMs = firstOk ? firstOk.at - upAt : null;
  const afterMs = firstOk ? delays.filter((d) => d !== null).map((d) => d - waitMs) : [];
  const frontAfterMs = firstOk ? frontDelays.map((d) => d - waitMs) : [];
  return { delays, frontDelays, waitMs, afterMs, frontAfterMs, during: during.length, firstMinute: firstMinute.length, extensionFirstMinute };
}

/** Several outages of one length for one strategy, pooled. */
async function trials(strategy, seconds, count) {
  const delays = [];
  const frontDelays = [];
  const perOutage = [];
  const byOutage = [];
  const waits = [];
  const after = [];
  const frontAfter = [];
  let during = 0;
  let firstMinute = 0;
  let extensionFirstMinute = 0;
  for (let trial = 0; trial < count; trial++) {
    const one = await outage(strategy, seconds);
    delays.push(...one.delays);
    frontDelays.push(...one.frontDelays);
    if (one.waitMs !== null) waits.push(one.waitMs);
    after.push(...one.afterMs);
    frontAfter.push(...one.frontAfterMs);
    const got = one.delays.filter((d) => d !== null);
    byOutage.push(got);
    perOutage.push(got.length ? median(got) : null);
    during = Math.max(during, one.during);
    firstMinute = Math.max(firstMinute, one.firstMinute);
    extensionFirstMinute = Math.max(extensionFirstMinute, one.extensionFirstMinute);
    process.stderr.write(
      `  recovery: ${seconds} s outage ${trial + 1}/${count}, ${strategy}: median delay ${got.length ? (median(got) / 1000).toFixed(2) + ' s' : '-'} ` +
        `(the site's first answer after ${one.waitMs === null ? '-' : (one.waitMs / 1000).toFixed(2) + ' s'}), ` +
        `${one.firstMinute} requests in the first minute (${one.extensionFirstMinute} not first visits)${got.length < TABS ? `, ${TABS - got.length} tabs not back` : ''}\n`,
    );
  }
  const got = delays.filter((d) => d !== null);
  return {
    strategy,
    outage_s: seconds,
    outages: count,
    median_delay_ms: got.length ? median(got) : null,
    // Outages resampled whole (the tabs of one outage wait for the same probe).
    median_delay_interval_ms: clusteredMedian(byOutage),
    delays_by_outage_ms: byOutage,
    worst_delay_ms: got.length ? Math.max(...got) : null,
    front_median_delay_ms: frontDelays.length ? median(frontDelays) : null,
    median_wait_ms: waits.length ? median(waits) : null,
    median_after_answer_ms: after.length ? median(after) : null,
    front_median_after_answer_ms: frontAfter.length ? median(frontAfter) : null,
    per_outage_median_ms: perOutage,
    unrecovered: delays.length - got.length,
    requests_during_outage: during,
    requests_first_minute: firstMinute,
    extension_requests_first_minute: extensionFirstMinute,
  };
}

const rows = [];
try {
  for (const { seconds, trials: count } of outages) {
    for (const strategy of ['ours', 'chromium', 'fixed']) {
      rows.push(await trials(strategy, seconds, strategy === 'ours' ? count : (baselineTrials ?? count)));
    }
  }
} finally {
  await browser.close();
  await nginx.stop();
  await app.stop();
  await slow.stop();
}
// Ours over every length: each length keeps its number of outages in each resample.
const oursRows = rows.filter((r) => r.strategy === 'ours');
const pooled = clusteredMedian(
  oursRows.flatMap((r) => r.delays_by_outage_ms),
  oursRows.flatMap((r) => r.delays_by_outage_ms.map(() => r.outage_s)),
);
console.log(JSON.stringify({ tabs: TABS, rows, pooled }));
