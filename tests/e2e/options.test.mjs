// The options page in both browsers: corrupt stored settings fall back to defaults without an
// error, changes are saved to storage.sync, and bad input is explained, not lost.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, sleep } from './lib/browsers.mjs';

const BROWSERS = (process.env.GD_BROWSERS ?? 'chromium,firefox').split(',');

for (const name of BROWSERS) {
  describe(`${name}: options`, () => {
    let browser;
    before(async () => {
      browser = await launch(name);
    });
    after(async () => {
      await browser?.close();
    });

    test('corrupt settings show the defaults, and a change is saved', async () => {
      await browser.inExtension((api) =>
        api.storage.sync.set({ autoRetry: 'yes please', retryLimitMinutes: -3, neverRetry: 'x' }).then(() => null),
      );
      const page = await browser.openExtensionPage('options.html');
      const shown = await page.evaluate(() => ({
        autoRetry: document.querySelector('#autoRetry').checked,
        limit: document.querySelector('#retryLimitMinutes').value,
        error: document.querySelector('#status').textContent,
      }));
      assert.deepEqual(shown, { autoRetry: true, limit: '30', error: '' });

      await page.evaluate(() => {
        document.querySelector('#neverRetry').value = 'https://shop.example/cart\n<b>nope</b>';
        document.querySelector('#autoRetry').click();
      });
      let stored;
      for (let i = 0; i < 50; i++) {
        stored = await browser.inExtension((api) => api.storage.sync.get(null));
        if (stored.autoRetry === false) break;
        await sleep(100);
      }
      assert.equal(stored.autoRetry, false);
      assert.deepEqual(stored.neverRetry, ['shop.example']);
      assert.equal(stored.retryLimitMinutes, 30);
      const status = await page.evaluate(() => document.querySelector('#status').textContent);
      assert.match(status, /Saved\. Not a host name, left out: <b>nope<\/b>/);
      assert.equal(await page.evaluate(() => document.querySelectorAll('#status b').length), 0);
      await page.close();
    });

    test('the checks: a corrupt provider falls back, a bad address is kept out and said, the choice is saved', async () => {
      await browser.inExtension((api) =>
        api.storage.sync.clear().then(() => api.storage.sync.set({ checker: '<evil>', checkerUrl: 42, dnsResolver: 'javascript:alert(1)' })).then(() => null),
      );
      const page = await browser.openExtensionPage('options.html');
      const shown = await page.evaluate(() => ({
        checker: document.querySelector('#checker').value,
        checkerUrl: document.querySelector('#checkerUrl').value,
        dnsResolver: document.querySelector('#dnsResolver').value,
        checkDns: document.querySelector('#checkDns').checked,
        banner: document.querySelector('#showBanner').checked,
      }));
      assert.deepEqual(shown, { checker: 'downforeveryone', checkerUrl: '', dnsResolver: '', checkDns: true, banner: true });
      // Own checker, but the address typed is not a web address: kept out, and the page says so.
      await page.select('#checker', 'own');
      await page.evaluate(() => {
        document.querySelector('#checkerUrl').value = 'ftp://nope';
        document.querySelector('#checkerUrl').dispatchEvent(new Event('change', { bubbles: true }));
      });
      let status = '';
      for (let i = 0; i < 50 && !/Not a web address/.test(status); i++) {
        status = await page.evaluate(() => document.querySelector('#status').textContent);
        await sleep(100);
      }
      assert.match(status, /Not a web address, kept the previous one: ftp:\/\/nope\./);
      assert.match(status, /needs its address/);
      await page.evaluate(() => {
        document.querySelector('#checkerUrl').value = 'http://127.0.0.1:8787';
        document.querySelector('#checkerUrl').dispatchEvent(new Event('change', { bubbles: true }));
      });
      let stored;
      for (let i = 0; i < 50; i++) {
        stored = await browser.inExtension((api) => api.storage.sync.get(null));
        if (stored.checkerUrl === 'http://127.0.0.1:8787') break;
        await sleep(100);
      }
      assert.equal(stored.checker, 'own');
      assert.equal(stored.checkerUrl, 'http://127.0.0.1:8787');
      await page.close();
    });

    test('the refetches can be switched off, and the privacy text says what leaves the browser', async () => {
      await browser.inExtension((api) => api.storage.sync.clear().then(() => null));
      const page = await browser.openExtensionPage('options.html');
      assert.equal(await page.evaluate(() => document.querySelector('#refetchPage').checked), true);
      assert.equal(await page.evaluate(() => document.querySelector('#notifyWhenBack').checked), false, 'notifications are opt-in');
      await page.click('#refetchPage');
      let stored;
      for (let i = 0; i < 50; i++) {
        stored = await browser.inExtension((api) => api.storage.sync.get(null));
        if (stored.refetchPage === false) break;
        await sleep(100);
      }
      assert.equal(stored.refetchPage, false);
      const href = await page.evaluate(() => document.querySelector('#privacy-link').href);
      const text = await page.evaluate((url) => fetch(url).then((r) => r.text()), href);
      assert.match(text, /what leaves your browser/i);
      assert.match(text, /never go to a service on the internet/);
      await page.close();
    });
  });
}
