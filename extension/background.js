// Gateway Doctor background: registers every listener synchronously (browsers only deliver
// events to listeners added in the first turn), then hands each event to the Rust core.
import init, { handle_event } from './core/background/gateway_doctor.js';
import { renderBanner } from './banner.js';

const api = globalThis.browser ?? globalThis.chrome;
const ready = init({ module_or_path: new URL('./core/background/gateway_doctor_bg.wasm', import.meta.url) });
// For `cargo xtask bench`: milliseconds from worker start to a usable core.
globalThis.gatewayDoctorReadyMs = ready.then(() => performance.now());

// Events are handled one at a time, in arrival order: a commit must see the incident that the
// request before it stored.
let queue = ready;
const forward = (kind) => (details) => {
  queue = queue
    .then(() => handle_event(kind, details))
    .catch((error) => console.error('Gateway Doctor:', kind, error));
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
api.runtime.onMessage.addListener((message, sender) => {
  // The banner asks from inside a page: the core learns which tab from the sender.
  if (sender.id === api.runtime.id) forward('message')({ ...message, senderTabId: sender.tab?.id });
});
// Shows or updates the banner on a failed page (called by the core; `func` must be JavaScript).
globalThis.gatewayDoctorShowBanner = (tabId, data) =>
  api.scripting.executeScript({ target: { tabId }, func: renderBanner, args: [data] });
// A restarted worker picks up a waiting outage at once.
forward('alarm')({});
