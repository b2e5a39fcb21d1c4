// Is it the CDN, the site, or the Wi-Fi? End to end in both browsers, on loopback: a Cloudflare-
// shaped edge whose own trace answers in front of a dead origin, the CDN's status feed with an
// incident on the data centre used and without one, a site whose own status page reports
// maintenance, and a network that redirects every request to its sign-in page. The extension
// is pointed at the fixtures only through what ships: the options' status-feed and connectivity
// addresses, and the browsers' own host mapping (browsers.mjs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from './lib/servers.mjs';
import { launch, until, untilChecksSettled } from './lib/browsers.mjs';
import { startStatusWorld } from './lib/status_servers.mjs';

const BROWSERS = (process.env.GD_BROWSERS ?? 'chromium,firefox').split(',');

/** The popup for `tab` once every check has settled: its verdict, sections and check lines. */
async function settled(browser, tab) {
  const popup = await browser.openPopup(tab);
  try {
    await untilChecksSettled(popup, 25000);
    return await popup.evaluate(() => ({
      verdict: document.querySelector('#verdict')?.dataset.verdict ?? '',
      verdictText: document.querySelector('#verdict')?.textContent ?? '',
      side: document.querySelector('#side')?.textContent ?? '',
      fixer: document.querySelector('#fixer')?.textContent ?? '',
      outlook: document.querySelector('#outlook')?.textContent ?? '',
      owner: document.querySelector('#owner-verdict')?.textContent ?? '',
      steps: [...document.querySelectorAll('#steps > li')].map((li) => li.textContent),
      actions: [...document.querySelectorAll('#steps button[data-action]')].map((b) => b.dataset.action),
      checks: Object.fromEntries(
        [...document.querySelectorAll('#checks li')].map((li) => [li.dataset.check, { state: li.dataset.state, text: li.textContent }]),
      ),
      // Anything a feed said must stay text: no element of its making.
      injected: document.querySelectorAll('#checks b, #checks img, #verdict b, #verdict img').length,
    }));
  } finally {
    await popup.close();
  }
}

for (const name of BROWSERS) {
  describe(`${name}: the CDN, the site, or the Wi-Fi`, () => {
    let browser;
    let world;
    before(async () => {
      world = await startStatusWorld();
      browser = await launch(name);
    });
    /** Settings for one test: its own feed variant (and connectivity address). */
    const use = (variant, extra = {}) => browser.setSettings({ autoRetry: false, statusFeedUrl: world.feedUrl(variant), ...extra });
    after(async () => {
      await browser?.close();
      await world?.stop();
    });

    test("the edge's own trace answers while the page is a 522, and the CDN reports nothing there: the site's server is down", async () => {
      await use('lhr');
      const sent = world.state.log.length;
      const tab = await browser.openTab(world.edgePage);
      await browser.waitForBadge(tab, '522', 15000);
      const shown = await settled(browser, tab);
      assert.equal(shown.verdict, 'origin-down', JSON.stringify(shown));
      assert.match(shown.verdictText, /Cloudflare's edge in Frankfurt answered; the own server of www\.gd-edge\.test behind it did not/);
      assert.match(shown.checks.edge.text, /Cloudflare's edge in Frankfurt answered for itself/);
      assert.match(shown.checks.cdnstatus.text, /reports an incident elsewhere.*Slow <b>London<\/b> edge <img src=x>/);
      assert.equal(shown.injected, 0);
      assert.match(shown.checks.sitestatus.text, /no status page found/);
      assert.match(shown.owner, /start at your origin server/);
      assert.match(shown.side, /the site's own server/);
      assert.match(shown.fixer, /The people who run this site/);
      // One trace, no cookies, no redirect: the edge was asked once.
      const traces = world.state.log.slice(sent).filter((line) => line.endsWith('/cdn-cgi/trace'));
      assert.equal(traces.length, 1, world.state.log.slice(sent).join('\n'));
    });

    test('the CDN status feed reports an incident on the data centre the ray id names: the CDN has an incident', async () => {
      await use('fra');
      const tab = await browser.openTab(world.edgePage);
      await browser.waitForBadge(tab, '522', 15000);
      const shown = await settled(browser, tab);
      assert.equal(shown.verdict, 'cdn-incident', JSON.stringify(shown));
      assert.match(shown.verdictText, /Cloudflare, the network in front of www\.gd-edge\.test, reports an incident right now: "Elevated errors in Frankfurt"/);
      assert.ok(shown.actions.includes('openStatusPage'), shown.actions.join());
      assert.match(shown.owner, /CDN's own status page reports an incident/);
      assert.match(shown.fixer, /The site's CDN/);
    });

    test("the site's own status page reports maintenance with its 503: planned maintenance until its end", async () => {
      await use('lhr');
      const tab = await browser.openTab(world.shopPage);
      await browser.waitForBadge(tab, '503', 15000);
      const shown = await settled(browser, tab);
      assert.equal(shown.verdict, 'site-maintenance', JSON.stringify(shown));
      const until = new Date(world.state.maintenanceUntil).toISOString().slice(11, 16);
      assert.match(shown.verdictText, new RegExp(`planned maintenance until (\\d{4}-\\d\\d-\\d\\d )?${until} UTC: "Database maintenance"`));
      assert.match(shown.checks.sitestatus.text, /status\.gd-shop\.test reports maintenance until/);
      // Not "clears up within minutes": the status page gave its end.
      assert.match(shown.outlook, /Planned work/);
      assert.ok(shown.actions.includes('openStatusPage'), shown.actions.join());
    });

    test('a network that redirects every request to its sign-in page: sign in first, one click away', async () => {
      await use('lhr', { connectivityUrl: world.portalUrl });
      const dead = await freePort();
      const tab = await browser.openTab(`http://127.0.0.1:${dead}/news`);
      await browser.waitForBadge(tab, 'REF', 15000);
      const shown = await settled(browser, tab);
      assert.equal(shown.verdict, 'sign-in-to-network', JSON.stringify(shown));
      assert.match(shown.checks.connectivity.text, /sign-in page answered instead/);
      assert.match(shown.fixer, /sign in to this network/);
      assert.ok(shown.actions.includes('openSignInPage'), shown.actions.join());
      // The one click opens the connectivity address, which the portal turns into its page.
      const popup = await browser.openPopup(tab);
      try {
        await popup.click('#steps button[data-action="openSignInPage"]');
        await until(
          async () => (await browser.browser.pages()).some((page) => page.url().endsWith('/portal/login')),
          'the sign-in page opened',
          10000,
        );
      } finally {
        await popup.close();
      }
    });

    test('a status feed that answers garbage is a failed line, and the verdict stands on the rest', async () => {
      await use('garbage');
      const tab = await browser.openTab(world.edgePage);
      await browser.waitForBadge(tab, '522', 15000);
      const shown = await settled(browser, tab);
      assert.equal(shown.checks.cdnstatus.state, 'failed', JSON.stringify(shown.checks));
      assert.match(shown.checks.cdnstatus.text, /not JSON/i);
      // The edge still answered for itself: that alone says the origin is down.
      assert.equal(shown.verdict, 'origin-down');
    });
  });
}
