// Gateway Doctor background: registers every listener synchronously (browsers only deliver
// events to listeners added in the first turn), then hands each event to the Rust core.
// Three builds of the core: a small first module that sees every event until the full one is
// needed (it sets a failed page's badge at once, `engine::first_badge`, and says whether the full
// core must handle the event, `engine::needs_full_core`); the full one, which then handles every
// event; and the failure module, compiled only once a page fails (the checks, and all else that
// takes the full diagnosis: the banner's words, the history entry). A worker that the browser
// wakes for an ordinary navigation, with nothing kept in session storage, never compiles the
// full core: a page load that wakes it then costs the first module's compile only.
// `cargo xtask dist` inlines the three glue modules imported here (xtask/src/bundle.rs): a woken
// worker would otherwise fetch and link four scripts before its first line runs.
import initFirst, { first_event, ordinary_navigation, start_needs_full } from './core/first/gateway_doctor.js';
import init, { drops_unread, handle_event, polite_send } from './core/background/gateway_doctor.js';
import * as failure from './core/failure/gateway_doctor.js';
import { inFailedPage } from './banner.js';

const api = globalThis.browser ?? globalThis.chrome;
const firstReady = initFirst({ module_or_path: new URL('./core/first/gateway_doctor_bg.wasm', import.meta.url) });
// Read while the wasm compiles, not after the first event arrived: the synced settings (the
// first module reads the visitor's rules from them) and the names session storage holds (is
// anything kept that the full core must see?).
const syncedAtStart = api.storage.sync.get(null).catch(() => ({}));
const session = api.storage.session;
const keptAtStart = (typeof session.getKeys === 'function' ? session.getKeys() : session.get(null).then(Object.keys)).catch(
  () => null,
);
// What every decision of the first module needs. A first module that cannot load leaves
// everything to the full one.
const start = Promise.all([syncedAtStart, firstReady, keptAtStart]).then(
  ([synced, , kept]) => ({ synced, first: true, needsFull: start_needs_full(kept) }),
  (error) => {
    console.error('Gateway Doctor: first module', error);
    return { synced: {}, first: false, needsFull: true };
  },
);
// For `cargo xtask bench`: milliseconds from worker start to a background that can take events.
globalThis.gatewayDoctorReadyMs = start.then(() => performance.now());

// The full module compiles once it is wanted: after the first has set the badge of the failure
// that wanted it, or shortly after the start when something is kept (on a small machine the two
// compiles would slow each other, and the visitor waits for the badge).
let startFull;
const fullMayStart = new Promise((resolve) => (startFull = resolve));
const ready = fullMayStart.then(() =>
  init({ module_or_path: new URL('./core/background/gateway_doctor_bg.wasm', import.meta.url) }),
);
let fullReady = false;
// For the tests: what this background did with the full core ('not wanted', 'wanted', 'ready').
globalThis.gatewayDoctorFullCore = 'not wanted';
ready.then(
  () => {
    fullReady = true;
    globalThis.gatewayDoctorFullCore = 'ready';
  },
  () => {},
);

// Events are handled one at a time, in arrival order: a commit must see the incident that the
// request before it stored. At its turn, an ordinary navigation of a tab with nothing stored is
// dropped unread (the core decides, from what the events before it left).
let queue = ready;
// For the tests: how many events the full core dropped unread.
globalThis.gatewayDoctorDroppedUnread = 0;
/** Queues one event for the full core; the promise says how its handling ended. */
const handle = (kind, details) => {
  const done = queue.then(() => {
    if (!drops_unread(kind, details)) return handle_event(kind, details);
    globalThis.gatewayDoctorDroppedUnread += 1;
    return undefined;
  });
  queue = done.catch((error) => console.error('Gateway Doctor:', kind, error));
  return done;
};
// Once wanted, the full core sees every event from then on. A started core first picks up a
// waiting outage (the alarm's handling), unless an alarm is what wanted it.
let fullWanted = false;
const wantFull = (kind) => {
  if (fullWanted) return;
  fullWanted = true;
  if (!fullReady) globalThis.gatewayDoctorFullCore = 'wanted';
  if (kind !== 'alarm') handle('alarm', {});
};
let decisions = start.then(({ needsFull }) => {
  if (needsFull) {
    wantFull('start');
    setTimeout(startFull, 30);
  }
});
const badged = new Set(['completed', 'error']);
/**
 * Hands one event on, in arrival order: to the first module while the full core is not wanted
 * (or, while it loads, for a failed request's badge), then to the full core if it must see it.
 * Resolves to the full core's handling, or null when the event changes nothing.
 */
const route = (kind, details) => {
  const routed = decisions.then(() => start).then(async ({ synced, first }) => {
    const asked = first && !fullReady && (!fullWanted || badged.has(kind));
    let needed = true;
    if (asked) {
      try {
        // A page load's two events are dropped unread while nothing wants the full core.
        const ordinary = !fullWanted && ordinary_navigation(kind, details);
        needed = ordinary ? false : await first_event(kind, details, synced, fullWanted);
      } catch (error) {
        console.error('Gateway Doctor: first module', kind, error);
      }
    }
    if (!needed) return null;
    wantFull(kind);
    startFull();
    return { done: handle(kind, details) };
  });
  decisions = routed.catch(() => {});
  return routed.then((outcome) => outcome?.done ?? null);
};
const forward = (kind) => (details) => {
  route(kind, details).catch(() => {}); // `handle` has said what went wrong
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
  route('checks-answered', { tabId, atMs, verdict });
};

const pages = { urls: ['http://*/*', 'https://*/*'], types: ['main_frame'] };
api.webRequest.onCompleted.addListener(forward('completed'), pages, ['responseHeaders']);
api.webRequest.onErrorOccurred.addListener(forward('error'), pages);
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
  route('message', details).then(
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
