//! Routing and the JSON API: `/api/v1/check`, `/api/v1/health`, the operations endpoints
//! (`/healthz`, `/readyz`, `/metrics`) and the static pages.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tokio::time::Instant;

use crate::check::{self, Lookup, ResolveError};
use crate::config::{Config, DEFAULT_PORTS};
use crate::limit::Shed;
use crate::metrics::Metrics;
use crate::query::parse_query;
use crate::rate::{client_key, Decision};
use crate::request::{Request, Response};
use crate::static_files;
use crate::store::Store;
use crate::target::{self, Host, Scheme};

/// Checks running at once, from all clients; more get 503.
const MAX_CHECKS: usize = 512;
/// Checks running at once for one client (IPv4 address or IPv6 /64); more get 429. Counted
/// by hand (`App::enter`): tower's concurrency limit is one count for everyone, not per key.
const MAX_CHECKS_PER_CLIENT: usize = 8;

pub const FORBIDDEN: &str = "refused: private, loopback or link-local target";

/// One check's answer, exactly as serialised (and as kept in Redis): the core's type, which the
/// extension reads.
pub use gateway_doctor::checks::providers::CheckerResult as CheckResult;

pub struct App {
    allow_private: bool,
    config: Config,
    timeout: Duration,
    static_root: PathBuf,
    pub store: Arc<Store>,
    pub metrics: Arc<Metrics>,
    lookup: Lookup,
    checks: Shed,
    per_client: Mutex<HashMap<IpAddr, usize>>,
    pub client_ip: crate::client_ip::ClientIp,
}

/// One client's check in flight; dropping it frees the client's slot.
struct InFlight<'a> {
    app: &'a App,
    key: IpAddr,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut map = self
            .app
            .per_client
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.key);
            }
        }
    }
}

impl App {
    /// `static_root` must already be canonical. Runs inside the runtime (the resolver's
    /// tasks are spawned on it).
    pub fn new(config: &Config, static_root: PathBuf) -> Result<Self, String> {
        let timeout = Duration::from_millis(config.timeout_ms);
        let metrics = Arc::new(Metrics::default());
        Ok(App {
            allow_private: config.allow_private,
            config: config.clone(),
            timeout,
            static_root,
            store: Arc::new(Store::new(
                config.cache_seconds,
                config.rate_per_minute,
                config.redis.as_deref(),
                metrics.clone(),
            )?),
            metrics,
            lookup: Lookup::new(&config.resolvers, timeout)?,
            checks: Shed::new(MAX_CHECKS),
            per_client: Mutex::new(HashMap::new()),
            client_ip: crate::client_ip::ClientIp::new(
                config.trusted_proxies.clone(),
                config.client_header,
            ),
        })
    }

    /// The most one request may take: a check's budget and then some.
    pub fn request_budget(&self) -> Duration {
        self.timeout + Duration::from_secs(2)
    }

    pub async fn handle(&self, req: &Request) -> Response {
        match req.path.as_str() {
            "/healthz" | "/readyz" | "/metrics" => return self.operations(req),
            _ => {}
        }
        if req.path != "/api" && !req.path.starts_with("/api/") {
            return static_files::serve(&self.static_root, req);
        }
        let known = matches!(req.path.as_str(), "/api/v1/check" | "/api/v1/health");
        if !known {
            return json_error(404, "not found");
        }
        if req.method != "GET" {
            return json_error(405, "method not allowed: use GET").header("Allow", "GET");
        }
        if req.path == "/api/v1/health" {
            let body = serde_json::json!({
                "ok": true,
                "version": env!("CARGO_PKG_VERSION"),
                "redis": redis_word(self.store.redis_up()),
            });
            return json(200, &body);
        }
        self.check(req.peer, req.query.as_deref().unwrap_or(""))
            .await
    }

    /// `/healthz`: the process serves. `/readyz`: and Redis answers, when configured.
    /// `/metrics`: Prometheus text.
    fn operations(&self, req: &Request) -> Response {
        if !matches!(req.method.as_str(), "GET" | "HEAD") {
            return Response::text(405, "method not allowed").header("Allow", "GET, HEAD");
        }
        let redis = self.store.redis_up();
        match req.path.as_str() {
            "/healthz" => Response::text(200, "ok"),
            "/readyz" if redis == Some(false) => Response::text(503, "not ready: redis down"),
            "/readyz" => Response::text(200, "ready"),
            _ => Response::new(
                200,
                "text/plain; version=0.0.4; charset=utf-8",
                self.metrics.render(redis),
            ),
        }
        .header("Cache-Control", "no-store")
    }

    async fn check(&self, peer: IpAddr, query: &str) -> Response {
        if let Decision::Deny { retry_after } = self.store.rate(peer).await {
            self.metrics.rate_limited.inc();
            return json_error(429, "rate limited: try again later")
                .header("Retry-After", retry_after.to_string());
        }
        let (scheme, host, port) = match parse_params(query) {
            Ok(params) => params,
            Err(message) => {
                self.metrics.bad_requests.inc();
                return json_error(400, message);
            }
        };
        let key = format!("{}:{}:{}", scheme.as_str(), host, port);
        if let Some(mut hit) = self.store.cache_get(&key).await {
            self.metrics.cache_hits.inc();
            hit.cached = true;
            return json(200, &hit);
        }
        let Some(_in_flight) = self.enter(peer) else {
            self.metrics.rate_limited.inc();
            return json_error(429, "too many checks at once: try again shortly")
                .header("Retry-After", "1");
        };
        let started = Instant::now();
        let deadline = started + self.timeout;
        let outcome = match self
            .checks
            .run(self.look_up_and_probe(scheme, &host, port, deadline))
            .await
        {
            Some(Ok(outcome)) => outcome,
            Some(Err(refusal)) => return refusal,
            None => {
                self.metrics.busy.inc();
                return json_error(503, "busy: try again shortly").header("Retry-After", "5");
            }
        };
        let took = started.elapsed();
        self.metrics.observe_check(took);
        let up = outcome.status.is_some_and(|s| s < 500);
        if up {
            self.metrics.checks_up.inc();
        } else {
            self.metrics.checks_down.inc();
        }
        let result = CheckResult {
            host: host.to_string(),
            port,
            scheme: scheme.as_str().to_string(),
            up,
            status: outcome.status,
            time_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
            address: outcome.address.map(|ip| ip.to_string()),
            error: outcome.failure.map(|f| f.code().to_string()),
            checked_at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            cached: false,
        };
        self.store.cache_put(key, &result).await;
        json(200, &result)
    }

    /// The outbound part of a check, one of `MAX_CHECKS` at once: the lookup, the vetting of
    /// every address, the probe. Err: the answer to give instead (403, or 503 when the lookups
    /// are full).
    async fn look_up_and_probe(
        &self,
        scheme: Scheme,
        host: &Host,
        port: u16,
        deadline: Instant,
    ) -> Result<check::Outcome, Response> {
        match self.lookup.resolve(host, port, deadline).await {
            Err(ResolveError::Busy) => {
                self.metrics.busy.inc();
                Err(json_error(503, "busy: try again shortly").header("Retry-After", "5"))
            }
            Err(ResolveError::Failed(failure)) => Ok(check::Outcome {
                status: None,
                address: None,
                failure: Some(failure),
            }),
            Ok(addrs) => {
                // Every address is vetted, and only these are connected to: no second lookup
                // that a rebinding DNS server could answer differently.
                if !self.allow_private && !target::all_public(&addrs) {
                    self.metrics.refused_private.inc();
                    return Err(json_error(403, FORBIDDEN));
                }
                // After the address vetting (a private target is refused as such on any port),
                // before any connection.
                if let Some(refusal) = self.port_refusal(port) {
                    return Err(refusal);
                }
                Ok(check::probe(scheme, host, port, &addrs, deadline).await)
            }
        }
    }

    /// The 403 for a port outside the allow-list, if it is.
    fn port_refusal(&self, port: u16) -> Option<Response> {
        if self.config.port_allowed(port) {
            return None;
        }
        self.metrics.refused_port.inc();
        let allowed = match &self.config.ports {
            Some(crate::config::Ports::List(list)) => list.clone(),
            _ => DEFAULT_PORTS.to_vec(),
        };
        let allowed: Vec<String> = allowed.iter().map(u16::to_string).collect();
        Some(json_error(
            403,
            &format!(
                "refused: port not allowed (this checker asks {} only)",
                allowed.join(", ")
            ),
        ))
    }

    /// Counts one more check in flight for `peer`, unless it has too many already.
    fn enter(&self, peer: IpAddr) -> Option<InFlight<'_>> {
        let key = client_key(peer);
        let mut map = self.per_client.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(key).or_insert(0);
        if *n >= MAX_CHECKS_PER_CLIENT {
            return None;
        }
        *n += 1;
        Some(InFlight { app: self, key })
    }
}

fn redis_word(state: Option<bool>) -> &'static str {
    match state {
        None => "off",
        Some(true) => "up",
        Some(false) => "down",
    }
}

/// `host=` (required), `port=`, `scheme=` (default https, or http in a build without TLS).
/// Other parameters are ignored; a repeated one is an error.
pub fn parse_params(query: &str) -> Result<(Scheme, Host, u16), &'static str> {
    let pairs = parse_query(query).ok_or("malformed query string")?;
    let mut host = None;
    let mut port = None;
    let mut scheme = None;
    for (key, value) in &pairs {
        let slot = match key.as_str() {
            "host" => &mut host,
            "port" => &mut port,
            "scheme" => &mut scheme,
            _ => continue,
        };
        if slot.replace(value.as_str()).is_some() {
            return Err("repeated parameter");
        }
    }
    let host = Host::parse(host.ok_or("missing host")?)?;
    let scheme = match scheme {
        Some(s) => Scheme::parse(s)?,
        None if check::TLS => Scheme::Https,
        None => Scheme::Http,
    };
    if scheme == Scheme::Https && !check::TLS {
        return Err("https checks are not built into this server");
    }
    let port = match port {
        Some(p) => target::parse_port(p)?,
        None => scheme.default_port(),
    };
    Ok((scheme, host, port))
}

fn json(status: u16, body: &impl Serialize) -> Response {
    let body = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    Response::new(status, "application/json", body)
        .header("Cache-Control", "no-store")
        .header("Access-Control-Allow-Origin", "*")
        .header("X-Content-Type-Options", "nosniff")
}

pub fn json_error(status: u16, message: &str) -> Response {
    json(status, &serde_json::json!({ "error": message }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_table() {
        let ok = |q: &str| parse_params(q).unwrap();
        let host = |s: &str| Host::parse(s).unwrap();
        assert_eq!(
            ok("host=Example.com.&scheme=http"),
            (Scheme::Http, host("example.com"), 80)
        );
        assert_eq!(
            ok("scheme=http&port=8080&host=%5B2001%3Adb8%3A%3A1%5D&_=123"),
            (Scheme::Http, host("2001:db8::1"), 8080)
        );
        if check::TLS {
            assert_eq!(
                ok("host=example.com"),
                (Scheme::Https, host("example.com"), 443)
            );
            assert_eq!(
                ok("scheme=https&port=8443&host=192.0.2.1"),
                (Scheme::Https, host("192.0.2.1"), 8443)
            );
        } else {
            assert_eq!(
                ok("host=example.com"),
                (Scheme::Http, host("example.com"), 80)
            );
            assert!(parse_params("host=example.com&scheme=https").is_err());
        }
        for bad in [
            "",
            "host=",
            "port=80",
            "host=a.com&host=b.com",
            "host=a.com&port=0",
            "host=a.com&port=x",
            "host=a.com&scheme=ftp",
            "host=a%2Fb",
            "host=a+b.com",
            "host=a.com%40b.com",
            "host=%zz",
            "host=https%3A%2F%2Fexample.com%2F",
        ] {
            assert!(parse_params(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn result_json_shape() {
        let result = CheckResult {
            host: "example.com".into(),
            port: 443,
            scheme: "https".into(),
            up: true,
            status: Some(200),
            time_ms: 12,
            address: Some("192.0.2.1".into()),
            error: None,
            checked_at: 1_700_000_000,
            cached: false,
        };
        let value = serde_json::to_value(&result).unwrap();
        let want = serde_json::json!({
            "host": "example.com", "port": 443, "scheme": "https", "up": true, "status": 200,
            "timeMs": 12, "address": "192.0.2.1", "error": null, "checkedAt": 1_700_000_000u64,
            "cached": false
        });
        assert_eq!(value, want);
    }
}
