// One politeness policy for every request the extension sends to a failing site (issue 11): the
// checks' refetches and auto-retry's probes share one request in flight per origin, 30 a minute
// whatever the number of tabs, and every Retry-After. A loopback server answers 503 to
// everything and logs what reaches it; the tabs' own page loads are told apart from the
// extension's requests by what the browser sends with them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { launch, sleep } from './lib/browsers.mjs';
import { freePort } from './lib/servers.mjs';

const BROWSERS = (process.env.GD_BROWSERS ?? 'chromium,firefox').split(',');

/**
 * Who sent a request: a tab's page load (`page`), the page's icon (`icon`), or the extension's
 * `fetch` (`extension`: a probe, a HEAD, or a refetch, a GET past the cache). Navigations say
 * so in `sec-fetch-mode` and ask for HTML; a `fetch` asks for anything.
 */
function sender(req) {
  const path = req.url.split('?')[0];
  if (path === '/favicon.ico' || req.headers['sec-fetch-dest'] === 'image') return 'icon';
  if (req.headers['sec-fetch-mode'] === 'navigate') return 'page';
  if (req.method !== 'HEAD' && (req.headers.accept ?? '').startsWith('text/html')) return 'page';
  return 'extension';
}

/**
 * A site that answers 503 to everything, `holdMs` after each request arrives (so that two
 * requests at once overlap visibly). `retryAfterFirst`: the first page load's answer alone carries
 * `Retry-After: 5`. Tracks the extension's requests in flight at once.
 */
async function startFailingSite({ holdMs = 200, retryAfterFirst = false } = {}) {
  const log = [];
  const state = { inFlight: 0, maxInFlight: 0, overlaps: [], retryAfterSent: false };
  const sockets = new Set();
  const server = createServer((req, res) => {
    const entry = {
      method: req.method,
      path: req.url.split('?')[0],
      at: Date.now(),
      by: sender(req),
      cacheControl: req.headers['cache-control'] ?? '',
      pragma: req.headers.pragma ?? '',
      mode: req.headers['sec-fetch-mode'] ?? '',
      answeredAt: null,
    };
    log.push(entry);
    const ours = entry.by === 'extension';
    if (ours) {
      state.inFlight++;
      if (state.inFlight > 1) state.overlaps.push(`${entry.method} ${entry.path} at ${entry.at}`);
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    }
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (ours) state.inFlight--;
    };
    // A request the client gave up on (a timeout) no longer counts as in flight.
    res.on('close', end);
    setTimeout(() => {
      const headers = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
      if (retryAfterFirst && entry.by === 'page' && !state.retryAfterSent) {
        headers['retry-after'] = '5';
        state.retryAfterSent = true;
      }
      entry.answeredAt = Date.now();
      res.writeHead(503, headers);
      res.end(req.method === 'HEAD' ? undefined : '<!doctype html><title>Down</title><p>Service unavailable');
      end();
    }, holdMs);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await freePort();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${port}`,
    log,
    state,
    ours: () => log.filter((r) => r.by === 'extension'),
    stop: () =>
      new Promise((r) => {
        server.close(r);
        server.closeAllConnections?.();
        sockets.forEach((s) => s.destroy());
      }),
  };
}

/** Requests in the rolling minute ending at each one: the largest such count. */
function busiestMinute(requests) {
  let most = 0;
  for (const r of requests) {
    most = Math.max(most, requests.filter((s) => s.at <= r.at && r.at - s.at < 60_000).length);
  }
  return most;
}

const summary = (requests) => {
  const kinds = {};
  for (const r of requests) {
    const key = `${r.method}${r.cacheControl ? ` (${r.cacheControl})` : ''}`;
    kinds[key] = (kinds[key] ?? 0) + 1;
  }
  return JSON.stringify(kinds);
};

// The first-minute test waits a minute of the site's trouble: both browsers wait it at once.
describe('one politeness policy for probes and refetches', () => {
  const browsers = {};
  before(async () => {
    for (const name of BROWSERS) browsers[name] = await launch(name);
  });
  after(async () => {
    for (const browser of Object.values(browsers)) await browser?.close();
  });

  /** Ten tabs on one failing site in `name`, watched for the site's first minute. */
  const tenTabs = async (t, name) => {
    const browser = browsers[name];
    const site = await startFailingSite({ holdMs: 200 });
    try {
      const tabs = [];
      for (let i = 0; i < 10; i++) tabs.push(await browser.openTab(`${site.base}/many/${i}`));
      for (const tab of tabs) await browser.waitForBadge(tab, '503');
      const pages = site.log.filter((r) => r.by === 'page');
      const firstFailure = Math.min(...pages.map((r) => r.at));
      // The site's first minute of trouble, and the last answers to come in.
      await sleep(Math.max(0, firstFailure + 60_000 - Date.now()));
      await sleep(1000);
      const ours = site.ours();
      const firstMinute = ours.filter((r) => r.at < firstFailure + 60_000);
      t.diagnostic(
        `${name}: ${pages.length} page loads; extension: ${firstMinute.length} in the first minute ` +
          `${summary(firstMinute)}, busiest rolling minute ${busiestMinute(ours)}, ` +
          `most in flight at once ${site.state.maxInFlight}`,
      );
      assert.equal(pages.length, 10, 'each tab loaded its page once (no reload while the site is down)');
      assert.ok(firstMinute.length >= 5, `only ${firstMinute.length} requests: the checks and probes did not run`);
      assert.ok(firstMinute.some((r) => r.method === 'HEAD'), 'no probe at all');
      assert.ok(firstMinute.some((r) => r.method === 'GET'), 'no refetch at all');
      assert.ok(firstMinute.length <= 30, `${firstMinute.length} requests in the first minute`);
      assert.ok(busiestMinute(ours) <= 30, `${busiestMinute(ours)} requests in one minute`);
      assert.deepEqual(site.state.overlaps, [], 'two extension requests in flight at once');
    } finally {
      await site.stop();
      // Closing the tabs ends their watch: nothing left probing the next test's site.
      await browser.inExtension(async (api) => {
        const open = await api.tabs.query({});
        const pages = open.filter((tab) => tab.url?.startsWith('http://127.0.0.1')).map((tab) => tab.id);
        if (pages.length) await api.tabs.remove(pages);
        return null;
      });
    }
  };

  test('ten tabs on one failing site: at most 30 requests in its first minute, never two at once', async (t) => {
    await Promise.all(BROWSERS.map((name) => tenTabs(t, name)));
  });

  for (const name of BROWSERS) {
    describe(name, () => {
      let browser;
      before(() => {
        browser = browsers[name];
      });

        test("one tab's Retry-After holds every request to the site, the other tabs' checks too", async (t) => {
          // Only the first page's answer carries `Retry-After: 5`; the tabs failing after it get a
          // bare 503, and their own checks would go at once if the hold were not the site's.
          const site = await startFailingSite({ holdMs: 0, retryAfterFirst: true });
          try {
            const first = await browser.openTab(`${site.base}/ra/first`);
            await browser.waitForBadge(first, '503');
            const answered = site.log.find((r) => r.by === 'page').answeredAt;
            const others = [];
            for (const path of ['second', 'third']) others.push(await browser.openTab(`${site.base}/ra/${path}`));
            for (const tab of others) await browser.waitForBadge(tab, '503');
            await sleep(Math.max(0, answered + 8000 - Date.now()));
            const ours = site.ours();
            const early = ours.filter((r) => r.at - answered < 4900);
            t.diagnostic(
              `extension requests after the Retry-After: ${ours.map((r) => `${r.method} ${r.path} +${r.at - answered} ms`).join(', ')}`,
            );
            assert.equal(site.log.filter((r) => r.by === 'page').length, 3);
            assert.deepEqual(early.map((r) => `${r.method} ${r.path} +${r.at - answered} ms`), [], 'sent before the Retry-After was up');
            // Then they go: the checks of the tabs whose own answer had no Retry-After, and probes.
            assert.ok(ours.some((r) => r.method === 'GET' && r.path !== '/ra/first'), 'the other tabs were never checked');
            assert.ok(ours.some((r) => r.method === 'HEAD'), 'never probed after the Retry-After');
            assert.deepEqual(site.state.overlaps, [], 'two extension requests in flight at once');
          } finally {
            await site.stop();
          }
        });
    });
  }
});
