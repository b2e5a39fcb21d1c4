// The walking skeleton, end to end, as a visitor meets it: real Chromium and Firefox load the
// built extension (dist/), real nginx fails in front of dead and slow upstreams on 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, sleep } from './lib/browsers.mjs';
import { freePort, startNginx, startSilentUpstream } from './lib/servers.mjs';

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

/** Asserts the badge stays `expected` for `ms`: for events that must change nothing. */
async function assertBadgeStays(browser, tabId, expected, ms = 1500) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    assert.equal(await browser.badge(tabId), expected);
    await sleep(100);
  }
}

async function popupText(browser, tabId, selector) {
  const popup = await browser.openPopup(tabId);
  try {
    return await popup.evaluate((s) => document.querySelector(s)?.textContent ?? null, selector);
  } finally {
    await popup.close();
  }
}

for (const name of BROWSERS) {
  describe(`${name}: walking skeleton`, () => {
    let browser;
    before(async () => {
      browser = await launch(name);
    });
    after(async () => {
      await browser?.close();
    });

    test('a genuine nginx 502 shows a "502" badge and the popup explains a bad gateway', async () => {
      const tab = await browser.openTab(`${nginx.base}/dead/checkout`);
      await browser.waitForBadge(tab, '502');
      const popup = await browser.openPopup(tab);
      // The steps follow the checks: read them once every check has finished.
      await popup.waitForFunction(() => document.querySelector('#verdict')?.dataset.settled === 'true', { timeout: 15000 });
      const shown = await popup.evaluate(() => ({
        code: document.querySelector('#code')?.textContent,
        title: document.querySelector('#title')?.textContent,
        facts: document.querySelector('#facts')?.textContent,
        steps: document.querySelectorAll('#steps > li').length,
        firstStep: document.querySelector('#steps > li')?.textContent ?? '',
        fixer: document.querySelector('#fixer')?.textContent,
        generator: document.querySelector('#generator')?.textContent,
        side: document.querySelector('#side')?.textContent,
      }));
      await popup.close();
      assert.equal(shown.code, '502');
      assert.equal(shown.title, 'Bad gateway');
      assert.match(shown.facts, /502 Bad Gateway/);
      assert.match(shown.facts, /\/dead\/checkout/);
      assert.match(shown.facts, /127\.0\.0\.1/);
      assert.match(shown.fixer, /run this site/);
      assert.equal(shown.generator, 'The error came from nginx.');
      assert.match(shown.side, /Behind the site's gateway/);
      // Fetched again with and without cookies, the site's gateway still answers 502: its fault.
      assert.ok(shown.steps >= 2, `expected visitor steps, got ${shown.steps}`);
      assert.match(shown.firstStep, /not on your side/);
    });

    test('a closed port shows "REF" and the popup says connection refused', async () => {
      const tab = await browser.openTab(`http://127.0.0.1:${await freePort()}/`);
      await browser.waitForBadge(tab, 'REF');
      assert.equal(await popupText(browser, tab, '#title'), 'Connection refused');
    });

    test('a host under .invalid shows "DNS" and the popup says address not found', async () => {
      const tab = await browser.openTab('http://no-such-host.gateway-doctor.invalid/');
      // The badge waits for the browser's own resolver to give up: one CI run saw Firefox take
      // over 20 s on a loaded machine (the name is answered at once here).
      await browser.waitForBadge(tab, 'DNS', 45000);
      assert.equal(await popupText(browser, tab, '#title'), 'Address not found');
    });

    test('a slow upstream behind a short proxy timeout shows "504", a gateway timeout from nginx', async () => {
      const tab = await browser.openTab(`${nginx.base}/slow/report`);
      await browser.waitForBadge(tab, '504');
      assert.equal(await popupText(browser, tab, '#title'), 'Gateway timeout');
      assert.equal(await popupText(browser, tab, '#generator'), 'The error came from nginx.');
    });

    test("nginx's own error page is read: its title and words become evidence", async () => {
      const tab = await browser.openTab(`${nginx.base}/dead/page-read`);
      await browser.waitForBadge(tab, '502');
      let clues = '';
      for (let i = 0; i < 50 && !clues.includes('Error page says'); i++) {
        await sleep(100);
        clues = (await popupText(browser, tab, '#clues')) ?? '';
      }
      assert.match(clues, /Error page says "nginx"/);
      assert.match(await popupText(browser, tab, '#facts'), /Page title502 Bad Gateway/);
    });

    test('a healthy page has no badge and clears an earlier one', async () => {
      const healthy = `${nginx.base}/ok/first.html`;
      const fresh = await browser.openTab(healthy);
      await browser.waitForLoad(fresh, healthy);
      await assertBadgeStays(browser, fresh, '', 500);
      assert.notEqual(await popupText(browser, fresh, '#no-incident'), null);

      const tab = await browser.openTab(`${nginx.base}/dead/again`);
      await browser.waitForBadge(tab, '502');
      await browser.navigate(tab, healthy);
      await browser.waitForLoad(tab, healthy);
      await browser.waitForBadge(tab, '');
      assert.notEqual(await popupText(browser, tab, '#no-incident'), null);
    });

    test('a stopped load gives no badge, though the gateway would have answered 504', async () => {
      const healthy = `${nginx.base}/ok/second.html`;
      const tab = await browser.openTab(healthy);
      await browser.waitForLoad(tab, healthy);
      const page = await browser.pageShowing(healthy);
      const before = slow.requests();
      await browser.navigate(tab, `${nginx.base}/slow/stopped`);
      await slow.waitForRequests(before + 1);
      await browser.stopLoading(page);
      // Past nginx's 2 s read timeout: an unstopped load would be a 504 by now.
      await assertBadgeStays(browser, tab, '', 3000);
      const shown = await browser.inExtension((api, id) => api.tabs.get(id), tab);
      assert.equal(shown.url, healthy);
    });

    test('a 204, a download, a 404 and a failing iframe never give a badge', async () => {
      const start = `${nginx.base}/ok/index.html`;
      const tab = await browser.openTab(start);
      await browser.waitForLoad(tab, start);
      for (const path of ['/empty', '/download']) {
        await browser.navigate(tab, `${nginx.base}${path}`);
        await assertBadgeStays(browser, tab, '');
      }
      for (const path of ['/no-such-page', '/ok/frame.html']) {
        await browser.navigate(tab, `${nginx.base}${path}`);
        await browser.waitForLoad(tab, `${nginx.base}${path}`);
        await assertBadgeStays(browser, tab, '');
      }
    });
  });
}
