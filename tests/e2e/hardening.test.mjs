// Hardening, end to end in both browsers: what a failing site can aim at the extension (a
// redirected refetch, a page script's messages, a page that defines the banner's element or hides
// it), what a long address or a full session store does to it, and the switch that turns the
// refetches off. Every site is on 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, sleep, until, untilChecksSettled } from './lib/browsers.mjs';
import { HAPROXY_503, startEndlessService, startHostileSite, startTrap } from './lib/hostile.mjs';

const BROWSERS = (process.env.GD_BROWSERS ?? 'chromium,firefox').split(',');

/** The popup's check lines once every check has finished. */
async function settledLines(popup) {
  await untilChecksSettled(popup, 15000);
  return popup.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('#checks li')].map((li) => [li.dataset.check, { state: li.dataset.state, text: li.textContent }]),
    ),
  );
}

/** Runs `fn(arg)` in the extension's isolated world inside the tab (where a content script runs). */
const inTab = (browser, tab, fn, arg) =>
  browser.inExtension(
    `async (api, [id, a]) => {
      const [first] = await api.scripting.executeScript({ target: { tabId: id }, func: ${fn.toString()}, args: [a] });
      return first?.result;
    }`,
    [tab, arg ?? null],
  );

for (const name of BROWSERS) {
  describe(`${name}: hardening`, () => {
    let browser;
    before(async () => {
      browser = await launch(name);
    });
    after(async () => {
      await browser?.close();
    });

    test('a refetch redirected to another origin is not followed: that origin receives nothing', async () => {
      const trap = await startTrap();
      const site = await startHostileSite({
        '/account': { first: { status: 502, body: '<title>502</title>Bad gateway' }, then: `redirect:${trap.base}/stolen` },
      });
      try {
        await browser.setSettings({ autoRetry: false });
        const tab = await browser.openTab(`${site.base}/account?id=1`);
        await browser.waitForBadge(tab, '502');
        const popup = await browser.openPopup(tab);
        const lines = await settledLines(popup);
        await popup.close();
        // Both refetches asked the failing address, and only it.
        assert.ok(site.requests('/account').length >= 3, JSON.stringify(site.log));
        assert.deepEqual(trap.seen, [], 'the redirect target was asked');
        assert.match(lines.fresh.text, /redirect/i, JSON.stringify(lines));
        assert.match(lines.stranger.text, /redirect/i, JSON.stringify(lines));
      } finally {
        await site.stop();
        await trap.stop();
      }
    });

    test('the refetches can be turned off: the failing site hears only the visitor', async () => {
      const site = await startHostileSite({ '/quiet': { first: { status: 502, body: 'Bad gateway' } } });
      try {
        await browser.setSettings({ autoRetry: false, refetchPage: false });
        const tab = await browser.openTab(`${site.base}/quiet`);
        await browser.waitForBadge(tab, '502');
        const popup = await browser.openPopup(tab);
        const lines = await settledLines(popup);
        await popup.close();
        await sleep(500);
        assert.equal(site.requests('/quiet').length, 1, JSON.stringify(site.log));
        assert.equal(lines.fresh.state, 'skipped', JSON.stringify(lines));
        assert.equal(lines.stranger.state, 'skipped', JSON.stringify(lines));
      } finally {
        await site.stop();
      }
    });

    test('a failure at a 6 KB address keeps its badge once the page is shown, and its page is read', async () => {
      const site = await startHostileSite({ '/callback': { first: { status: 503, body: HAPROXY_503 } } });
      try {
        await browser.setSettings({ autoRetry: false });
        const url = `${site.base}/callback?state=${'s'.repeat(6000)}`;
        const tab = await browser.openTab(url);
        await browser.waitForLoad(tab, url);
        await browser.waitForBadge(tab, '503');
        await sleep(1500);
        assert.equal(await browser.badge(tab), '503', 'the badge went away once the page committed');
        // HAProxy sends no Server header: only the page itself names it.
        const popup = await browser.openPopup(tab);
        await until(() => popup.evaluate(() => /HAProxy/.test(document.body.textContent)), 'the popup names HAProxy from the page');
        await popup.close();
      } finally {
        await site.stop();
      }
    });

    test("a page's script cannot stop auto-retry or rerun the checks, only open its own details", async () => {
      const site = await startHostileSite({ '/msg': { first: { status: 502, body: 'Bad gateway' } } });
      try {
        await browser.setSettings({ autoRetry: true });
        const tab = await browser.openTab(`${site.base}/msg`);
        await browser.waitForBadge(tab, '502');
        await sleep(1000);
        const before = site.requests('/msg').filter((r) => r.method === 'GET').length;
        const send = (message) =>
          inTab(browser, tab, (m) => (globalThis.browser ?? globalThis.chrome).runtime.sendMessage(m), message);
        const cancel = await send({ type: 'cancel-retry', tabId: tab });
        const rerun = await send({ type: 'run-checks', tabId: tab });
        assert.equal(cancel?.ok, false, JSON.stringify(cancel));
        assert.match(cancel.error, /refused/);
        assert.equal(rerun?.ok, false, JSON.stringify(rerun));
        await sleep(1000);
        const after = site.requests('/msg').filter((r) => r.method === 'GET').length;
        assert.equal(after, before, 'the page made the checks run again');
        // What the banner needs still works: the details of its own tab, whatever tab it names.
        const opened = await send({ type: 'open-details', tabId: 999999 });
        assert.equal(opened?.ok, true, JSON.stringify(opened));
        await until(
          () => browser.inExtension((api) => api.tabs.query({})).then((tabs) => tabs.some((t) => (t.url ?? '').endsWith(`popup.html?tab=${tab}`))),
          'the details of its own tab opened',
        );
        // Auto-retry was not cancelled: the page comes back when the site does.
        site.state.up = true;
        await browser.waitForTitle(tab, 'Back /msg', 10000);
      } finally {
        await site.stop();
      }
    });

    test('a page that defines the banner element name and hides every div still gets the banner', async () => {
      const hostile = `<!doctype html><html><head><title>502 Bad Gateway</title>
        <style>div, gateway-doctor-banner { display: none !important; visibility: hidden !important; }</style>
        <script>
          customElements.define('gateway-doctor-banner', class extends HTMLElement {
            constructor() { super(); this.attachShadow({ mode: 'open' }).textContent = 'hijacked'; }
          });
        </script></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>`;
      const site = await startHostileSite({ '/styled': { first: { status: 502, body: hostile } } });
      try {
        await browser.setSettings({ autoRetry: false, showBanner: true });
        const tab = await browser.openTab(`${site.base}/styled`);
        await browser.waitForBadge(tab, '502');
        const shown = await until(
          () =>
            inTab(browser, tab, () => {
              const state = globalThis.__gatewayDoctorBanner;
              if (!state?.host?.isConnected) return null;
              const box = state.host.getBoundingClientRect();
              const style = getComputedStyle(state.host);
              return { height: box.height, display: style.display, visibility: style.visibility, text: state.parts.bar.textContent };
            }),
          'the banner is drawn',
        );
        assert.ok(shown.height > 0, JSON.stringify(shown));
        assert.notEqual(shown.display, 'none');
        assert.equal(shown.visibility, 'visible');
        assert.match(shown.text, /Bad gateway/i);
      } finally {
        await site.stop();
      }
    });

    test('the page is read only in the document that failed, never in a later one at the same address', async () => {
      const site = await startHostileSite({
        '/flip': { first: { status: 503, body: HAPROXY_503 }, then: { status: 200, body: '<title>Fresh copy</title><p>private account page</p>' } },
      });
      // The extension's own in-page function, run as the background runs it.
      const inFailedPage = (tab, expect) =>
        browser.inExtension(
          async (api, [id, e]) => {
            const { inFailedPage: fn } = await import('/banner.js');
            const [first] = await api.scripting.executeScript({ target: { tabId: id }, func: fn, args: [e, null] });
            return first?.result ?? null;
          },
          [tab, expect],
        );
      try {
        await browser.setSettings({ autoRetry: false, showBanner: false });
        const url = `${site.base}/flip`;
        const tab = await browser.openTab(url);
        await browser.waitForBadge(tab, '503');
        await browser.waitForLoad(tab, url);
        const failedAt = Date.now();
        const expect = { url, status: 503, atMs: failedAt };
        assert.match((await inFailedPage(tab, expect)) ?? '', /No server is available/);
        // The tab moves on to a later document at the same address (a reload that works).
        await sleep(1500);
        await browser.inExtension((api, id) => api.tabs.reload(id).then(() => null), tab);
        await browser.waitForTitle(tab, 'Fresh copy');
        assert.equal(await inFailedPage(tab, expect), null, 'read a later document');
        await browser.waitForBadge(tab, '');
      } finally {
        await site.stop();
      }
    });

    test('a site that fails every other request is not reloaded at each probe that happens to pass', async () => {
      const site = await startHostileSite({
        '/flaky': {
          alternate: true,
          first: { status: 502, body: 'Bad gateway' },
          then: { status: 200, body: '<title>Flaky page</title><p>Worked this time.</p>' },
        },
      });
      try {
        await browser.setSettings({ autoRetry: true });
        const tab = await browser.openTab(`${site.base}/flaky`);
        await browser.waitForBadge(tab, '502');
        await sleep(20000);
        const loads = site.requests('/flaky').filter((r) => r.mode === 'navigate');
        // The visit, and at most one reload after a probe found it up.
        assert.ok(loads.length <= 2, `${loads.length} loads of the tab in 20 s: ${JSON.stringify(site.log)}`);
      } finally {
        await site.stop();
      }
    });

    test('an endless answer from the checker is cut at 64 KB, not read whole', async () => {
      const endless = await startEndlessService();
      const site = await startHostileSite({ '/big': { first: { status: 502, body: 'Bad gateway' } } });
      try {
        await browser.setSettings({ autoRetry: false, checker: 'own', checkerUrl: endless.base });
        const tab = await browser.openTab(`${site.base}/big`);
        await browser.waitForBadge(tab, '502');
        const popup = await browser.openPopup(tab);
        const lines = await settledLines(popup);
        await popup.close();
        assert.equal(lines.checker.state, 'failed', JSON.stringify(lines.checker));
        assert.match(lines.checker.text, /too large/, JSON.stringify(lines.checker));
      } finally {
        await site.stop();
        await endless.stop();
      }
    });

    test('with session storage full of failed tabs, a new failure still gets its badge and popup', async () => {
      const site = await startHostileSite({ '/full': { first: { status: 502, body: HAPROXY_503 } } });
      try {
        await browser.setSettings({ autoRetry: false });
        // Nothing else may free room meanwhile: earlier tests' pages are closed and their state gone.
        await browser.inExtension(async (api) => {
          const pages = (await api.tabs.query({})).filter((t) => /^https?:/.test(t.url ?? ''));
          await api.tabs.remove(pages.map((t) => t.id));
          return null;
        });
        await sleep(500);
        await browser.inExtension((api) => api.storage.session.clear().then(() => null));
        // What 150 failed tabs and more left before, each with a 64 KB page excerpt, written until
        // the browser refuses (both hold 10 MB in session storage); then smaller ones fill the
        // rest, so that not even a small incident fits.
        const filled = await browser.inExtension(async (api) => {
          let tab = 100000;
          let refused = null;
          for (const size of [64 * 1024, 4096, 256]) {
            const page = 'x'.repeat(size);
            for (let i = 0; i < 400; i++, tab++) {
              const incident = {
                url: `http://intranet.example/${tab}`, host: 'intranet.example', failure: { http: { status: 502 } },
                statusLine: null, serverIp: null, errorName: null, method: 'GET', atMs: tab, headers: [],
                pageExcerpt: page, fromCache: false,
              };
              try {
                await api.storage.session.set({ [`incident:${tab}`]: incident });
              } catch (error) {
                refused = String(error);
                break;
              }
            }
          }
          return { stored: tab - 100000, refused };
        });
        assert.ok(filled.stored >= 150, JSON.stringify(filled));
        assert.match(filled.refused ?? '', /quota/i, `the store never filled: ${JSON.stringify(filled)}`);
        const tab = await browser.openTab(`${site.base}/full`);
        await browser.waitForBadge(tab, '502');
        const popup = await browser.openPopup(tab);
        await until(() => popup.evaluate(() => /HAProxy/.test(document.body.textContent)), 'the popup shows the new failure, page read');
        await popup.close();
        const left = await browser.inExtension(async (api) => {
          const all = await api.storage.session.get(null);
          return Object.keys(all).filter((k) => Number(k.split(':')[1]) >= 100000).length;
        });
        assert.ok(left < filled.stored, 'nothing was forgotten to make room');
        console.log(`${name}: ${filled.stored} old failed tabs stored, ${filled.stored - left} forgotten to make room`);
      } finally {
        await browser.inExtension((api) => api.storage.session.clear().then(() => null));
        await site.stop();
      }
    });
  });
}
