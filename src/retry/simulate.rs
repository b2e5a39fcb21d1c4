//! A deterministic discrete-event simulation of an outage on a virtual clock: one origin down
//! from 0 until `outage_ms`, a number of tabs whose own loads fail during it, and a retry
//! strategy bringing them back. It drives the real `Watchers` for our strategy, and compares it
//! with Chromium's built-in auto-reload and a fixed-interval reloader.
//!
//! Model: every request (visitor load, probe, reload) reaches the origin half a round trip after
//! it is sent and its answer arrives a full round trip after; the origin fails every request that
//! reaches it before `outage_ms` and answers every later one. A tab's recovery delay is the time
//! from `outage_ms` to the moment its good page arrives. Requests counted are the retry
//! mechanism's (probes and reloads), not the visitors' own loads, and only those reaching the
//! origin while it is down.

use super::policy::RetryPolicy;
use super::watchers::{ProbeOutcome, TabId, WatcherAction, Watchers};
use crate::failure::Failure;
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

/// The origin every simulated tab is on.
pub const ORIGIN: &str = "https://shop.example:443";

/// Chromium's auto-reload delays (`net_error_auto_reloader.cc`); the last repeats forever.
pub const CHROMIUM_DELAYS_MS: [u64; 7] =
    [1_000, 5_000, 30_000, 60_000, 300_000, 600_000, 1_800_000];

/// The first minute of an outage, for the request budget.
pub const FIRST_MINUTE_MS: u64 = 60_000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Strategy {
    /// Ours: one watcher per origin probing with this policy, then reloading every tab.
    Watchers(RetryPolicy),
    /// Chromium's built-in auto-reload, every tab on its own (as if every tab were visible:
    /// Chromium pauses hidden tabs, which would then wait until the visitor looks).
    Chromium,
    /// Reload every tab on its own at a fixed interval after each failure (ErrorZilla: 5 s).
    Fixed { interval_ms: u64 },
}

impl Strategy {
    pub fn ours() -> Strategy {
        Strategy::Watchers(RetryPolicy::default())
    }

    pub fn name(&self) -> String {
        match self {
            Strategy::Watchers(_) => "Gateway Doctor".to_string(),
            Strategy::Chromium => "Chromium auto-reload".to_string(),
            Strategy::Fixed { interval_ms } => format!("fixed {} s reload", interval_ms / 1000),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    pub outage_ms: u64,
    pub tabs: u32,
    /// Round trip of one request.
    pub latency_ms: u64,
    /// The tabs' own loads start uniformly within `[0, min(arrival_spread_ms, outage_ms / 2))`.
    pub arrival_spread_ms: u64,
    pub trials: u32,
    pub seed: u64,
    /// A trial ends this long after the origin is back; tabs still failing count as unrecovered.
    pub horizon_ms: u64,
}

impl Scenario {
    /// `tabs` tabs, 20 ms round trips, loads spread over up to 10 s, 400 trials.
    pub fn new(outage_ms: u64, tabs: u32) -> Scenario {
        Scenario {
            outage_ms,
            tabs,
            latency_ms: 20,
            arrival_spread_ms: 10_000,
            trials: 400,
            seed: 0x5EED_6A7E,
            horizon_ms: 3 * 3_600_000,
        }
    }
}

/// One trial's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trial {
    /// Recovery delay of each tab that came back.
    pub delays_ms: Vec<u64>,
    /// Tabs given up on, or still failing at the horizon.
    pub unrecovered: u32,
    pub requests_during_outage: u32,
    pub requests_first_minute: u32,
    /// Most retry requests outstanding at once, among those sent during the outage.
    pub max_in_flight: u32,
}

/// All trials of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Every recovered tab's delay over all trials, sorted.
    pub delays_ms: Vec<u64>,
    pub median_delay_ms: u64,
    pub worst_delay_ms: u64,
    pub unrecovered: u32,
    pub mean_requests_during_outage: f64,
    pub max_requests_during_outage: u32,
    pub max_requests_first_minute: u32,
    pub max_in_flight: u32,
}

/// Runs every trial of `scenario` with `strategy`. Deterministic for a given seed.
pub fn simulate(scenario: &Scenario, strategy: &Strategy) -> Report {
    let mut rng = XorShift64::new(scenario.seed);
    let mut delays = Vec::new();
    let mut unrecovered = 0;
    let mut requests_total = 0u64;
    let mut max_requests_during_outage = 0;
    let mut max_requests_first_minute = 0;
    let mut max_in_flight = 0;
    for _ in 0..scenario.trials {
        let trial = run_trial(scenario, strategy, &mut rng);
        delays.extend(trial.delays_ms);
        unrecovered += trial.unrecovered;
        requests_total += u64::from(trial.requests_during_outage);
        max_requests_during_outage = max_requests_during_outage.max(trial.requests_during_outage);
        max_requests_first_minute = max_requests_first_minute.max(trial.requests_first_minute);
        max_in_flight = max_in_flight.max(trial.max_in_flight);
    }
    delays.sort_unstable();
    Report {
        median_delay_ms: delays.get(delays.len() / 2).copied().unwrap_or(0),
        worst_delay_ms: delays.last().copied().unwrap_or(0),
        delays_ms: delays,
        unrecovered,
        mean_requests_during_outage: requests_total as f64 / f64::from(scenario.trials.max(1)),
        max_requests_during_outage,
        max_requests_first_minute,
        max_in_flight,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// The answer to a page load of this tab: the page (ok) or an error page.
    TabAnswer { tab: u32, ok: bool, retry: bool },
    /// The answer to a probe of the origin.
    ProbeAnswer { up: bool },
    /// A baseline's reload timer for this tab.
    ReloadTimer { tab: u32 },
    /// The watchers' timer.
    Wake,
}

struct Sim<'a> {
    scenario: &'a Scenario,
    now: u64,
    seq: u64,
    queue: BinaryHeap<Reverse<(u64, u64, Event)>>,
    in_flight: u32,
    trial: Trial,
    shown_at: Vec<Option<u64>>,
    gave_up: Vec<bool>,
    /// Baselines: failed reloads per tab so far.
    retries: Vec<usize>,
}

impl Sim<'_> {
    fn push(&mut self, at: u64, event: Event) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, event)));
    }

    /// Sends a request now; its answer arrives one round trip later.
    fn send(&mut self, retry: bool, answer: impl FnOnce(bool) -> Event) {
        let reach = self.now + self.scenario.latency_ms / 2;
        let up = reach >= self.scenario.outage_ms;
        if retry {
            if !up {
                self.trial.requests_during_outage += 1;
                if reach < FIRST_MINUTE_MS {
                    self.trial.requests_first_minute += 1;
                }
            }
            self.in_flight += 1;
            if self.now < self.scenario.outage_ms {
                self.trial.max_in_flight = self.trial.max_in_flight.max(self.in_flight);
            }
        }
        let at = self.now + self.scenario.latency_ms;
        self.push(at, answer(up));
    }

    fn reload(&mut self, tab: u32) {
        self.send(true, |ok| Event::TabAnswer {
            tab,
            ok,
            retry: true,
        });
    }

    fn apply(&mut self, actions: Vec<WatcherAction>) {
        for action in actions {
            match action {
                WatcherAction::Reload { tab_ids } => {
                    for tab in tab_ids {
                        self.reload(tab as u32);
                    }
                }
                WatcherAction::GiveUp { tab_ids, .. } => {
                    for tab in tab_ids {
                        self.gave_up[tab as usize] = true;
                    }
                }
                WatcherAction::Schedule { .. } => {}
            }
        }
    }
}

/// Runs one trial, drawing arrival times and jitter from `rng`.
pub fn run_trial(scenario: &Scenario, strategy: &Strategy, rng: &mut XorShift64) -> Trial {
    let tabs = scenario.tabs as usize;
    let mut sim = Sim {
        scenario,
        now: 0,
        seq: 0,
        queue: BinaryHeap::new(),
        in_flight: 0,
        trial: Trial {
            delays_ms: Vec::new(),
            unrecovered: 0,
            requests_during_outage: 0,
            requests_first_minute: 0,
            max_in_flight: 0,
        },
        shown_at: vec![None; tabs],
        gave_up: vec![false; tabs],
        retries: vec![0; tabs],
    };
    let window = scenario
        .arrival_spread_ms
        .min(scenario.outage_ms / 2)
        .max(1);
    for tab in 0..scenario.tabs {
        let start = (rng.next_f64() * window as f64) as u64;
        sim.now = start;
        sim.send(false, |ok| Event::TabAnswer {
            tab,
            ok,
            retry: false,
        });
    }
    sim.now = 0;

    let mut watchers = match strategy {
        Strategy::Watchers(policy) => Some(Watchers::new(*policy)),
        _ => None,
    };
    let mut wakes = BTreeSet::new();
    let end = scenario.outage_ms.saturating_add(scenario.horizon_ms);

    while let Some(Reverse((at, _, event))) = sim.queue.pop() {
        if at > end {
            break;
        }
        sim.now = at;
        match (event, watchers.as_mut()) {
            (Event::TabAnswer { tab, ok, retry }, w) => {
                if retry {
                    sim.in_flight -= 1;
                }
                if ok {
                    if sim.shown_at[tab as usize].is_none() {
                        sim.shown_at[tab as usize] = Some(at);
                    }
                    if let Some(w) = w {
                        let actions = w.tab_loaded(TabId::from(tab), ORIGIN, at);
                        sim.apply(actions);
                    }
                } else if let Some(w) = w {
                    let policy = *w.policy();
                    let failure = Failure::Http { status: 502 };
                    let tab = TabId::from(tab);
                    w.add_tab(tab, ORIGIN, "GET", failure, None, at, policy.time_limit_ms);
                } else {
                    let k = sim.retries[tab as usize];
                    sim.retries[tab as usize] += 1;
                    let delay = match strategy {
                        Strategy::Fixed { interval_ms } => *interval_ms,
                        _ => CHROMIUM_DELAYS_MS[k.min(CHROMIUM_DELAYS_MS.len() - 1)],
                    };
                    sim.push(at + delay, Event::ReloadTimer { tab });
                }
            }
            (Event::ReloadTimer { tab }, _) => sim.reload(tab),
            (Event::ProbeAnswer { up }, Some(w)) => {
                sim.in_flight -= 1;
                let outcome = if up {
                    ProbeOutcome::Up
                } else {
                    ProbeOutcome::Down { retry_after: None }
                };
                let actions = w.probe_result(ORIGIN, outcome, at, rng.next_f64());
                sim.apply(actions);
            }
            (Event::Wake, Some(w)) => {
                wakes.remove(&at);
                let actions = w.expire(at);
                sim.apply(actions);
                for _probe in w.due(at) {
                    sim.send(true, |up| Event::ProbeAnswer { up });
                }
            }
            (Event::ProbeAnswer { .. } | Event::Wake, None) => {}
        }
        if let Some(wake) = watchers.as_ref().and_then(Watchers::next_wake_ms) {
            let wake = wake.max(at);
            if wakes.insert(wake) {
                sim.push(wake, Event::Wake);
            }
        }
        if sim
            .shown_at
            .iter()
            .zip(&sim.gave_up)
            .all(|(shown, gave_up)| shown.is_some() || *gave_up)
        {
            break;
        }
    }

    let mut trial = sim.trial;
    for shown in &sim.shown_at {
        match shown {
            Some(at) => trial.delays_ms.push(at.saturating_sub(scenario.outage_ms)),
            None => trial.unrecovered += 1,
        }
    }
    trial
}

/// A tiny xorshift64* generator: deterministic, seedable, good enough for jitter.
#[derive(Debug, Clone)]
pub struct XorShift64 {
    state: u64,
}

impl XorShift64 {
    pub fn new(seed: u64) -> XorShift64 {
        XorShift64 {
            state: if seed == 0 {
                0x9E37_79B9_7F4A_7C15
            } else {
                seed
            },
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}
