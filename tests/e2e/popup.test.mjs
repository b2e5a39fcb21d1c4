// The popup a visitor trusts, end to end: steps chosen by the verdict and the platform, each
// one-click action clicked and its effect checked, the report on the clipboard, the banner on
// the error page, hostile text kept inert, and axe-core inside the real popup.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launch, sleep } from './lib/browsers.mjs';
import { SCENARIOS, settledPopup, startWorld } from './lib/scenarios.mjs';

const BROWSERS = (process.env.GD_BROWSERS ?? 'chromium,firefox').split(',');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WINDOWS_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

let world;
before(async () => {
  world = await startWorld();
});
after(async () => {
  await world?.stop();
});

/** The steps as shown: their action ids, texts and commands. */
const readSteps = (popup) =>
  popup.evaluate(() =>
    [...document.querySelectorAll('#steps > li')].map((li) => ({
      action: li.dataset.action ?? null,
      text: li.textContent,
      command: li.querySelector('.command code')?.textContent ?? null,
      shortcut: li.querySelector('kbd')?.textContent ?? null,
    })),
  );

/** Clicks the step's action button and returns what its status line then says. */
async function clickAction(popup, action) {
  // The steps open on demand in a toolbar-sized popup; opened as a tab they are open already.
  await popup.evaluate(() => {
    const steps = document.getElementById('steps-block');
    if (steps && !steps.open) steps.querySelector('summary').click();
  });
  await popup.click(`#steps button[data-action="${action}"]`);
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const said = await popup.evaluate(
      (a) => document.querySelector(`#steps button[data-action="${a}"]`)?.parentElement.querySelector('.action-status')?.textContent ?? '',
      action,
    );
    if (said) return said;
    await sleep(50);
  }
  throw new Error(`the ${action} action said nothing`);
}

/**
 * Does `op` on the banner from the extension's isolated world inside the tab, where it lives
 * (its shadow root is closed to the page): 'text', 'details', 'dismiss', 'connected', 'absent'.
 */
const inBanner = (browser, tab, op) =>
  browser.inExtension(
    async (api, [id, what]) => {
      const [result] = await api.scripting.executeScript({
        target: { tabId: id },
        func: (todo) => {
          const state = globalThis.__gatewayDoctorBanner;
          if (todo === 'absent') return state === undefined;
          if (!state) return null;
          if (todo === 'text') return state.parts.bar.textContent;
          if (todo === 'connected') return state.host.isConnected;
          state.parts[todo].click();
          return true;
        },
        args: [what],
      });
      return result?.result;
    },
    [tab, op],
  );

for (const name of BROWSERS) {
  describe(`${name}: the popup`, () => {
    let browser;
    before(async () => {
      browser = await launch(name);
    });
    after(async () => {
      await browser?.close();
    });

    test('the steps differ between two verdicts', async () => {
      await browser.setSettings(world.settings());
      const cookies = await settledPopup(browser, await SCENARIOS.cookies(browser, world, 11));
      const cookieSteps = await readSteps(cookies);
      const down = await settledPopup(browser, await SCENARIOS['down-for-everyone'](browser, world));
      const downSteps = await readSteps(down);
      assert.equal(cookieSteps[0].action, 'clearSiteData', JSON.stringify(cookieSteps));
      assert.ok(cookieSteps.some((s) => s.action === 'openPrivateWindow'));
      assert.match(downSteps[0].text, /not on your side/, JSON.stringify(downSteps));
      assert.ok(!downSteps.some((s) => s.action === 'clearSiteData'), 'no clearing when it is down for everyone');
      // The private-window shortcut is the browser's own.
      const shortcut = cookieSteps.find((s) => s.action === 'openPrivateWindow').shortcut;
      assert.equal(shortcut, name === 'firefox' ? 'Ctrl+Shift+P' : 'Ctrl+Shift+N');
      await cookies.close();
      await down.close();
    });

    test('the DNS step gives the command for the visitor\'s system, and copies it', async () => {
      await browser.setSettings(world.settings());
      const tab = await SCENARIOS.dns(browser, world);
      const popup = await settledPopup(browser, tab);
      const flush = (await readSteps(popup)).find((s) => s.action === 'copyDnsCommand');
      assert.equal(flush?.command, 'resolvectl flush-caches', JSON.stringify(await readSteps(popup)));
      if (name === 'chromium') {
        await browser.browser.defaultBrowserContext().overridePermissions(browser.extensionOrigin, ['clipboard-read', 'clipboard-sanitized-write']);
      }
      assert.match(await clickAction(popup, 'copyDnsCommand'), /Copied: resolvectl flush-caches/);
      if (name === 'chromium') {
        assert.equal(await popup.evaluate(() => navigator.clipboard.readText()), 'resolvectl flush-caches');
        // The same case seen from Windows: its own command.
        const windows = await settledPopup(browser, tab, { beforeOpen: (page) => page.setUserAgent(WINDOWS_UA) });
        const onWindows = (await readSteps(windows)).find((s) => s.action === 'copyDnsCommand');
        assert.equal(onWindows?.command, 'ipconfig /flushdns');
        await windows.close();
      }
      await popup.close();
    });

    test('clearing the site\'s data removes the cookie that broke it', async () => {
      await browser.setSettings(world.settings());
      const tab = await SCENARIOS.cookies(browser, world, 12);
      const popup = await settledPopup(browser, tab);
      const said = await clickAction(popup, 'clearSiteData');
      assert.match(said, name === 'firefox' ? /Firefox can only empty its whole cache/ : /Cleared the cookies/);
      await browser.inExtension((api, id) => api.tabs.reload(id).then(() => null), tab);
      await browser.waitForTitle(tab, 'Cookie ok');
      await browser.waitForBadge(tab, '');
      await popup.close();
    });

    test('"open in a private window" opens one, or says how to by hand', async () => {
      await browser.setSettings(world.settings());
      const tab = await SCENARIOS.cookies(browser, world, 13);
      const popup = await settledPopup(browser, tab);
      const before = await browser.inExtension((api) => api.windows.getAll().then((w) => w.filter((x) => x.incognito).length));
      const said = await clickAction(popup, 'openPrivateWindow');
      const afterCount = await browser.inExtension((api) => api.windows.getAll().then((w) => w.filter((x) => x.incognito).length));
      if (afterCount > before) {
        assert.match(said, /Opened the page in a private window/);
      } else {
        assert.match(said, new RegExp(`Press ${name === 'firefox' ? 'Ctrl\\+Shift\\+P' : 'Ctrl\\+Shift\\+N'}`), said);
      }
      await popup.close();
    });

    test('the report for the owner lands on the clipboard, without the query or the visitor', async () => {
      await browser.setSettings(world.settings());
      const tab = await SCENARIOS['down-for-everyone'](browser, world);
      const popup = await settledPopup(browser, tab);
      if (name === 'chromium') {
        await browser.browser.defaultBrowserContext().overridePermissions(browser.extensionOrigin, ['clipboard-read', 'clipboard-sanitized-write']);
      }
      await popup.click('#copy-report');
      await popup.waitForFunction(() => document.querySelector('#report-status')?.textContent.includes('copied'));
      await popup.click('#copy-report-json');
      if (name === 'chromium') {
        const json = JSON.parse(await popup.evaluate(() => navigator.clipboard.readText()));
        assert.equal(json.host, '127.0.0.1');
        assert.ok(!JSON.stringify(json).includes('id=7'), 'the query stays out unless asked for');
        await popup.click('#report-include-query');
        await popup.click('#copy-report');
        await sleep(300);
        const text = await popup.evaluate(() => navigator.clipboard.readText());
        assert.match(text, /\/shop\/cart\?id=7/);
        assert.match(text, /502/);
        assert.doesNotMatch(text, /Mozilla\/5\.0/, 'no user agent string');
      }
      await popup.close();
    });

    test('the banner shows the countdown, opens the details, and can be dismissed or turned off', async () => {
      await browser.setSettings(world.settings({ autoRetry: true }));
      const tab = await SCENARIOS['bad-gateway'](browser, world, 14);
      await browser.waitForBadge(tab, '502');
      let text;
      for (let i = 0; i < 50 && !text; i++) {
        text = await inBanner(browser, tab, 'text');
        if (!text) await sleep(100);
      }
      assert.match(text ?? '', /Bad gateway on 127\.0\.0\.14\..*(Checking again in \d+ s|checking)/i, text);
      const tabsBefore = await browser.inExtension((api) => api.tabs.query({}).then((t) => t.length));
      await inBanner(browser, tab, 'details');
      let details;
      for (let i = 0; i < 50 && !details; i++) {
        const tabs = await browser.inExtension((api) => api.tabs.query({}));
        details = tabs.find((t) => (t.url ?? '').endsWith(`popup.html?tab=${tab}`));
        if (!details) await sleep(100);
      }
      assert.ok(details, 'the details opened in a new tab');
      assert.ok((await browser.inExtension((api) => api.tabs.query({}).then((t) => t.length))) > tabsBefore);
      await inBanner(browser, tab, 'dismiss');
      assert.equal(await inBanner(browser, tab, 'connected'), false);
      // Turned off in the options: the next failure has no banner.
      await browser.setSettings(world.settings({ showBanner: false }));
      const quiet = await SCENARIOS['bad-gateway'](browser, world, 15);
      await browser.waitForBadge(quiet, '502');
      await sleep(1500);
      assert.equal(await inBanner(browser, quiet, 'absent'), true);
    });

    test('a hostile header value and page title are shown as inert text', async () => {
      await browser.setSettings(world.settings());
      const tab = await browser.openTab(`${world.nginx.baseOn(16)}/app/hostile`);
      await browser.waitForBadge(tab, '502');
      await sleep(1000); // the page is read once it has loaded
      const popup = await settledPopup(browser, tab);
      const shown = await popup.evaluate(() => ({
        text: document.querySelector('#app').textContent,
        markup: document.querySelectorAll('#app img, #app script').length,
        title: document.title,
      }));
      assert.equal(shown.markup, 0);
      assert.notEqual(shown.title, 'pwned');
      assert.match(shown.text, /<img src=x onerror=/);
      await popup.close();
    });

    test('keyboard only: Tab reaches the first action, Enter runs it', async () => {
      await browser.setSettings(world.settings());
      const tab = await SCENARIOS.cookies(browser, world, 18);
      const popup = await settledPopup(browser, tab);
      let focused = '';
      for (let i = 0; i < 40 && focused !== 'clearSiteData'; i++) {
        await popup.keyboard.press('Tab');
        focused = await popup.evaluate(() => document.activeElement?.dataset?.action ?? document.activeElement?.id ?? '');
      }
      assert.equal(focused, 'clearSiteData', 'Tab never reached the first action');
      await popup.keyboard.press('Enter');
      await popup.waitForFunction(
        () => document.querySelector('#steps button[data-action="clearSiteData"]').parentElement.querySelector('.action-status').textContent !== '',
      );
      await popup.close();
    });

    test('the popup reads at 320 px wide without sideways scrolling, and opens the checker\'s page', async () => {
      await browser.setSettings(world.settings());
      const tab = await SCENARIOS.dns(browser, world);
      const popup = await settledPopup(browser, tab);
      await popup.setViewport({ width: 320, height: 600 });
      const overflow = await popup.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${overflow} px wider than the window`);
      const said = await clickAction(popup, 'openCheckerPage');
      assert.match(said, new RegExp(`Opened ${world.checker.base.replace(/[.]/g, '\\.')}/\\?host=gd-dns\\.test`), said);
      await popup.close();
    });

    if (name === 'chromium') {
      test('axe-core finds no violations in the real popup', async () => {
        await browser.setSettings(world.settings());
        for (const scenario of ['cookies', 'dns']) {
          const popup = await settledPopup(browser, await SCENARIOS[scenario](browser, world, 17));
          await popup.evaluate(AXE);
          const result = await popup.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
          const violations = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
          assert.deepEqual(violations, [], `${scenario}: ${violations.join('\n')}`);
          await popup.close();
        }
      });
    }
  });
}
