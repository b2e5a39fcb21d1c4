//! Counters for `/metrics`, in Prometheus' text format. Nothing about visitors or targets:
//! totals and one latency histogram only.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

#[derive(Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// One instance's counters (a process may run several, as the tests do).
#[derive(Default)]
pub struct Metrics {
    pub checks_up: Counter,
    pub checks_down: Counter,
    pub cache_hits: Counter,
    pub refused_private: Counter,
    pub refused_port: Counter,
    pub rate_limited: Counter,
    pub busy: Counter,
    pub bad_requests: Counter,
    pub connections_refused: Counter,
    pub redis_errors: Counter,
    /// Connections open now.
    pub open: AtomicUsize,
    bucket_counts: [Counter; 10],
    duration_count: Counter,
    duration_micros: Counter,
}

/// Upper bounds, in seconds, of the check-duration histogram's buckets.
const BUCKETS: [f64; 10] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

impl Metrics {
    /// A fresh (not cached) check took this long.
    pub fn observe_check(&self, took: Duration) {
        let secs = took.as_secs_f64();
        for (bound, count) in BUCKETS.iter().zip(&self.bucket_counts) {
            if secs <= *bound {
                count.inc();
            }
        }
        self.duration_count.inc();
        self.duration_micros.0.fetch_add(
            u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// The whole exposition. `redis`: None when not configured, else whether it is reachable.
    pub fn render(&self, redis: Option<bool>) -> String {
        let connections = self.open.load(Ordering::Relaxed);
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, rows: &[(&str, &Counter)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (labels, c) in rows {
                let _ = writeln!(out, "{name}{labels} {}", c.get());
            }
        };
        counter(
            "gd_checks_total",
            "Checks made (not answered from the cache), by verdict.",
            &[
                ("{result=\"up\"}", &self.checks_up),
                ("{result=\"down\"}", &self.checks_down),
            ],
        );
        counter(
            "gd_cache_hits_total",
            "Checks answered from the cache.",
            &[("", &self.cache_hits)],
        );
        counter(
            "gd_refusals_total",
            "Checks refused by policy, by reason.",
            &[
                ("{reason=\"private\"}", &self.refused_private),
                ("{reason=\"port\"}", &self.refused_port),
            ],
        );
        counter(
            "gd_rate_limited_total",
            "Requests answered 429.",
            &[("", &self.rate_limited)],
        );
        counter(
            "gd_busy_total",
            "Requests answered 503 for lack of capacity.",
            &[("", &self.busy)],
        );
        counter(
            "gd_bad_requests_total",
            "Check requests answered 400.",
            &[("", &self.bad_requests)],
        );
        counter(
            "gd_connections_refused_total",
            "Connections closed at once: too many from one client, or in all.",
            &[("", &self.connections_refused)],
        );
        counter(
            "gd_redis_errors_total",
            "Redis operations that failed or timed out (the local store answered instead).",
            &[("", &self.redis_errors)],
        );
        let _ = writeln!(
            out,
            "# HELP gd_check_duration_seconds Time of checks made (not cached).\n\
         # TYPE gd_check_duration_seconds histogram"
        );
        for (bound, count) in BUCKETS.iter().zip(&self.bucket_counts) {
            let _ = writeln!(
                out,
                "gd_check_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                count.get()
            );
        }
        let total = self.duration_count.get();
        let _ = writeln!(
            out,
            "gd_check_duration_seconds_bucket{{le=\"+Inf\"}} {total}\n\
         gd_check_duration_seconds_sum {}\ngd_check_duration_seconds_count {total}",
            self.duration_micros.get() as f64 / 1e6
        );
        let _ = writeln!(
            out,
            "# HELP gd_connections Connections open now.\n# TYPE gd_connections gauge\n\
         gd_connections {connections}"
        );
        let (configured, up) = match redis {
            None => (0, 0),
            Some(up) => (1, u8::from(up)),
        };
        let _ = writeln!(
        out,
        "# HELP gd_redis_configured Whether --redis is set.\n# TYPE gd_redis_configured gauge\n\
         gd_redis_configured {configured}\n\
         # HELP gd_redis_up Whether Redis answers (0 when not configured).\n\
         # TYPE gd_redis_up gauge\ngd_redis_up {up}"
    );
        out
    }
}
