//! The numbers of auto-retry: which failures are worth waiting out, and how long to wait
//! between two probes of a failing origin. Pure arithmetic: time comes in as milliseconds and
//! randomness as a number in `[0, 1)` from the caller.

use crate::failure::{Failure, NetError};
use serde::{Deserialize, Serialize};

/// How often an origin may be probed. Plain data with `Default`; not stored (the watchers'
/// snapshot holds state, the policy is code).
///
/// The default schedule, `elapsed` being the outage time seen so far (offline time excluded):
///
/// | outage so far | delay before the next probe |
/// |---|---|
/// | first failure | 1 s (`first_delay_ms`) plus a phase of up to one fast interval (`first_probe_delay`) |
/// | under 90 s | 2 s to 2.04 s (`fast_interval_ms`, jitter upward only) |
/// | 90 s and more | 4.8 % to 7.2 % of `elapsed` (`growth` ± `growth_jitter`) |
/// | always | at least `min_gap_ms` after the previous probe started, at most `max_delay_ms`, never before a Retry-After |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Delay from the first failure on an origin to its first probe.
    pub first_delay_ms: u64,
    /// How long the outage is probed at the fast interval.
    pub fast_phase_ms: u64,
    /// The fast interval, before jitter.
    pub fast_interval_ms: u64,
    /// Upward jitter of the fast interval: `interval * (1 + fast_jitter * jitter01)`. Upward only,
    /// so `min_gap_ms` holds for every draw and the first minute never exceeds 30 probes.
    pub fast_jitter: f64,
    /// After the fast phase the delay is this fraction of the outage so far...
    pub growth: f64,
    /// ... times `1 ± growth_jitter`.
    pub growth_jitter: f64,
    /// No two probes of one origin start closer than this (the floor of every delay).
    pub min_gap_ms: u64,
    /// The longest delay between two probes (a Retry-After may ask for longer).
    pub max_delay_ms: u64,
    /// The floor for failures that change slowly (DNS, the visitor's proxy): `Pace::Slow`.
    pub slow_min_delay_ms: u64,
    /// A failure on an origin within this time of its recovery continues the same outage
    /// (same clock, delays doubled, a single tab reloaded first): the probe said "up" but the
    /// pages still fail.
    pub flap_window_ms: u64,
    /// Delays double per flap, at most this many times.
    pub max_flap_doublings: u32,
    /// The browser layer aborts a probe after this long (it counts as "down"); a probe still
    /// marked in flight after it (the worker slept, the answer was lost) no longer blocks the next.
    pub probe_timeout_ms: u64,
    /// A tab reloaded alone after a flap that has not reported back by then is waiting again.
    pub canary_timeout_ms: u64,
    /// The default time limit the browser layer passes to `add_tab`.
    pub time_limit_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first_delay_ms: 1_000,
            // Past the minute: an outage of a minute ends while the probes are still fast.
            fast_phase_ms: 90_000,
            fast_interval_ms: 2_000,
            // The mean gap sets the wait for a site that is back (half of it, on average), so
            // the jitter is small: visitors' probes are already out of step by the first
            // probe's phase (`first_probe_delay`), however close together their pages failed.
            fast_jitter: 0.02,
            growth: 0.06,
            growth_jitter: 0.2,
            min_gap_ms: 2_000,
            max_delay_ms: 300_000,
            slow_min_delay_ms: 10_000,
            flap_window_ms: 60_000,
            max_flap_doublings: 5,
            probe_timeout_ms: 10_000,
            canary_timeout_ms: 30_000,
            time_limit_ms: 60 * 60_000,
        }
    }
}

/// How fast a failure is worth probing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pace {
    /// Gateway errors and dropped connections: they end the moment the server is back.
    Normal,
    /// DNS and proxy failures: they change slowly (resolver caches, VPN reconnects), and the
    /// probe rarely reaches the site anyway. Never faster than `slow_min_delay_ms`.
    Slow,
}

/// Why a failed page is never reloaded automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoRetry {
    /// The failed navigation was not a GET (a form post...): a reload would send it again.
    NotGet,
    /// Waiting does not fix this failure (500, 501, 505, TLS between CDN and origin, 530...).
    NotTransient,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    Retry(Pace),
    Never(NoRetry),
}

/// True only for GET: every other method (POST, PUT...) would be re-sent by a reload.
pub fn is_get(method: &str) -> bool {
    method.trim().eq_ignore_ascii_case("GET")
}

/// Whether a failed navigation is retried, and at what pace.
///
/// - Retried: 502, 503, 504; Cloudflare's 520 to 524 (origin down, refused, timed out,
///   unreachable, too slow) and 527 (Railgun), 529 (overloaded); 598/599 (proxy read
///   timeouts). Refused, reset, closed, timed-out, unreachable and empty connections.
/// - Retried slowly: name not resolved (the answer is cached; a site whose DNS is being fixed
///   comes back in minutes, a mistyped name never does and the time limit ends it) and the
///   visitor's proxy failing (the probe goes through the same proxy, so it costs the site
///   nothing; a VPN or proxy that reconnects brings the page back).
/// - Offline (`InternetDisconnected`): retried; the watchers pause while the browser says it is
///   offline and probe at once when it is back (`Watchers::set_online`).
/// - Never: 500 (usually one URL's application bug: a probe of the origin cannot see when that
///   page is fixed, so retrying would turn into a reload loop), 501 and 505 (permanent),
///   525/526 (TLS between CDN and origin: needs the owner's fix), 530 (origin DNS or a
///   Cloudflare 1xxx block), and every other 5xx (507, 508, 509, 511...).
/// - Retried: HTTP/2 or QUIC protocol errors (a proxy or server that restarted mid-answer).
///   Never: redirect loops, TLS handshake failures, refused certificates, and answers cut short
///   (a probe sees only headers, so it cannot tell when the body comes whole again).
/// - Never for a method other than GET, whatever the failure.
/// - A bot challenge or block is never retried either: see `held_back`.
pub fn retry_decision(method: &str, failure: Failure) -> RetryDecision {
    if !is_get(method) {
        return RetryDecision::Never(NoRetry::NotGet);
    }
    match failure {
        Failure::Http { status } => match status {
            502..=504 | 520..=524 | 527 | 529 | 598 | 599 => RetryDecision::Retry(Pace::Normal),
            _ => RetryDecision::Never(NoRetry::NotTransient),
        },
        Failure::Network { error } => match error {
            NetError::NameNotResolved | NetError::ProxyFailed => RetryDecision::Retry(Pace::Slow),
            NetError::ConnectionRefused
            | NetError::ConnectionReset
            | NetError::ConnectionClosed
            | NetError::ConnectionTimedOut
            | NetError::AddressUnreachable
            | NetError::EmptyResponse
            | NetError::InternetDisconnected
            | NetError::ProtocolError => RetryDecision::Retry(Pace::Normal),
            // A loop, a botched handshake or a refused certificate is a setting on the site (or
            // the visitor's clock, or software inspecting the connection): it stays until someone
            // changes it, and reloading into a certificate warning helps nobody. A cut answer is
            // a body that stops short: the probe (a HEAD) gets the headers and says "up" while
            // the page still breaks, as for a 500, and both browsers already show the part that
            // came (reloading it under the visitor's eyes, again and again, would not help).
            NetError::TooManyRedirects
            | NetError::TlsHandshake
            | NetError::Certificate
            | NetError::Truncated => RetryDecision::Never(NoRetry::NotTransient),
        },
    }
}

/// Why auto-retry stays away from a failure whatever its status: the site answered, and only the
/// visitor can change what it said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// A bot protection is checking or blocking this browser: a reload would only meet it again
    /// (or, repeated, look even more like a bot).
    BotProtection,
}

/// Whether auto-retry must leave `incident` alone, decided from its headers and, once read, its
/// page (`crate::diagnosis::protection_kind`). The browser layer asks again after the page is read.
pub fn held_back(incident: &crate::incident::Incident) -> Option<Hold> {
    crate::diagnosis::protection_of(incident).map(|_| Hold::BotProtection)
}

impl RetryPolicy {
    /// Delay before the next probe of an origin at normal pace, with no flap.
    /// `outage_elapsed_ms`: outage time so far; `retry_after_ms`: the server's last Retry-After;
    /// `jitter01`: a random number in `[0, 1)` (out-of-range values are clamped, NaN is 0.5).
    pub fn next_delay_ms(
        &self,
        outage_elapsed_ms: u64,
        retry_after_ms: Option<u64>,
        jitter01: f64,
    ) -> u64 {
        self.delay_ms(Pace::Normal, 0, outage_elapsed_ms, retry_after_ms, jitter01)
    }

    /// The general form: `pace` raises the floor, each of `flaps` doubles the delay.
    pub fn delay_ms(
        &self,
        pace: Pace,
        flaps: u32,
        outage_elapsed_ms: u64,
        retry_after_ms: Option<u64>,
        jitter01: f64,
    ) -> u64 {
        let j = if jitter01.is_nan() {
            0.5
        } else {
            jitter01.clamp(0.0, 1.0)
        };
        let mut delay = if outage_elapsed_ms < self.fast_phase_ms {
            self.fast_interval_ms as f64 * (1.0 + self.fast_jitter * j)
        } else {
            let spread = 1.0 - self.growth_jitter + 2.0 * self.growth_jitter * j;
            outage_elapsed_ms as f64 * self.growth * spread
        };
        let mut floor = self.min_gap_ms;
        if pace == Pace::Slow {
            floor = floor.max(self.slow_min_delay_ms);
            delay = delay.max(self.slow_min_delay_ms as f64 * (1.0 + self.fast_jitter * j));
        }
        delay *= f64::from(1u32 << flaps.min(self.max_flap_doublings).min(16));
        // `as` saturates: a huge or infinite product becomes u64::MAX, then the cap.
        let delay = (delay as u64).min(self.max_delay_ms).max(floor);
        delay.max(retry_after_ms.unwrap_or(0))
    }

    /// The delay before an outage's first probe, for a first failure at `now_ms`: the first
    /// delay, plus (at normal pace) a phase within one fast interval drawn from the failure's
    /// clock. Without it the probes of an outage would fall at the same offsets from its start
    /// every time, and a site back just after one of them (an 8 s outage, say) would always wait
    /// a whole interval; with it the wait is half an interval on average whatever the outage's
    /// length. The milliseconds are mixed (`spread_phase`), not taken as they are: visitors whose
    /// pages failed a few milliseconds apart (a site that went down under them all) would
    /// otherwise probe a few milliseconds apart, all together, for the whole outage.
    pub fn first_probe_delay(&self, pace: Pace, now_ms: u64) -> u64 {
        let phase = match pace {
            Pace::Normal => spread_phase(now_ms) % self.fast_interval_ms.max(1),
            Pace::Slow => 0,
        };
        self.first_delay_for(pace).saturating_add(phase)
    }

    /// The delay before the first probe after a first failure at this pace.
    pub fn first_delay_for(&self, pace: Pace) -> u64 {
        match pace {
            Pace::Normal => self.first_delay_ms,
            Pace::Slow => self.first_delay_ms.max(self.slow_min_delay_ms),
        }
    }
}

/// A well-mixed number from a clock reading (MurmurHash3's 64-bit finalizer, a bijection):
/// readings a millisecond apart give unrelated results, so a phase taken from it scatters
/// failures that came together.
fn spread_phase(now_ms: u64) -> u64 {
    let mut z = now_ms;
    z = (z ^ (z >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    z = (z ^ (z >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    z ^ (z >> 33)
}
