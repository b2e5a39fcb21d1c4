// Loads the Rust core and lets it render this tab's incident.
import init, { render_popup } from './core/popup/gateway_doctor.js';

const app = document.getElementById('app');
try {
  await init({ module_or_path: new URL('./core/popup/gateway_doctor_bg.wasm', import.meta.url) });
  await render_popup(app);
} catch (error) {
  console.error('Gateway Doctor:', error);
  app.textContent = String(error);
}
document.documentElement.dataset.ready = 'true';
