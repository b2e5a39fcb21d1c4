// Gateway Doctor background: registers every listener synchronously (browsers only deliver
// events to listeners added in the first turn), then hands each event to the Rust core.
// Three builds of the core: a small first module that sets a failed page's badge at once (the
// engine's own badge decision, `engine::first_badge`); the full one, which a stopped worker
// must compile first and which then handles every event; and the failure module, compiled only
// once a page fails (most starts of the worker never need it): the checks, and all else that
// takes the full diagnosis (the banner's words, the history entry).
// `cargo xtask dist` inlines the three glue modules imported here (xtask/src/bundle.rs): a woken
// worker would otherwise fetch and link four scripts before its first line runs.
import initFirst, { first_badge } from './core/first/gateway_doctor.js';
import init, { handle_event, polite_send } from './core/background/gateway_doctor.js';
import * as failure from './core/failure/gateway_doctor.js';
import { inFailedPage } from './banner.js';

const api = globalThis.browser ?? globalThis.chrome;
const firstReady = initFirst({ module_or_path: new URL('./core/first/gateway_doctor_bg.wasm', import.meta.url) });
// The synced settings as they are when the worker starts, for the first module (it reads the
// visitor's rules from them): read while the wasm compiles, not after the failure arrived. The
// first module only works until the full one is up, a fraction of a second later.
const syncedAtStart = api.storage.sync.get(null).catch(() => ({}));
// The full module compiles once the first has set the badge of the event that woke the worker,
// or shortly after the first is ready when no failure came: on a small machine the two would
// slow each other, and the visitor waits for the badge.
let startFull;
const fullMayStart = new Promise((resolve) => (startFull = resolve));
firstReady.then(() => setTimeout(startFull, 30), startFull);
const ready = fullMayStart.then(() =>
  init({ module_or_path: new URL('./core/background/gateway_doctor_bg.wasm', import.meta.url) }),
);
// For `cargo xtask bench`: milliseconds from worker start to a usable core.
globalThis.gatewayDoctorReadyMs = ready.then(() => performance.now());
// Once the full module is up it badges as fast as the first would: the first then stays out
// (it could only land after a later event of the tab).
let fullReady = false;
ready.then(() => (fullReady = true), () => {});

// Events are handled one at a time, in arrival order: a commit must see the incident that the
// request before it stored.
let queue = ready;
/** Queues one event; the promise says how the core's handling ended. */
const handle = (kind, details) => {
  const done = queue.then(() => handle_event(kind, details));
  queue = done.catch((error) => console.error('Gateway Doctor:', kind, error));
  return done;
};
const forward = (kind) => (details) => {
  handle(kind, details);
};
/** A request's end: its badge from the first module at once, then the full handling. */
const request = (kind) => (details) => {
  if (!fullReady) {
    Promise.all([syncedAtStart, firstReady])
      .then(([synced]) => first_badge(kind, details, synced))
      .catch((error) => console.error('Gateway Doctor: first badge', kind, error))
      .finally(startFull);
  }
  handle(kind, details);
};

// The seam between the full module and the failure module (`extension/src/link.rs`): the full
// module calls the failure module's entry points by name; every request of the checks goes
// through the full module's one politeness gate; each check's answer joins the event queue.
let failureReady = null;
const failureEntries = new Set(['start_checks_for', 'draw_banner_for', 'record_history_for']);
globalThis.gatewayDoctorFailure = (entry, ...args) => {
  if (!failureEntries.has(entry)) return Promise.reject(new Error(`no failure module entry ${entry}`));
  failureReady ??= failure
    .default({ module_or_path: new URL('./core/failure/gateway_doctor_bg.wasm', import.meta.url) })
    .catch((error) => {
      failureReady = null; // the next call tries again
      throw error;
    });
  return failureReady.then(() => failure[entry](...args));
};
globalThis.gatewayDoctorSend = (url, init, timeoutMs, maxWaitMs) => polite_send(url, init, timeoutMs, maxWaitMs);
globalThis.gatewayDoctorChecksAnswered = (tabId, atMs, verdict) => {
  handle('checks-answered', { tabId, atMs, verdict });
};

const pages = { urls: ['http://*/*', 'https://*/*'], types: ['main_frame'] };
api.webRequest.onCompleted.addListener(request('completed'), pages, ['responseHeaders']);
api.webRequest.onErrorOccurred.addListener(request('error'), pages);
const webPages = { url: [{ schemes: ['http', 'https'] }] };
api.webNavigation.onCommitted.addListener(forward('committed'), webPages);
api.webNavigation.onErrorOccurred.addListener(forward('navigation-failed'), webPages);
api.tabs.onRemoved.addListener((tabId) => forward('removed')({ tabId }));
// Auto-retry: a backup wake-up while an outage lasts, connectivity changes, the popup's requests.
api.alarms.onAlarm.addListener(forward('alarm'));
globalThis.addEventListener('online', () => forward('online')({}));
globalThis.addEventListener('offline', () => forward('offline')({}));
// Runtime messages carry who sent them, as the browser reports it (never what the message says
// of itself): the core admits a web page's script only to open its own tab's details. The answer
// says whether it was done.
api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== api.runtime.id || typeof message !== 'object' || message === null) return false;
  const from = { url: sender.url, tabId: sender.tab?.id, frameId: sender.frameId };
  const details = { message, sender: from };
  handle('message', details).then(
    () => sendResponse({ ok: true }),
    (error) => sendResponse({ ok: false, error: String(error) }),
  );
  return true;
});
// Reads the failed page, or shows or updates its banner (called by the core; `func` must be
// JavaScript). Chromium names the failed document, so nothing runs in a later one; Firefox has no
// document ids, and `inFailedPage` checks inside the page instead.
globalThis.gatewayDoctorInFailedPage = async (tabId, documentId, expect, banner) => {
  const target = documentId ? { tabId, documentIds: [documentId] } : { tabId };
  const [first] = await api.scripting.executeScript({ target, func: inFailedPage, args: [expect, banner] });
  return first?.result ?? null;
};
// A restarted worker picks up a waiting outage at once.
forward('alarm')({});
