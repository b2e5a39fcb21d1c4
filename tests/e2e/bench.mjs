// Browser half of `cargo xtask bench`: prints JSON figures for the background's start-up and the
// page-load overhead of the extension. Usage: node bench.mjs [starts] [loads]
import { createServer } from 'node:http';
import { launch } from './lib/browsers.mjs';

const starts = Number(process.argv[2] ?? 20);
const loads = Number(process.argv[3] ?? 100);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Milliseconds from the service worker's start to a ready wasm core, over fresh browsers. */
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
  return times;
}

/** Load times of the same local page with and without the extension, interleaved. */
async function loadOverhead() {
  const page = '<!doctype html><title>bench</title><p>' + 'Lorem ipsum '.repeat(200) + '</p>';
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' });
    res.end(page);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const withExt = await launch('chromium');
  const without = await launch('chromium', { withExtension: false });
  try {
    const tabs = [await withExt.browser.newPage(), await without.browser.newPage()];
    const times = [[], []];
    const once = async (which, i) => {
      const started = performance.now();
      await tabs[which].goto(`${base}/page?${which}-${i}`, { waitUntil: 'load' });
      return performance.now() - started;
    };
    for (let i = 0; i < 5; i++) await Promise.all([once(0, `warm${i}`), once(1, `warm${i}`)]);
    for (let i = 0; i < loads; i++) {
      // Alternate which goes first so neither always meets a warmer machine.
      const order = i % 2 ? [1, 0] : [0, 1];
      for (const which of order) times[which].push(await once(which, i));
    }
    return { with: times[0], without: times[1] };
  } finally {
    await withExt.close();
    await without.close();
    server.close();
  }
}

const ready = await wasmReady();
const overhead = await loadOverhead();
console.log(
  JSON.stringify({
    wasm_ready_ms: { median: median(ready), min: Math.min(...ready), max: Math.max(...ready), n: ready.length },
    load_ms: {
      with_extension: median(overhead.with),
      without_extension: median(overhead.without),
      ratio: median(overhead.with) / median(overhead.without),
      n: overhead.with.length,
    },
  }),
);
