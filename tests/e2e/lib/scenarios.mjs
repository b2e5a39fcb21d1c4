// The failures a visitor meets, set up on 127.0.0.1 for the popup tests and the screenshots:
// nginx in front of an application, Gateway Doctor's own checker, a DNS-over-HTTPS resolver.
import { DNS_TEST_HOST, sleep } from './browsers.mjs';
import { startChecker, startDohResolver, startNginx, startSilentUpstream, startSwitchableApp } from './servers.mjs';

export async function startWorld() {
  const slow = await startSilentUpstream();
  const app = await startSwitchableApp();
  const nginx = await startNginx({ slowPort: slow.port, appPort: app.port });
  const checker = await startChecker();
  const doh = await startDohResolver(['203.0.113.9']);
  return {
    slow,
    app,
    nginx,
    checker,
    doh,
    /** Settings that send every check to the servers above. */
    settings: (extra = {}) => ({
      autoRetry: false,
      checker: 'own',
      checkerUrl: checker.base,
      dnsResolver: `${doh.base}/dns-query`,
      ...extra,
    }),
    stop: async () => {
      await doh.stop();
      await checker.stop();
      await nginx.stop();
      await app.stop();
      await slow.stop();
    },
  };
}

/** Each scenario opens its failing page (on its own origin `n`) and returns the tab id. */
export const SCENARIOS = {
  /** A plain 502 from nginx, the application behind it down. */
  'bad-gateway': async (browser, world, n) => {
    return browser.openTab(`${world.nginx.baseOn(n)}/dead/checkout`);
  },
  /** The whole site fails, for the checker too. */
  'down-for-everyone': async (browser, world) => browser.openTab(`${world.nginx.downBase}/shop/cart?id=7`),
  /** The application crashes on this visitor's session cookie. */
  cookies: async (browser, world, n) => {
    const setter = await browser.openTab(`${world.nginx.baseOn(n)}/app/setcookie`);
    await browser.waitForTitle(setter, 'Cookie set');
    await browser.inExtension((api, id) => api.tabs.remove(id).then(() => null), setter);
    return browser.openTab(`${world.nginx.baseOn(n)}/app/cookie/account`);
  },
  /** The browser's resolver and an independent one disagree. */
  dns: async (browser, world) => browser.openTab(`http://${DNS_TEST_HOST}:${world.nginx.port}/dead/dns`),
};

/** Opens the popup for `tab` once its badge is up, and waits until every check has finished. */
export async function settledPopup(browser, tab, { beforeOpen } = {}) {
  await browser.waitForBadge(tab, '502');
  const popup = await browser.openPopup(tab, { beforeOpen });
  // The two refetches go one after the other through the politeness gate (each may take its
  // 8 s timeout), and a probe may hold the gate between them.
  const deadline = Date.now() + 25000;
  while (Date.now() < deadline) {
    const settled = await popup.evaluate(() => document.querySelector('#verdict')?.dataset.settled === 'true');
    if (settled) return popup;
    await sleep(100);
  }
  // Which checks were still waiting, so that a timeout says where to look.
  const states = await popup
    .evaluate(() => [...document.querySelectorAll('[data-check]')].map((li) => `${li.dataset.check}: ${li.dataset.state}`).join(', '))
    .catch((error) => `unreadable (${error.message})`);
  throw new Error(`${browser.name}: the checks never finished for tab ${tab} (${states || 'no checks listed'})`);
}
