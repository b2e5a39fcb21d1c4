// What the extension does inside a failed page: read the error page, draw the banner. `inFailedPage`
// is serialised by `scripting.executeScript` and runs in the extension's isolated world inside the
// page, so it must be self-contained. It acts only in the document that failed: the tab may have
// moved on (or reloaded the same address) since. Everything the banner shows comes from the
// extension (never from the page) and goes in as text.
//
// `expect`: { url (cut to 4096), status, atMs }. `banner`: null to read the page (the result is
// its first 64 KB), or the banner's data.
export function inFailedPage(expect, banner) {
  const navigation = performance.getEntriesByType('navigation')[0];
  const status = navigation?.responseStatus;
  const isFailedDocument =
    location.href.slice(0, 4096) === expect.url &&
    // Chromium knows the document's own status; Firefox does not say (undefined).
    !(typeof status === 'number' && status > 0 && status !== expect.status) &&
    // A document whose load started after the failure was recorded is a later one.
    performance.timeOrigin <= expect.atMs + 1000;
  if (!isFailedDocument) return null;
  if (!banner) return document.documentElement ? document.documentElement.outerHTML.slice(0, 65536) : '';
  renderBanner(banner);
  return true;

  function renderBanner(data) {
    const state = (globalThis.__gatewayDoctorBanner ??= { host: null, timer: null, dismissed: false });
    if (state.dismissed || (data.onlyUpdate && !state.host?.isConnected)) return;
    if (!state.host?.isConnected) {
      // A plain element, not a custom one: the page cannot define it first. Its closed shadow root
      // keeps the page's scripts and styles out; the page's rules can still reach the host element
      // itself, and `!important` declarations of the shadow tree win over the page's.
      const host = document.createElement('div');
      const root = host.attachShadow({ mode: 'closed' });
      const style = document.createElement('style');
      style.textContent = `
        :host { all: initial !important; display: block !important; position: fixed !important;
          inset: 0 0 auto 0 !important; z-index: 2147483647 !important; visibility: visible !important;
          opacity: 1 !important; transform: none !important; clip-path: none !important; }
        div { font: 14px/1.4 system-ui, sans-serif; display: flex; flex-wrap: wrap; align-items: center;
          gap: 6px 12px; padding: 8px 12px; background: #fdf3f2; color: #1d1f21;
          border-bottom: 2px solid #b3261e; box-shadow: 0 1px 4px rgba(0,0,0,.2); }
        strong { background: #b3261e; color: #fff; border-radius: 4px; padding: 0 6px; }
        p { margin: 0; flex: 1 1 16em; }
        span { color: #5b6168; }
        button { font: inherit; padding: 2px 10px; border-radius: 4px; border: 1px solid #5b6168;
          background: #fff; color: #1d1f21; cursor: pointer; }
        button:focus-visible { outline: 2px solid #0d5c63; outline-offset: 2px; }
        @media (prefers-color-scheme: dark) {
          div { background: #2a1f1e; color: #e8eaed; border-color: #ff8a80; }
          strong { background: #ff8a80; color: #1e2124; }
          span { color: #a9b0b7; }
          button { background: #1e2124; color: #e8eaed; border-color: #a9b0b7; }
        }`;
      const bar = document.createElement('div');
      bar.setAttribute('role', 'region');
      const code = document.createElement('strong');
      const line = document.createElement('p');
      const summary = document.createElement('b');
      const countdown = document.createElement('span');
      countdown.setAttribute('aria-live', 'polite');
      line.append(summary, ' ', countdown);
      const details = document.createElement('button');
      details.type = 'button';
      details.addEventListener('click', () => {
        (globalThis.browser ?? globalThis.chrome).runtime.sendMessage({ type: 'open-details' });
      });
      const dismiss = document.createElement('button');
      dismiss.type = 'button';
      dismiss.textContent = '×';
      dismiss.addEventListener('click', () => {
        state.dismissed = true;
        clearInterval(state.timer);
        host.remove();
      });
      bar.append(code, line, details, dismiss);
      root.append(style, bar);
      document.documentElement.append(host);
      state.host = host;
      state.parts = { bar, code, summary, countdown, details, dismiss };
    }
    const { bar, code, summary, countdown, details, dismiss } = state.parts;
    bar.setAttribute('aria-label', data.name);
    code.textContent = data.code;
    summary.textContent = data.summary;
    details.textContent = data.details;
    dismiss.setAttribute('aria-label', data.dismiss);
    dismiss.title = data.dismiss;
    clearInterval(state.timer);
    const tick = () => {
      if (typeof data.nextCheckAtMs !== 'number') {
        countdown.textContent = data.retryNote ?? '';
        return;
      }
      const seconds = Math.max(0, Math.ceil((data.nextCheckAtMs - Date.now()) / 1000));
      countdown.textContent = seconds > 0 ? data.retryIn.replace('$1', String(seconds)) : data.checkingNow;
    };
    tick();
    if (typeof data.nextCheckAtMs === 'number') state.timer = setInterval(tick, 1000);
  }
}
