// Client-side checks and the verdict, end to end: real nginx in front of an application with
// the failure each scenario needs, Gateway Doctor's own checker and a DNS-over-HTTPS resolver,
// all on 127.0.0.1. The popup is read as a visitor would read it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DNS_TEST_HOST, launch, sleep } from './lib/browsers.mjs';
import { startFakeChecker } from './lib/servers.mjs';
import { startWorld } from './lib/scenarios.mjs';

const BROWSERS = (process.env.GD_BROWSERS ?? 'chromium,firefox').split(',');
const PAC = "function FindProxyForURL(url, host) { return 'DIRECT'; }";
const PROXY_SET_BUT_DIRECT = {
  'network.proxy.type': 2,
  'network.proxy.autoconfig_url': `data:text/plain,${encodeURIComponent(PAC)}`,
};

let world;
let slow;
let app;
let nginx;
let checker;
let doh;
before(async () => {
  world = await startWorld();
  ({ slow, app, nginx, checker, doh } = world);
});
after(async () => {
  await world?.stop();
});

/** What the popup shows: the verdict and each check's line. */
async function readPopup(popup) {
  return popup.evaluate(() => ({
    verdict: document.querySelector('#verdict')?.dataset.verdict ?? null,
    settled: document.querySelector('#verdict')?.dataset.settled === 'true',
    title: document.querySelector('#verdict-title')?.textContent ?? '',
    confidence: document.querySelector('#verdict-confidence')?.textContent ?? '',
    lines: Object.fromEntries(
      [...document.querySelectorAll('#checks li')].map((li) => [li.dataset.check, { state: li.dataset.state, text: li.textContent }]),
    ),
  }));
}

/** Waits until the popup's verdict is settled (every check finished), or throws with it. */
async function settledVerdict(popup, timeout = 15000) {
  const deadline = Date.now() + timeout;
  let shown;
  while (Date.now() < deadline) {
    shown = await readPopup(popup);
    if (shown.settled) return shown;
    await sleep(100);
  }
  throw new Error(`verdict never settled: ${JSON.stringify(shown)}`);
}

for (const name of BROWSERS) {
  describe(`${name}: checks and verdict`, () => {
    let browser;
    before(async () => {
      // Firefox runs with a proxy set, one that sends everything direct (a PAC script): the
      // proxy check finds it (extensions may not set one without private-browsing access).
      browser = await launch(name, { firefoxPrefs: PROXY_SET_BUT_DIRECT });
    });
    after(async () => {
      await browser?.close();
    });

    /** Settings for one test: our checker, the test resolver, no auto-retry (it would reload). */
    const useSettings = (extra = {}) => browser.setSettings(world.settings(extra));

    test('a site down for the checker too: "down for everyone"', async () => {
      await useSettings();
      const url = `${nginx.downBase}/shop/cart?id=7`;
      const tab = await browser.openTab(url);
      await browser.waitForBadge(tab, '502');
      const popup = await browser.openPopup(tab);
      const shown = await settledVerdict(popup);
      assert.equal(shown.verdict, 'down-for-everyone', JSON.stringify(shown));
      assert.match(shown.lines.fresh.text, /502/);
      assert.match(shown.lines.stranger.text, /502/);
      assert.equal(shown.lines.checker.state, 'done');
      assert.match(shown.lines.checker.text, /127\.0\.0\.1/);
      assert.equal(shown.lines.dns.state, 'skipped', 'an address needs no DNS lookup');
      await popup.close();
    });

    test('an origin that fails only with the visitor\'s cookie: "cookies or session"', async () => {
      await useSettings();
      const base = nginx.baseOn(4);
      const setter = await browser.openTab(`${base}/app/setcookie`);
      await browser.waitForTitle(setter, 'Cookie set');
      const tab = await browser.openTab(`${base}/app/cookie/account`);
      await browser.waitForBadge(tab, '502');
      const popup = await browser.openPopup(tab);
      const shown = await settledVerdict(popup);
      assert.equal(shown.verdict, 'cookies-or-session', JSON.stringify(shown));
      assert.match(shown.lines.fresh.text, /502/);
      assert.match(shown.lines.stranger.text, /200/);
      await popup.close();
    });

    test('a cookie failure is not retried: no reload loop, and the popup names the cookies throughout', async () => {
      await useSettings({ autoRetry: true });
      const base = nginx.baseOn(24);
      const setter = await browser.openTab(`${base}/app/setcookie`);
      await browser.waitForTitle(setter, 'Cookie set');
      const t0 = Date.now();
      const tab = await browser.openTab(`${base}/app/cookie/loop`);
      await browser.waitForBadge(tab, '502');
      // Long enough for several probes and reloads at auto-retry's pace (about every 2 s).
      await sleep(8000);
      const seen = nginx.requests().filter((r) => r.at >= t0 && r.uri === '/app/cookie/loop');
      const gets = seen.filter((r) => r.method === 'GET').length;
      const probes = seen.filter((r) => r.method === 'HEAD').length;
      // The visit itself and one pair of refetches; at most one reload (and its pair) beside.
      assert.ok(gets <= 6, `${gets} GETs in 8 s: ${JSON.stringify(seen)}`);
      assert.ok(probes <= 1, `${probes} probes in 8 s`);
      const popup = await browser.openPopup(tab);
      const shown = await settledVerdict(popup);
      assert.equal(shown.verdict, 'cookies-or-session', JSON.stringify(shown));
      const note = await popup.evaluate(() => document.querySelector('#retry-note')?.textContent ?? '');
      assert.match(note, /only with your cookies/, note);
      // Every section follows the verdict: no "the site's team" beside "your cookies".
      const sections = await popup.evaluate(() => ({
        side: document.querySelector('#side')?.textContent ?? '',
        fixer: document.querySelector('#fixer')?.textContent ?? '',
        meaning: document.querySelector('#meaning')?.textContent ?? '',
        outlook: document.querySelector('#outlook')?.textContent ?? '',
        reassured: document.querySelector('#reassurance:not([hidden])') !== null,
      }));
      assert.match(sections.meaning, /answers others/, JSON.stringify(sections));
      assert.match(sections.outlook, /Waiting will not fix this/, JSON.stringify(sections));
      assert.match(sections.fixer, /^You/, JSON.stringify(sections));
      assert.match(sections.side, /your side/i, JSON.stringify(sections));
      assert.equal(sections.reassured, false, 'still says it is not your device');
      await popup.close();
    });

    test('a cached broken answer that a fresh load fixes: "your cached copy"', async () => {
      await useSettings();
      const url = `${nginx.baseOn(5)}/app/cache/page`;
      app.state.cacheBroken = true;
      const first = await browser.openTab(url);
      await browser.waitForBadge(first, '502');
      app.state.cacheBroken = false;
      // A second visit: Chromium shows the broken copy it kept, without asking the server.
      const tab = await browser.openTab(url);
      if (name === 'firefox') {
        // Firefox never serves a stored 5xx answer: it asks again and gets the working page.
        await browser.waitForTitle(tab, 'Cache ok');
        assert.equal(await browser.badge(tab), '');
        return;
      }
      await browser.waitForBadge(tab, '502');
      const popup = await browser.openPopup(tab);
      const shown = await settledVerdict(popup);
      assert.equal(shown.verdict, 'cached-copy', JSON.stringify(shown));
      assert.match(shown.lines.fresh.text, /200/);
      await popup.close();
    });

    test('a DNS answer that differs from the address the browser used: "your network or DNS"', async () => {
      await useSettings();
      const url = `http://${DNS_TEST_HOST}:${nginx.port}/dead/dns`;
      const tab = await browser.openTab(url);
      await browser.waitForBadge(tab, '502');
      const popup = await browser.openPopup(tab);
      const shown = await settledVerdict(popup);
      assert.equal(shown.verdict, 'network-or-dns', JSON.stringify(shown));
      assert.equal(shown.lines.dns.state, 'done');
      assert.match(shown.lines.dns.text, /203\.0\.113\.9/);
      await popup.close();
    });

    if (name === 'firefox') {
      test("with no resolver set, Firefox's own resolver (past its cache) does the DNS check", async () => {
        const dohBefore = doh.requests();
        await useSettings({ dnsResolver: '' });
        const tab = await browser.openTab(`http://${DNS_TEST_HOST}:${nginx.port}/dead/own-resolver`);
        await browser.waitForBadge(tab, '502');
        const popup = await browser.openPopup(tab);
        const shown = await settledVerdict(popup);
        assert.equal(shown.lines.dns.state, 'done', JSON.stringify(shown.lines.dns));
        assert.match(shown.lines.dns.text, /matches the address your browser used \(127\.0\.0\.1/);
        assert.equal(doh.requests(), dohBefore, 'the DNS-over-HTTPS resolver was not asked');
        await popup.close();
      });
    }

    test('a page that recovered: "it works again", and the reload button brings it back', async () => {
      await useSettings();
      const url = `${nginx.baseOn(6)}/app/flaky/${name}`;
      const tab = await browser.openTab(url);
      await browser.waitForBadge(tab, '502');
      const popup = await browser.openPopup(tab);
      const shown = await settledVerdict(popup);
      assert.equal(shown.verdict, 'works-again', JSON.stringify(shown));
      await popup.click('#reload-page');
      await browser.waitForTitle(tab, 'Flaky ok');
      await browser.waitForBadge(tab, '');
      await popup.close();
    });

    test('a form is never refetched', async () => {
      await useSettings();
      await app.stop();
      try {
        const tab = await browser.openTab(`${nginx.baseOn(7)}/ok/form.html`);
        await browser.waitForTitle(tab, 'Order form');
        const page = await browser.pageShowing(`${nginx.baseOn(7)}/ok/form.html`);
        const t0 = Date.now();
        await page.click('button');
        await browser.waitForBadge(tab, '502');
        const popup = await browser.openPopup(tab);
        const shown = await settledVerdict(popup);
        assert.equal(shown.lines.fresh.state, 'skipped');
        assert.equal(shown.lines.stranger.state, 'skipped');
        const posts = nginx.requests().filter((r) => r.at >= t0 && r.uri === '/app/submit');
        assert.deepEqual(posts.map((r) => r.method), ['POST'], 'the form was sent exactly once');
        await popup.close();
      } finally {
        await app.start();
      }
    });

    test('a hostile checker answer is shown as inert text, and a silent checker delays only its own line', async () => {
      const hostile = await startFakeChecker('<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>', 'text/html');
      try {
        await useSettings({ checkerUrl: hostile.base });
        const tab = await browser.openTab(`${nginx.baseOn(8)}/dead/hostile`);
        await browser.waitForBadge(tab, '502');
        const popup = await browser.openPopup(tab);
        const shown = await settledVerdict(popup);
        assert.equal(shown.lines.checker.state, 'failed');
        assert.match(shown.lines.checker.text, /not JSON/);
        assert.equal(await popup.evaluate(() => document.querySelectorAll('#app img, #app script').length), 0);
        assert.notEqual(await popup.title(), 'pwned');
        await popup.close();
      } finally {
        await hostile.stop();
      }
      await useSettings({ checkerUrl: `http://127.0.0.1:${slow.port}` });
      const tab = await browser.openTab(`${nginx.baseOn(9)}/dead/silent-checker`);
      await browser.waitForBadge(tab, '502');
      const popup = await browser.openPopup(tab);
      const deadline = Date.now() + 3000;
      let shown;
      do {
        shown = await readPopup(popup);
        if (shown.lines.fresh?.state === 'done' && shown.lines.stranger?.state === 'done') break;
        await sleep(50);
      } while (Date.now() < deadline);
      assert.equal(shown.lines.checker.state, 'running', JSON.stringify(shown));
      assert.equal(shown.verdict, 'down-for-everyone', 'the verdict does not wait for the checker');
      assert.equal(shown.settled, false);
      const late = await settledVerdict(popup);
      assert.match(late.lines.checker.text, /timed out/);
      await popup.close();
    });

    test('"Check again" runs the checks anew and the lines follow', async () => {
      await useSettings();
      const tab = await browser.openTab(`${nginx.baseOn(11)}/dead/again`);
      await browser.waitForBadge(tab, '502');
      const popup = await browser.openPopup(tab);
      await settledVerdict(popup);
      const startedAt = () =>
        browser.inExtension(async (api, id) => (await api.storage.session.get(`check:${id}:fresh`))[`check:${id}:fresh`]?.startedMs, tab);
      const first = await startedAt();
      const before = nginx.requests().filter((r) => r.uri === '/dead/again').length;
      await popup.click('#run-checks');
      let again = first;
      for (let i = 0; i < 50 && again === first; i++) {
        await sleep(100);
        again = await startedAt();
      }
      assert.ok(again > first, 'the fresh check ran again');
      const count = () => nginx.requests().filter((r) => r.uri === '/dead/again').length - before;
      for (let i = 0; i < 50 && count() < 2; i++) await sleep(100);
      await sleep(300); // and nothing more arrives
      assert.equal(count(), 2, 'one more pair of refetches, with and without cookies');
      await popup.close();
    });

    test('the proxy check asks for its permission, says what it found, and rules auto-retry too', async () => {
      await useSettings({ autoRetry: true });
      const tab = await browser.openTab(`${nginx.baseOn(10)}/dead/proxy`);
      await browser.waitForBadge(tab, '502');
      const popup = await browser.openPopup(tab);
      const before = await settledVerdict(popup);
      await popup.click('#check-proxy');
      const deadline = Date.now() + 5000;
      let shown;
      do {
        shown = await readPopup(popup);
        if (shown.lines.proxy && shown.lines.proxy.state !== 'running') break;
        await sleep(100);
      } while (Date.now() < deadline);
      assert.ok(shown.lines.proxy, JSON.stringify(shown));
      if (name === 'firefox') {
        // Firefox grants optional permissions without a prompt in this test profile, and has a
        // proxy set (above). The page fails for everyone but the checker finds the site's home
        // page up: with a proxy set, the verdict becomes the visitor's proxy.
        assert.equal(shown.lines.proxy.state, 'done', JSON.stringify(shown.lines.proxy));
        assert.match(shown.lines.proxy.text, /a proxy is set \(autoConfig\)/, JSON.stringify(shown.lines.proxy));
        assert.notEqual(before.verdict, 'proxy-or-vpn', 'not before the proxy check');
        for (let i = 0; i < 50 && shown.verdict !== 'proxy-or-vpn'; i++) {
          await sleep(100);
          shown = await readPopup(popup);
        }
        assert.equal(shown.verdict, 'proxy-or-vpn', JSON.stringify(shown));
        // Auto-retry heard the same verdict: it says so, and probes no more.
        let note = '';
        for (let i = 0; i < 50 && !/proxy/i.test(note); i++) {
          note = await popup.evaluate(() => document.querySelector('#retry-note')?.textContent ?? '');
          await sleep(100);
        }
        assert.match(note, /your proxy or VPN/, note);
        const probes = () => nginx.requests().filter((r) => r.method === 'HEAD' && r.uri === '/dead/proxy').length;
        const stoppedAt = probes();
        await sleep(5000);
        assert.equal(probes(), stoppedAt, 'no probe after auto-retry stopped');
      } else {
        // Headless Chromium cannot show the permission prompt: the line must say so plainly.
        assert.ok(['done', 'failed'].includes(shown.lines.proxy.state), JSON.stringify(shown.lines.proxy));
      }
      await popup.close();
    });
  });
}
