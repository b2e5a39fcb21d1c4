// Launches Debian's Chromium or Firefox ESR with the built extension and gives tests a small,
// uniform handle: open pages, read a tab's badge, open the popup for a tab.
import { cpSync, mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer from 'puppeteer-core';

export const ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const DIST = join(ROOT, 'dist');
const GECKO_ID = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8'))
  .browser_specific_settings.gecko.id;
// A fixed internal UUID so the tests know the moz-extension:// origin in advance.
const FIREFOX_UUID = '6f1d2c3b-4a5e-4f60-9b7c-0d8e9f1a2b3c';

/** Resolves to 127.0.0.1 inside the test browsers only. */
export const DNS_TEST_HOST = 'gd-dns.test';
/** Names of the status tests' edge, shop and their status hosts (lib/status_servers.mjs). */
const STATUS_TEST_HOSTS = ['www.gd-edge.test', 'status.gd-edge.test', 'www.gd-shop.test', 'status.gd-shop.test'];
/** Nothing listens on the discard port: checks pointed there fail at once, on loopback. */
const NOWHERE = 'http://127.0.0.1:9';
/** Settings every test browser starts with: no check ever leaves the machine. */
export const LOOPBACK_CHECKS = {
  checker: 'own',
  checkerUrl: NOWHERE,
  dnsResolver: `${NOWHERE}/dns-query`,
  connectivityUrl: `${NOWHERE}/`,
};

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,HttpsUpgrades',
  '--metrics-recording-only',
  // A name whose answer differs between the browser's resolver and an independent one.
  `--host-resolver-rules=MAP ${DNS_TEST_HOST} 127.0.0.1, MAP *.${DNS_TEST_HOST} 127.0.0.1, ${STATUS_TEST_HOSTS.map((h) => `MAP ${h} 127.0.0.1`).join(', ')}`,
];

/**
 * A browser with the built extension (`withExtension: false`: without it).
 * - `loopbackChecks: false` skips writing the settings (it opens an extension page, which would
 *   compete with the background's start-up that the benchmark times); use it only where no page
 *   fails, so that no check can run.
 * - `profile`: a profile directory to use (and keep) instead of a fresh one, so that a test can
 *   close the browser and launch it again on the same profile; the caller removes it.
 * - `installable`: with `withExtension: false`, a Chromium that can install an extension later
 *   (`browser.browser.installExtension`); Firefox always can.
 * - `firefoxPrefs`: more preferences for Firefox (Chromium ignores them).
 * @param {'chromium'|'firefox'} name
 */
export async function launch(
  name,
  { withExtension = true, loopbackChecks = true, profile: kept = null, installable = false, firefoxPrefs = {} } = {},
) {
  const profile = kept ?? mkdtempSync(join(tmpdir(), `gd-${name}-`));
  let browser;
  let extensionOrigin = null;
  if (name === 'chromium') {
    const dir = withExtension ? chromiumGranted(profile) : null;
    browser = await puppeteer.launch({
      executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
      headless: true,
      userDataDir: profile,
      pipe: true,
      enableExtensions: withExtension ? [dir] : installable,
      args: CHROMIUM_ARGS,
    });
    if (withExtension) {
      const worker = await browser.waitForTarget(
        (t) => t.type() === 'service_worker' && t.url().endsWith('/background.js'),
        { timeout: 15000 },
      );
      // URL.origin is "null" for non-special schemes such as chrome-extension:.
      extensionOrigin = worker.url().split('/').slice(0, 3).join('/');
    }
  } else {
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: process.env.FIREFOX_BIN ?? '/usr/bin/firefox-esr',
      headless: true,
      userDataDir: profile,
      args: ['--remote-allow-system-access'],
      extraPrefsFirefox: {
        'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_UUID }),
        // No network beyond loopback: keep Firefox from phoning home.
        'network.captive-portal-service.enabled': false,
        'network.connectivity-service.enabled': false,
        'browser.safebrowsing.update.enabled': false,
        'app.update.enabled': false,
        'network.dns.disablePrefetch': true,
        'network.proxy.allow_hijacking_localhost': false,
        'dom.security.https_first': false,
        'browser.fixup.alternate.enabled': false,
        'network.dns.localDomains': [DNS_TEST_HOST, ...STATUS_TEST_HOSTS].join(','),
        // Optional permissions are granted without a prompt a headless browser cannot answer.
        'extensions.webextOptionalPermissionPrompts': false,
        // The test add-on is reinstalled at each launch: a kept profile keeps its storage.
        'extensions.webextensions.keepStorageOnUninstall': true,
        'extensions.webextensions.keepUuidOnUninstall': true,
        // Timers at full precision (Firefox rounds them to whole milliseconds by default): the
        // benchmark's page-load overhead compares loads of about 20 ms.
        'privacy.reduceTimerPrecision': false,
        ...firefoxPrefs,
      },
    });
    if (withExtension) {
      await browser.installExtension(withInPageModule(join(DIST, 'firefox'), profile));
      extensionOrigin = `moz-extension://${FIREFOX_UUID}`;
    }
  }
  const handle = new BrowserUnderTest(name, browser, profile, extensionOrigin);
  handle.keepProfile = kept !== null;
  if (withExtension && loopbackChecks) await handle.setSettings(LOOPBACK_CHECKS);
  return handle;
}

/**
 * A copy of the built extension `built` in the profile, with the function that runs inside a
 * failed page as a module of its own (`/banner.js`): `cargo xtask dist` inlines it into
 * background.js, and the hardening tests run it from an extension page as the background does.
 */
function withInPageModule(built, profile) {
  const dir = join(profile, 'extension');
  cpSync(built, dir, { recursive: true });
  cpSync(join(ROOT, 'extension', 'banner.js'), join(dir, 'banner.js'));
  return dir;
}

/**
 * The Chrome build with the optional permissions a visitor grants on a click (clearing a site's
 * data, notifications) already granted: headless Chromium cannot show the prompt, and has no
 * switch to answer it. Firefox answers it through a preference instead. `proxy` stays optional,
 * so the refused path is tested too.
 */
function chromiumGranted(profile) {
  const dir = withInPageModule(join(DIST, 'chrome'), profile);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const granted = ['browsingData', 'notifications'];
  manifest.optional_permissions = manifest.optional_permissions.filter((p) => !granted.includes(p));
  manifest.permissions = [...manifest.permissions, ...granted];
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

export class BrowserUnderTest {
  constructor(name, browser, profile, extensionOrigin) {
    this.name = name;
    this.browser = browser;
    this.profile = profile;
    this.extensionOrigin = extensionOrigin;
    this.helperPage = null;
  }

  /** An extension page kept open to call extension APIs (tabs, action) from. */
  async helper() {
    if (!this.helperPage) {
      this.helperPage = await this.openExtensionPage('popup.html?tab=-1');
    }
    return this.helperPage;
  }

  /** Runs `fn(api, arg)` inside an extension page, where `api` is browser/chrome. */
  async inExtension(fn, arg) {
    const page = await this.helper();
    return page.evaluate(
      `(async () => { const api = globalThis.browser ?? globalThis.chrome; return (${fn})(api, ${JSON.stringify(arg)}); })()`,
    );
  }

  /** Replaces the stored settings with `settings` (plus the loopback-only checks). */
  async setSettings(settings) {
    await this.inExtension(async (api, s) => {
      await api.storage.sync.clear();
      await api.storage.sync.set(s);
      return null;
    }, { ...LOOPBACK_CHECKS, ...settings });
  }

  /** Opens `url` in a new tab, as a visitor typing it would; returns the tab id at once. */
  async openTab(url) {
    return this.inExtension(async (api, u) => (await api.tabs.create({ url: u, active: true })).id, url);
  }

  /** Navigates an existing tab to `url`. */
  async navigate(tabId, url) {
    await this.inExtension((api, [id, u]) => api.tabs.update(id, { url: u }).then(() => null), [tabId, url]);
  }

  /** Waits until the tab is complete and `wanted(tab)` holds; returns when it did (ms). */
  async waitForTab(tabId, wanted, what, timeout) {
    const deadline = Date.now() + timeout;
    let tab;
    while (Date.now() < deadline) {
      tab = await this.inExtension((api, id) => api.tabs.get(id), tabId);
      if (tab.status === 'complete' && wanted(tab)) return Date.now();
      await sleep(50);
    }
    throw new Error(`${this.name}: tab ${tabId} never ${what}: ${JSON.stringify(tab)}`);
  }

  /** Waits until the tab has finished loading `url` (or its error page). */
  async waitForLoad(tabId, url, timeout = 15000) {
    return this.waitForTab(tabId, (tab) => tab.url === url, `finished loading ${url}`, timeout);
  }

  /** Waits until the tab shows a finished page titled `title`. */
  async waitForTitle(tabId, title, timeout = 15000) {
    return this.waitForTab(tabId, (tab) => tab.title === title, `showed "${title}"`, timeout);
  }

  /** The puppeteer page whose current document is `url`. */
  async pageShowing(url) {
    const pages = await this.browser.pages();
    const page = pages.find((p) => p.url() === url);
    if (!page) throw new Error(`${this.name}: no page shows ${url}`);
    return page;
  }

  /** Presses "stop" on `page` while a navigation is pending. */
  async stopLoading(page) {
    if (this.name === 'chromium') {
      const session = await page.createCDPSession();
      await session.send('Page.stopLoading');
      await session.detach();
    } else {
      await page.evaluate(() => window.stop());
    }
  }

  async badge(tabId) {
    return this.inExtension((api, id) => api.action.getBadgeText({ tabId: id }), tabId);
  }

  /** Waits until the badge of `tabId` equals `expected`, or throws with what it was. */
  async waitForBadge(tabId, expected, timeout = 10000) {
    const deadline = Date.now() + timeout;
    let last;
    while (Date.now() < deadline) {
      last = await this.badge(tabId);
      if (last === expected) return last;
      await sleep(100);
    }
    throw new Error(`${this.name}: badge of tab ${tabId} is ${JSON.stringify(last)}, expected ${JSON.stringify(expected)}`);
  }

  /** Opens the popup page for `tabId` in its own tab and waits for it to render. */
  async openPopup(tabId, { beforeOpen } = {}) {
    return this.openExtensionPage(`popup.html?tab=${tabId}`, 10000, beforeOpen);
  }

  /**
   * Opens an extension page and waits until its script marks it ready. Firefox's BiDi does not
   * report navigations to moz-extension:// pages as finished, so readiness is polled instead.
   */
  async openExtensionPage(path, timeout = 10000, beforeOpen = null) {
    const page = await this.browser.newPage();
    // For instance another user agent, to see the popup as on another system.
    if (beforeOpen) await beforeOpen(page);
    const url = `${this.extensionOrigin}/${path}`;
    page.goto(url, { timeout }).catch(() => {});
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      const ready = await page
        .evaluate(() => location.href + ' ' + document.documentElement.dataset.ready)
        .catch(() => '');
      if (ready === `${url} true`) return page;
      await sleep(50);
    }
    throw new Error(`${this.name}: extension page ${url} did not become ready`);
  }

  async close() {
    await this.browser.close().catch(() => {});
    if (!this.keepProfile) rmSync(this.profile, { recursive: true, force: true });
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check()` is truthy (polled), or throws with `what`. */
export async function until(check, what, timeout = 10000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await sleep(100);
  }
  throw new Error(`never: ${what} (last: ${JSON.stringify(last)})`);
}

/**
 * Waits until the popup says every check has settled. If they never do, the error names each
 * check line's state and text, so that a failure shows which check never finished.
 */
export async function untilChecksSettled(popup, timeout) {
  const settled = () => popup.evaluate(() => document.querySelector('#verdict')?.dataset.settled === 'true');
  try {
    await until(settled, 'the checks settled', timeout);
  } catch (error) {
    const lines = await popup
      .evaluate(() => [...document.querySelectorAll('#checks li')].map((li) => `${li.dataset.check}=${li.dataset.state}: ${li.textContent}`))
      .catch((e) => [`(the popup could not be read: ${e?.message ?? e})`]);
    throw new Error(`${error.message}; the check lines:\n${lines.join('\n')}`);
  }
}

