// Shared by the browser halves of `cargo xtask bench`: statistics (medians, a seeded bootstrap),
// the baseline extension, and stopping an extension's service worker between samples.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { BrowserUnderTest, CHROMIUM_ARGS, launch, sleep } from './browsers.mjs';

export const MINIMAL_EXTENSION = join(import.meta.dirname, '..', 'bench', 'minimal-extension');

export const median = (xs) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** A small seeded PRNG (mulberry32): the same resamples on every run. */
export function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The 2.5th and 97.5th percentiles of resampled figures. */
function percentile95(figures) {
  const sorted = [...figures].sort((x, y) => x - y);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
  return { low: at(0.025), high: at(0.975) };
}

/**
 * The ratio median(a) / median(b) and a percentile bootstrap 95 % interval of it: `resamples`
 * times, each sample (or each block of `block` samples) is drawn again with replacement, with a
 * seeded PRNG.
 */
export function ratioOfMedians(a, b, resamples = 1000, seed = 13, block = 1) {
  const random = seeded(seed);
  // With `block` > 1, whole runs of `block` consecutive samples (a batch measured together) are
  // drawn again instead of single samples: the drift between batches then widens the interval,
  // as it should, instead of being averaged away as if every sample were independent.
  const draw = (xs) => {
    const blocks = Math.ceil(xs.length / block);
    const out = [];
    while (out.length < xs.length) {
      const start = Math.floor(random() * blocks) * block;
      out.push(...xs.slice(start, start + block));
    }
    return out.slice(0, xs.length);
  };
  const ratios = [];
  for (let i = 0; i < resamples; i++) ratios.push(median(draw(a)) / median(draw(b)));
  return { ratio: median(a) / median(b), ...percentile95(ratios), resamples, seed };
}

/**
 * The same ratio for a paired design, where `a[i]` and `b[i]` were measured in the same stretch
 * of time: blocks of `block` samples at the same positions of both are drawn again together. With
 * batches in the order without, with, with, without and `block` one such round (two batches a
 * side), a drift of the machine between rounds weighs on both sides of every resample alike, as it
 * did on the measurement, instead of widening the interval as if it were a difference.
 */
export function pairedRatioOfMedians(a, b, resamples = 1000, seed = 13, block = 1) {
  if (a.length !== b.length) throw new Error(`paired samples differ in length: ${a.length} and ${b.length}`);
  const random = seeded(seed);
  const blocks = Math.ceil(a.length / block);
  const ratios = [];
  for (let i = 0; i < resamples; i++) {
    const ra = [];
    const rb = [];
    while (ra.length < a.length) {
      const start = Math.floor(random() * blocks) * block;
      ra.push(...a.slice(start, start + block));
      rb.push(...b.slice(start, start + block));
    }
    ratios.push(median(ra) / median(rb));
  }
  return { ratio: median(a) / median(b), ...percentile95(ratios), resamples, seed };
}

/**
 * The median of all figures of several groups (the tabs of each outage), and a bootstrap 95 %
 * interval of it that resamples whole groups: the tabs of one outage share its probe's timing, so
 * they are one draw, not ten. `strata` (optional, one per group) keeps each resample's groups per
 * stratum as many as measured (each outage length keeps its count when lengths are pooled).
 */
export function clusteredMedian(groups, strata = null, resamples = 1000, seed = 13) {
  const all = groups.flat();
  if (all.length === 0) return null;
  const random = seeded(seed);
  const byStratum = new Map();
  groups.forEach((group, i) => {
    const key = strata ? strata[i] : 0;
    if (!byStratum.has(key)) byStratum.set(key, []);
    byStratum.get(key).push(group);
  });
  const medians = [];
  for (let i = 0; i < resamples; i++) {
    const drawn = [];
    for (const members of byStratum.values()) {
      for (let k = 0; k < members.length; k++) drawn.push(...members[Math.floor(random() * members.length)]);
    }
    if (drawn.length) medians.push(median(drawn));
  }
  return { median: median(all), ...percentile95(medians), resamples, seed };
}

/**
 * Chromium with the baseline extension (tests/e2e/bench/minimal-extension) instead of Gateway
 * Doctor, same binary and flags as `launch('chromium')`. Its helper page is `page.html`.
 */
export function launchMinimal() {
  return launchUnpacked(MINIMAL_EXTENSION, 'page.html');
}

/**
 * Chromium with the unpacked extension in `dir` as it is (no permission granted beyond its
 * manifest), same binary and flags as `launch('chromium')`, and `page` of it as the helper page.
 * `dir` null: no extension. `page` null: no helper page (the wake bench opens none, so that
 * only its navigations start the worker).
 */
export async function launchUnpacked(dir, page) {
  const profile = mkdtempSync(join(tmpdir(), 'gd-bench-unpacked-'));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    headless: true,
    userDataDir: profile,
    pipe: true,
    enableExtensions: dir ? [dir] : [],
    args: CHROMIUM_ARGS,
  });
  let origin = null;
  if (dir) {
    const worker = await browser.waitForTarget(
      (t) => t.type() === 'service_worker' && t.url().endsWith('/background.js'),
      { timeout: 15000 },
    );
    origin = worker.url().split('/').slice(0, 3).join('/');
  }
  const handle = new BrowserUnderTest('chromium', browser, profile, origin);
  if (page) handle.helperPage = await handle.openExtensionPage(page);
  return handle;
}

/**
 * Firefox suspends an idle background page after `extensions.background.idle.timeout` (30 s by
 * default): the benches shorten it, so that a sample with the background stopped as Firefox
 * stops it needs no half-minute wait. Events and pending API calls keep it running, as they do
 * at the default. Not shorter: at 1 s the page was suspended between two samples of the awake
 * state and woken 0.1-0.2 s before each (traced, one-off), so "awake" measured a page still
 * starting; at 3 s it ran through them (every awake sample's page had started 10 s before).
 */
export const FIREFOX_IDLE_MS = 3000;
const FIREFOX_BENCH_PREFS = { 'extensions.background.idle.timeout': FIREFOX_IDLE_MS };
/** Firefox with Gateway Doctor as `launch('firefox')` installs it, with the benches' idle time. */
export function launchOursFirefox() {
  return launch('firefox', { firefoxPrefs: FIREFOX_BENCH_PREFS });
}

/** Firefox with the baseline extension instead, same binary, preferences and idle time. */
export function launchMinimalFirefox() {
  return launchUnpackedFirefox(MINIMAL_EXTENSION, 'page.html');
}

/**
 * Firefox with the extension in `dir` installed as it is (its gecko id given an address of its
 * own), same binary and preferences as `launch('firefox')` with the benches' idle time, and
 * `page` of it as the helper page: `launchUnpacked`'s counterpart.
 */
export async function launchUnpackedFirefox(dir, page) {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const id = manifest.browser_specific_settings.gecko.id;
  const uuid = randomUUID();
  const handle = await launch('firefox', {
    withExtension: false,
    firefoxPrefs: { ...FIREFOX_BENCH_PREFS, 'extensions.webextensions.uuids': JSON.stringify({ [id]: uuid }) },
  });
  await handle.browser.installExtension(dir);
  handle.extensionOrigin = `moz-extension://${uuid}`;
  handle.helperPage = await handle.openExtensionPage(page);
  return handle;
}

/** Whether the extension's background runs: Chromium's service worker, Firefox's event page. */
export async function backgroundRunning(handle) {
  if (handle.name === 'chromium') return Boolean(workerTarget(handle));
  return handle.inExtension(async (api) => (await api.runtime.getContexts({ contextTypes: ['BACKGROUND'] })).length > 0);
}

/**
 * Stops the extension's background as its browser stops an idle one: Chromium's worker at once
 * (`stopWorker`), Firefox's event page by waiting out its idle time. Waits until it is gone.
 */
export async function stopBackground(handle) {
  if (handle.name === 'chromium') return stopWorker(handle);
  const deadline = Date.now() + 20000;
  while (await backgroundRunning(handle)) {
    if (Date.now() > deadline) throw new Error('the background page was not suspended');
    await sleep(50);
  }
  await sleep(100);
}

/** Wakes the extension's background with `wake` if it is stopped, and waits until it runs. */
export async function ensureBackground(handle, wake) {
  if (handle.name === 'chromium') return ensureWorker(handle, wake);
  if (await backgroundRunning(handle)) return;
  await wake();
  const deadline = Date.now() + 10000;
  while (!(await backgroundRunning(handle))) {
    if (Date.now() > deadline) throw new Error('the background page did not start');
    await sleep(20);
  }
}

/** The extension's service worker target, if it is running. */
export function workerTarget(handle) {
  return handle.browser
    .targets()
    .find((t) => t.type() === 'service_worker' && t.url().startsWith(`${handle.extensionOrigin}/`));
}

/** Stops the extension's service worker (as the browser does when idle) and waits until it is gone. */
export async function stopWorker(handle) {
  const target = workerTarget(handle);
  if (target) {
    const worker = await target.worker();
    await worker.close().catch(() => {});
  }
  const deadline = Date.now() + 10000;
  while (workerTarget(handle)) {
    if (Date.now() > deadline) throw new Error('the service worker did not stop');
    await sleep(20);
  }
  // Let the browser finish tearing it down before the next navigation.
  await sleep(100);
}

/** Wakes the extension's service worker if it is stopped, and waits until it runs. */
export async function ensureWorker(handle, wake) {
  if (workerTarget(handle)) return;
  await wake();
  await handle.browser.waitForTarget(
    (t) => t.type() === 'service_worker' && t.url().startsWith(`${handle.extensionOrigin}/`),
    { timeout: 10000 },
  );
}

/** A small page on 127.0.0.1 that is never cached, for page-load figures: its base URL and a stop. */
export async function startSmallPage() {
  const page = '<!doctype html><title>bench</title><p>' + 'Lorem ipsum '.repeat(200) + '</p>';
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' });
    res.end(page);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${server.address().port}`, stop: () => server.close() };
}
