// What a woken background compiles: an ordinary page load, with nothing kept, must not make it
// compile the full core (the first module decides, `engine::needs_full_core`); a failure must,
// and a background woken while something is kept loads it at once. Observed through what the
// background says it did with the full core (`gatewayDoctorFullCore`: 'not wanted', 'wanted',
// 'ready'; neither browser records an extension's own files in its resource timing).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, sleep, until } from './lib/browsers.mjs';
import { stopWorker, workerTarget } from './lib/bench-tools.mjs';
import { startNginx, startSilentUpstream } from './lib/servers.mjs';

const BROWSERS = (process.env.GD_BROWSERS ?? 'chromium,firefox').split(',');

let slow;
let nginx;
before(async () => {
  slow = await startSilentUpstream();
  nginx = await startNginx({ slowPort: slow.port });
});
after(async () => {
  await nginx?.stop();
  await slow?.stop();
});

/**
 * What the running background did with the full core, once its start has decided (until its
 * script has run: undefined).
 */
async function fullCore(browser) {
  if (browser.name === 'chromium') {
    const worker = await workerTarget(browser)?.worker();
    return worker
      ? worker.evaluate(async () => {
          await globalThis.gatewayDoctorReadyMs;
          return globalThis.gatewayDoctorFullCore;
        })
      : 'no worker';
  }
  return browser.inExtension((api) =>
    api.runtime.getBackgroundPage().then(async (page) => {
      await page.gatewayDoctorReadyMs;
      return page.gatewayDoctorFullCore;
    }),
  );
}

/** How many events the running background's full core dropped unread. */
async function dropped(browser) {
  if (browser.name === 'chromium') {
    const worker = await workerTarget(browser)?.worker();
    return worker ? worker.evaluate(() => globalThis.gatewayDoctorDroppedUnread) : null;
  }
  return browser.inExtension((api) => api.runtime.getBackgroundPage().then((page) => page.gatewayDoctorDroppedUnread));
}

/** Loads `url` in a new tab as a visitor would, and returns the tab's page. */
async function visit(browser, url) {
  const page = await browser.browser.newPage();
  await page.goto(url, { waitUntil: 'load' }).catch(() => {});
  return page;
}

for (const name of BROWSERS) {
  describe(`${name}: what a woken background compiles`, () => {
    let browser;
    before(async () => {
      browser = await launch(name);
    });
    after(async () => {
      await browser?.close();
    });

    test('ordinary page loads leave the full core alone; a failure loads it', async () => {
      if (name === 'chromium') {
        // As the browser stops an idle worker: the page load below is what wakes it.
        await stopWorker(browser);
      }
      const good = await visit(browser, `${nginx.base}/ok/index.html`);
      await good.goto(`${nginx.base}/ok/index.html?again`, { waitUntil: 'load' });
      await until(async () => (name === 'chromium' ? Boolean(workerTarget(browser)) : true), 'the worker woke');
      await until(async () => typeof (await fullCore(browser)) === 'string', 'the background started');
      await sleep(500);
      assert.equal(await fullCore(browser), 'not wanted', 'two good loads need only the first module');

      const tabId = await browser.openTab(`${nginx.base}/dead/wake`);
      await browser.waitForBadge(tabId, '502');
      await until(async () => (await fullCore(browser)) === 'ready', 'the full core is up for the failure');
      // The full core handles it: the incident is kept.
      await until(
        () => browser.inExtension((api, id) => api.storage.session.get(`incident:${id}`).then((o) => Boolean(o[`incident:${id}`])), tabId),
        'the incident was stored',
      );
      // With the full core up, another tab's good load is dropped unread (its two events); the
      // failed tab's own load is not: it ends the failure (the commit that follows, with nothing
      // left stored for the tab, may be dropped).
      const droppedBefore = await dropped(browser);
      await good.goto(`${nginx.base}/ok/index.html?after-the-failure`, { waitUntil: 'load' });
      await until(async () => (await dropped(browser)) >= droppedBefore + 2, 'the good load was dropped unread');
      await browser.inExtension((api, to) => api.tabs.update(to.id, { url: to.url }), { id: tabId, url: `${nginx.base}/ok/index.html?recovered` });
      await until(
        () => browser.inExtension((api, id) => api.storage.session.get(`incident:${id}`).then((o) => !o[`incident:${id}`]), tabId),
        'the failed tab moved on: its incident was forgotten',
      );
      await until(async () => (await browser.badge(tabId)) === '', 'its badge was cleared');
      await good.close();
      await browser.inExtension((api, id) => api.tabs.remove(id), tabId);
    });

    if (name === 'chromium') {
      test('a worker woken while an incident is kept loads the full core, which clears the tab once it loads', async () => {
        const tabId = await browser.openTab(`${nginx.base}/dead/kept`);
        await browser.waitForBadge(tabId, '502');
        await until(
          () => browser.inExtension((api, id) => api.storage.session.get(`incident:${id}`).then((o) => Boolean(o[`incident:${id}`])), tabId),
          'the incident was stored',
        );
        await stopWorker(browser);
        // Moved on by the page itself (the extension page's own calls would not wake it).
        const page = (await browser.browser.pages()).find((p) => p.url().endsWith('/dead/kept'));
        await page.goto(`${nginx.base}/ok/index.html?moved-on`, { waitUntil: 'load' });
        await until(async () => Boolean(workerTarget(browser)), 'the worker woke');
        await until(async () => typeof (await fullCore(browser)) === 'string', 'the background started');
        assert.notEqual(await fullCore(browser), 'not wanted', 'a start with an incident kept wants the full core');
        await until(
          () => browser.inExtension((api, id) => api.storage.session.get(`incident:${id}`).then((o) => !o[`incident:${id}`]), tabId),
          'the incident was forgotten once the tab moved on',
        );
        assert.equal(await browser.badge(tabId), '');
        await page.close();
      });
    }
  });
}
