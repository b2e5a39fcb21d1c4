// Browser half of `cargo xtask bench`: prints JSON figures for the background's start-up and the
// page-load overhead of the extension. Usage: node bench.mjs [starts] [loads] [browsers]
//   starts    fresh Chromium starts timed for "background start -> wasm ready" (0 skips)
//   loads     loads of a small loopback page per browser and side: none, ours, the minimal baseline (0 skips)
//   browsers  comma-separated, of chromium and firefox (default: chromium,firefox)
import { join } from 'node:path';
import { DIST, launch, sleep } from './lib/browsers.mjs';
import { MINIMAL_EXTENSION, median, pairedRatioOfMedians, ratioOfMedians, startSmallPage } from './lib/bench-tools.mjs';

const starts = Number(process.argv[2] ?? 20);
const loads = Number(process.argv[3] ?? 100);
const browserNames = (process.argv[4] ?? 'chromium,firefox').split(',').filter(Boolean);
const BATCH = 20;
// Loads after each batch's start that the steady figure leaves out (see `loadOverhead`).
const WARM_UP = 12;
// After installing or removing the extension: its background starts (its first module compiles)
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
 * Load times of the same small loopback page with no extension, with Gateway Doctor and with the
 * minimal baseline (tests/e2e/bench/minimal-extension: the webRequest and webNavigation listeners
 * any extension that badges failed pages needs, and a 44-byte wasm classifier), in one browser
 * that installs and removes the extensions between batches. Each round runs the batches in the
 * order none, ours, minimal, minimal, ours, none, so a steady drift of the machine weighs on
 * every side alike. One browser and not profiles side by side: two browsers of the same binary,
 * neither with an extension, differed by 3 % between themselves (ratio 0.97, 95 % interval
 * 0.93-1.00, Firefox, 400 loads each), as much as the target allows.
 *
 * Every batch of an extension starts with its install (the minimal one is installed again for
 * its second batch), then a pause, then WARM_UP loads that the steady figure leaves out: in
 * Firefox the first dozen loads after an extension's background started were slower than the
 * later ones (ours against none in four one-off runs: 1.07-1.20 over loads 1-2 of a batch,
 * 1.01-1.09 over loads 3-12, 1.00-1.01 over loads 13-30 in three of them), and with two loads
 * left out every batch of ours, but only half of the minimal extension's, paid that start.
 * Those loads are a figure of their own (`after_start`): what an extension's start costs the
 * loads right after it. Per load, navigation start to the load event as the page's own
 * navigation timing says, and the wall time of the harness's goto.
 */
async function loadOverhead(name, base) {
  const browser = await launch(name, { withExtension: false, installable: true });
  const extensions = { ours: join(DIST, name === 'chromium' ? 'chrome' : 'firefox'), minimal: MINIMAL_EXTENSION };
  const ROUND = ['none', 'ours', 'minimal', 'minimal', 'ours', 'none'];
  const sides = () => ({ none: [], ours: [], minimal: [] });
  try {
    let tab = await browser.browser.newPage();
    const nav = sides();
    const wall = sides();
    const afterStart = sides();
    const once = async (tag) => {
      const started = performance.now();
      await tab.goto(`${base}/page?${tag}`, { waitUntil: 'load' });
      const elapsed = performance.now() - started;
      const load = await tab.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventStart);
      return { load, elapsed };
    };
    let installed = { side: 'none', id: null };
    for (let b = 0; Object.values(nav).some((xs) => xs.length < loads); b++) {
      const side = ROUND[b % ROUND.length];
      if (side !== 'none' || installed.side !== 'none') {
        if (installed.id !== null) await browser.browser.uninstallExtension(installed.id);
        installed = { side, id: side === 'none' ? null : await browser.browser.installExtension(extensions[side]) };
        await sleep(SETTLE_MS);
      }
      // A fresh tab for every batch: in one tab Chromium's loads grew slower the longer it ran
      // (one-off, 720 loads with no extension: 34 ms a load at first, 46-52 ms at the end; a tab
      // a batch stayed at 25-32 ms), and the growing spread widened the intervals.
      const used = tab;
      tab = await browser.browser.newPage();
      await used.close();
      for (let i = 0; i < WARM_UP; i++) afterStart[side].push((await once(`warm${b}-${i}`)).load);
      for (let i = 0; i < BATCH && nav[side].length < loads; i++) {
        const { load, elapsed } = await once(`${b}-${i}`);
        nav[side].push(load);
        wall[side].push(elapsed);
      }
    }
    progress(`${name}: ${loads} page loads each with no extension, Gateway Doctor and the minimal baseline`);
    // Whole rounds resampled (two batches a side in each), the same rounds on every side: loads of
    // one round share its moment of the machine.
    const summary = (xs, size) => {
      const paired = (a, b) => pairedRatioOfMedians(a, b, 1000, 13, 2 * size);
      return {
        with_extension: median(xs.ours),
        without_extension: median(xs.none),
        ...paired(xs.ours, xs.none),
        // For comparison, each side's batches resampled on their own (as if unpaired): the drift
        // between rounds then counts as uncertainty.
        unpaired: ratioOfMedians(xs.ours, xs.none, 1000, 13, size),
        minimal: { median: median(xs.minimal), ...paired(xs.minimal, xs.none) },
        ours_vs_minimal: paired(xs.ours, xs.minimal),
        n: xs.ours.length,
      };
    };
    // The warm-up loads: as many a side (every round has two batches of each side).
    const even = Math.min(...Object.values(afterStart).map((xs) => xs.length));
    const trimmed = Object.fromEntries(Object.entries(afterStart).map(([side, xs]) => [side, xs.slice(0, even)]));
    return {
      // The batch's shape, for the report's header: uncounted loads first, then counted ones.
      warm_up: WARM_UP,
      batch: BATCH,
      navigation_timing: summary(nav, BATCH),
      harness_wall: summary(wall, BATCH),
      after_start: summary(trimmed, WARM_UP),
    };
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
