// Sites that fail without an HTTP error status, on 127.0.0.1, built on node's http, https and net
// modules: a redirect loop, a chunked answer cut short, a TLS server whose certificate expired
// (made with openssl at test time), a plain-HTTP server on a TLS port, and a Cloudflare-style bot
// challenge (503, cf-mitigated: challenge, "Just a moment..."). Each logs what reached it, so a
// test can tell whether an auto-retry probe (a HEAD) or any other request came.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttp } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { createServer as createNet } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './servers.mjs';

/** Listens `server` on a free loopback port; returns a handle that stops it and its sockets. */
async function serve(server, scheme, extra = {}) {
  const port = await freePort();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    port,
    base: `${scheme}://127.0.0.1:${port}`,
    ...extra,
    stop: () =>
      new Promise((r) => {
        server.close(r);
        server.closeAllConnections?.();
        extra.sockets?.forEach((s) => s.destroy());
      }),
  };
}

/** HTTP requests as they arrived: method and path. */
function logged(log, handler) {
  return (req, res) => {
    log.push({ method: req.method, path: req.url.split('?')[0], at: Date.now() });
    handler(req, res);
  };
}

/** Every address redirects to its twin (`/a` to `/b` and back): the browser gives up. */
export async function startRedirectLoop() {
  const log = [];
  const server = createHttp(
    logged(log, (req, res) => {
      const path = req.url.split('?')[0];
      const twin = path.endsWith('/a') ? path.replace(/\/a$/, '/b') : path.replace(/\/b$/, '/a');
      res.writeHead(302, { location: twin === path ? `${path}/a` : twin, 'content-length': '0' });
      res.end();
    }),
  );
  return serve(server, 'http', { log });
}

/**
 * A chunked 200 that stops after its first chunk: the socket is destroyed without the final
 * zero-length chunk.
 */
export async function startTruncatedChunked() {
  const log = [];
  const server = createHttp(
    logged(log, (req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      res.write('<!doctype html><title>Half a page</title><p>' + 'The first half of the page. '.repeat(200));
      setTimeout(() => res.socket?.destroy(), 200);
    }),
  );
  return serve(server, 'http', { log });
}

/** A self-signed certificate for 127.0.0.1 that expired in 2020, made with openssl's `ca`. */
function expiredCertificate(dir) {
  const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = here',
      '[here]',
      `dir = ${dir}`,
      'database = $dir/index.txt',
      'new_certs_dir = $dir',
      'serial = $dir/serial',
      'default_md = sha256',
      'policy = anything',
      'copy_extensions = copy',
      'unique_subject = no',
      '[anything]',
      'commonName = supplied',
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      'req_extensions = leaf',
      '[dn]',
      'CN = 127.0.0.1',
      '[leaf]',
      'subjectAltName = IP:127.0.0.1',
      'basicConstraints = CA:FALSE',
      'keyUsage = digitalSignature, keyEncipherment',
      'extendedKeyUsage = serverAuth',
      '',
    ].join('\n'),
  );
  run(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'req.pem', '-config', 'ca.cnf']);
  run([
    'ca', '-batch', '-selfsign', '-config', 'ca.cnf', '-keyfile', 'key.pem', '-in', 'req.pem', '-out', 'cert.pem',
    '-startdate', '20200101000000Z', '-enddate', '20200201000000Z', '-notext',
  ]);
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
}

/** HTTPS with a certificate that expired in 2020. Counts TCP connections and requests. */
export async function startExpiredTls() {
  const dir = mkdtempSync(join(tmpdir(), 'gd-expired-'));
  const log = [];
  let server;
  try {
    server = createHttps(
      expiredCertificate(dir),
      logged(log, (req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><title>Should not be seen</title>');
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const state = { connections: 0 };
  server.on('connection', () => state.connections++);
  server.on('tlsClientError', () => {});
  return serve(server, 'https', { log, state });
}

/** A TLS port that answers in plain HTTP, whatever the client sends. Counts connections. */
export async function startPlainOnTlsPort() {
  const sockets = new Set();
  const state = { connections: 0 };
  const server = createNet((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', () => {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request');
    });
  });
  const handle = await serve(server, 'https', { state, sockets });
  return handle;
}

/** The page Cloudflare serves for a managed challenge, reduced to its markers. */
export const CHALLENGE_PAGE =
  '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head><body>' +
  '<noscript>Enable JavaScript and cookies to continue</noscript>' +
  "<script>window._cf_chl_opt={cvId:'3',cZone:'127.0.0.1',cType:'managed'};" +
  "var s=document.createElement('script');s.src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8f1c2a3b4c5d6e7f';</script>" +
  '</body></html>';

/**
 * A Cloudflare-style challenge on every path: 503, `cf-mitigated: challenge`, "Just a moment...".
 * `withHeader: false` leaves the header out, so only the page says it is a challenge.
 */
export async function startChallenge({ withHeader = true } = {}) {
  const log = [];
  const server = createHttp(
    logged(log, (req, res) => {
      const headers = {
        'content-type': 'text/html; charset=UTF-8',
        server: 'cloudflare',
        'cf-ray': '8f1c2a3b4c5d6e7f-FRA',
        'cache-control': 'private, max-age=0, no-store, no-cache, must-revalidate',
      };
      if (withHeader) headers['cf-mitigated'] = 'challenge';
      res.writeHead(503, headers);
      res.end(req.method === 'HEAD' ? undefined : CHALLENGE_PAGE);
    }),
  );
  return serve(server, 'http', { log });
}

/** An origin that must hear nothing (the down-for-everyone checker): counts what reaches it. */
export async function startCheckerTrap() {
  const log = [];
  const server = createHttp(
    logged(log, (req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('not a checker');
    }),
  );
  return serve(server, 'http', { log });
}
