//! One watcher per failing origin: the tabs waiting on it, when to probe it next, and what to do
//! with the probe's answer. A pure state machine: the browser layer feeds it events with the
//! time, runs the probes and reloads it asks for, and keeps its plain-data state
//! (`snapshot`/`restore`) in `storage.session` while the background script sleeps.
//!
//! The browser layer's loop, on every event or alarm:
//! 1. `expire(now)` and carry out its `GiveUp`s;
//! 2. `due(now)`: start one light probe per returned origin (no cookies, no cache, aborted after
//!    `RetryPolicy::probe_timeout_ms`), later `probe_result(...)` with its outcome
//!    (`ProbeOutcome::from_status`, or `Down` for a network failure or timeout);
//! 3. carry out `Reload` (`tabs.reload`) and `GiveUp` actions;
//! 4. set one timer or alarm for `next_wake_ms()`, save `snapshot()`.
//!
//! Times are milliseconds on one clock, the wall clock (`Date.now()`) in the browser so that a
//! Retry-After date can be compared with it.

use super::policy::{retry_decision, NoRetry, Pace, RetryDecision, RetryPolicy};
use crate::diagnosis::retry_after::RetryAfter;
use crate::failure::Failure;
use serde::{Deserialize, Serialize};

pub type TabId = i64;

/// Probe this origin now (at most one in flight per origin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeRequest {
    pub origin: String,
    /// What to ask for: the page a waiting tab wants back, else the origin's root.
    #[serde(default)]
    pub url: String,
}

/// What a probe found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// The server answers: reload the waiting tabs.
    Up,
    /// Still failing the way retries can fix (gateway error, no connection, timeout, 429).
    Down { retry_after: Option<RetryAfter> },
    /// The server now answers with a failure waiting will not fix (500, 501, 525...).
    Unfixable,
}

impl ProbeOutcome {
    /// Reads a probe's HTTP status. Status 0 is an opaque redirect (`redirect: "manual"`): the
    /// server answered. A 429 asks us to slow down: still down, with its Retry-After. A network
    /// failure or a timeout of the probe is `Down { retry_after: None }`.
    pub fn from_status(status: u16, retry_after: Option<RetryAfter>) -> ProbeOutcome {
        match status {
            429 => ProbeOutcome::Down { retry_after },
            500..=599 => match retry_decision("GET", Failure::Http { status }) {
                RetryDecision::Retry(_) => ProbeOutcome::Down { retry_after },
                RetryDecision::Never(_) => ProbeOutcome::Unfixable,
            },
            _ => ProbeOutcome::Up,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GiveUpReason {
    /// The tab's time limit passed.
    TimeLimit,
    /// The origin now fails in a way retrying cannot fix.
    Unfixable,
}

/// What the browser layer must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatcherAction {
    /// Reload these tabs (all GET navigations); they are no longer watched.
    Reload { tab_ids: Vec<TabId> },
    /// Stop retrying these tabs and say why; they are no longer watched.
    GiveUp {
        tab_ids: Vec<TabId>,
        reason: GiveUpReason,
    },
    /// The origin's next probe is due at this time (informational: `next_wake_ms` has it too).
    Schedule { origin: String, at_ms: u64 },
}

/// The answer to `add_tab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddResult {
    /// Watched; its origin is probed next at this time.
    Waiting { next_probe_at_ms: u64 },
    /// Never reloaded: the navigation was not a GET and a reload would send it again.
    NotGet,
    /// Never retried: waiting does not fix this failure.
    NotRetryable,
}

/// Where a waiting tab stands, for the popup's countdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TabStatus {
    pub origin: String,
    pub state: TabWaitState,
    /// When the origin is probed next; `None` while paused, probing or reloading.
    pub next_probe_at_ms: Option<u64>,
    pub waiting_since_ms: u64,
    pub deadline_ms: u64,
    /// Probes of this origin so far in this outage.
    pub probes_sent: u32,
    /// Tabs waiting on the same origin, this one included.
    pub tabs_on_origin: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TabWaitState {
    Waiting,
    Probing,
    PausedOffline,
    /// Reloaded alone to check the origin really is back (after a flap).
    Reloading,
}

/// One waiting tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WaitingTab {
    pub tab_id: TabId,
    pub added_at_ms: u64,
    pub deadline_ms: u64,
    pub pace: Pace,
}

/// A tab reloaded alone after a flap, until it reports back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryTab {
    pub tab: WaitingTab,
    pub reloaded_at_ms: u64,
}

/// The watcher of one origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OriginState {
    pub origin: String,
    pub outage_started_ms: u64,
    /// Offline time during this outage: not counted in the backoff.
    pub paused_ms: u64,
    /// Recoveries that failed again within the flap window.
    pub flaps: u32,
    pub next_probe_at_ms: u64,
    /// No probe before this (Retry-After).
    pub not_before_ms: u64,
    pub last_probe_started_ms: Option<u64>,
    pub in_flight_since_ms: Option<u64>,
    pub probes_sent: u32,
    pub canary: Option<CanaryTab>,
    pub tabs: Vec<WaitingTab>,
    /// Tabs reloaded at the last recovery of this outage: failing again, they keep their
    /// first deadline.
    #[serde(default)]
    pub recovered_tabs: Vec<WaitingTab>,
    /// Probes in a row that found the origin up. After a flap one is not proof: a site that
    /// fails every other request answers some probes.
    #[serde(default)]
    pub ups_in_a_row: u32,
    /// The page a waiting tab wants back: what a probe asks for (`set_page`).
    #[serde(default)]
    pub page_url: Option<String>,
}

/// Probes in a row that must find an origin up before its tabs are reloaded, after `flaps`
/// recoveries that failed again: one at first, then two, at most three.
pub fn ups_needed(flaps: u32) -> u32 {
    flaps.saturating_add(1).min(3)
}

/// An origin recently brought back: a new failure there soon after continues the outage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveredOrigin {
    pub recovered_at_ms: u64,
    pub outage_started_ms: u64,
    pub paused_ms: u64,
    pub flaps: u32,
    pub last_probe_started_ms: Option<u64>,
    /// The tabs reloaded, with their deadlines.
    #[serde(default)]
    pub tabs: Vec<WaitingTab>,
}

/// All of the watchers' state, as plain data for `storage.session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchersState {
    pub online: bool,
    pub offline_since_ms: Option<u64>,
    pub origins: Vec<OriginState>,
    pub recent: Vec<(String, RecoveredOrigin)>,
}

impl Default for WatchersState {
    fn default() -> Self {
        WatchersState {
            online: true,
            offline_since_ms: None,
            origins: Vec::new(),
            recent: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Watchers {
    policy: RetryPolicy,
    state: WatchersState,
}

impl OriginState {
    fn pace(&self) -> Pace {
        self.tabs
            .iter()
            .chain(self.canary.as_ref().map(|c| &c.tab))
            .map(|t| t.pace)
            .min()
            .unwrap_or(Pace::Normal)
    }

    fn elapsed(&self, now_ms: u64) -> u64 {
        now_ms
            .saturating_sub(self.outage_started_ms)
            .saturating_sub(self.paused_ms)
    }

    fn is_empty(&self) -> bool {
        self.tabs.is_empty() && self.canary.is_none()
    }

    fn all_tab_ids(&self) -> Vec<TabId> {
        self.canary
            .iter()
            .map(|c| c.tab.tab_id)
            .chain(self.tabs.iter().map(|t| t.tab_id))
            .collect()
    }

    /// The earliest a probe may start: the schedule, the gap since the last probe, Retry-After.
    fn probe_allowed_at(&self, policy: &RetryPolicy) -> u64 {
        let gap = self
            .last_probe_started_ms
            .map_or(0, |at| at.saturating_add(policy.min_gap_ms));
        self.next_probe_at_ms.max(gap).max(self.not_before_ms)
    }

    fn probe_in_flight(&self, policy: &RetryPolicy, now_ms: u64) -> bool {
        self.in_flight_since_ms
            .is_some_and(|since| now_ms < since.saturating_add(policy.probe_timeout_ms))
    }

    fn note_retry_after(&mut self, retry_after: Option<RetryAfter>, now_ms: u64) -> Option<u64> {
        let wait_ms = retry_after.map(|r| r.wait_seconds(now_ms as f64).saturating_mul(1000))?;
        self.not_before_ms = self.not_before_ms.max(now_ms.saturating_add(wait_ms));
        Some(wait_ms)
    }
}

impl Watchers {
    pub fn new(policy: RetryPolicy) -> Watchers {
        Watchers {
            policy,
            state: WatchersState::default(),
        }
    }

    /// Rebuilds the watchers from a saved snapshot; the schedule continues where it was.
    pub fn restore(policy: RetryPolicy, state: WatchersState) -> Watchers {
        Watchers { policy, state }
    }

    pub fn snapshot(&self) -> WatchersState {
        self.state.clone()
    }

    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    pub fn is_online(&self) -> bool {
        self.state.online
    }

    /// True when no tab is waiting.
    pub fn is_idle(&self) -> bool {
        self.state.origins.is_empty()
    }

    /// A tab's main-frame load on `origin` failed (or failed again). `limit_ms` is how long to
    /// keep retrying from now; a tab failing again on the same origin keeps its first deadline.
    #[allow(clippy::too_many_arguments)]
    pub fn add_tab(
        &mut self,
        tab_id: TabId,
        origin: &str,
        method: &str,
        failure: Failure,
        retry_after: Option<RetryAfter>,
        now_ms: u64,
        limit_ms: u64,
    ) -> AddResult {
        let pace = match retry_decision(method, failure) {
            RetryDecision::Retry(pace) => pace,
            RetryDecision::Never(reason) => {
                self.take_tab(tab_id);
                return match reason {
                    NoRetry::NotGet => AddResult::NotGet,
                    NoRetry::NotTransient => AddResult::NotRetryable,
                };
            }
        };
        let policy = self.policy;
        self.prune_recent(now_ms);

        // The same tab failing again on the same origin keeps its place and deadline.
        let mut again_here = None;
        let mut canary_failed = false;
        if let Some(o) = self.origin_mut(origin) {
            if let Some(c) = o.canary.filter(|c| c.tab.tab_id == tab_id) {
                o.canary = None;
                again_here = Some(c.tab);
                canary_failed = true;
            } else if let Some(i) = o.tabs.iter().position(|t| t.tab_id == tab_id) {
                again_here = Some(o.tabs.remove(i));
            }
        }
        if again_here.is_none() {
            self.take_tab(tab_id);
        }
        let remembered = |tabs: &[WaitingTab]| tabs.iter().find(|t| t.tab_id == tab_id).copied();
        let reloaded_before = self
            .state
            .origins
            .iter()
            .find(|o| o.origin == origin)
            .and_then(|o| remembered(&o.recovered_tabs))
            .or_else(|| {
                let (_, r) = self.state.recent.iter().find(|(o, _)| o == origin)?;
                remembered(&r.tabs)
            });
        let tab = WaitingTab {
            pace,
            ..again_here.or(reloaded_before).unwrap_or(WaitingTab {
                tab_id,
                added_at_ms: now_ms,
                deadline_ms: now_ms.saturating_add(limit_ms),
                pace,
            })
        };

        let index = match self.state.origins.iter().position(|o| o.origin == origin) {
            Some(index) => index,
            None => {
                let recent = self
                    .state
                    .recent
                    .iter()
                    .position(|(o, _)| o == origin)
                    .map(|i| self.state.recent.remove(i).1);
                let mut o = OriginState {
                    origin: origin.to_string(),
                    outage_started_ms: now_ms,
                    paused_ms: 0,
                    flaps: 0,
                    next_probe_at_ms: now_ms.saturating_add(policy.first_probe_delay(pace, now_ms)),
                    not_before_ms: 0,
                    last_probe_started_ms: None,
                    in_flight_since_ms: None,
                    probes_sent: 0,
                    canary: None,
                    tabs: Vec::new(),
                    recovered_tabs: Vec::new(),
                    ups_in_a_row: 0,
                    page_url: None,
                };
                if let Some(r) = recent {
                    // It came back and failed again at once: the same outage, slower.
                    o.outage_started_ms = r.outage_started_ms;
                    o.paused_ms = r.paused_ms;
                    o.flaps = r.flaps.saturating_add(1);
                    o.last_probe_started_ms = r.last_probe_started_ms;
                    o.recovered_tabs = r.tabs;
                    let delay = policy.delay_ms(pace, o.flaps, o.elapsed(now_ms), None, 0.5);
                    o.next_probe_at_ms = now_ms.saturating_add(delay);
                }
                self.state.origins.push(o);
                self.state.origins.len() - 1
            }
        };
        let o = &mut self.state.origins[index];
        let pace_before = (!o.is_empty()).then(|| o.pace());
        o.tabs.push(tab);
        if canary_failed {
            o.flaps = o.flaps.saturating_add(1);
            let delay = policy.delay_ms(o.pace(), o.flaps, o.elapsed(now_ms), None, 0.5);
            o.next_probe_at_ms = now_ms.saturating_add(delay);
        } else if pace_before.is_some_and(|before| pace < before) {
            // A faster-paced failure joined a slow watcher (a DNS failure, say): speed up.
            let sooner = now_ms.saturating_add(policy.first_delay_for(pace));
            o.next_probe_at_ms = o.next_probe_at_ms.min(sooner);
        }
        o.note_retry_after(retry_after, now_ms);
        AddResult::Waiting {
            next_probe_at_ms: o.probe_allowed_at(&policy),
        }
    }

    /// Probes of `origin` ask for `url` (a page on it that a tab wants back), when it is on it.
    pub fn set_page(&mut self, origin: &str, url: &str) {
        if origin_of(url).as_deref() != Some(origin) {
            return;
        }
        if let Some(o) = self.origin_mut(origin) {
            o.page_url = Some(url.to_string());
        }
    }

    /// The tab went elsewhere, was closed, or the visitor cancelled: stop watching it.
    /// Returns whether it was watched.
    pub fn remove_tab(&mut self, tab_id: TabId) -> bool {
        self.take_tab(tab_id).is_some()
    }

    /// A watched tab showed a good page. On its own origin that is proof the origin is back:
    /// every other tab waiting on it is reloaded. Elsewhere it is `remove_tab`.
    pub fn tab_loaded(&mut self, tab_id: TabId, origin: &str, now_ms: u64) -> Vec<WatcherAction> {
        let Some(index) = self.index_of_tab(tab_id) else {
            return Vec::new();
        };
        if self.state.origins[index].origin != origin {
            self.take_tab(tab_id);
            return Vec::new();
        }
        let o = &mut self.state.origins[index];
        if o.canary.is_some_and(|c| c.tab.tab_id == tab_id) {
            o.canary = None;
        }
        o.tabs.retain(|t| t.tab_id != tab_id);
        self.recover_all(index, now_ms)
    }

    /// The browser's connectivity changed. Offline: no probe is due. Online: every origin is
    /// probed at once (Retry-After and the gap between probes still apply).
    pub fn set_online(&mut self, online: bool, now_ms: u64) {
        if online == self.state.online {
            return;
        }
        self.state.online = online;
        if !online {
            self.state.offline_since_ms = Some(now_ms);
            return;
        }
        let since = self.state.offline_since_ms.take().unwrap_or(now_ms);
        for o in &mut self.state.origins {
            let paused = now_ms.saturating_sub(since.max(o.outage_started_ms));
            o.paused_ms = o.paused_ms.saturating_add(paused);
            o.next_probe_at_ms = now_ms;
        }
    }

    /// Gives up on tabs whose time limit has passed. Call on every wake, before `due`.
    pub fn expire(&mut self, now_ms: u64) -> Vec<WatcherAction> {
        self.prune_recent(now_ms);
        let policy = self.policy;
        let mut expired = Vec::new();
        for o in &mut self.state.origins {
            if let Some(c) = o.canary {
                if c.tab.deadline_ms <= now_ms {
                    expired.push(c.tab.tab_id);
                    o.canary = None;
                } else if now_ms >= c.reloaded_at_ms.saturating_add(policy.canary_timeout_ms) {
                    // No word from the reloaded tab: it waits again, and the origin is probed.
                    o.canary = None;
                    o.tabs.insert(0, c.tab);
                    o.next_probe_at_ms = now_ms;
                }
            }
            o.tabs.retain(|t| {
                let keep = t.deadline_ms > now_ms;
                if !keep {
                    expired.push(t.tab_id);
                }
                keep
            });
        }
        self.state.origins.retain(|o| !o.is_empty());
        if expired.is_empty() {
            return Vec::new();
        }
        vec![WatcherAction::GiveUp {
            tab_ids: expired,
            reason: GiveUpReason::TimeLimit,
        }]
    }

    /// The origins to probe now; each is marked in flight until `probe_result` (or until
    /// `probe_timeout_ms` passes). Nothing while offline.
    pub fn due(&mut self, now_ms: u64) -> Vec<ProbeRequest> {
        if !self.state.online {
            return Vec::new();
        }
        let policy = self.policy;
        let mut probes = Vec::new();
        for o in &mut self.state.origins {
            let live = o.tabs.iter().any(|t| t.deadline_ms > now_ms);
            if o.canary.is_some()
                || !live
                || o.probe_in_flight(&policy, now_ms)
                || o.probe_allowed_at(&policy) > now_ms
            {
                continue;
            }
            o.in_flight_since_ms = Some(now_ms);
            o.last_probe_started_ms = Some(now_ms);
            o.probes_sent = o.probes_sent.saturating_add(1);
            probes.push(ProbeRequest {
                origin: o.origin.clone(),
                url: o
                    .page_url
                    .clone()
                    .unwrap_or_else(|| format!("{}/", o.origin)),
            });
        }
        probes
    }

    /// A probe of `origin` finished. `jitter01` is a random number in `[0, 1)`.
    pub fn probe_result(
        &mut self,
        origin: &str,
        outcome: ProbeOutcome,
        now_ms: u64,
        jitter01: f64,
    ) -> Vec<WatcherAction> {
        let policy = self.policy;
        let Some(index) = self.state.origins.iter().position(|o| o.origin == origin) else {
            return Vec::new();
        };
        let o = &mut self.state.origins[index];
        o.in_flight_since_ms = None;
        match outcome {
            ProbeOutcome::Up if o.ups_in_a_row.saturating_add(1) < ups_needed(o.flaps) => {
                // Not proof yet: ask again soon, at the normal first pace (no backoff).
                o.ups_in_a_row = o.ups_in_a_row.saturating_add(1);
                let delay = policy.first_delay_for(o.pace());
                o.next_probe_at_ms = now_ms.saturating_add(delay);
                vec![WatcherAction::Schedule {
                    origin: o.origin.clone(),
                    at_ms: o.probe_allowed_at(&policy),
                }]
            }
            ProbeOutcome::Up => {
                o.ups_in_a_row = 0;
                // After a flap, one tab first: the probe said "up" before and the pages failed.
                if o.flaps > 0 && o.canary.is_none() && o.tabs.len() > 1 {
                    let first = o
                        .tabs
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, t)| (t.added_at_ms, t.tab_id))
                        .map(|(i, _)| i)
                        .unwrap_or(0);
                    let tab = o.tabs.remove(first);
                    o.canary = Some(CanaryTab {
                        tab,
                        reloaded_at_ms: now_ms,
                    });
                    return vec![WatcherAction::Reload {
                        tab_ids: vec![tab.tab_id],
                    }];
                }
                self.recover_all(index, now_ms)
            }
            ProbeOutcome::Down { retry_after } => {
                o.ups_in_a_row = 0;
                let retry_after_ms = o.note_retry_after(retry_after, now_ms);
                let delay = policy.delay_ms(
                    o.pace(),
                    o.flaps,
                    o.elapsed(now_ms),
                    retry_after_ms,
                    jitter01,
                );
                o.next_probe_at_ms = now_ms.saturating_add(delay);
                vec![WatcherAction::Schedule {
                    origin: o.origin.clone(),
                    at_ms: o.probe_allowed_at(&policy),
                }]
            }
            ProbeOutcome::Unfixable => {
                let o = self.state.origins.remove(index);
                vec![WatcherAction::GiveUp {
                    tab_ids: o.all_tab_ids(),
                    reason: GiveUpReason::Unfixable,
                }]
            }
        }
    }

    /// When the browser layer must next call `expire` and `due`: one timer or alarm.
    pub fn next_wake_ms(&self) -> Option<u64> {
        let policy = &self.policy;
        self.state
            .origins
            .iter()
            .flat_map(|o| {
                let deadlines = o
                    .tabs
                    .iter()
                    .chain(o.canary.as_ref().map(|c| &c.tab))
                    .map(|t| t.deadline_ms);
                let probe = if let Some(c) = o.canary {
                    Some(c.reloaded_at_ms.saturating_add(policy.canary_timeout_ms))
                } else if let Some(since) = o.in_flight_since_ms {
                    Some(since.saturating_add(policy.probe_timeout_ms))
                } else if self.state.online {
                    Some(o.probe_allowed_at(policy))
                } else {
                    None
                };
                deadlines.chain(probe)
            })
            .min()
    }

    /// Where a tab stands, for the popup; `None` when it is not watched.
    pub fn tab_status(&self, tab_id: TabId) -> Option<TabStatus> {
        let o = &self.state.origins[self.index_of_tab(tab_id)?];
        let canary = o.canary.filter(|c| c.tab.tab_id == tab_id);
        let tab = canary
            .map(|c| c.tab)
            .or_else(|| o.tabs.iter().find(|t| t.tab_id == tab_id).copied())?;
        let state = if o.canary.is_some() {
            TabWaitState::Reloading
        } else if o.in_flight_since_ms.is_some() {
            TabWaitState::Probing
        } else if !self.state.online {
            TabWaitState::PausedOffline
        } else {
            TabWaitState::Waiting
        };
        Some(TabStatus {
            origin: o.origin.clone(),
            state,
            next_probe_at_ms: (state == TabWaitState::Waiting)
                .then(|| o.probe_allowed_at(&self.policy)),
            waiting_since_ms: tab.added_at_ms,
            deadline_ms: tab.deadline_ms,
            probes_sent: o.probes_sent,
            tabs_on_origin: o.tabs.len() + usize::from(o.canary.is_some()),
        })
    }

    /// The tabs waiting on an origin, in the order they failed.
    pub fn tabs_on(&self, origin: &str) -> Vec<TabId> {
        self.state
            .origins
            .iter()
            .find(|o| o.origin == origin)
            .map(OriginState::all_tab_ids)
            .unwrap_or_default()
    }

    fn origin_mut(&mut self, origin: &str) -> Option<&mut OriginState> {
        self.state.origins.iter_mut().find(|o| o.origin == origin)
    }

    fn index_of_tab(&self, tab_id: TabId) -> Option<usize> {
        self.state.origins.iter().position(|o| {
            o.canary.is_some_and(|c| c.tab.tab_id == tab_id)
                || o.tabs.iter().any(|t| t.tab_id == tab_id)
        })
    }

    /// Removes a tab from whichever watcher has it; an emptied watcher goes.
    fn take_tab(&mut self, tab_id: TabId) -> Option<WaitingTab> {
        let index = self.index_of_tab(tab_id)?;
        let o = &mut self.state.origins[index];
        let tab = if let Some(c) = o.canary.filter(|c| c.tab.tab_id == tab_id) {
            o.canary = None;
            // The check reload is gone: probe again as soon as the gap allows.
            o.next_probe_at_ms = 0;
            c.tab
        } else {
            let i = o.tabs.iter().position(|t| t.tab_id == tab_id)?;
            o.tabs.remove(i)
        };
        if o.is_empty() {
            self.state.origins.remove(index);
        }
        Some(tab)
    }

    /// The origin is back: reload every tab on it and remember it for the flap window.
    fn recover_all(&mut self, index: usize, now_ms: u64) -> Vec<WatcherAction> {
        let o = self.state.origins.remove(index);
        let tab_ids = o.all_tab_ids();
        let recovered = RecoveredOrigin {
            recovered_at_ms: now_ms,
            outage_started_ms: o.outage_started_ms,
            paused_ms: o.paused_ms,
            flaps: o.flaps,
            last_probe_started_ms: o.last_probe_started_ms,
            tabs: o.canary.iter().map(|c| c.tab).chain(o.tabs).collect(),
        };
        self.state.recent.retain(|(origin, _)| *origin != o.origin);
        self.state.recent.push((o.origin, recovered));
        if tab_ids.is_empty() {
            return Vec::new();
        }
        vec![WatcherAction::Reload { tab_ids }]
    }

    fn prune_recent(&mut self, now_ms: u64) {
        let window = self.policy.flap_window_ms;
        self.state
            .recent
            .retain(|(_, r)| now_ms < r.recovered_at_ms.saturating_add(window));
    }
}

/// `scheme://host:port` of an http(s) URL, lower-cased, with the default port filled in:
/// the key of a watcher. `None` for other schemes or a URL without a host.
pub fn origin_of(url: &str) -> Option<String> {
    crate::page_url::PageUrl::parse(url).map(|page| page.origin())
}
