// Loopback stand-ins for what issue 14's checks ask: a CDN edge (Cloudflare-shaped: a 52x page
// with its headers, and `/cdn-cgi/trace` answered by the edge itself) in front of a dead origin,
// a CDN status feed in Statuspage's `summary.json` shape, a site whose own status host reports
// maintenance, and a network that redirects every request to its sign-in page. One server
// answers by Host header, as a CDN and a status host on one address would.
import { createServer } from 'node:http';

/** Names the test browsers resolve to 127.0.0.1 (see browsers.mjs). */
export const EDGE_SITE = 'www.gd-edge.test';
export const SHOP_SITE = 'www.gd-shop.test';
export const STATUS_HOSTS = ['status.gd-edge.test', 'status.gd-shop.test'];

// Cloudflare's 522 page, trimmed to what identifies it (its markers: cf-error-details, the
// "Cloudflare Ray ID" footer).
const CLOUDFLARE_522 = `<!DOCTYPE html><html><head><title>www.gd-edge.test | 522: Connection timed out</title></head>
<body><div id="cf-wrapper"><div id="cf-error-details"><h1>Connection timed out</h1><span>Error code 522</span>
<p>The initial connection between Cloudflare's network and the origin web server timed out.</p></div>
<p>Cloudflare Ray ID: <strong>8f1c2a3b4c5d6e7f</strong></p></div></body></html>`;

const TRACE = ['fl=29f1', 'h=www.gd-edge.test', 'ip=127.0.0.1', 'ts=1764633600.123', 'visit_scheme=http',
  'uag=Mozilla/5.0', 'colo=FRA', 'sliver=none', 'http=http/1.1', 'loc=DE', 'tls=off', 'sni=off',
  'warp=off', 'gateway=off', 'rbi=off', 'kex=none'].join('\n') + '\n';

const iso = (ms) => new Date(ms).toISOString();

/** A Statuspage summary with an incident on `component` (or none). */
export function cdnSummary({ incidentOn = null, name = 'Elevated errors in Frankfurt' } = {}) {
  const components = ['Frankfurt, Germany - (FRA)', 'London, United Kingdom - (LHR)', 'Paris, France - (CDG)']
    .map((n, i) => ({ id: `c${i}`, name: n, status: n === incidentOn ? 'partial_outage' : 'operational', group: false }));
  const incidents = incidentOn
    ? [{
        id: 'i1', name, status: 'investigating', impact: 'minor',
        created_at: iso(Date.now() - 20 * 60_000), started_at: iso(Date.now() - 20 * 60_000),
        shortlink: 'https://stspg.io/example', components: [{ name: incidentOn, status: 'partial_outage' }],
      }]
    : [];
  return {
    page: { id: 'p', name: 'Cloudflare', url: 'https://www.cloudflarestatus.com' },
    status: { indicator: incidentOn ? 'minor' : 'none', description: '' },
    components,
    incidents,
    scheduled_maintenances: [],
  };
}

/** The shop's own status page: maintenance in progress, until `untilMs`. */
function shopSummary(untilMs) {
  return {
    page: { id: 's', name: 'Gd Shop', url: 'https://status.gd-shop.test' },
    status: { indicator: 'maintenance', description: 'Under maintenance' },
    components: [{ id: 'db', name: 'Database', status: 'under_maintenance', group: false }],
    incidents: [],
    scheduled_maintenances: [{
      id: 'm1', name: 'Database maintenance', status: 'in_progress', impact: 'maintenance',
      scheduled_for: iso(Date.now() - 10 * 60_000), scheduled_until: iso(untilMs),
      shortlink: 'https://stspg.io/maint', components: [{ name: 'Database', status: 'under_maintenance' }],
    }],
  };
}

/** What the CDN status feed answers at `/cdn/summary.json?<variant>`: each variant its own
 * address, since the extension keeps a status answer for a few minutes. */
const FEEDS = {
  lhr: () => cdnSummary({ incidentOn: 'London, United Kingdom - (LHR)', name: 'Slow <b>London</b> edge <img src=x>' }),
  fra: () => cdnSummary({ incidentOn: 'Frankfurt, Germany - (FRA)', name: 'Elevated errors in Frankfurt' }),
  garbage: () => '<html>not json</html>',
};

/**
 * Starts the edge, the feeds and the portal on one port; `log` lists every request as
 * `host path`.
 */
export function startStatusWorld() {
  const state = { maintenanceUntil: Date.now() + 2 * 3600_000, log: [] };
  const server = createServer((req, res) => {
    const host = (req.headers.host ?? '').split(':')[0];
    const path = req.url ?? '/';
    state.log.push(`${host} ${path}`);
    const json = (value) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(typeof value === 'string' ? value : JSON.stringify(value));
    };
    if (host === EDGE_SITE) {
      if (path === '/cdn-cgi/trace') {
        res.writeHead(200, { 'content-type': 'text/plain', server: 'cloudflare', 'cf-ray': '8f1c2a3b4c5d6e80-FRA' });
        return res.end(TRACE);
      }
      res.writeHead(522, { 'content-type': 'text/html', server: 'cloudflare', 'cf-ray': '8f1c2a3b4c5d6e7f-FRA' });
      return res.end(CLOUDFLARE_522);
    }
    if (host === SHOP_SITE) {
      res.writeHead(503, { 'content-type': 'text/html', 'retry-after': '60' });
      return res.end('<html><body><h1>Service Unavailable</h1></body></html>');
    }
    if (host === 'status.gd-shop.test' && path === '/api/v2/summary.json') return json(shopSummary(state.maintenanceUntil));
    if (path.startsWith('/cdn/summary.json?')) {
      const feed = FEEDS[path.split('?')[1]];
      if (feed) return json(feed());
    }
    // The network's captive portal: every request goes to its sign-in page.
    if (path === '/generate_204') {
      res.writeHead(302, { location: '/portal/login' });
      return res.end();
    }
    if (path === '/portal/login') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<html><head><title>Sign in to Hotel Wi-Fi</title></head><body>Accept the terms</body></html>');
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        port,
        state,
        /** The CDN status feed of variant `lhr`, `fra` or `garbage`. */
        feedUrl: (variant) => `http://127.0.0.1:${port}/cdn/summary.json?${variant}`,
        portalUrl: `http://127.0.0.1:${port}/generate_204`,
        edgePage: `http://${EDGE_SITE}:${port}/shop/item`,
        shopPage: `http://${SHOP_SITE}:${port}/cart`,
        stop: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}
