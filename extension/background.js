// Gateway Doctor background: registers every listener synchronously (browsers only deliver
// events to listeners added in the first turn), then hands each event to the Rust core.
import init, { handle_event } from './core/background/gateway_doctor.js';
import { inFailedPage } from './banner.js';

const api = globalThis.browser ?? globalThis.chrome;
const ready = init({ module_or_path: new URL('./core/background/gateway_doctor_bg.wasm', import.meta.url) });
// For `cargo xtask bench`: milliseconds from worker start to a usable core.
globalThis.gatewayDoctorReadyMs = ready.then(() => performance.now());

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
