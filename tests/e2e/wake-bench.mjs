// A page load that wakes a stopped service worker, as a visitor's first navigation after the
// browser stopped an idle worker (Chromium: after 30 s). Three headless Chromiums of the same
// binary, used in turn, one load each per round: no extension, the baseline
// (tests/e2e/bench/minimal-extension: webRequest listeners, a 44-byte wasm classifier) and
// Gateway Doctor (dist/chrome), each extension's worker stopped before its load and verified
// stopped. Per load: navigation start to the load event, by the page's own navigation timing.
// Prints one JSON line. Usage: node wake-bench.mjs [samples]
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DIST, sleep } from './lib/browsers.mjs';
import { MINIMAL_EXTENSION, launchUnpacked, median, ratioOfMedians, startSmallPage, stopWorker, workerTarget } from './lib/bench-tools.mjs';

const samples = Number(process.argv[2] ?? 30);
const WARM_UP = 2;
const SETTLE_MS = 500;
const progress = (line) => process.stderr.write(`  ${line}\n`);

const { base, stop } = await startSmallPage();

/** A Chromium with `extension` (a directory) or none, and a tab to load pages in. */
async function open(extension) {
  const handle = await launchUnpacked(extension, null);
  return { handle, tab: await handle.browser.newPage(), extension };
}

const sides = { none: await open(null), minimal: await open(MINIMAL_EXTENSION), ours: await open(join(DIST, 'chrome')) };
const loads = { none: [], minimal: [], ours: [] };
let notWoken = 0;
try {
  for (let round = 0; round < samples + WARM_UP; round++) {
    // The order turns each round, so no side always follows the same one.
    const names = Object.keys(sides);
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) {
      const side = sides[name];
      if (side.extension) await stopWorker(side.handle);
      // A browser stops an idle worker long before the next navigation: let the stop's own work
      // (its process going away) finish first, on every side alike.
      await sleep(SETTLE_MS);
      await side.tab.goto(`${base}/page?${name}-${round}`, { waitUntil: 'load' });
      const load = await side.tab.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventStart);
      // The load must have woken the worker, or it measured something else (the target shows up
      // a little after the worker starts).
      if (side.extension) {
        const deadline = Date.now() + 2000;
        while (!workerTarget(side.handle) && Date.now() < deadline) await sleep(20);
        if (!workerTarget(side.handle)) notWoken += 1;
      }
      if (round >= WARM_UP) loads[name].push(load);
    }
  }
} finally {
  for (const side of Object.values(sides)) {
    await side.handle.browser.close();
    rmSync(side.handle.profile, { recursive: true, force: true });
  }
  stop();
}
progress(`wake: ${samples} loads per side`);
const side = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
console.log(
  JSON.stringify({
    wake_load: {
      none: side(loads.none),
      minimal: side(loads.minimal),
      ours: side(loads.ours),
      ours_vs_none: ratioOfMedians(loads.ours, loads.none),
      minimal_vs_none: ratioOfMedians(loads.minimal, loads.none),
      ours_vs_minimal: ratioOfMedians(loads.ours, loads.minimal),
      not_woken: notWoken,
      n: samples,
    },
  }),
);
