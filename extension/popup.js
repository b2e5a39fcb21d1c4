// Loads the Rust core and lets it render this tab's incident: the first screen from the popup's
// own build, then what is below it from a second one (the owner's report, the site's history and
// rules), so that the first screen waits only for what it shows.
import init, { render_popup } from './core/popup/gateway_doctor.js';

const app = document.getElementById('app');
try {
  await init({ module_or_path: new URL('./core/popup/gateway_doctor_bg.wasm', import.meta.url) });
  await render_popup(app);
  if (app.querySelector('#incident')) {
    try {
      const more = await import('./core/popup-more/gateway_doctor.js');
      await more.default({ module_or_path: new URL('./core/popup-more/gateway_doctor_bg.wasm', import.meta.url) });
      await more.render_popup_more(app);
    } catch (error) {
      // The first screen stays as it is.
      console.error('Gateway Doctor: the popup\'s lower parts', error);
    }
  }
} catch (error) {
  console.error('Gateway Doctor:', error);
  app.textContent = String(error);
}
document.documentElement.dataset.ready = 'true';
