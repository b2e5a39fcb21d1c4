// `cargo xtask screenshots`: the popup in the real browser for the README, one picture per
// case. Usage: node screenshots.mjs <output dir>
import { join } from 'node:path';
import { launch } from './lib/browsers.mjs';
import { SCENARIOS, settledPopup, startWorld } from './lib/scenarios.mjs';

const [outDir] = process.argv.slice(2);
const world = await startWorld();
const browser = await launch('chromium');
try {
  let origin = 20;
  const shots = [
    ['bad-gateway', 'light'],
    ['down-for-everyone', 'light'],
    ['cookies', 'light'],
    ['dns', 'light'],
    ['cookies', 'dark'],
  ];
  for (const [scenario, theme] of shots) {
    await browser.setSettings(world.settings({ autoRetry: scenario === 'bad-gateway' }));
    const tab = await SCENARIOS[scenario](browser, world, origin++);
    const popup = await settledPopup(browser, tab, {
      beforeOpen: (page) => page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: theme }]),
    });
    await popup.setViewport({ width: 380, height: 600 });
    const height = await popup.evaluate(() => document.documentElement.scrollHeight);
    await popup.setViewport({ width: 380, height });
    const file = join(outDir, `popup-${scenario}${theme === 'dark' ? '-dark' : ''}.png`);
    await popup.screenshot({ path: file });
    await popup.close();
    console.log(`wrote ${file}`);
  }
} finally {
  await browser.close();
  await world.stop();
}
