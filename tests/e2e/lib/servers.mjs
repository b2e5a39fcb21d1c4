// Real servers on 127.0.0.1 for the tests: nginx in front of a dead and a slow upstream, and
// healthy static pages. Each program runs in its own process group and is stopped with that whole
// group (nginx's master and its workers), so nothing is left listening after the tests.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, writeFileSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, sleep } from './browsers.mjs';

/** Sends `signal` to every process of group `pgid`; a group already gone is fine. */
function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch (e) {
    if (e.code !== 'ESRCH') throw e;
  }
}

/** Whether any process of group `pgid` is left (an unreaped leader counts). */
function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** Process groups started here and not stopped yet. */
const running = new Set();
let stopOnExit = false;

/**
 * Starts `bin` as the leader of its own process group, and makes sure the group dies with this
 * process: a test run stopped from outside (a timeout, Ctrl-C) never reaches its `after` hooks.
 */
function spawnGroup(bin, args, stdio) {
  const child = spawn(bin, args, { stdio, detached: true });
  if (child.pid !== undefined) running.add(child.pid);
  child.once('exit', () => running.delete(child.pid));
  if (!stopOnExit) {
    stopOnExit = true;
    process.once('exit', () => running.forEach((pgid) => signalGroup(pgid, 'SIGKILL')));
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      process.once(signal, () => process.exit(128 + constants.signals[signal]));
    }
  }
  return child;
}

/**
 * Stops a program started by `spawnGroup` (the leader of its own process group) and all
 * it forked: SIGTERM to the group, up to `graceMs` for it to go, then SIGKILL. Resolves once the
 * leader has exited and no process of the group is left.
 */
async function stopGroup(child, graceMs = 3000) {
  const pgid = child.pid;
  if (pgid === undefined) return; // never started
  let leaderExited = child.exitCode !== null || child.signalCode !== null;
  if (!leaderExited) child.once('exit', () => (leaderExited = true));
  const gone = async (ms) => {
    const deadline = Date.now() + ms;
    for (;;) {
      if (leaderExited && !groupAlive(pgid)) return true;
      if (Date.now() >= deadline) return false;
      await sleep(25);
    }
  };
  signalGroup(pgid, 'SIGTERM');
  if (await gone(graceMs)) return;
  signalGroup(pgid, 'SIGKILL');
  if (!(await gone(5000))) throw new Error(`process group ${pgid} is still running after SIGKILL`);
}

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
  // Named after `cargo xtask test`'s run marker: an nginx left running holds its logs open here,
  // which is how the run's end finds it (nginx writes over its environment).
  const run = process.env.GD_TEST_RUN ? `${process.env.GD_TEST_RUN}-` : '';
  const dir = mkdtempSync(join(tmpdir(), `gd-nginx-${run}`));
  // nginx's workers drop to an unprivileged user: let them read the pages.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const deadPort = await freePort();
  const downPort = await freePort();
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
    # The application's pages are never cached, unless the application says so itself.
    location = /download {
      add_header Content-Disposition 'attachment; filename="report.bin"';
      default_type application/octet-stream;
      return 200 "not a page";
    }
  }
  # A whole site down: every path goes to the dead upstream (what an outside checker sees too).
  server {
    listen 127.0.0.1:${downPort};
    location / { proxy_pass http://127.0.0.1:${deadPort}; }
  }
}
`,
  );
  // Its own process group: stop() reaches the workers too, not only the master.
  const child = spawnGroup(nginx, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], ['ignore', 'ignore', 'pipe']);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) {
      await stopGroup(child);
      throw new Error(`nginx exited: ${stderr}`);
    }
    const ok = await fetch(`${base}/ok/index.html`).then((r) => r.ok, () => false);
    if (ok) break;
    await sleep(50);
  }
  return {
    base,
    /** A site that is down as a whole: every path answers 502. */
    downBase: `http://127.0.0.1:${downPort}`,
    port,
    /** The same server under another loopback address: another origin. */
    baseOn: (n) => `http://127.0.0.${n}:${port}`,
    pid: child.pid,
    stop: async () => {
      await stopGroup(child);
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
  const state = { failWithRetryAfterUntil: 0, cacheBroken: false };
  const seen = new Set();
  const page = (res, title, headers = {}) => {
    res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store', ...headers });
    res.end(`<!doctype html><title>${title}</title><h1>${title}</h1>`);
  };
  const handler = (req, res) => {
    const cookie = req.headers.cookie ?? '';
    // An application that crashes on one visitor's session: nginx answers 502 to that visitor.
    if (req.url.startsWith('/app/cookie/')) {
      if (cookie.includes('gd_session=broken')) return req.socket.destroy();
      return page(res, 'Cookie ok');
    }
    if (req.url === '/app/setcookie') {
      return page(res, 'Cookie set', { 'set-cookie': 'gd_session=broken; Path=/; Max-Age=600' });
    }
    // A broken answer the application marks cacheable, then a working one.
    if (req.url.startsWith('/app/cache/')) {
      if (state.cacheBroken) {
        res.writeHead(502, { 'content-type': 'text/html', 'cache-control': 'public, max-age=600' });
        return res.end('<!doctype html><title>Cached failure</title><h1>Broken for now</h1>');
      }
      return page(res, 'Cache ok');
    }
    // A failure whose header and page title carry markup: the popup must show it as text.
    if (req.url.startsWith('/app/hostile')) {
      res.writeHead(502, {
        'content-type': 'text/html',
        'x-vercel-id': `<img src=x onerror="document.title='pwned'">`,
      });
      return res.end(`<!doctype html><title><img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script></title><h1>Bad gateway</h1>`);
    }
    // Fails once per path (the first request crashes), then works.
    if (req.url.startsWith('/app/flaky/')) {
      if (!seen.has(req.url)) {
        seen.add(req.url);
        return req.socket.destroy();
      }
      return page(res, 'Flaky ok');
    }
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

/** A plain HTTP server on loopback answering every request with `respond(req, res)`. */
async function startResponder(respond) {
  const port = await freePort();
  let count = 0;
  const sockets = new Set();
  const server = createServer((req, res) => {
    count += 1;
    respond(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${port}`,
    requests: () => count,
    stop: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(r));
    },
  };
}

/** A DNS-over-HTTPS resolver (JSON) that answers every name with `addresses`. */
export function startDohResolver(addresses) {
  return startResponder((req, res) => {
    const url = new URL(req.url, 'http://x');
    const type = url.searchParams.get('type') === 'AAAA' ? 28 : 1;
    const answer = addresses
      .filter((a) => (type === 28) === a.includes(':'))
      .map((data) => ({ name: url.searchParams.get('name'), type, TTL: 60, data }));
    res.writeHead(200, { 'content-type': 'application/dns-json' });
    res.end(JSON.stringify({ Status: 0, Answer: answer }));
  });
}

/** A checker that answers `body` (with `contentType`) to everything: for hostile answers. */
export function startFakeChecker(body, contentType = 'application/json') {
  return startResponder((req, res) => {
    res.writeHead(200, { 'content-type': contentType });
    res.end(body);
  });
}

/** Gateway Doctor's own checker (`www/`), built by `cargo xtask test`, in its test mode. */
export async function startChecker() {
  const bin = process.env.GD_CHECKER_BIN ?? join(ROOT, 'target', 'debug', 'gateway-doctor-www');
  if (!existsSync(bin)) throw new Error(`no checker binary at ${bin} (cargo build -p gateway-doctor-www)`);
  const args = ['--listen', '127.0.0.1:0', '--allow-private', '--cache-seconds', '0', '--rate-per-minute', '0'];
  const child = spawnGroup(bin, args, ['ignore', 'pipe', 'pipe']);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const started = new Promise((resolvePromise, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`checker did not start: ${stderr}`)), 10000);
    child.stdout.on('data', (d) => {
      out += d;
      const match = out.match(/listening on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`checker exited (${code}): ${stderr}`)));
  });
  let base;
  try {
    base = await started;
  } catch (e) {
    await stopGroup(child); // it may still be running when it only failed to say so in time
    throw e;
  }
  return {
    base,
    pid: child.pid,
    stop: () => stopGroup(child),
  };
}
