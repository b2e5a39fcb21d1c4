//! Where answers and rate limits live: in this process, or, with `--redis`, in Redis, so
//! every instance on the same Redis gives the same answer and one client's limit holds across
//! all of them. When Redis stops answering, the local store takes over (each instance on its
//! own) until Redis is back: a background task pings it and reconnects by itself.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::watch;

use crate::api::CheckResult;
use crate::cache::Cache;
use crate::metrics::Metrics;
use crate::rate::{client_key, Decision, RateLimiter};

/// Answers remembered at once (locally).
const CACHE_ENTRIES: usize = 1000;
/// The most one Redis operation may take before the local store answers instead.
const REDIS_OP: Duration = Duration::from_millis(300);
/// How often Redis is pinged.
const PING_EVERY: Duration = Duration::from_millis(500);
/// Failed pings in a row after which the connection is dropped and made anew.
const PINGS_BEFORE_RECONNECT: u32 = 4;
const KEY_PREFIX: &str = "gd:www:v1:";

/// A token bucket in Redis, the same as `rate.rs`'s: `capacity` tokens, refilled at
/// `ARGV[2]` tokens a millisecond, on the Redis server's clock (so instances' clocks do not
/// matter). Returns {allowed, milliseconds until the next token}.
const RATE_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or cap
local ts = tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - ts) * rate)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((cap - tokens) / rate) + 1000)
return {allowed, wait}
";

pub struct Store {
    ttl: Duration,
    per_minute: u32,
    cache: Cache<String, CheckResult>,
    rate: RateLimiter,
    redis: Option<Shared>,
}

struct Shared {
    client: redis::Client,
    conn: Mutex<Option<ConnectionManager>>,
    up: AtomicBool,
    script: redis::Script,
    metrics: Arc<Metrics>,
}

impl Store {
    pub fn new(
        cache_seconds: u64,
        per_minute: u32,
        redis: Option<&str>,
        metrics: Arc<Metrics>,
    ) -> Result<Store, String> {
        let redis = match redis {
            None => None,
            Some(url) => Some(Shared {
                client: redis::Client::open(url)
                    .map_err(|e| format!("--redis: {e} (give redis://HOST:PORT)"))?,
                conn: Mutex::new(None),
                up: AtomicBool::new(false),
                script: redis::Script::new(RATE_SCRIPT),
                metrics,
            }),
        };
        Ok(Store {
            ttl: Duration::from_secs(cache_seconds),
            per_minute,
            cache: Cache::new(Duration::from_secs(cache_seconds), CACHE_ENTRIES),
            rate: RateLimiter::new(per_minute),
            redis,
        })
    }

    /// None without `--redis`; else whether Redis answers now.
    pub fn redis_up(&self) -> Option<bool> {
        self.redis
            .as_ref()
            .map(|shared| shared.up.load(Ordering::SeqCst))
    }

    /// The live Redis connection, when configured and answering.
    fn live(&self) -> Option<(&Shared, ConnectionManager)> {
        let shared = self.redis.as_ref()?;
        if !shared.up.load(Ordering::SeqCst) {
            return None;
        }
        let conn = shared
            .conn
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()?;
        Some((shared, conn))
    }

    pub async fn rate(&self, client: IpAddr) -> Decision {
        if self.per_minute == 0 {
            return Decision::Allow;
        }
        if let Some((shared, mut conn)) = self.live() {
            let key = format!("{KEY_PREFIX}rate:{}", client_key(client));
            let per_ms = f64::from(self.per_minute) / 60_000.0;
            let mut call = shared.script.key(key);
            call.arg(self.per_minute).arg(per_ms.to_string());
            let result = tokio::time::timeout(REDIS_OP, call.invoke_async::<(i64, i64)>(&mut conn));
            match result.await {
                Ok(Ok((1, _))) => return Decision::Allow,
                Ok(Ok((_, wait_ms))) => {
                    let secs = u64::try_from(wait_ms).unwrap_or(1).div_ceil(1000);
                    return Decision::Deny {
                        retry_after: secs.max(1),
                    };
                }
                _ => shared.failed(),
            }
        }
        self.rate.check(client, Instant::now())
    }

    pub async fn cache_get(&self, key: &str) -> Option<CheckResult> {
        if self.ttl.is_zero() {
            return None;
        }
        if let Some((shared, mut conn)) = self.live() {
            let mut cmd = redis::cmd("GET");
            cmd.arg(format!("{KEY_PREFIX}answer:{key}"));
            let get = cmd.query_async::<Option<String>>(&mut conn);
            match tokio::time::timeout(REDIS_OP, get).await {
                Ok(Ok(found)) => return found.and_then(|json| serde_json::from_str(&json).ok()),
                _ => shared.failed(),
            }
        }
        self.cache.get(&key.to_string(), Instant::now())
    }

    pub async fn cache_put(&self, key: String, answer: &CheckResult) {
        if self.ttl.is_zero() {
            return;
        }
        if let Some((shared, mut conn)) = self.live() {
            if let Ok(json) = serde_json::to_string(answer) {
                let ms = u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX);
                let mut cmd = redis::cmd("SET");
                cmd.arg(format!("{KEY_PREFIX}answer:{key}"))
                    .arg(json)
                    .arg("PX")
                    .arg(ms);
                let set = cmd.query_async::<()>(&mut conn);
                if !matches!(tokio::time::timeout(REDIS_OP, set).await, Ok(Ok(()))) {
                    shared.failed();
                }
            }
        }
        // Kept locally too: answers for a while if Redis goes.
        self.cache.insert(key, answer.clone(), Instant::now());
    }

    /// Forgets expired answers and idle rate counters (run every few seconds).
    pub fn prune(&self) {
        let now = Instant::now();
        self.cache.prune(now);
        self.rate.prune(now);
    }

    /// Connects to Redis, pings it, and connects again after it went away, until shutdown.
    pub async fn keep_connected(&self, mut shutdown: watch::Receiver<bool>) {
        let Some(shared) = &self.redis else {
            return;
        };
        let mut failures = 0u32;
        loop {
            let current = shared
                .conn
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            let ok = match current {
                None => match shared.connect().await {
                    Some(mut conn) => {
                        let ok = ping(&mut conn).await;
                        *shared.conn.lock().unwrap_or_else(|e| e.into_inner()) = Some(conn);
                        ok
                    }
                    None => false,
                },
                Some(mut conn) => ping(&mut conn).await,
            };
            if ok {
                failures = 0;
                if !shared.up.swap(true, Ordering::SeqCst) {
                    crate::log("info", "redis_up", "shared store in use");
                }
            } else {
                failures += 1;
                shared.failed();
                if failures >= PINGS_BEFORE_RECONNECT {
                    failures = 0;
                    *shared.conn.lock().unwrap_or_else(|e| e.into_inner()) = None;
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(PING_EVERY) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

impl Shared {
    fn failed(&self) {
        self.metrics.redis_errors.inc();
        if self.up.swap(false, Ordering::SeqCst) {
            crate::log(
                "warn",
                "redis_down",
                "answering from the local store until Redis is back",
            );
        }
    }

    async fn connect(&self) -> Option<ConnectionManager> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(REDIS_OP))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let connect = ConnectionManager::new_with_config(self.client.clone(), config);
        match tokio::time::timeout(Duration::from_secs(2), connect).await {
            Ok(Ok(conn)) => Some(conn),
            _ => None,
        }
    }
}

async fn ping(conn: &mut ConnectionManager) -> bool {
    let cmd = redis::cmd("PING");
    let ping = cmd.query_async::<String>(conn);
    matches!(tokio::time::timeout(REDIS_OP, ping).await, Ok(Ok(_)))
}
