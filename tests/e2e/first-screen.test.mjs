// The popup answers on its first screen (issue 16): at the size of a toolbar popup (380 x 600),
// for every verdict the fixtures can produce, the headline, the verdict with its confidence, who
// can fix it and the first action are in view without scrolling and not clipped; the rest opens
// on demand (Enter and Space), and stays open while the checks stream in. Then the narrow
// layout of Firefox for Android: 360 px wide, no sideways scrolling, 48 px touch targets, the
// steps in Android's words, axe-core clean.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launch, sleep } from './lib/browsers.mjs';
import { SCENARIOS, settledPopup, startWorld } from './lib/scenarios.mjs';

const BROWSERS = (process.env.GD_BROWSERS ?? 'chromium,firefox').split(',');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const POPUP = { width: 380, height: 600 };
const PHONE = { width: 360, height: 640 };
const FIREFOX_ANDROID_UA = 'Mozilla/5.0 (Android 14; Mobile; rv:142.0) Gecko/142.0 Firefox/142.0';

let world;
before(async () => {
  world = await startWorld();
});
after(async () => {
  await world?.stop();
});

/** Each verdict and how to produce it (as in checks.test.mjs); `null` where a browser cannot. */
const VERDICTS = {
  'down-for-everyone': (browser) => SCENARIOS['down-for-everyone'](browser, world),
  'cookies-or-session': (browser) => SCENARIOS.cookies(browser, world, 25),
  'cached-copy': async (browser) => {
    // Firefox never serves a stored 5xx answer (see checks.test.mjs): no such verdict there.
    if (browser.name === 'firefox') return null;
    const url = `${world.nginx.baseOn(26)}/app/cache/first-screen`;
    world.app.state.cacheBroken = true;
    const first = await browser.openTab(url);
    await browser.waitForBadge(first, '502');
    world.app.state.cacheBroken = false;
    return browser.openTab(url);
  },
  'network-or-dns': (browser) => SCENARIOS.dns(browser, world),
  'works-again': (browser) => browser.openTab(`${world.nginx.baseOn(27)}/app/flaky/first-screen-${browser.name}`),
};

/** Where the answer's parts are, and whether each is fully in view and not clipped. */
const readFirstScreen = (popup) =>
  popup.evaluate(() => {
    const firstAction =
      document.querySelector('#verdict #reload-page') ?? document.querySelector('#first-actions button[data-action]');
    const parts = {
      headline: document.querySelector('#title'),
      verdict: document.querySelector('#verdict-title'),
      confidence: document.querySelector('#verdict-confidence'),
      fixer: document.querySelector('#fixer'),
      action: firstAction,
    };
    const view = { width: window.innerWidth, height: window.innerHeight };
    const seen = {};
    for (const [name, el] of Object.entries(parts)) {
      if (!el) {
        seen[name] = { missing: true };
        continue;
      }
      const r = el.getBoundingClientRect();
      // Not clipped: the box is inside the window, nothing in it overflows, and it is what is
      // drawn at its own centre (nothing covers it).
      const atCentre = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      seen[name] = {
        text: el.textContent.trim().slice(0, 80),
        top: Math.round(r.top),
        bottom: Math.round(r.bottom),
        left: Math.round(r.left),
        right: Math.round(r.right),
        visible: r.width > 0 && r.height > 0 && getComputedStyle(el).visibility === 'visible',
        overflows: el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1,
        covered: !(atCentre && (atCentre === el || el.contains(atCentre))),
      };
    }
    return {
      view,
      scrollY: window.scrollY,
      scrollWidth: document.documentElement.scrollWidth,
      verdict: document.querySelector('#verdict')?.dataset.verdict ?? null,
      action: firstAction?.dataset.action ?? firstAction?.id ?? null,
      firstStepAction: [...document.querySelectorAll('#steps > li[data-action]')].map((li) => li.dataset.action),
      parts: seen,
    };
  });

function assertInView(shown, what) {
  assert.equal(shown.scrollY, 0, `${what}: the popup was scrolled`);
  assert.ok(shown.scrollWidth <= shown.view.width, `${what}: ${shown.scrollWidth} px wide in a ${shown.view.width} px window`);
  for (const [name, part] of Object.entries(shown.parts)) {
    const about = `${what}, ${name}: ${JSON.stringify(part)}`;
    assert.ok(!part.missing, `${about} is missing`);
    assert.ok(part.visible, `${about} is not visible`);
    assert.ok(part.top >= 0 && part.bottom <= shown.view.height, `${about} is not within the first ${shown.view.height} px`);
    assert.ok(part.left >= 0 && part.right <= shown.view.width, `${about} is cut at the side`);
    assert.equal(part.overflows, false, `${about} overflows its box`);
    assert.equal(part.covered, false, `${about} is covered`);
  }
}

/** Waits until `fn()` in the page is true. */
async function until(popup, fn, arg, what, timeout = 5000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await popup.evaluate(fn, arg)) return;
    await sleep(50);
  }
  throw new Error(`never: ${what}`);
}

const isOpen = (popup, id) => popup.evaluate((i) => document.getElementById(i)?.open === true, id);

for (const name of BROWSERS) {
  describe(`${name}: the popup's first screen`, () => {
    let browser;
    before(async () => {
      browser = await launch(name);
    });
    after(async () => {
      await browser?.close();
    });

    for (const [verdict, produce] of Object.entries(VERDICTS)) {
      test(`"${verdict}": the verdict, who can fix it and the first action fit in 380 x 600`, async (t) => {
        await browser.setSettings(world.settings());
        const tab = await produce(browser);
        if (tab === null) {
          t.skip(`${name} cannot produce "${verdict}"`);
          return;
        }
        const popup = await settledPopup(browser, tab, { beforeOpen: (page) => page.setViewport(POPUP) });
        const shown = await readFirstScreen(popup);
        assert.equal(shown.verdict, verdict, JSON.stringify(shown));
        assertInView(shown, verdict);
        // The first action is the first step's, as the verdict chose it.
        if (verdict === 'works-again') {
          assert.equal(shown.action, 'reload-page', JSON.stringify(shown));
        } else {
          assert.equal(shown.action, shown.firstStepAction[0], JSON.stringify(shown));
        }
        const expected = {
          'down-for-everyone': (a) => a === 'retryNow' || a === 'openCheckerPage',
          'cookies-or-session': (a) => a === 'clearSiteData',
          'cached-copy': (a) => a === 'clearSiteData',
          'network-or-dns': (a) => a === 'copyDnsCommand',
          'works-again': (a) => a === 'reload-page',
        }[verdict];
        assert.ok(expected(shown.action), `${verdict}: first action ${shown.action}`);
        // Everything else waits behind its disclosure.
        for (const id of ['checks-block', 'steps-block', 'details-block', 'owner-block']) {
          assert.equal(await isOpen(popup, id), false, `#${id} is open on the first screen`);
        }
        await popup.close();
      });
    }

    test('the disclosures open with Enter and Space, and stay open while the checks stream in', async () => {
      await browser.setSettings(world.settings());
      const tab = await SCENARIOS.cookies(browser, world, 28);
      await browser.waitForBadge(tab, '502');
      const popup = await browser.openPopup(tab, { beforeOpen: (page) => page.setViewport(POPUP) });
      // Right away, before the checks have all answered.
      await popup.focus('#steps-block > summary');
      await popup.keyboard.press('Enter');
      await until(popup, () => document.getElementById('steps-block').open, null, 'Enter opens the steps');
      await popup.focus('#checks-block > summary');
      await popup.keyboard.press(' ');
      await until(popup, () => document.getElementById('checks-block').open, null, 'Space opens the checks');
      const expanded = await popup.evaluate(() => document.querySelector('#checks-block > summary') === document.activeElement);
      assert.ok(expanded, 'focus stays on the summary');
      // The checks finish, the verdict and the steps change: what the visitor opened stays open.
      const deadline = Date.now() + 15000;
      while (!(await popup.evaluate(() => document.querySelector('#verdict')?.dataset.settled === 'true'))) {
        assert.ok(Date.now() < deadline, 'the checks never finished');
        await sleep(100);
      }
      assert.equal(await isOpen(popup, 'steps-block'), true, 'the steps closed as the verdict changed');
      assert.equal(await isOpen(popup, 'checks-block'), true, 'the checks closed as they came in');
      const steps = await popup.evaluate(() => [...document.querySelectorAll('#steps > li')].map((li) => li.dataset.action ?? null));
      assert.equal(steps[0], 'clearSiteData', JSON.stringify(steps));
      // Space and Enter close them again.
      await popup.focus('#checks-block > summary');
      await popup.keyboard.press(' ');
      await until(popup, () => !document.getElementById('checks-block').open, null, 'Space closes the checks');
      await popup.focus('#details-block > summary');
      await popup.keyboard.press('Enter');
      await until(popup, () => document.getElementById('details-block').open, null, 'Enter opens the details');
      assert.ok(await popup.evaluate(() => document.getElementById('site-rules') !== null), 'the site rules have their place');
      await popup.close();
    });

    test('a first action runs from the first screen, and its step says so too', async () => {
      await browser.setSettings(world.settings());
      const tab = await SCENARIOS['down-for-everyone'](browser, world);
      const popup = await settledPopup(browser, tab, { beforeOpen: (page) => page.setViewport(POPUP) });
      const action = await popup.evaluate(() => document.querySelector('#first-actions button[data-action]')?.dataset.action);
      assert.ok(action, 'a first action');
      // Retry-now reloads the failing tab: harmless here. The checker page opens a tab.
      await popup.click(`#first-actions button[data-action="${action}"]`);
      await until(
        popup,
        (a) => {
          const said = (sel) => document.querySelector(sel)?.parentElement.querySelector('.action-status')?.textContent ?? '';
          return said(`#first-actions button[data-action="${a}"]`) !== '' && said(`#steps button[data-action="${a}"]`) !== '';
        },
        action,
        'the action said what it did, on the first screen and in its step',
      );
      await popup.close();
    });

    test('360 px wide (Firefox for Android): no sideways scrolling, 48 px touch targets, axe-core clean', async () => {
      await browser.setSettings(world.settings());
      const tab = await SCENARIOS.cookies(browser, world, 29);
      const popup = await settledPopup(browser, tab, { beforeOpen: (page) => page.setViewport(PHONE) });
      const first = await readFirstScreen(popup);
      assert.equal(first.verdict, 'cookies-or-session');
      assertInView(first, 'at 360 x 640');
      // Everything opened, as a visitor reading all of it would.
      await popup.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
      const layout = await popup.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        width: window.innerWidth,
        small: [...document.querySelectorAll('button, summary')]
          .filter((el) => el.getClientRects().length > 0)
          .map((el) => ({ what: el.id || el.dataset.action || el.textContent.trim().slice(0, 30), r: el.getBoundingClientRect() }))
          .filter(({ r }) => r.height < 48 || r.width < 48)
          .map(({ what, r }) => `${what}: ${Math.round(r.width)} x ${Math.round(r.height)}`),
        wide: [...document.querySelectorAll('#app *')]
          .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
          .map((el) => el.id || el.tagName),
      }));
      assert.ok(layout.scrollWidth <= PHONE.width, `${layout.scrollWidth} px wide at ${layout.width}`);
      assert.deepEqual(layout.wide, [], 'cut at the side');
      assert.deepEqual(layout.small, [], 'touch targets under 48 px');
      await popup.evaluate(AXE);
      const result = await popup.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
      const violations = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      assert.deepEqual(violations, [], violations.join('\n'));
      await popup.close();
    });

    test('the options page at 360 px: no sideways scrolling, 48 px buttons, axe-core clean', async () => {
      const page = await browser.openExtensionPage('options.html', 10000, (p) => p.setViewport(PHONE));
      const layout = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        small: [...document.querySelectorAll('button, summary, select, input[type="url"], input[type="number"], input[type="text"]')]
          .filter((el) => el.getClientRects().length > 0)
          .map((el) => ({ what: el.id || el.textContent.trim().slice(0, 30), r: el.getBoundingClientRect() }))
          .filter(({ r }) => r.height < 48)
          .map(({ what, r }) => `${what}: ${Math.round(r.width)} x ${Math.round(r.height)}`),
      }));
      assert.ok(layout.scrollWidth <= PHONE.width, `${layout.scrollWidth} px wide`);
      assert.deepEqual(layout.small, [], 'touch targets under 48 px');
      await page.evaluate(AXE);
      const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
      const violations = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      assert.deepEqual(violations, [], violations.join('\n'));
      await page.close();
    });

    if (name === 'chromium') {
      test('seen as Firefox for Android: the steps name its menus, and what an extension cannot do is said by hand', async () => {
        await browser.setSettings(world.settings());
        const tab = await SCENARIOS.cookies(browser, world, 30);
        const popup = await settledPopup(browser, tab, {
          beforeOpen: async (page) => {
            await page.setUserAgent(FIREFOX_ANDROID_UA);
            await page.setViewport(PHONE);
          },
        });
        const steps = await popup.evaluate(() =>
          [...document.querySelectorAll('#steps > li')].map((li) => ({ action: li.dataset.action ?? null, text: li.textContent, kbd: li.querySelector('kbd')?.textContent ?? null })),
        );
        const clear = steps.find((s) => s.action === 'clearSiteData');
        assert.match(clear?.text ?? '', /tap the padlock.*Settings > Delete browsing data/, JSON.stringify(steps));
        const privately = steps.find((s) => s.action === 'openPrivateWindow');
        assert.match(privately?.text ?? '', /private tab: tap the tab counter/, JSON.stringify(steps));
        assert.equal(privately.kbd, null, 'no keyboard shortcut on a phone');
        await popup.evaluate(() => (document.getElementById('steps-block').open = true));
        await popup.click('#steps button[data-action="openPrivateWindow"]');
        await until(
          popup,
          () => document.querySelector('#steps button[data-action="openPrivateWindow"]').parentElement.querySelector('.action-status').textContent !== '',
          null,
          'the private-tab action said something',
        );
        const said = await popup.evaluate(() => document.querySelector('#steps button[data-action="openPrivateWindow"]').parentElement.querySelector('.action-status').textContent);
        assert.match(said, /Firefox for Android does not let extensions open private tabs/, said);
        await popup.close();
      });
    }
  });
}
