// Auto-retry end to end: a real nginx in front of an application the test stops and starts.
// Requests are counted from nginx's own access log.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, sleep } from './lib/browsers.mjs';
import { stopWorker, workerTarget } from './lib/bench-tools.mjs';
import { startNginx, startSilentUpstream, startSwitchableApp } from './lib/servers.mjs';

const BROWSERS = (process.env.GD_BROWSERS ?? 'chromium,firefox').split(',');

let slow;
let app;
let nginx;
before(async () => {
  slow = await startSilentUpstream();
  app = await startSwitchableApp();
  nginx = await startNginx({ slowPort: slow.port, appPort: app.port });
});
after(async () => {
  await nginx?.stop();
  await app?.stop();
  await slow?.stop();
});

const since = (t0, filter) => nginx.requests().filter((r) => r.at >= t0 && filter(r));

for (const name of BROWSERS) {
  describe(`${name}: auto-retry`, () => {
    let browser;
    before(async () => {
      browser = await launch(name);
    });
    after(async () => {
      await browser?.close();
    });
    // Each test starts with the application up, whatever the previous one left.
    beforeEach(async () => {
      await app.start().catch(() => {});
      app.state.failWithRetryAfterUntil = 0;
    });

    test('the tab comes back by itself soon after the upstream returns', async () => {
      await app.stop();
      const url = `${nginx.baseOn(2)}/app/back`;
      const tab = await browser.openTab(url);
      await browser.waitForBadge(tab, '502');
      const popup = await browser.openPopup(tab);
      assert.match(await popup.evaluate(() => document.querySelector('#retry-status')?.textContent ?? ''), /checks the site again|checking the site/);
      await popup.close();
      await sleep(3000);
      await app.start();
      const upAt = Date.now();
      const shownAt = await browser.waitForTitle(tab, 'App back', 8000);
      await browser.waitForBadge(tab, '');
      const delay = shownAt - upAt;
      assert.ok(delay < 4000, `recovery took ${delay} ms`);
    });

    test('ten tabs on one origin make one probe stream, and all come back', async () => {
      // Notifications are opt-in (their permission is granted in the test build).
      await browser.setSettings({ notifyWhenBack: true });
      await app.stop();
      const opened = Date.now();
      const tabs = [];
      for (let i = 0; i < 10; i++) tabs.push(await browser.openTab(`${nginx.baseOn(3)}/app/many${i}`));
      for (const tab of tabs) await browser.waitForBadge(tab, '502');
      await sleep(1000);
      // The ten loads themselves, plus one shared pair of checks (with and without cookies).
      const gets = since(opened, (r) => r.uri.startsWith('/app/many') && r.method === 'GET');
      assert.ok(gets.length <= 12, `${gets.length} GETs reached the struggling site`);
      const t0 = Date.now();
      await sleep(8000);
      const probes = since(t0, (r) => r.uri.startsWith('/app/many') && r.method === 'HEAD');
      const reloads = since(t0, (r) => r.uri.startsWith('/app/many') && r.method === 'GET');
      assert.ok(probes.length >= 2 && probes.length <= 6, `${probes.length} probes in 8 s for 10 tabs`);
      assert.equal(reloads.length, 0, 'tabs were reloaded while the site was down');
      const active = await browser.inExtension(
        (api, ids) => Promise.all(ids.map((id) => api.tabs.get(id).then((t) => t.active))),
        tabs,
      );
      const front = active.indexOf(true);
      assert.ok(front >= 0 && active.lastIndexOf(true) === front, `active tabs: ${JSON.stringify(active)}`);
      const up = Date.now();
      await app.start();
      for (let i = 0; i < 10; i++) await browser.waitForTitle(tabs[i], `App many${i}`, 8000);
      // The tab in front came back first, alone; then the others.
      const order = since(up, (r) => r.uri.startsWith('/app/many') && r.method === 'GET').map((r) => Number(r.uri.slice(9)));
      assert.equal(order[0], front, `the order of the reloads: ${order}`);
      assert.deepEqual([...order].sort((a, b) => a - b), [...Array(10).keys()], `the reloads: ${order}`);
      // Nine of them were in the background: one notification says they are back. (Headless
      // Firefox has no notification service to keep one open, so only Chromium can list it.)
      if (name === 'chromium') {
        // It is shown once the reloads have started, which may be after the pages are up.
        let shown = [];
        let ours = [];
        for (let i = 0; i < 50 && ours.length === 0; i++) {
          if (i > 0) await sleep(100);
          shown = await browser.inExtension(async (api) => Object.keys(await api.notifications.getAll()));
          ours = shown.filter((id) => id.startsWith('gateway-doctor-back-'));
        }
        assert.equal(ours.length, 1, `notifications: ${JSON.stringify(shown)}`);
      }
    });

    // A notification names the one tab that came back in the background by its page's title, read
    // once its reload has loaded: read earlier, it was the failed page's ("502 Bad Gateway").
    // Chromium only (headless Firefox keeps no notification); what the extension asks to show is
    // recorded in its worker.
    if (name === 'chromium') {
      test('one tab back in the background: the notification names its page', async () => {
        await browser.setSettings({ notifyWhenBack: true });
        let notified = [];
        try {
          await app.stop();
          const behind = await browser.openTab(`${nginx.baseOn(9)}/app/lone`);
          await browser.waitForBadge(behind, '502');
          const front = await browser.openTab(`${nginx.baseOn(9)}/app/front`);
          await browser.waitForBadge(front, '502');
          const worker = await workerTarget(browser)?.worker();
          assert.ok(worker, 'no running worker to watch');
          await worker.evaluate(() => {
            globalThis.notified = [];
            const create = chrome.notifications.create.bind(chrome.notifications);
            chrome.notifications.create = (id, options) => {
              globalThis.notified.push({ id, message: options.message });
              return create(id, options);
            };
          });
          await sleep(1000);
          await app.start();
          await browser.waitForTitle(behind, 'App lone', 8000);
          for (let i = 0; i < 50 && notified.length === 0; i++) {
            await sleep(100);
            notified = await worker.evaluate(() => globalThis.notified);
          }
        } finally {
          await browser.setSettings({ notifyWhenBack: false });
          // The DevTools session attached above keeps the worker from stopping when a later test
          // asks; stopping it here drops the session and the wrapper with it, even on a failure.
          await stopWorker(browser);
        }
        assert.equal(notified.length, 1, `notifications: ${JSON.stringify(notified)}`);
        assert.match(notified[0].message, /App lone/, `the notification: ${JSON.stringify(notified[0])}`);
      });
    }

    test('a Retry-After of 5 s is respected', async () => {
      app.state.failWithRetryAfterUntil = Date.now() + 7000;
      const t0 = Date.now();
      const tab = await browser.openTab(`${nginx.baseOn(4)}/app/ra/page`);
      await browser.waitForBadge(tab, '503');
      const failedAt = since(t0, (r) => r.uri === '/app/ra/page' && r.method === 'GET')[0].at;
      await browser.waitForTitle(tab, 'App rapage', 15000);
      const probes = since(t0, (r) => r.uri === '/app/ra/page' && r.method === 'HEAD');
      assert.ok(probes.length >= 1, 'no probe at all');
      const firstProbe = probes[0].at - failedAt;
      assert.ok(firstProbe >= 4900, `first probe ${firstProbe} ms after a Retry-After: 5`);
      // The checks' refetches wait too: nothing but the visit itself before the 5 s are up.
      const early = since(t0, (r) => r.uri === '/app/ra/page' && r.at > failedAt && r.at - failedAt < 4900);
      assert.deepEqual(early, [], 'requests sent before the Retry-After was up');
    });

    test('"Stop retrying" in the popup stops it: the tab stays as it is after recovery', async () => {
      await app.stop();
      const url = `${nginx.baseOn(6)}/app/cancelled`;
      const tab = await browser.openTab(url);
      await browser.waitForBadge(tab, '502');
      const popup = await browser.openPopup(tab);
      await popup.evaluate(() => document.querySelector('#cancel-retry').click());
      let status = '';
      for (let i = 0; i < 50 && !/stopped/.test(status); i++) {
        await sleep(100);
        status = await popup.evaluate(() => document.querySelector('#retry-status')?.textContent ?? '');
      }
      await popup.close();
      assert.match(status, /Auto-retry stopped for this tab/);
      const t0 = Date.now();
      await app.start();
      await sleep(5000);
      const after = since(t0, (r) => r.uri === '/app/cancelled');
      assert.equal(after.length, 0, `the tab was still probed: ${JSON.stringify(after)}`);
      assert.equal(await browser.badge(tab), '502');
      const again = await browser.openPopup(tab);
      const note = await again.evaluate(() => document.querySelector('#retry-note')?.textContent ?? '');
      await again.close();
      assert.match(note, /Auto-retry stopped for this tab/);
    });

    test('a form POST that got a 502 is never sent again', async () => {
      const formUrl = `${nginx.baseOn(5)}/ok/form.html`;
      const tab = await browser.openTab(formUrl);
      await browser.waitForLoad(tab, formUrl);
      const page = await browser.pageShowing(formUrl);
      await app.stop();
      const t0 = Date.now();
      await page.evaluate(() => document.querySelector('form').submit()).catch(() => {});
      await browser.waitForBadge(tab, '502');
      await app.start();
      await sleep(6000);
      const posts = since(t0, (r) => r.uri === '/app/submit' && r.method === 'POST');
      assert.equal(posts.length, 1, `the form was sent ${posts.length} times`);
      assert.equal(since(t0, (r) => r.uri === '/app/submit' && r.method !== 'POST').length, 0);
      assert.equal(await browser.badge(tab), '502');
      const popup = await browser.openPopup(tab);
      const note = await popup.evaluate(() => document.querySelector('#retry-note')?.textContent ?? '');
      await popup.close();
      assert.match(note, /never sends a form again/);
    });

    if (name === 'chromium') {
      test('the service worker stopped mid-outage still brings the tab back', async () => {
        await app.stop();
        const url = `${nginx.baseOn(6)}/app/worker`;
        const tab = await browser.openTab(url);
        await browser.waitForBadge(tab, '502');
        const page = await browser.browser.newPage();
        const session = await page.createCDPSession();
        await session.send('ServiceWorker.enable');
        await session.send('ServiceWorker.stopAllWorkers');
        await sleep(500);
        const workers = browser.browser.targets().filter((t) => t.type() === 'service_worker');
        assert.equal(workers.length, 0, 'the service worker is still running');
        await app.start();
        await browser.waitForTitle(tab, 'App worker', 15000);
        await session.detach();
        await page.close();
      });
    }
  });
}

describe('chromium: auto-retry while offline', { skip: !BROWSERS.includes('chromium') }, () => {
  test('offline pauses probing, and coming back online probes at once', async () => {
    const browser = await launch('chromium');
    try {
      await app.stop();
      const url = `${nginx.baseOn(2)}/app/offline`;
      const tab = await browser.openTab(url);
      await browser.waitForBadge(tab, '502');
      const target = await browser.browser.waitForTarget((t) => t.type() === 'service_worker');
      const session = await target.createCDPSession();
      await session.send('Network.enable');
      const conditions = { latency: 0, downloadThroughput: -1, uploadThroughput: -1 };
      await session.send('Network.emulateNetworkConditions', { ...conditions, offline: true });
      await sleep(3000);
      const popup = await browser.openPopup(tab);
      const status = await popup.evaluate(() => document.querySelector('#retry-status')?.textContent ?? '');
      await popup.close();
      assert.match(status, /Paused while you are offline/);
      const t0 = Date.now();
      await session.send('Network.emulateNetworkConditions', { ...conditions, offline: false });
      await sleep(2500);
      const probes = since(t0, (r) => r.uri === '/app/offline' && r.method === 'HEAD');
      assert.ok(probes.length >= 1, 'no probe after coming back online');
      assert.ok(probes[0].at - t0 < 2000, `first probe ${probes[0].at - t0} ms after going online`);
      await app.start();
      await browser.waitForTitle(tab, 'App offline', 8000);
      await session.detach();
    } finally {
      await browser.close();
    }
  });
});
