// `cargo xtask screenshots`: the popup's first screen in the real browser for the README, one
// picture per case. Usage: node screenshots.mjs <output dir>
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
    // What the toolbar popup shows: its first screen, 380 x 600 (the rest opens on demand).
    const popup = await settledPopup(browser, tab, {
      beforeOpen: async (page) => {
        await page.setViewport({ width: 380, height: 600 });
        await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: theme }]);
      },
    });
    const file = join(outDir, `popup-${scenario}${theme === 'dark' ? '-dark' : ''}.png`);
    await popup.screenshot({ path: file });
    await popup.close();
    console.log(`wrote ${file}`);
  }
} finally {
  await browser.close();
  await world.stop();
}
