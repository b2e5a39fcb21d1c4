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
export async function startNginx({ slowPort }) {
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
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type text/html;
  server {
    listen 127.0.0.1:${port};
    root ${dir}/www;
    location /dead/ { proxy_pass http://127.0.0.1:${deadPort}; }
    location /slow/ { proxy_pass http://127.0.0.1:${slowPort}; proxy_read_timeout 2s; }
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
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
    errorLog: () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''),
  };
}
