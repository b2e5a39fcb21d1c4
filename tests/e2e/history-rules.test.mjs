// History per site and per-site rules end to end, in both browsers: a real nginx in front of an
// application the test stops and starts (a 502 while it is down). The browser keeps its profile
// so that the last test can restart it and find the history and the rules again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, sleep, until } from './lib/browsers.mjs';
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

for (const [index, name] of BROWSERS.entries()) {
  describe(`${name}: history and site rules`, () => {
    // Each browser its own hosts (127.0.0.n, n <= 30 where nginx listens): the server and its
    // log are shared.
    const flakyN = 20 + index * 5;
    const ignoredN = flakyN + 1;
    const host = `127.0.0.${flakyN}`;
    const ignoredHost = `127.0.0.${ignoredN}`;
    const profile = mkdtempSync(join(tmpdir(), `gd-${name}-kept-`));
    let browser;
    let failing = null;
    const url = () => `${nginx.baseOn(flakyN)}/app/hist`;

    before(async () => {
      browser = await launch(name, { profile });
    });
    after(async () => {
      await browser?.close();
      rmSync(profile, { recursive: true, force: true });
    });

    const history = () =>
      browser.inExtension(async (api) => (await api.storage.local.get('history')).history ?? []);
    const rules = () =>
      browser.inExtension(async (api) => (await api.storage.sync.get('siteRules')).siteRules ?? []);
    const closeTab = (tab) => browser.inExtension((api, id) => api.tabs.remove(id).then(() => null), tab);
    const textOf = (page, selector) =>
      page.evaluate((s) => document.querySelector(s)?.textContent ?? '', selector);

    test('three outages of a site, then a fourth: the popup says how often it failed', async () => {
      for (let i = 0; i < 3; i++) {
        await app.stop();
        const tab = await browser.openTab(url());
        await browser.waitForBadge(tab, '502');
        await app.start();
        await browser.navigate(tab, url());
        await browser.waitForTitle(tab, 'App hist');
        await browser.waitForBadge(tab, '');
        // Written when the page works again, before the tab closes.
        await until(async () => (await history()).length === i + 1, `history entry ${i + 1}`);
        await closeTab(tab);
      }
      const entries = await history();
      for (const entry of entries) {
        const all = JSON.stringify(entries);
        assert.equal(entry.host, host, all);
        assert.equal(entry.kind, '502', all);
        assert.equal(entry.ending, 'recovered', all);
        // The host only: never the path.
        assert.ok(!JSON.stringify(entry).includes('/app'), JSON.stringify(entry));
      }
      // The checks share a site's refetches for 10 s: the fourth failure gets its own (a shared
      // one from the last recovery would answer 200 and pin it on the cookies).
      await sleep(10500);
      await app.stop();
      failing = await browser.openTab(url());
      await browser.waitForBadge(failing, '502');
      const popup = await browser.openPopup(failing);
      const line = await until(() => textOf(popup, '#history-line'), 'the history line');
      const pattern = new RegExp(
        `^${host.replaceAll('.', '\\.')} failed 3 times in the last 7 days \\(longest \\d+ minutes, usually back within \\d+\\)\\.$`,
      );
      assert.match(line, pattern);
      assert.match(await textOf(popup, '#history-hints'), /failed before: 3 times/);
      await popup.close();
    });

    test('"never auto-retry" from the popup stops the probes and is listed in the options', async () => {
      assert.ok(failing !== null, 'needs the failure of the first test');
      // Auto-retry watches the tab while the site is down (after three outages in a row it
      // probes less often: the watch, not a probe, is what is looked at).
      const watched = async () => {
        const state = (await browser.inExtension((api) => api.storage.session.get('retry:state')))['retry:state'];
        return (state?.origins ?? []).some((o) => o.tabs.some((t) => t.tabId === failing));
      };
      await until(watched, 'the tab watched before the rule');
      const popup = await browser.openPopup(failing);
      await until(() => popup.evaluate(() => !!document.querySelector('#rule-never-retry')), 'the rule boxes');
      await popup.evaluate(() => document.querySelector('#rule-never-retry').click());
      await until(async () => /Saved/.test(await textOf(popup, '#rules-status')), 'the rule saved');
      await popup.close();
      assert.deepEqual(await rules(), [`r:${host}`]);
      await until(async () => !(await watched()), 'the watch stopped by the rule');
      const t1 = Date.now();
      await sleep(5000);
      const probes = nginx.requests().filter((r) => r.at >= t1 && r.uri === '/app/hist' && r.method === 'HEAD');
      assert.deepEqual(probes, [], 'probes after the rule');
      const options = await browser.openExtensionPage('options.html');
      const listed = await options.evaluate(() =>
        [...document.querySelectorAll('#rules-list tr.rule')].map((row) => [
          row.dataset.pattern,
          row.querySelector('.rule-never-retry').checked,
          row.querySelector('.rule-ignore').checked,
        ]),
      );
      assert.deepEqual(listed, [[host, true, false]]);
      await options.close();
      await app.start();
    });

    test('"ignore this site" (added in the options) leaves no badge and nothing stored', async () => {
      const options = await browser.openExtensionPage('options.html');
      await options.evaluate((h) => {
        document.querySelector('#new-rule-host').value = h;
        document.querySelector('#new-rule-never-retry').checked = false;
        document.querySelector('#new-rule-ignore').checked = true;
        document.querySelector('#new-rule-add').click();
      }, ignoredHost);
      await until(async () => (await rules()).includes(`i:${ignoredHost}`), 'the ignore rule saved');
      await options.close();
      await app.stop();
      const ignoredUrl = `${nginx.baseOn(ignoredN)}/app/ignored`;
      const tab = await browser.openTab(ignoredUrl);
      await browser.waitForLoad(tab, ignoredUrl);
      await sleep(1500);
      assert.equal(await browser.badge(tab), '');
      const session = await browser.inExtension((api) => api.storage.session.get(null));
      assert.ok(!JSON.stringify(session).includes(ignoredHost), 'something stored for the ignored site');
      await closeTab(tab);
      await app.start();
      await sleep(300);
      assert.ok(!(await history()).some((e) => e.host === ignoredHost), 'the ignored site is in the history');
    });

    test('export then import restores the rules; bad files are refused and change nothing', async () => {
      const saved = await rules();
      assert.equal(saved.length, 2);
      let options = await browser.openExtensionPage('options.html');
      // The export is a download of a data: URL: its link is read instead of saved.
      const href = await options.evaluate(() => {
        const link = document.querySelector('#rules-export-link');
        const clicked = new Promise((resolve) => {
          link.click = () => resolve(link.getAttribute('href'));
        });
        document.querySelector('#rules-export').click();
        return clicked;
      });
      const exported = decodeURIComponent(href.replace(/^data:application\/json;charset=utf-8,/, ''));
      assert.equal(JSON.parse(exported).rules.length, 2);
      await options.close();

      await browser.inExtension((api) => api.storage.sync.remove('siteRules').then(() => null));
      options = await browser.openExtensionPage('options.html');
      assert.ok(await options.evaluate(() => !!document.querySelector('#rules-empty')));
      const importFile = (content) =>
        options.evaluate((text) => {
          const input = document.querySelector('#rules-import');
          const files = new DataTransfer();
          files.items.add(new File([text], 'rules.json', { type: 'application/json' }));
          input.files = files.files;
          input.dispatchEvent(new Event('change', { bubbles: true }));
        }, content);
      await importFile(exported);
      await until(async () => JSON.stringify(await rules()) === JSON.stringify(saved), 'the rules restored');
      await until(async () => /Imported 2 rules/.test(await textOf(options, '#rules-status')), 'the import said');
      assert.equal(await options.evaluate(() => document.querySelectorAll('#rules-list tr.rule').length), 2);

      const hostile = JSON.stringify({
        format: 'gateway-doctor-rules',
        rules: [{ host: '<img src=x onerror=alert(1)>', ignore: true }],
      });
      const many = JSON.stringify({
        format: 'gateway-doctor-rules',
        rules: Array.from({ length: 5000 }, (_, i) => ({ host: `h${i}.example`, ignore: true })),
      });
      for (const [content, said] of [
        ['this is { not json', /not JSON/],
        ['{"rules": 5}', /not a Gateway Doctor rules file/],
        [hostile, /not a host name: <img src=x onerror=alert\(1\)>/],
        [many, /larger than|at most/],
      ]) {
        await importFile(content);
        await until(async () => said.test(await textOf(options, '#rules-status')), `refused: ${said}`);
        assert.equal(await options.evaluate(() => document.querySelectorAll('#rules-status img').length), 0);
        assert.deepEqual(await rules(), saved);
      }
      await options.close();
    });

    test('a name typed in Unicode is kept in its ASCII form; what is not a host is said and not kept', async () => {
      const options = await browser.openExtensionPage('options.html');
      const add = (typed) =>
        options.evaluate((h) => {
          document.querySelector('#new-rule-host').value = h;
          document.querySelector('#new-rule-add').click();
        }, typed);
      await add('<b>nope</b>');
      await until(async () => /Not a host name: <b>nope<\/b>/.test(await textOf(options, '#rules-status')), 'refused');
      assert.equal(await options.evaluate(() => document.querySelectorAll('#rules-status b').length), 0);
      assert.equal((await rules()).length, 2);
      await add('*.Bücher.example.:8080');
      await until(async () => (await rules()).includes('r:*.xn--bcher-kva.example'), 'the ASCII form kept');
      await options.close();
    });

    test('the history and the rules survive a restart on the same profile', async () => {
      const savedRules = await rules();
      const savedHistory = await history();
      assert.equal(savedHistory.length, 3);
      await browser.close();
      // The settings written at the first launch are kept too: nothing is reset.
      browser = await launch(name, { profile, loopbackChecks: false });
      assert.deepEqual(await rules(), savedRules);
      assert.deepEqual(await history(), savedHistory);
      const options = await browser.openExtensionPage('options.html');
      const sites = await options.evaluate(() =>
        [...document.querySelectorAll('#history-list .history-site')].map((li) => [
          li.dataset.host,
          li.querySelectorAll('.history-bar').length,
        ]),
      );
      assert.deepEqual(sites, [[host, 30]]);
      // Forgetting the site empties the history.
      await options.evaluate(() => document.querySelector('#history-list .history-forget').click());
      await until(async () => (await history()).length === 0, 'the history forgotten');
      await options.close();
    });
  });
}
