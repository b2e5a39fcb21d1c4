//! Counters for `/metrics`, in Prometheus' text format. Nothing about visitors or targets:
//! totals and one latency histogram only.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub struct Counter(AtomicU64);

impl Counter {
    const fn new() -> Self {
        Counter(AtomicU64::new(0))
    }

    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

pub static CHECKS_UP: Counter = Counter::new();
pub static CHECKS_DOWN: Counter = Counter::new();
pub static CACHE_HITS: Counter = Counter::new();
pub static REFUSED_PRIVATE: Counter = Counter::new();
pub static REFUSED_PORT: Counter = Counter::new();
pub static RATE_LIMITED: Counter = Counter::new();
pub static BUSY: Counter = Counter::new();
pub static BAD_REQUESTS: Counter = Counter::new();
pub static CONNECTIONS_REFUSED: Counter = Counter::new();
pub static REDIS_ERRORS: Counter = Counter::new();

/// Upper bounds, in seconds, of the check-duration histogram's buckets.
const BUCKETS: [f64; 10] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
static BUCKET_COUNTS: [Counter; 10] = [const { Counter::new() }; 10];
static DURATION_COUNT: Counter = Counter::new();
static DURATION_MICROS: Counter = Counter::new();

/// A fresh (not cached) check took this long.
pub fn observe_check(took: Duration) {
    let secs = took.as_secs_f64();
    for (bound, count) in BUCKETS.iter().zip(&BUCKET_COUNTS) {
        if secs <= *bound {
            count.inc();
        }
    }
    DURATION_COUNT.inc();
    DURATION_MICROS.0.fetch_add(
        u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
        Ordering::Relaxed,
    );
}

/// The whole exposition. `redis`: None when not configured, else whether it is reachable.
pub fn render(redis: Option<bool>, connections: usize) -> String {
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
            ("{result=\"up\"}", &CHECKS_UP),
            ("{result=\"down\"}", &CHECKS_DOWN),
        ],
    );
    counter(
        "gd_cache_hits_total",
        "Checks answered from the cache.",
        &[("", &CACHE_HITS)],
    );
    counter(
        "gd_refusals_total",
        "Checks refused by policy, by reason.",
        &[
            ("{reason=\"private\"}", &REFUSED_PRIVATE),
            ("{reason=\"port\"}", &REFUSED_PORT),
        ],
    );
    counter(
        "gd_rate_limited_total",
        "Requests answered 429.",
        &[("", &RATE_LIMITED)],
    );
    counter(
        "gd_busy_total",
        "Requests answered 503 for lack of capacity.",
        &[("", &BUSY)],
    );
    counter(
        "gd_bad_requests_total",
        "Check requests answered 400.",
        &[("", &BAD_REQUESTS)],
    );
    counter(
        "gd_connections_refused_total",
        "Connections closed at once: too many from one client, or in all.",
        &[("", &CONNECTIONS_REFUSED)],
    );
    counter(
        "gd_redis_errors_total",
        "Redis operations that failed or timed out (the local store answered instead).",
        &[("", &REDIS_ERRORS)],
    );
    let _ = writeln!(
        out,
        "# HELP gd_check_duration_seconds Time of checks made (not cached).\n\
         # TYPE gd_check_duration_seconds histogram"
    );
    for (bound, count) in BUCKETS.iter().zip(&BUCKET_COUNTS) {
        let _ = writeln!(
            out,
            "gd_check_duration_seconds_bucket{{le=\"{bound}\"}} {}",
            count.get()
        );
    }
    let total = DURATION_COUNT.get();
    let _ = writeln!(
        out,
        "gd_check_duration_seconds_bucket{{le=\"+Inf\"}} {total}\n\
         gd_check_duration_seconds_sum {}\ngd_check_duration_seconds_count {total}",
        DURATION_MICROS.get() as f64 / 1e6
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
