// Real-browser half of the auto-retry benchmark: Chromium with the built extension, a real nginx
// in front of an application that is stopped for an outage and started again. Three strategies go
// through the same harness: the extension's auto-retry, Chromium's own reload schedule, and a
// fixed 5 s reloader per tab (both driven by the harness, with auto-retry off). Prints JSON.
// Usage: node recovery-bench.mjs [SECONDSxTRIALS...], e.g. 5x4 30x1
import { launch, sleep } from './lib/browsers.mjs';
import { startNginx, startSilentUpstream, startSwitchableApp } from './lib/servers.mjs';

const outages = (process.argv.slice(2).length ? process.argv.slice(2) : ['5x4', '30x1']).map((arg) => {
  const [seconds, trials = '1'] = arg.split('x');
  return { seconds: Number(seconds), trials: Number(trials) };
});
const TABS = 10;
const CHROMIUM_SCHEDULE_MS = [1000, 5000, 30000, 60000, 300000, 600000, 1800000];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const slow = await startSilentUpstream();
const app = await startSwitchableApp();
const nginx = await startNginx({ slowPort: slow.port, appPort: app.port });
const browser = await launch('chromium');
let origin = 1;

async function setAutoRetry(on) {
  await browser.inExtension((api, value) => api.storage.sync.set({ autoRetry: value }).then(() => null), on);
}

async function titles(tabs) {
  return browser.inExtension(async (api, ids) => Promise.all(ids.map(async (id) => (await api.tabs.get(id)).title)), tabs);
}

/** One outage: returns recovery delays (ms) per tab and the requests nginx saw meanwhile. */
async function outage(strategy, seconds) {
  const base = nginx.baseOn(origin++);
  const path = (i) => `/app/${strategy}${seconds}x${i}`;
  await setAutoRetry(strategy === 'ours');
  await app.stop();
  const failedAt = [];
  const tabs = [];
  for (let i = 0; i < TABS; i++) {
    tabs.push(await browser.openTab(base + path(i)));
    failedAt.push(Date.now());
  }
  const start = Date.now();
  const upAt = start + seconds * 1000;
  const shownAt = new Array(TABS).fill(null);
  // The harness's own reloaders for the baselines.
  const nextReload = failedAt.map((t, i) => ({ at: t + (strategy === 'fixed' ? 5000 : CHROMIUM_SCHEDULE_MS[0]), step: 0, i }));
  let upstreamUp = false;
  while (shownAt.some((t) => t === null) && Date.now() - upAt < 120000) {
    const now = Date.now();
    if (!upstreamUp && now >= upAt) {
      await app.start();
      upstreamUp = true;
    }
    if (strategy !== 'ours') {
      for (const r of nextReload) {
        if (shownAt[r.i] === null && now >= r.at) {
          await browser.inExtension((api, id) => api.tabs.reload(id).then(() => null), tabs[r.i]);
          r.step += 1;
          r.at = now + (strategy === 'fixed' ? 5000 : CHROMIUM_SCHEDULE_MS[Math.min(r.step, CHROMIUM_SCHEDULE_MS.length - 1)] - CHROMIUM_SCHEDULE_MS[Math.min(r.step - 1, CHROMIUM_SCHEDULE_MS.length - 1)]);
        }
      }
    }
    if (upstreamUp) {
      const shown = await titles(tabs);
      shown.forEach((title, i) => {
        if (shownAt[i] === null && title === `App ${path(i).slice(5).replace(/[^a-z0-9-]/gi, '')}`) shownAt[i] = Date.now();
      });
    }
    await sleep(50);
  }
  const during = nginx.requests().filter((r) => r.at >= start && r.at < upAt && r.uri.startsWith(`/app/${strategy}${seconds}x`));
  const firstMinute = nginx.requests().filter((r) => r.at >= start && r.at < start + 60000 && r.at < upAt && r.uri.startsWith(`/app/${strategy}${seconds}x`));
  await browser.inExtension((api, ids) => api.tabs.remove(ids).then(() => null), tabs);
  const delays = shownAt.map((t) => (t === null ? null : t - upAt));
  return { delays, during: during.length, firstMinute: firstMinute.length };
}

/** Several outages of one length for one strategy, pooled. */
async function trials(strategy, seconds, count) {
  const delays = [];
  let during = 0;
  let firstMinute = 0;
  for (let trial = 0; trial < count; trial++) {
    const one = await outage(strategy, seconds);
    delays.push(...one.delays);
    during = Math.max(during, one.during);
    firstMinute = Math.max(firstMinute, one.firstMinute);
  }
  const got = delays.filter((d) => d !== null);
  return {
    strategy,
    outage_s: seconds,
    outages: count,
    median_delay_ms: got.length ? median(got) : null,
    worst_delay_ms: got.length ? Math.max(...got) : null,
    unrecovered: delays.length - got.length,
    requests_during_outage: during,
    requests_first_minute: firstMinute,
  };
}

const rows = [];
try {
  for (const { seconds, trials: count } of outages) {
    for (const strategy of ['ours', 'chromium', 'fixed']) rows.push(await trials(strategy, seconds, count));
  }
} finally {
  await browser.close();
  await nginx.stop();
  await app.stop();
  await slow.stop();
}
console.log(JSON.stringify({ tabs: TABS, rows }));
