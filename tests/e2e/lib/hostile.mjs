// A failing site that behaves as an attacker's or a careless site would, on 127.0.0.1: it answers
// the visitor's navigation with an error page and anything after it as the test says (a redirect
// to another origin, a page of its own), and a trap origin that counts every request it gets.
import { createServer } from 'node:http';
import { freePort } from './servers.mjs';

/** An origin that must never be asked anything: counts what reaches it. */
export async function startTrap() {
  const port = await freePort();
  const seen = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, cookie: req.headers.cookie ?? null });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('trapped');
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${port}`,
    seen,
    stop: () => new Promise((r) => {
      server.close(r);
      server.closeAllConnections();
    }),
  };
}

/** HAProxy's stock 503 page (no Server header): only a read page can name HAProxy. */
export const HAPROXY_503 =
  '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n';

/**
 * The failing site. Each path gets a behaviour from `routes[path]` (first match by prefix):
 *   { first: {status, body, headers}, then: {status, body, headers} | 'redirect:<url>' }
 * The first GET of a path answers `first`; every later request answers `then`. With
 * `alternate: true`, requests to the path take turns: `first`, `then`, `first`... `up` makes
 * every path answer 200 with a page titled "Back <path>".
 */
export async function startHostileSite(routes) {
  const port = await freePort();
  const hits = new Map();
  const log = [];
  const state = { up: false };
  const server = createServer((req, res) => {
    const path = req.url.split('?')[0];
    log.push({ method: req.method, path, at: Date.now(), cookie: req.headers.cookie ?? null, mode: req.headers['sec-fetch-mode'] ?? null });
    if (state.up) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><title>Back ${path}</title><p>Back.</p>`);
      return;
    }
    const key = Object.keys(routes).find((prefix) => path.startsWith(prefix));
    const route = routes[key];
    if (!route) {
      res.writeHead(404);
      res.end();
      return;
    }
    const count = (hits.get(path) ?? 0) + 1;
    hits.set(path, count);
    const answer = route.alternate
      ? count % 2 === 1 ? route.first : route.then
      : count === 1 && req.method === 'GET' ? route.first : route.then ?? route.first;
    if (typeof answer === 'string' && answer.startsWith('redirect:')) {
      res.writeHead(302, { location: answer.slice('redirect:'.length), 'set-cookie': 'tracker=1; Path=/' });
      res.end();
      return;
    }
    res.writeHead(answer.status, { 'content-type': 'text/html', ...(answer.headers ?? {}) });
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    state,
    log,
    requests: (path) => log.filter((r) => r.path === path),
    stop: () => new Promise((r) => {
      server.close(r);
      server.closeAllConnections();
    }),
  };
}

/** A service that answers 200 and then streams bytes without end (no length): a reader must stop. */
export async function startEndlessService() {
  const port = await freePort();
  const timers = new Set();
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"pad":"');
    const timer = setInterval(() => res.write('x'.repeat(16 * 1024)), 5);
    timers.add(timer);
    res.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${port}`,
    stop: () => new Promise((r) => {
      for (const timer of timers) clearInterval(timer);
      server.close(r);
      server.closeAllConnections();
    }),
  };
}
