//! Per-client token buckets, in memory only, in a bounded map.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Clients remembered at once; past this, idle (full) buckets and then the least recently
/// seen are dropped.
const MAX_CLIENTS: usize = 10_000;

pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Whole seconds until the next request would be allowed (at least 1).
    Deny {
        retry_after: u64,
    },
}

impl RateLimiter {
    /// `per_minute` requests a minute, with bursts of up to `per_minute`. Zero turns it off.
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn check(&self, client: IpAddr, now: Instant) -> Decision {
        if self.per_minute == 0 {
            return Decision::Allow;
        }
        let (capacity, per_second) = self.rates();
        let refill = |bucket: &Bucket| refilled(bucket, now, capacity, per_second);
        let key = client_key(client);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&key) {
            buckets.retain(|_, bucket| refill(bucket) < capacity);
            if buckets.len() >= MAX_CLIENTS {
                let stalest = buckets.iter().min_by_key(|(_, b)| b.last).map(|(k, _)| *k);
                if let Some(stalest) = stalest {
                    buckets.remove(&stalest);
                }
            }
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: capacity,
            last: now,
        });
        bucket.tokens = refill(bucket);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Decision::Allow
        } else {
            let wait = (1.0 - bucket.tokens) / per_second;
            Decision::Deny {
                retry_after: (wait.ceil() as u64).max(1),
            }
        }
    }
}

impl RateLimiter {
    fn rates(&self) -> (f64, f64) {
        let capacity = f64::from(self.per_minute);
        (capacity, capacity / 60.0)
    }

    /// Forgets every client whose bucket has filled up again (idle for a minute or more):
    /// remembering it would change nothing.
    pub fn prune(&self, now: Instant) {
        let (capacity, per_second) = self.rates();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        buckets.retain(|_, bucket| refilled(bucket, now, capacity, per_second) < capacity);
    }
}

fn refilled(bucket: &Bucket, now: Instant, capacity: f64, per_second: f64) -> f64 {
    let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
    (bucket.tokens + elapsed * per_second).min(capacity)
}

/// One bucket per IPv4 address, and per /64 for IPv6 (one household or server gets a /64).
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn allows_a_burst_then_refills() {
        let limiter = RateLimiter::new(3);
        let t0 = Instant::now();
        let a = ip("192.0.2.1");
        for _ in 0..3 {
            assert_eq!(limiter.check(a, t0), Decision::Allow);
        }
        assert_eq!(limiter.check(a, t0), Decision::Deny { retry_after: 20 });
        // Another client has its own bucket.
        assert_eq!(limiter.check(ip("192.0.2.2"), t0), Decision::Allow);
        // One token comes back every 20 s.
        assert_eq!(
            limiter.check(a, t0 + Duration::from_secs(10)),
            Decision::Deny { retry_after: 10 }
        );
        assert_eq!(
            limiter.check(a, t0 + Duration::from_secs(21)),
            Decision::Allow
        );
    }

    #[test]
    fn ipv6_clients_share_a_bucket_per_64() {
        let limiter = RateLimiter::new(1);
        let t0 = Instant::now();
        assert_eq!(limiter.check(ip("2001:db8:1:2::1"), t0), Decision::Allow);
        assert!(matches!(
            limiter.check(ip("2001:db8:1:2::ffff"), t0),
            Decision::Deny { .. }
        ));
        assert_eq!(limiter.check(ip("2001:db8:1:3::1"), t0), Decision::Allow);
        assert_eq!(limiter.check(ip("::ffff:192.0.2.9"), t0), Decision::Allow);
        assert!(matches!(
            limiter.check(ip("192.0.2.9"), t0),
            Decision::Deny { .. }
        ));
    }

    #[test]
    fn idle_clients_are_forgotten() {
        let limiter = RateLimiter::new(6);
        let t0 = Instant::now();
        limiter.check(ip("192.0.2.1"), t0);
        limiter.check(ip("192.0.2.2"), t0 + Duration::from_secs(30));
        let len = || limiter.buckets.lock().map(|b| b.len()).unwrap_or(0);
        limiter.prune(t0 + Duration::from_secs(9));
        assert_eq!(len(), 2);
        limiter.prune(t0 + Duration::from_secs(11));
        assert_eq!(len(), 1);
        limiter.prune(t0 + Duration::from_secs(41));
        assert_eq!(len(), 0);
    }

    #[test]
    fn zero_means_unlimited() {
        let limiter = RateLimiter::new(0);
        let t0 = Instant::now();
        for _ in 0..1000 {
            assert_eq!(limiter.check(ip("192.0.2.1"), t0), Decision::Allow);
        }
    }

    #[test]
    fn the_map_stays_bounded() {
        let limiter = RateLimiter::new(5);
        let t0 = Instant::now();
        for i in 0..(MAX_CLIENTS as u32 + 50) {
            let client = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            limiter.check(client, t0);
        }
        let len = limiter.buckets.lock().map(|b| b.len()).unwrap_or(0);
        assert!(len <= MAX_CLIENTS, "{len}");
    }
}
