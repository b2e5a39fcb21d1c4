// Browser half of `cargo xtask bench`: prints JSON figures for the background's start-up and the
// page-load overhead of the extension. Usage: node bench.mjs [starts] [loads] [browsers]
//   starts    fresh Chromium starts timed for "background start -> wasm ready" (0 skips)
//   loads     loads of a small loopback page per browser, with and without the extension (0 skips)
//   browsers  comma-separated, of chromium and firefox (default: chromium,firefox)
import { join } from 'node:path';
import { DIST, launch, sleep } from './lib/browsers.mjs';
import { median, pairedRatioOfMedians, ratioOfMedians, startSmallPage } from './lib/bench-tools.mjs';

const starts = Number(process.argv[2] ?? 20);
const loads = Number(process.argv[3] ?? 100);
const browserNames = (process.argv[4] ?? 'chromium,firefox').split(',').filter(Boolean);
const BATCH = 10;
// After installing or removing the extension: its background starts (both wasm modules compile)
// or stops well within this.
const SETTLE_MS = 1000;
const progress = (line) => process.stderr.write(`  ${line}\n`);

/**
 * Milliseconds from the service worker's start to a ready wasm core, over fresh browsers. Not
 * what a visitor feels (the badge figures are): the worker's own clock, from its script's start.
 */
async function wasmReady() {
  const times = [];
  for (let i = 0; i < starts; i++) {
    // No page fails here: nothing for the checks to do, and no extension page to slow the start.
    const browser = await launch('chromium', { loopbackChecks: false });
    try {
      const target = await browser.browser.waitForTarget((t) => t.type() === 'service_worker');
      const worker = await target.worker();
      // The target can be seen before its script has run: wait for the script's promise.
      let ready;
      for (let i = 0; i < 100 && ready === undefined; i++) {
        ready = await worker.evaluate(() => globalThis.gatewayDoctorReadyMs);
        if (ready === undefined) await new Promise((r) => setTimeout(r, 20));
      }
      if (typeof ready !== 'number') throw new Error('the background never reported its start-up time');
      times.push(ready);
    } finally {
      await browser.close();
    }
  }
  progress(`background start -> wasm ready: ${times.length} starts`);
  return times;
}

/**
 * Load times of the same small loopback page with and without the extension, in one browser that
 * installs the built extension and removes it again between batches of 10, in the order without,
 * with, with, without (so a steady drift of the machine weighs on both sides alike). One browser
 * and not two profiles side by side: two browsers of the same binary, neither with an extension,
 * differed by 3 % between themselves (ratio 0.97, 95 % interval 0.93-1.00, Firefox, 400 loads
 * each), as much as the target allows. After each install or removal: a pause for the extension
 * to start or go, then two loads not counted. Per load, navigation start to the load event as the
 * page's own navigation timing says, and the wall time of the harness's goto.
 */
async function loadOverhead(name, base) {
  const browser = await launch(name, { withExtension: false, installable: true });
  const extension = join(DIST, name === 'chromium' ? 'chrome' : 'firefox');
  try {
    const tab = await browser.browser.newPage();
    const nav = [[], []];
    const wall = [[], []];
    const once = async (tag) => {
      const started = performance.now();
      await tab.goto(`${base}/page?${tag}`, { waitUntil: 'load' });
      const elapsed = performance.now() - started;
      const load = await tab.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventStart);
      return { load, elapsed };
    };
    let installed = null;
    for (let b = 0; nav[0].length < loads || nav[1].length < loads; b++) {
      const withExtension = b % 4 === 1 || b % 4 === 2;
      if (withExtension && installed === null) {
        installed = await browser.browser.installExtension(extension);
        await sleep(SETTLE_MS);
      } else if (!withExtension && installed !== null) {
        await browser.browser.uninstallExtension(installed);
        installed = null;
        await sleep(SETTLE_MS);
      }
      for (let i = 0; i < 2; i++) await once(`settle${b}-${i}`);
      const which = withExtension ? 0 : 1;
      for (let i = 0; i < BATCH && nav[which].length < loads; i++) {
        const { load, elapsed } = await once(`${b}-${i}`);
        nav[which].push(load);
        wall[which].push(elapsed);
      }
    }
    progress(`${name}: ${loads} page loads with and ${loads} without the extension`);
    const summary = (xs) => ({
      with_extension: median(xs[0]),
      without_extension: median(xs[1]),
      // Whole rounds resampled (without, with, with, without: two batches a side), the same
      // rounds on both sides: loads of one round share its moment of the machine.
      ...pairedRatioOfMedians(xs[0], xs[1], 1000, 13, 2 * BATCH),
      // For comparison, each side's batches resampled on their own (as if unpaired): the drift
      // between rounds then counts as uncertainty.
      unpaired: ratioOfMedians(xs[0], xs[1], 1000, 13, BATCH),
      n: xs[0].length,
    });
    return { navigation_timing: summary(nav), harness_wall: summary(wall) };
  } finally {
    await browser.close();
  }
}

const figures = {};
if (starts > 0) {
  const ready = await wasmReady();
  figures.wasm_ready_ms = { median: median(ready), min: Math.min(...ready), max: Math.max(...ready), n: ready.length };
}
if (loads > 0) {
  const { base, stop } = await startSmallPage();
  figures.load = {};
  try {
    for (const name of browserNames) {
      try {
        figures.load[name] = await loadOverhead(name, base);
      } catch (e) {
        // Firefox may be missing or fail to start here: say so, keep the other browser's figures.
        figures.load[name] = { error: String(e?.message ?? e).split('\n')[0] };
        progress(`${name}: page loads failed: ${figures.load[name].error}`);
      }
    }
  } finally {
    stop();
  }
}
console.log(JSON.stringify(figures));
