// Browser half of the checks benchmark: the time from a failure to the verdict with every
// check on loopback, and what a dead (silent) checker delays. Prints one JSON line.
// Usage: node checks-bench.mjs <checker base URL> [runs]
import { DNS_TEST_HOST, launch, sleep } from './lib/browsers.mjs';
import { freePort, startDohResolver, startNginx, startSilentUpstream } from './lib/servers.mjs';
import { startStatusWorld } from './lib/status_servers.mjs';

const [checkerBase, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 20);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The tab's incident and check records, as the background stored them. */
async function stored(browser, tab) {
  return browser.inExtension(async (api, id) => {
    const all = await api.storage.session.get(null);
    const incident = all[`incident:${id}`];
    const checks = Object.entries(all)
      .filter(([k]) => k.startsWith(`check:${id}:`))
      .map(([, v]) => v)
      .filter((r) => incident && r.incidentAtMs === incident.atMs);
    return { incident, checks };
  }, tab);
}

/** Loads one failing page; returns ms from the failure to each check's result, once `wanted`
 * checks (all eight the background starts) have a result or were skipped. */
async function oneFailure(browser, url, wanted) {
  const tab = await browser.openTab(url);
  const deadline = Date.now() + 20000;
  for (;;) {
    const { incident, checks } = await stored(browser, tab);
    const done = checks.filter((c) => c.state !== 'running');
    if (incident && done.length >= wanted) {
      await browser.inExtension((api, id) => api.tabs.remove(id).then(() => null), tab);
      return Object.fromEntries(done.map((c) => [c.check, c.startedMs + (c.elapsedMs ?? 0) - incident.atMs]));
    }
    if (Date.now() > deadline) throw new Error(`checks never finished: ${JSON.stringify(checks)}`);
    await sleep(10);
  }
}

const slow = await startSilentUpstream();
const nginx = await startNginx({ slowPort: slow.port });
const doh = await startDohResolver(['127.0.0.1']);
const statusWorld = await startStatusWorld();
const browser = await launch('chromium');
const checks = ['fresh', 'stranger', 'checker', 'dns'];
/** Issue 14's checks, run when a CDN passed on the failure. */
const cdnChecks = ['edge', 'cdnstatus', 'sitestatus'];
try {
  const settings = {
    autoRetry: false,
    checker: 'own',
    checkerUrl: checkerBase,
    dnsResolver: `${doh.base}/dns-query`,
    connectivityUrl: `${nginx.base}/ok/index.html`,
  };
  await browser.setSettings(settings);
  // A 502 behind a host name: refetches, checker and DNS all run (connectivity is skipped for an
  // HTTP error by design, so it is timed on a refused connection below).
  const healthy = [];
  for (let i = 0; i < runs + 2; i++) {
    // A site of its own each time: tabs failing on one site share its refetches.
    const times = await oneFailure(browser, `http://b${i}.${DNS_TEST_HOST}:${nginx.port}/dead/bench${i}`, 8);
    if (i >= 2) healthy.push(times);
  }
  const refused = [];
  const closed = await freePort();
  for (let i = 0; i < runs; i++) {
    refused.push(await oneFailure(browser, `http://127.0.0.${i + 2}:${closed}/bench${i}`, 8));
  }
  // The same with a checker that never answers: what arrives when.
  await browser.setSettings({ ...settings, checkerUrl: `http://127.0.0.1:${slow.port}` });
  const silent = [];
  for (let i = 0; i < 5; i++) {
    silent.push(await oneFailure(browser, `http://s${i}.${DNS_TEST_HOST}:${nginx.port}/dead/silent${i}`, 8));
  }
  // A Cloudflare-shaped 522 with every check on: the edge's trace, the CDN's status feed and
  // the site's status host as well. Counted: the requests those new checks send per failure.
  await browser.setSettings({ ...settings, statusFeedUrl: statusWorld.feedUrl('lhr') });
  const cdn = [];
  const newRequests = (from, to) => {
    const lines = statusWorld.state.log.slice(from, to);
    return {
      edge: lines.filter((l) => l.endsWith('/cdn-cgi/trace')).length,
      cdnstatus: lines.filter((l) => l.includes('/cdn/summary.json')).length,
      sitestatus: lines.filter((l) => l.startsWith('status.')).length,
    };
  };
  const firstFrom = statusWorld.state.log.length;
  let laterFrom = firstFrom;
  for (let i = 0; i < runs + 1; i++) {
    if (i === 1) laterFrom = statusWorld.state.log.length;
    const times = await oneFailure(browser, `${statusWorld.edgePage}?n=${i}`, 8);
    cdn.push(times);
  }
  const first = newRequests(firstFrom, laterFrom);
  const later = newRequests(laterFrom);
  const allChecks = [...checks, ...cdnChecks];
  const verdictAt = (t) => Math.max(...checks.map((c) => t[c]));
  const withoutChecker = (t) => Math.max(t.fresh, t.stranger, t.dns);
  console.log(
    JSON.stringify({
      runs,
      verdict_ms: median(healthy.map(verdictAt)),
      verdict_max_ms: Math.max(...healthy.map(verdictAt)),
      per_check_ms: Object.fromEntries(checks.map((c) => [c, median(healthy.map((t) => t[c]))])),
      connectivity_ms: median(refused.map((t) => t.connectivity)),
      cdn: {
        verdict_ms: median(cdn.slice(1).map((t) => Math.max(...allChecks.map((c) => t[c])))),
        first_verdict_ms: Math.max(...allChecks.map((c) => cdn[0][c])),
        per_check_ms: Object.fromEntries(cdnChecks.map((c) => [c, median(cdn.slice(1).map((t) => t[c]))])),
        first_failure_requests: first,
        later_requests_per_failure: Object.fromEntries(Object.entries(later).map(([k, v]) => [k, v / runs])),
      },
      silent_checker: {
        others_ms: median(silent.map(withoutChecker)),
        checker_ms: median(silent.map((t) => t.checker)),
      },
    }),
  );
} finally {
  await browser.close();
  await statusWorld.stop();
  await doh.stop();
  await nginx.stop();
  await slow.stop();
}
