// Browser half of `cargo xtask bench`: prints JSON figures for the background's start-up and the
// page-load overhead of the extension. Usage: node bench.mjs [starts] [loads] [browsers]
//   starts    fresh Chromium starts timed for "background start -> wasm ready" (0 skips)
//   loads     loads of a small loopback page per browser, with and without the extension (0 skips)
//   browsers  comma-separated, of chromium and firefox (default: chromium,firefox)
import { createServer } from 'node:http';
import { launch } from './lib/browsers.mjs';
import { median, ratioOfMedians } from './lib/bench-tools.mjs';

const starts = Number(process.argv[2] ?? 20);
const loads = Number(process.argv[3] ?? 100);
const browserNames = (process.argv[4] ?? 'chromium,firefox').split(',').filter(Boolean);
const BATCH = 10;
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
 * Load times of the same small loopback page with and without the extension: two browsers of the
 * same binary (two profiles), in alternating batches of 10. Per load, navigation start to the
 * load event as the page's own navigation timing says, and the wall time of the harness's goto.
 */
async function loadOverhead(name, base) {
  const withExt = await launch(name);
  const without = await launch(name, { withExtension: false });
  // The extension page that wrote the settings is closed: a visitor has no extension page open.
  await withExt.helperPage?.close();
  withExt.helperPage = null;
  try {
    const tabs = [await withExt.browser.newPage(), await without.browser.newPage()];
    const nav = [[], []];
    const wall = [[], []];
    const once = async (which, i) => {
      const started = performance.now();
      await tabs[which].goto(`${base}/page?${which}-${i}`, { waitUntil: 'load' });
      const elapsed = performance.now() - started;
      const load = await tabs[which].evaluate(() => performance.getEntriesByType('navigation')[0].loadEventStart);
      return { load, elapsed };
    };
    for (let i = 0; i < 5; i++) for (const which of [0, 1]) await once(which, `warm${i}`);
    for (let b = 0; nav[0].length < loads || nav[1].length < loads; b++) {
      // Alternate which goes first so neither always meets a warmer machine.
      const order = b % 2 ? [1, 0] : [0, 1];
      for (const which of order) {
        for (let i = 0; i < BATCH && nav[which].length < loads; i++) {
          const { load, elapsed } = await once(which, `${b}-${i}`);
          nav[which].push(load);
          wall[which].push(elapsed);
        }
      }
    }
    progress(`${name}: ${loads} page loads with and ${loads} without the extension`);
    const summary = (xs) => ({
      with_extension: median(xs[0]),
      without_extension: median(xs[1]),
      ...ratioOfMedians(xs[0], xs[1]),
      n: xs[0].length,
    });
    return { navigation_timing: summary(nav), harness_wall: summary(wall) };
  } finally {
    await withExt.close();
    await without.close();
  }
}

const figures = {};
if (starts > 0) {
  const ready = await wasmReady();
  figures.wasm_ready_ms = { median: median(ready), min: Math.min(...ready), max: Math.max(...ready), n: ready.length };
}
if (loads > 0) {
  const page = '<!doctype html><title>bench</title><p>' + 'Lorem ipsum '.repeat(200) + '</p>';
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' });
    res.end(page);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
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
    server.close();
  }
}
console.log(JSON.stringify(figures));
