//! Routing and the JSON API: `/api/v1/check`, `/api/v1/health`, and the static pages.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::cache::Cache;
use crate::check::{self, ResolveError};
use crate::config::Config;
use crate::query::parse_query;
use crate::rate::{Decision, RateLimiter};
use crate::server::{Request, Response};
use crate::static_files;
use crate::target::{self, Host, Scheme};

/// Answers remembered at once.
const CACHE_ENTRIES: usize = 1000;

pub const FORBIDDEN: &str = "refused: private, loopback or link-local target";

/// One check's answer, exactly as serialised.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    pub host: String,
    pub port: u16,
    pub scheme: &'static str,
    pub up: bool,
    pub status: Option<u16>,
    pub time_ms: u64,
    pub address: Option<String>,
    pub error: Option<&'static str>,
    pub checked_at: u64,
    pub cached: bool,
}

pub struct App {
    allow_private: bool,
    timeout: Duration,
    static_root: PathBuf,
    cache: Cache<(Scheme, Host, u16), CheckResult>,
    rate: RateLimiter,
}

impl App {
    /// `static_root` must already be canonical.
    pub fn new(config: &Config, static_root: PathBuf) -> Self {
        App {
            allow_private: config.allow_private,
            timeout: Duration::from_millis(config.timeout_ms),
            static_root,
            cache: Cache::new(Duration::from_secs(config.cache_seconds), CACHE_ENTRIES),
            rate: RateLimiter::new(config.rate_per_minute),
        }
    }

    /// Forgets expired answers and idle rate counters (run every few seconds).
    pub fn prune(&self) {
        let now = Instant::now();
        self.cache.prune(now);
        self.rate.prune(now);
    }

    pub fn handle(&self, req: &Request) -> Response {
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
            let body = serde_json::json!({ "ok": true, "version": env!("CARGO_PKG_VERSION") });
            return json(200, &body);
        }
        self.check(req.peer, req.query.as_deref().unwrap_or(""))
    }

    fn check(&self, peer: IpAddr, query: &str) -> Response {
        if let Decision::Deny { retry_after } = self.rate.check(peer, Instant::now()) {
            return json_error(429, "rate limited: try again later")
                .header("Retry-After", retry_after.to_string());
        }
        let (scheme, host, port) = match parse_params(query) {
            Ok(params) => params,
            Err(message) => return json_error(400, message),
        };
        let key = (scheme, host.clone(), port);
        if let Some(mut hit) = self.cache.get(&key, Instant::now()) {
            hit.cached = true;
            return json(200, &hit);
        }

        let started = Instant::now();
        let deadline = started + self.timeout;
        let outcome = match check::resolve(&host, port, deadline) {
            Err(ResolveError::Busy) => {
                return json_error(503, "busy: try again shortly").header("Retry-After", "5")
            }
            Err(ResolveError::Failed(failure)) => check::Outcome {
                status: None,
                address: None,
                failure: Some(failure),
            },
            Ok(addrs) => {
                // Every address is vetted, and only these are connected to: no second lookup
                // that a rebinding DNS server could answer differently.
                if !self.allow_private && !target::all_public(&addrs) {
                    return json_error(403, FORBIDDEN);
                }
                check::probe(scheme, &host, port, &addrs, deadline)
            }
        };
        let result = CheckResult {
            host: host.to_string(),
            port,
            scheme: scheme.as_str(),
            up: outcome.status.is_some_and(|s| s < 500),
            status: outcome.status,
            time_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            address: outcome.address.map(|ip| ip.to_string()),
            error: outcome.failure.map(check::Failure::code),
            checked_at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            cached: false,
        };
        self.cache.insert(key, result.clone(), Instant::now());
        json(200, &result)
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

fn json_error(status: u16, message: &str) -> Response {
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
            scheme: "https",
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
