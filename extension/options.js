// Loads the Rust core and lets it render the settings form.
import init, { render_options } from './core/options/gateway_doctor.js';

const app = document.getElementById('app');
try {
  await init({ module_or_path: new URL('./core/options/gateway_doctor_bg.wasm', import.meta.url) });
  await render_options(app);
} catch (error) {
  console.error('Gateway Doctor:', error);
  app.textContent = String(error);
}
document.documentElement.dataset.ready = 'true';
