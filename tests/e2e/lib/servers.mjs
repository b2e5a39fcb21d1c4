// Real servers on 127.0.0.1 for the tests: nginx in front of a dead and a slow upstream, and
// healthy static pages. Each is started with its own config and stopped by its pid.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, writeFileSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './browsers.mjs';

/** A port that was free a moment ago (and is closed now: nothing listens there). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createTcpServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** An upstream that accepts requests and never answers (until stopped). */
export async function startSilentUpstream() {
  const port = await freePort();
  const pending = new Set();
  let count = 0;
  const server = createServer((req, res) => {
    count += 1;
    pending.add(res);
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    port,
    requests: () => count,
    waitForRequests: async (n, timeout = 5000) => {
      const deadline = Date.now() + timeout;
      while (count < n) {
        if (Date.now() > deadline) throw new Error(`upstream saw ${count} requests, expected ${n}`);
        await sleep(20);
      }
    },
    stop: () => {
      for (const res of pending) res.destroy();
      return new Promise((r) => server.close(r));
    },
  };
}

const HEALTHY_PAGE = (title) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>All good.</p></body></html>`;

/**
 * nginx on a free loopback port. Locations:
 *   /ok/...     healthy static pages
 *   /dead/...   proxied to a closed port: a genuine 502 Bad Gateway
 *   /slow/...   proxied to an upstream that never answers, with a 2 s read timeout: a 504
 *   anything else: nginx's own 404
 */
export async function startNginx({ slowPort, appPort = null }) {
  const nginx = ['/usr/sbin/nginx', '/usr/bin/nginx'].find(existsSync);
  if (!nginx) throw new Error('nginx is not installed (cargo xtask test installs nginx-light)');
  const dir = mkdtempSync(join(tmpdir(), 'gd-nginx-'));
  // nginx's workers drop to an unprivileged user: let them read the pages.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const deadPort = await freePort();
  mkdirSync(join(dir, 'www', 'ok'), { recursive: true });
  for (const name of ['index', 'first', 'second']) {
    writeFileSync(join(dir, 'www', 'ok', `${name}.html`), HEALTHY_PAGE(`Healthy ${name}`));
  }
  // A healthy page whose only failure is inside an iframe: never a page failure.
  // A form whose POST goes to the switchable app.
  writeFileSync(
    join(dir, 'www', 'ok', 'form.html'),
    `<!doctype html><title>Order form</title><form method="post" action="/app/submit"><input name="item" value="book"><button>Order</button></form>`,
  );
  writeFileSync(
    join(dir, 'www', 'ok', 'frame.html'),
    `<!doctype html><title>Frame host</title><iframe src="/dead/in-frame"></iframe>`,
  );
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 128; }
http {
  log_format requests '$msec $request_method $uri $status';
  access_log ${dir}/access.log requests;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type text/html;
  server {
    listen 127.0.0.1:${port};
    # More loopback addresses on the same port: separate origins for tests that must not share
    # an outage's history (auto-retry watches each origin once).
    ${Array.from({ length: 29 }, (_, i) => `listen 127.0.0.${i + 2}:${port};`).join(' ')}
    root ${dir}/www;
    location /dead/ { proxy_pass http://127.0.0.1:${deadPort}; }
    location /slow/ { proxy_pass http://127.0.0.1:${slowPort}; proxy_read_timeout 2s; }
    ${appPort ? `location /app/ { proxy_pass http://127.0.0.1:${appPort}; }` : ''}
    location = /empty { return 204; }
    location = /download {
      add_header Content-Disposition 'attachment; filename="report.bin"';
      default_type application/octet-stream;
      return 200 "not a page";
    }
  }
}
`,
  );
  const child = spawn(nginx, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    const ok = await fetch(`${base}/ok/index.html`).then((r) => r.ok, () => false);
    if (ok) break;
    await sleep(50);
  }
  return {
    base,
    /** The same server under another loopback address: another origin. */
    baseOn: (n) => `http://127.0.0.${n}:${port}`,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
    errorLog: () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''),
    /** Requests nginx has seen: {at (ms), method, uri, status}, oldest first. */
    requests: () =>
      (existsSync(join(dir, 'access.log')) ? readFileSync(join(dir, 'access.log'), 'utf8') : '')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [msec, method, uri, status] = line.split(' ');
          return { at: Number(msec) * 1000, method, uri, status: Number(status) };
        }),
  };
}

/**
 * The application behind nginx's /app/, which a test stops (connections refused: nginx answers
 * 502) and starts again on the same port. Pages: any /app/<name> is "App <name>";
 * /app/ra/... answers 503 with Retry-After: 5 until `failWithRetryAfterUntil`.
 */
export async function startSwitchableApp() {
  const port = await freePort();
  const sockets = new Set();
  let server = null;
  const state = { failWithRetryAfterUntil: 0 };
  const handler = (req, res) => {
    if (req.url.startsWith('/app/ra/') && Date.now() < state.failWithRetryAfterUntil) {
      res.writeHead(503, { 'retry-after': '5', 'content-type': 'text/plain' });
      res.end('Busy, come back in 5 seconds');
      return;
    }
    const name = req.url.replace(/^\/app\//, '').replace(/[^a-z0-9-]/gi, '') || 'home';
    res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : `<!doctype html><title>App ${name}</title><h1>App ${name}</h1>`);
  };
  const app = {
    port,
    state,
    async start() {
      if (server) return;
      server = createServer(handler);
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      await new Promise((r) => server.listen(port, '127.0.0.1', r));
    },
    async stop() {
      if (!server) return;
      const closing = new Promise((r) => server.close(r));
      for (const s of sockets) s.destroy();
      await closing;
      server = null;
    },
  };
  await app.start();
  return app;
}
