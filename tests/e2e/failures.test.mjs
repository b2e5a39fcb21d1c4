// Failures without an HTTP error status, and a bot challenge, end to end in both browsers: what
// loopback can produce for real (a redirect loop, a chunked answer cut short, an expired
// certificate, plain HTTP on a TLS port, a Cloudflare-style challenge). Badge, popup wording,
// and, where waiting cannot help, that no auto-retry probe and no checker request follow.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, sleep, until, untilChecksSettled } from './lib/browsers.mjs';
import {
  startChallenge,
  startCheckerTrap,
  startExpiredTls,
  startPlainOnTlsPort,
  startRedirectLoop,
  startTruncatedChunked,
} from './lib/failing_servers.mjs';

const BROWSERS = (process.env.GD_BROWSERS ?? 'chromium,firefox').split(',');

/** The popup for `tab` once every check has settled: its texts and its check lines. */
async function settledPopup(browser, tab) {
  const popup = await browser.openPopup(tab);
  try {
    await untilChecksSettled(popup, 15000);
    return await popup.evaluate(() => ({
      code: document.querySelector('#code')?.textContent ?? '',
      title: document.querySelector('#title')?.textContent ?? '',
      meaning: document.querySelector('#meaning')?.textContent ?? '',
      side: document.querySelector('#side')?.textContent ?? '',
      fixer: document.querySelector('#fixer')?.textContent ?? '',
      // Auto-retry says why it stays away (a note), or when it checks next (a status).
      retry: document.querySelector('#retry-note')?.textContent ?? document.querySelector('#retry-status')?.textContent ?? '',
      steps: [...document.querySelectorAll('#steps > li')].map((li) => li.textContent),
      checks: Object.fromEntries(
        [...document.querySelectorAll('#checks li')].map((li) => [li.dataset.check, { state: li.dataset.state, text: li.textContent }]),
      ),
    }));
  } finally {
    await popup.close();
  }
}

/** What the popup must show when the site answered and no outage check may run. */
function assertNotAnOutage(shown) {
  for (const check of ['fresh', 'stranger', 'checker', 'connectivity']) {
    assert.match(shown.checks[check]?.text ?? '', /fine: the site's server answered you/, `${check}: ${JSON.stringify(shown.checks)}`);
  }
  for (const step of shown.steps) {
    assert.doesNotMatch(step, /down for everyone|not on your side/i, step);
  }
}

for (const name of BROWSERS) {
  describe(`${name}: failures without a status, and bot challenges`, () => {
    let browser;
    let checker;
    before(async () => {
      checker = await startCheckerTrap();
      browser = await launch(name);
      // The checker is a loopback trap: any request it gets is a request that should not be.
      await browser.setSettings({ checker: 'own', checkerUrl: checker.base });
    });
    after(async () => {
      await browser?.close();
      await checker?.stop();
    });

    test('a redirect loop shows "LOOP", is explained, and is neither retried nor checked', async () => {
      const site = await startRedirectLoop();
      const asked = checker.log.length;
      try {
        const tab = await browser.openTab(`${site.base}/account/a`);
        await browser.waitForBadge(tab, 'LOOP', 15000);
        const shown = await settledPopup(browser, tab);
        assert.equal(shown.code, 'LOOP');
        assert.equal(shown.title, 'Redirect loop');
        assert.match(shown.meaning, /sends it back again/);
        assert.match(shown.retry, /Waiting does not fix/);
        assertNotAnOutage(shown);
        const t0 = Date.now();
        await sleep(3500);
        const later = site.log.filter((r) => r.at >= t0);
        assert.deepEqual(later, [], 'the loop was asked again');
        assert.equal(site.log.filter((r) => r.method === 'HEAD').length, 0, 'an auto-retry probe came');
        assert.deepEqual(checker.log.slice(asked), [], 'the checker was asked');
      } finally {
        await site.stop();
      }
    });

    test('an expired certificate shows "CERT": explained, never clicked through, not retried', async () => {
      const site = await startExpiredTls();
      const asked = checker.log.length;
      try {
        const tab = await browser.openTab(`${site.base}/login`);
        await browser.waitForBadge(tab, 'CERT', 15000);
        const shown = await settledPopup(browser, tab);
        assert.equal(shown.code, 'CERT');
        assert.equal(shown.title, 'Certificate refused');
        assert.match(shown.steps[0] ?? '', /Do not continue past the browser's warning/);
        assert.ok(shown.steps.some((s) => /date and time/.test(s)), JSON.stringify(shown.steps));
        assert.match(shown.retry, /Waiting does not fix/);
        assertNotAnOutage(shown);
        const connections = site.state.connections;
        await sleep(3500);
        assert.equal(site.state.connections, connections, 'something connected again (a probe?)');
        assert.deepEqual(site.log, [], 'a request got past the certificate');
        assert.deepEqual(checker.log.slice(asked), [], 'the checker was asked');
      } finally {
        await site.stop();
      }
    });

    test('plain HTTP on a TLS port shows "TLS", a secure connection that could not be set up', async () => {
      const site = await startPlainOnTlsPort();
      const asked = checker.log.length;
      try {
        const tab = await browser.openTab(`${site.base}/`);
        await browser.waitForBadge(tab, 'TLS', 15000);
        const shown = await settledPopup(browser, tab);
        assert.equal(shown.code, 'TLS');
        assert.equal(shown.title, 'Secure connection could not be set up');
        assert.match(shown.retry, /Waiting does not fix/);
        assertNotAnOutage(shown);
        assert.deepEqual(checker.log.slice(asked), [], 'the checker was asked');
      } finally {
        await site.stop();
      }
    });

    test('a chunked answer cut short shows "CUT", an answer cut off, checked but not retried', async () => {
      const site = await startTruncatedChunked();
      const asked = checker.log.length;
      try {
        const tab = await browser.openTab(`${site.base}/report`);
        await browser.waitForBadge(tab, 'CUT', 15000);
        const shown = await settledPopup(browser, tab);
        assert.equal(shown.code, 'CUT');
        assert.equal(shown.title, 'Answer cut off');
        // The part that came is on screen and a probe (headers only) cannot see the body come
        // whole: no auto-retry. The site may still be failing for everyone, so the checker is
        // asked (which also shows that the trap would see a request in the other cases).
        assert.match(shown.retry, /Waiting does not fix/);
        assert.ok(checker.log.length > asked, 'the checker was not asked for a cut answer');
      } finally {
        await site.stop();
      }
    });

    test('a Cloudflare-style challenge (503, cf-mitigated) shows "BOT": the site is up, no retry, no checker', async () => {
      const site = await startChallenge();
      const asked = checker.log.length;
      try {
        const tab = await browser.openTab(`${site.base}/shop`);
        await browser.waitForBadge(tab, 'BOT');
        const shown = await settledPopup(browser, tab);
        assert.equal(shown.code, 'BOT');
        assert.equal(shown.title, 'The site is checking your browser');
        assert.match(shown.meaning, /The site is up/);
        assert.match(shown.side, /bot protection/);
        assert.match(shown.steps[0] ?? '', /Stay on the page/);
        assert.ok(shown.steps.some((s) => /JavaScript and cookies/.test(s)), JSON.stringify(shown.steps));
        assert.ok(shown.steps.some((s) => /VPN/.test(s)), JSON.stringify(shown.steps));
        assert.match(shown.retry, /checking or blocking this browser/);
        assertNotAnOutage(shown);
        const t0 = Date.now();
        await sleep(3500);
        assert.deepEqual(site.log.filter((r) => r.at >= t0), [], 'the challenge was asked again');
        assert.equal(site.log.filter((r) => r.method === 'HEAD').length, 0, 'an auto-retry probe came');
        // The visitor's one load, and nothing else of the page (the browser's favicon aside).
        assert.equal(site.log.filter((r) => r.path === '/shop').length, 1, JSON.stringify(site.log));
        assert.deepEqual(checker.log.slice(asked), [], 'the checker was asked');
      } finally {
        await site.stop();
      }
    });

    test('a challenge with no header is known once its page is read: "503" becomes "BOT"', async () => {
      const site = await startChallenge({ withHeader: false });
      try {
        const tab = await browser.openTab(`${site.base}/shop`);
        await browser.waitForBadge(tab, 'BOT', 15000);
        const shown = await settledPopup(browser, tab);
        assert.equal(shown.title, 'The site is checking your browser');
        assert.match(shown.retry, /checking or blocking this browser/);
        assert.match(shown.steps[0] ?? '', /Stay on the page/);
        // The checks start with the failure, before the page is read: here they did run (the
        // refetches met the challenge again). Auto-retry stands down once the page is read.
        const t0 = Date.now();
        await sleep(3500);
        assert.deepEqual(site.log.filter((r) => r.at >= t0), [], 'the challenge was asked again');
      } finally {
        await site.stop();
      }
    });
  });
}
