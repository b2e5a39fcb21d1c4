//! One politeness policy for every request the extension sends to a site: the checks' refetches
//! and auto-retry's probes alike (issue 11). Per origin, whatever the number of tabs:
//! - at most one request in flight;
//! - at most `BUDGET` requests in any `WINDOW_MS` (a rolling minute, so the first minute of an
//!   outage too);
//! - nothing before a `Retry-After` is up (capped at `MAX_HOLD_MS`), whether it came with the
//!   failed page (`hold`) or with one of our own requests' answers (`done`).
//!
//! Pure: the browser layer passes the wall clock in milliseconds (`Date.now()`, the clock a
//! Retry-After date is compared with), asks before every request, says when it is done, and keeps
//! the plain-data `snapshot` in `storage.session` so that a restarted service worker keeps the
//! budget.

use crate::diagnosis::retry_after::RetryAfter;
use serde::{Deserialize, Serialize};

/// Requests one origin may get in any `WINDOW_MS`.
pub const BUDGET: usize = 30;
/// The rolling window of the budget.
pub const WINDOW_MS: u64 = 60_000;
/// The longest Retry-After honoured: a site asking for a day is still checked within the hour
/// (and a wrong header cannot silence the extension for good).
pub const MAX_HOLD_MS: u64 = 3_600_000;
/// A request said to be in flight for this long is taken as lost (its `done` never came: the
/// background was stopped mid-request). Longer than any request's own timeout.
pub const MAX_IN_FLIGHT_MS: u64 = 60_000;
/// Origins kept at most: the snapshot stays small whatever the browsing.
pub const MAX_ORIGINS: usize = 64;
/// An origin entry with nothing left to enforce is forgotten this long after its last activity.
pub const IDLE_MS: u64 = 5 * 60_000;
/// Longer origins are not kept in a restored snapshot (a real one is far shorter).
const MAX_ORIGIN_LEN: usize = 300;

/// One origin's standing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OriginBudget {
    pub origin: String,
    /// When the request in flight was let go, if one is.
    #[serde(default)]
    pub in_flight_since_ms: Option<u64>,
    /// Nothing before this (the site's Retry-After); 0 when nothing holds.
    #[serde(default)]
    pub hold_until_ms: u64,
    /// When each request of the last `WINDOW_MS` was let go, oldest first, at most `BUDGET`.
    #[serde(default)]
    pub sent_ms: Vec<u64>,
    /// The last time anything happened here, for forgetting idle origins.
    #[serde(default)]
    pub last_active_ms: u64,
}

/// The whole policy's state, as plain data for `storage.session`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolitenessState {
    #[serde(default)]
    pub origins: Vec<OriginBudget>,
}

/// Why a request must wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitReason {
    /// The site asked to wait (Retry-After).
    Held,
    /// `BUDGET` requests went in the last `WINDOW_MS`.
    Budget,
    /// Another request to the site is in flight; only that.
    InFlight,
}

/// The answer to `ask`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Send it now: it is counted and in flight until `done`.
    Go,
    /// Not now.
    WaitUntil {
        /// The earliest it may go by the Retry-After and the budget (`now` when only a request
        /// in flight holds it back: when that ends is not known in advance, so ask again then).
        at_ms: u64,
        /// What holds it back the longest (`InFlight` only when nothing else does).
        reason: WaitReason,
        /// A request to the site is in flight: even at `at_ms`, ask again.
        in_flight: bool,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Politeness {
    state: PolitenessState,
}

impl OriginBudget {
    fn new(origin: &str, now_ms: u64) -> OriginBudget {
        OriginBudget {
            origin: origin.to_string(),
            in_flight_since_ms: None,
            hold_until_ms: 0,
            sent_ms: Vec::new(),
            last_active_ms: now_ms,
        }
    }

    /// Drops what no longer counts at `now_ms`. Times are pulled back to `now_ms` when the clock
    /// went backwards (a send is never in the future), and a hold is kept within `MAX_HOLD_MS`,
    /// so a clock change cannot block a site for longer than the policy means to.
    fn prune(&mut self, now_ms: u64) {
        for sent in &mut self.sent_ms {
            *sent = (*sent).min(now_ms);
        }
        crate::small_sort::sort_by(&mut self.sent_ms, |a, b| a < b);
        self.sent_ms
            .retain(|sent| now_ms.saturating_sub(*sent) < WINDOW_MS);
        let excess = self.sent_ms.len().saturating_sub(BUDGET);
        self.sent_ms.drain(..excess);
        self.in_flight_since_ms = self
            .in_flight_since_ms
            .map(|since| since.min(now_ms))
            .filter(|since| now_ms.saturating_sub(*since) < MAX_IN_FLIGHT_MS);
        self.hold_until_ms = self.hold_until_ms.min(now_ms.saturating_add(MAX_HOLD_MS));
        if self.hold_until_ms <= now_ms {
            self.hold_until_ms = 0;
        }
        self.last_active_ms = self.last_active_ms.min(now_ms);
    }

    /// Nothing left to enforce: the entry is the same as no entry.
    fn is_spent(&self) -> bool {
        self.in_flight_since_ms.is_none() && self.hold_until_ms == 0 && self.sent_ms.is_empty()
    }

    fn hold(&mut self, until_ms: u64, now_ms: u64) {
        let until_ms = until_ms.min(now_ms.saturating_add(MAX_HOLD_MS));
        if until_ms > now_ms {
            self.hold_until_ms = self.hold_until_ms.max(until_ms);
        }
    }
}

impl Politeness {
    pub fn new() -> Politeness {
        Politeness::default()
    }

    /// Rebuilds the policy from a stored snapshot, whatever it holds: entries with a bad origin
    /// are dropped, duplicates merged (the strictest wins), times pruned against `now_ms`, and
    /// the number of origins capped. Requests said to be in flight are forgotten: a snapshot is
    /// only read by a background that started again, and its predecessor's requests died with it.
    pub fn restore(state: PolitenessState, now_ms: u64) -> Politeness {
        let mut policy = Politeness::new();
        for mut entry in state.origins {
            if entry.origin.is_empty() || entry.origin.len() > MAX_ORIGIN_LEN {
                continue;
            }
            entry.in_flight_since_ms = None;
            entry.sent_ms.truncate(BUDGET * 4);
            match policy.index_of(&entry.origin) {
                Some(i) => {
                    let kept = &mut policy.state.origins[i];
                    kept.sent_ms.extend(entry.sent_ms);
                    kept.hold_until_ms = kept.hold_until_ms.max(entry.hold_until_ms);
                    kept.last_active_ms = kept.last_active_ms.max(entry.last_active_ms);
                    kept.prune(now_ms);
                }
                None => {
                    entry.prune(now_ms);
                    policy.state.origins.push(entry);
                }
            }
            if policy.state.origins.len() > MAX_ORIGINS * 2 {
                policy.tidy(now_ms, None);
            }
        }
        policy.tidy(now_ms, None);
        policy
    }

    pub fn snapshot(&self) -> PolitenessState {
        self.state.clone()
    }

    /// May a request to `origin` go now? `Go` counts it and marks it in flight until `done`.
    pub fn ask(&mut self, origin: &str, now_ms: u64) -> Admission {
        self.tidy(now_ms, Some(origin));
        let index = match self.index_of(origin) {
            Some(i) => i,
            None => {
                self.state.origins.push(OriginBudget::new(origin, now_ms));
                self.state.origins.len() - 1
            }
        };
        let entry = &mut self.state.origins[index];
        entry.last_active_ms = now_ms;
        // The budget frees a place when its oldest send leaves the window.
        let budget_at = if entry.sent_ms.len() >= BUDGET {
            entry.sent_ms[entry.sent_ms.len() - BUDGET].saturating_add(WINDOW_MS)
        } else {
            now_ms
        };
        let hold_at = entry.hold_until_ms.max(now_ms);
        let in_flight = entry.in_flight_since_ms.is_some();
        if budget_at <= now_ms && hold_at <= now_ms && !in_flight {
            entry.in_flight_since_ms = Some(now_ms);
            entry.sent_ms.push(now_ms);
            return Admission::Go;
        }
        let (at_ms, reason) = if hold_at > now_ms && hold_at >= budget_at {
            (hold_at, WaitReason::Held)
        } else if budget_at > now_ms {
            (budget_at, WaitReason::Budget)
        } else {
            (now_ms, WaitReason::InFlight)
        };
        Admission::WaitUntil {
            at_ms,
            reason,
            in_flight,
        }
    }

    /// The request let go by `ask` ended (answered, failed or timed out). A `Retry-After` on its
    /// answer holds every later request to the origin.
    pub fn done(&mut self, origin: &str, retry_after: Option<RetryAfter>, now_ms: u64) {
        self.tidy(now_ms, Some(origin));
        let Some(index) = self.index_of(origin) else {
            // Forgotten meanwhile (it cannot be in flight): only its Retry-After still matters.
            if let Some(until_ms) = retry_after.map(|r| until(r, now_ms)) {
                self.hold(origin, until_ms, now_ms);
            }
            return;
        };
        let entry = &mut self.state.origins[index];
        entry.in_flight_since_ms = None;
        entry.last_active_ms = now_ms;
        if let Some(retry_after) = retry_after {
            entry.hold(until(retry_after, now_ms), now_ms);
        }
    }

    /// Nothing goes to `origin` before `until_ms` (at most `MAX_HOLD_MS` from now): a Retry-After
    /// the failed page itself carried.
    pub fn hold(&mut self, origin: &str, until_ms: u64, now_ms: u64) {
        self.tidy(now_ms, Some(origin));
        if until_ms <= now_ms {
            return;
        }
        let index = match self.index_of(origin) {
            Some(i) => i,
            None => {
                self.state.origins.push(OriginBudget::new(origin, now_ms));
                self.state.origins.len() - 1
            }
        };
        let entry = &mut self.state.origins[index];
        entry.last_active_ms = now_ms;
        entry.hold(until_ms, now_ms);
    }

    /// How the origin stands now, if it is known (for tests and diagnostics).
    pub fn origin(&self, origin: &str) -> Option<&OriginBudget> {
        self.state.origins.iter().find(|o| o.origin == origin)
    }

    fn index_of(&self, origin: &str) -> Option<usize> {
        self.state.origins.iter().position(|o| o.origin == origin)
    }

    /// Prunes every origin, forgets those with nothing left to enforce and idle for `IDLE_MS`,
    /// then, past `MAX_ORIGINS`, the least recently active ones (never `keep`, the one asked
    /// about: room is made for it).
    fn tidy(&mut self, now_ms: u64, keep: Option<&str>) {
        for entry in &mut self.state.origins {
            entry.prune(now_ms);
        }
        self.state.origins.retain(|o| {
            !(o.is_spent() && now_ms.saturating_sub(o.last_active_ms) >= IDLE_MS)
                || Some(o.origin.as_str()) == keep
        });
        let room = if keep.is_some_and(|k| self.index_of(k).is_none()) {
            MAX_ORIGINS - 1
        } else {
            MAX_ORIGINS
        };
        while self.state.origins.len() > room {
            // Spent entries go first, then the least recently active.
            let Some(oldest) = self
                .state
                .origins
                .iter()
                .enumerate()
                .filter(|(_, o)| Some(o.origin.as_str()) != keep)
                .min_by_key(|(_, o)| (!o.is_spent(), o.last_active_ms))
                .map(|(i, _)| i)
            else {
                break;
            };
            self.state.origins.remove(oldest);
        }
    }
}

/// When a Retry-After read at `now_ms` is up.
fn until(retry_after: RetryAfter, now_ms: u64) -> u64 {
    let wait_ms = retry_after
        .wait_seconds(now_ms as f64)
        .saturating_mul(1000)
        .min(MAX_HOLD_MS);
    now_ms.saturating_add(wait_ms)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const A: &str = "https://a.example:443";
    const B: &str = "https://b.example:443";
    const T0: u64 = 1_700_000_000_000;

    fn go(p: &mut Politeness, origin: &str, now: u64) -> bool {
        p.ask(origin, now) == Admission::Go
    }

    #[test]
    fn table_of_admissions() {
        // (step, expected admission) on one origin, each from the state the previous left.
        enum Step {
            Ask(u64),
            Done(u64, Option<RetryAfter>),
            Hold(u64, u64),
        }
        use Admission::*;
        use Step::*;
        let wait = |at_ms, reason, in_flight| WaitUntil {
            at_ms,
            reason,
            in_flight,
        };
        /// A name, and each step with the admission it must get (`None` for no answer).
        type Case = (&'static str, Vec<(Step, Option<Admission>)>);
        let cases: Vec<Case> = vec![
            (
                "one in flight: the second waits until the first is done",
                vec![
                    (Ask(T0), Some(Go)),
                    (
                        Ask(T0 + 10),
                        Some(wait(T0 + 10, WaitReason::InFlight, true)),
                    ),
                    (Done(T0 + 200, None), None),
                    (Ask(T0 + 200), Some(Go)),
                ],
            ),
            (
                "a Retry-After on an answer holds the next request",
                vec![
                    (Ask(T0), Some(Go)),
                    (
                        Done(T0 + 100, Some(RetryAfter::Seconds { seconds: 5 })),
                        None,
                    ),
                    (
                        Ask(T0 + 200),
                        Some(wait(T0 + 5_100, WaitReason::Held, false)),
                    ),
                    (
                        Ask(T0 + 5_099),
                        Some(wait(T0 + 5_100, WaitReason::Held, false)),
                    ),
                    (Ask(T0 + 5_100), Some(Go)),
                ],
            ),
            (
                "the failed page's Retry-After holds, capped at an hour",
                vec![
                    (Hold(T0 + 86_400_000, T0), None),
                    (
                        Ask(T0 + 1),
                        Some(wait(T0 + MAX_HOLD_MS, WaitReason::Held, false)),
                    ),
                    (Ask(T0 + MAX_HOLD_MS), Some(Go)),
                ],
            ),
            (
                "a Retry-After date in the past holds nothing",
                vec![
                    (Ask(T0), Some(Go)),
                    (
                        Done(T0 + 10, Some(RetryAfter::At { epoch_seconds: 0 })),
                        None,
                    ),
                    (Ask(T0 + 20), Some(Go)),
                ],
            ),
            (
                "a hold while a request is in flight: held, and in flight",
                vec![
                    (Ask(T0), Some(Go)),
                    (Hold(T0 + 3_000, T0 + 1), None),
                    (Ask(T0 + 2), Some(wait(T0 + 3_000, WaitReason::Held, true))),
                    (Done(T0 + 50, None), None),
                    (Ask(T0 + 3_000), Some(Go)),
                ],
            ),
            (
                "a request whose end never came is taken as lost after a minute",
                vec![
                    (Ask(T0), Some(Go)),
                    (
                        Ask(T0 + MAX_IN_FLIGHT_MS - 1),
                        Some(wait(T0 + MAX_IN_FLIGHT_MS - 1, WaitReason::InFlight, true)),
                    ),
                    (Ask(T0 + MAX_IN_FLIGHT_MS), Some(Go)),
                ],
            ),
        ];
        for (name, steps) in cases {
            let mut p = Politeness::new();
            for (i, (step, expected)) in steps.into_iter().enumerate() {
                let got = match step {
                    Ask(now) => Some(p.ask(A, now)),
                    Done(now, retry_after) => {
                        p.done(A, retry_after, now);
                        None
                    }
                    Hold(until, now) => {
                        p.hold(A, until, now);
                        None
                    }
                };
                assert_eq!(got, expected, "{name}, step {i}");
            }
        }
    }

    #[test]
    fn thirty_in_a_minute_then_one_as_each_leaves_the_window() {
        let mut p = Politeness::new();
        for i in 0..30 {
            let now = T0 + i * 100;
            assert!(go(&mut p, A, now), "request {i}");
            p.done(A, None, now + 50);
        }
        assert_eq!(
            p.ask(A, T0 + 3_000),
            Admission::WaitUntil {
                at_ms: T0 + WINDOW_MS,
                reason: WaitReason::Budget,
                in_flight: false
            }
        );
        assert!(!go(&mut p, A, T0 + WINDOW_MS - 1));
        assert!(go(&mut p, A, T0 + WINDOW_MS));
        p.done(A, None, T0 + WINDOW_MS + 10);
        // The next place frees when the second send leaves the window.
        assert_eq!(
            p.ask(A, T0 + WINDOW_MS + 20),
            Admission::WaitUntil {
                at_ms: T0 + 100 + WINDOW_MS,
                reason: WaitReason::Budget,
                in_flight: false
            }
        );
        // Another origin has a budget of its own.
        assert!(go(&mut p, B, T0 + WINDOW_MS + 20));
    }

    #[test]
    fn the_longer_wait_names_the_reason() {
        let mut p = Politeness::new();
        for i in 0..30 {
            assert!(go(&mut p, A, T0 + i));
            p.done(A, None, T0 + i);
        }
        p.hold(A, T0 + 10_000, T0 + 30);
        assert!(matches!(
            p.ask(A, T0 + 40),
            Admission::WaitUntil {
                at_ms,
                reason: WaitReason::Budget,
                ..
            } if at_ms == T0 + WINDOW_MS
        ));
        p.hold(A, T0 + 2 * WINDOW_MS, T0 + 50);
        assert!(matches!(
            p.ask(A, T0 + 60),
            Admission::WaitUntil {
                reason: WaitReason::Held,
                ..
            }
        ));
    }

    #[test]
    fn a_snapshot_round_trips_and_keeps_the_budget() {
        let mut p = Politeness::new();
        for i in 0..30 {
            assert!(go(&mut p, A, T0 + i * 10));
            p.done(A, None, T0 + i * 10 + 5);
        }
        p.hold(B, T0 + 20_000, T0);
        let json = serde_json::to_string(&p.snapshot()).expect("serialises");
        let state: PolitenessState = serde_json::from_str(&json).expect("parses");
        let mut restored = Politeness::restore(state, T0 + 1_000);
        assert!(!go(&mut restored, A, T0 + 1_000));
        assert!(!go(&mut restored, B, T0 + 1_000));
        assert!(go(&mut restored, B, T0 + 20_000));
        assert!(go(&mut restored, A, T0 + WINDOW_MS));
    }

    #[test]
    fn a_restored_snapshot_forgets_requests_in_flight() {
        let mut p = Politeness::new();
        assert!(go(&mut p, A, T0));
        let mut restored = Politeness::restore(p.snapshot(), T0 + 100);
        assert!(go(&mut restored, A, T0 + 100));
        // Still counted in the budget.
        assert_eq!(restored.origin(A).map(|o| o.sent_ms.len()), Some(2));
    }

    #[test]
    fn a_hostile_snapshot_is_read_defensively() {
        let origins = vec![
            OriginBudget {
                origin: String::new(),
                in_flight_since_ms: None,
                hold_until_ms: u64::MAX,
                sent_ms: vec![],
                last_active_ms: 0,
            },
            OriginBudget {
                origin: "x".repeat(10_000),
                in_flight_since_ms: None,
                hold_until_ms: u64::MAX,
                sent_ms: vec![],
                last_active_ms: 0,
            },
            // Unsorted, far too many, some in the future: at most 30 kept, none in the future.
            OriginBudget {
                origin: A.into(),
                in_flight_since_ms: Some(u64::MAX),
                hold_until_ms: u64::MAX,
                sent_ms: (0..10_000).map(|i| T0 + 10_000_000 - i).collect(),
                last_active_ms: u64::MAX,
            },
            // The same origin twice: the strictest wins.
            OriginBudget {
                origin: B.into(),
                in_flight_since_ms: None,
                hold_until_ms: 0,
                sent_ms: vec![],
                last_active_ms: T0,
            },
            OriginBudget {
                origin: B.into(),
                in_flight_since_ms: None,
                hold_until_ms: T0 + 5_000,
                sent_ms: vec![],
                last_active_ms: T0,
            },
        ];
        let now = T0 + 1;
        let p = Politeness::restore(PolitenessState { origins }, now);
        let state = p.snapshot();
        assert!(state.origins.len() <= MAX_ORIGINS);
        for o in &state.origins {
            assert!(!o.origin.is_empty() && o.origin.len() <= MAX_ORIGIN_LEN);
            assert_eq!(o.in_flight_since_ms, None);
            assert!(o.sent_ms.len() <= BUDGET);
            assert!(o.sent_ms.iter().all(|t| *t <= now));
            assert!(o.hold_until_ms <= now + MAX_HOLD_MS);
        }
        let b: Vec<_> = state.origins.iter().filter(|o| o.origin == B).collect();
        assert_eq!(b.len(), 1, "duplicates merged");
        assert_eq!(b[0].hold_until_ms, T0 + 5_000, "the strictest wins");
        // Many more origins than are kept.
        let origins = Vec::from_iter((0..1_000).map(|i| OriginBudget {
            origin: format!("https://o{i}.example:443"),
            in_flight_since_ms: Some(T0),
            hold_until_ms: T0 + 1_000,
            sent_ms: vec![T0],
            last_active_ms: T0 + i,
        }));
        let state = Politeness::restore(PolitenessState { origins }, T0 + 10_000).snapshot();
        assert_eq!(state.origins.len(), MAX_ORIGINS);
        // The most recently active are the ones kept.
        assert!(state
            .origins
            .iter()
            .any(|o| o.origin == "https://o999.example:443"));
        assert!(!state
            .origins
            .iter()
            .any(|o| o.origin == "https://o0.example:443"));
        // Anything that is not a snapshot at all reads as none.
        for text in [
            "",
            "null",
            "\"text\"",
            "{\"origins\": 5}",
            "{\"origins\": [{}]}",
        ] {
            assert!(
                serde_json::from_str::<PolitenessState>(text).is_err(),
                "{text}"
            );
        }
    }

    #[test]
    fn idle_origins_are_forgotten_and_the_count_is_capped() {
        let mut p = Politeness::new();
        for i in 0..200u64 {
            let origin = format!("https://o{i}.example:443");
            assert!(go(&mut p, &origin, T0 + i));
            p.done(&origin, None, T0 + i);
            assert!(p.snapshot().origins.len() <= MAX_ORIGINS);
        }
        // Spent and idle: gone at the next call.
        p.hold(
            A,
            T0 + WINDOW_MS + IDLE_MS + 1_000,
            T0 + WINDOW_MS + IDLE_MS,
        );
        let left: Vec<_> = p.snapshot().origins.into_iter().map(|o| o.origin).collect();
        assert_eq!(left, vec![A.to_string()]);
    }

    /// What happens next in a simulated browser, after `advance_ms`.
    #[derive(Debug, Clone)]
    enum Op {
        /// A request to `origin` is wanted; if let go it lasts `duration_ms` (or never ends,
        /// `lost`) and its answer may carry a Retry-After.
        Ask {
            origin: usize,
            duration_ms: u64,
            lost: bool,
            retry_after_s: Option<u64>,
        },
        /// A failed page on `origin` carried a Retry-After.
        Hold { origin: usize, for_ms: u64 },
        /// The background starts again from its snapshot: its requests died with it.
        Restart,
    }

    const ORIGINS: [&str; 3] = [
        "https://a.example:443",
        "https://b.example:443",
        "http://c:80",
    ];

    fn op() -> impl Strategy<Value = (u64, Op)> {
        let ask = (
            0..ORIGINS.len(),
            0..10_000u64,
            proptest::bool::weighted(0.1),
            proptest::option::weighted(0.15, 0..20u64),
        )
            .prop_map(|(origin, duration_ms, lost, retry_after_s)| Op::Ask {
                origin,
                duration_ms,
                lost,
                retry_after_s,
            });
        let hold = (0..ORIGINS.len(), 0..30_000u64)
            .prop_map(|(origin, for_ms)| Op::Hold { origin, for_ms });
        let what = prop_oneof![16 => ask, 2 => hold, 1 => Just(Op::Restart)];
        (0..3_000u64, what)
    }

    /// When each origin's request in flight ends: `Some(None)` never (lost), with the
    /// Retry-After its answer carries.
    type Ends = Vec<Option<(Option<u64>, Option<RetryAfter>)>>;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever the history (timings, several origins, Retry-Afters on answers and pages,
        /// lost requests, restarts), every `Go` keeps the promises: never two in flight on one
        /// origin, never more than `BUDGET` in any `WINDOW_MS`, nothing before a hold ends, and
        /// asking about one origin never lets another's request go.
        #[test]
        fn every_go_keeps_the_promises(ops in proptest::collection::vec(op(), 1..400)) {
            let mut p = Politeness::new();
            let mut now = T0;
            let mut goes: Vec<Vec<u64>> = vec![Vec::new(); ORIGINS.len()];
            let mut ends: Ends = vec![None; ORIGINS.len()];
            let mut holds = [0u64; ORIGINS.len()];
            for (advance_ms, op) in ops {
                now += advance_ms;
                for (i, end) in ends.iter_mut().enumerate() {
                    if let Some((Some(at), retry_after)) = *end {
                        if at <= now {
                            if let Some(r) = retry_after {
                                holds[i] = holds[i].max(until(r, now));
                            }
                            p.done(ORIGINS[i], retry_after, now);
                            *end = None;
                        }
                    }
                }
                match op {
                    Op::Hold { origin, for_ms } => {
                        p.hold(ORIGINS[origin], now + for_ms, now);
                        holds[origin] = holds[origin].max(now + for_ms);
                    }
                    Op::Restart => {
                        let json = serde_json::to_string(&p.snapshot()).expect("serialises");
                        p = Politeness::restore(serde_json::from_str(&json).expect("parses"), now);
                        ends.iter_mut().for_each(|e| *e = None);
                    }
                    Op::Ask { origin: i, duration_ms, lost, retry_after_s } => {
                        let before: Vec<usize> = goes.iter().map(Vec::len).collect();
                        if go(&mut p, ORIGINS[i], now) {
                            if let Some((end, _)) = ends[i] {
                                let since = goes[i].last().copied().unwrap_or(0);
                                prop_assert!(
                                    end.is_none() && now - since >= MAX_IN_FLIGHT_MS,
                                    "two in flight on {}", ORIGINS[i]
                                );
                            }
                            prop_assert!(now >= holds[i], "sent {} ms before the hold ends", holds[i] - now);
                            goes[i].push(now);
                            let recent = goes[i].iter().filter(|t| now - **t < WINDOW_MS).count();
                            prop_assert!(recent <= BUDGET, "{} in a minute", recent);
                            let retry_after = retry_after_s.map(|seconds| RetryAfter::Seconds { seconds });
                            ends[i] = Some(((!lost).then_some(now + duration_ms), retry_after));
                        }
                        for (j, n) in before.iter().enumerate() {
                            if j != i {
                                prop_assert_eq!(goes[j].len(), *n);
                            }
                        }
                    }
                }
            }
        }

        /// The same requests to one origin are admitted alike whether or not other origins
        /// (up to the number kept) are busy meanwhile.
        #[test]
        fn origins_are_independent(
            steps in proptest::collection::vec((0..2_000u64, 0..3u8, any::<bool>(), 0..20u64, 0..4u8, 0..60_000u64), 1..400)
        ) {
            let mut alone = Politeness::new();
            let mut crowded = Politeness::new();
            let mut now = T0;
            for (advance_ms, a_op, retry_after, noise, noise_op, noise_hold) in steps {
                now += advance_ms;
                let noise = format!("https://n{noise}.example:443");
                match noise_op {
                    0 => crowded.hold(&noise, now + noise_hold, now),
                    1 => crowded.done(&noise, None, now),
                    _ => {
                        crowded.ask(&noise, now);
                    }
                }
                if a_op == 0 {
                    let retry_after = retry_after.then_some(RetryAfter::Seconds { seconds: 3 });
                    alone.done(A, retry_after, now);
                    crowded.done(A, retry_after, now);
                } else {
                    prop_assert_eq!(alone.ask(A, now), crowded.ask(A, now));
                }
            }
        }

        /// A flood of asks, each answered at once, gets at most `BUDGET` in any window, and
        /// exactly `BUDGET` in the first minute when it asks often enough.
        #[test]
        fn a_flood_gets_the_budget_and_no_more(gaps in proptest::collection::vec(1..500u64, 300..600)) {
            let mut p = Politeness::new();
            let mut now = T0;
            let mut sent = Vec::new();
            for gap in gaps {
                now += gap;
                if go(&mut p, A, now) {
                    sent.push(now);
                    p.done(A, None, now);
                }
            }
            for (i, t) in sent.iter().enumerate() {
                let in_window = sent[..=i].iter().filter(|s| t - **s < WINDOW_MS).count();
                prop_assert!(in_window <= BUDGET);
            }
            let first = sent.iter().filter(|t| **t < T0 + WINDOW_MS).count();
            prop_assert!(first <= BUDGET);
            if now >= T0 + WINDOW_MS {
                // Gaps under half a second: the first minute's budget is used up.
                prop_assert_eq!(first, BUDGET);
            }
        }
    }
}
