// Headless half of `cargo xtask demo`: visit the failing demo page in Chromium with the
// extension, then screenshot the popup for that tab. Usage: node demo.mjs <url> <png>
import { launch } from './lib/browsers.mjs';

const [url, screenshot, checker] = process.argv.slice(2);
const browser = await launch('chromium');
try {
  if (checker) await browser.setSettings({ checker: 'own', checkerUrl: checker });
  const tab = await browser.openTab(url);
  const badge = await browser.waitForBadge(tab, '502');
  const popup = await browser.openPopup(tab);
  // Let the checks finish: the screenshot shows the settled verdict.
  await popup
    .waitForFunction(() => document.querySelector('#verdict')?.dataset.settled === 'true', { timeout: 15000 })
    .catch(() => console.log('the checks had not all finished for the screenshot'));
  await popup.setViewport({ width: 400, height: 640 });
  const height = await popup.evaluate(() => document.documentElement.scrollHeight);
  await popup.setViewport({ width: 400, height });
  await popup.screenshot({ path: screenshot });
  console.log(`badge on ${url}: ${badge}`);
} finally {
  await browser.close();
}
