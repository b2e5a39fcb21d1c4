// The baseline of `cargo xtask bench`'s failure-to-badge figure: the least an MV3 extension does
// to badge a failed page. Its classifier is a 44-byte wasm module, loaded the way Gateway Doctor
// loads its core (fetched and instantiated at worker start, every event waits for it):
//   (module (func (export "failed") (param i32) (result i32)
//     local.get 0 i32.const 500 i32.ge_s))
// Listeners are added in the first turn, as MV3 requires for a stopped worker to be woken.
const ready = WebAssembly.instantiateStreaming(fetch(new URL('./classify.wasm', import.meta.url))).then(
  ({ instance }) => instance.exports,
);
const failedAt = new Map();
const pages = { urls: ['http://*/*', 'https://*/*'], types: ['main_frame'] };

const badge = (tabId) =>
  chrome.action.setBadgeText({ tabId, text: '!' }).catch(() => {});

chrome.webRequest.onCompleted.addListener(async (d) => {
  const { failed } = await ready;
  if (d.tabId < 0) return;
  if (failed(d.statusCode)) {
    failedAt.set(d.tabId, d.url);
    await badge(d.tabId);
  } else {
    failedAt.delete(d.tabId);
  }
}, pages);
chrome.webRequest.onErrorOccurred.addListener(async (d) => {
  await ready;
  if (d.tabId < 0) return;
  failedAt.set(d.tabId, d.url);
  await badge(d.tabId);
}, pages);
// Chromium resets a tab's badge when a document commits: a failed page that commits after its
// response completed gets the badge again (without this the baseline's badge could vanish).
chrome.webNavigation.onCommitted.addListener((d) => {
  if (d.frameId === 0 && failedAt.get(d.tabId) === d.url) badge(d.tabId);
});
