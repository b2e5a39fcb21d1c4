//! The engine's auto-retry decisions: which failures are watched (and the note when one is not),
//! what the verdict and a probe's answer mean for the watch, and when to wake up next.

use super::{ms, Effect, Out, World};
use crate::checks::verdict::Verdict;
use crate::failure::Failure;
use crate::incident::Incident;
use crate::retry::after_checks::{after_checks as verdict_says, AfterChecks};
use crate::retry::{origin_of, AddResult, GiveUpReason, ProbeOutcome, RetryNote, WatcherAction};

/// How long a wait for connectivity lasts before looking again: the `online` event does not
/// reach every background (Chromium's service worker misses it).
const OFFLINE_RECHECK_MS: u64 = 1_000;

/// The tab's page failed (or failed again, or its page turned out to be a bot protection's):
/// watch its origin, or say why not.
pub(super) fn on_failure(
    world: &mut World,
    tab_id: i64,
    incident: &Incident,
    now_ms: f64,
    out: &mut Out,
) {
    let Some(origin) = incident.page().map(|page| page.origin()) else {
        return;
    };
    let now = ms(now_ms);
    let retry_after = incident.retry_after();
    if let Some(retry_after) = retry_after {
        // The site's own Retry-After holds for every request we send it, checks included.
        let wait_ms = retry_after.wait_seconds(now_ms).saturating_mul(1000);
        out.push(Effect::HoldOrigin {
            origin: origin.clone(),
            until_ms: now.saturating_add(wait_ms),
        });
    }
    let settings = &world.settings;
    let wanted = match incident.failure {
        Failure::Http { .. } => settings.retry_server_errors,
        Failure::Network { .. } => settings.retry_network_errors,
    };
    let note = if let Some(stopped) = incident.retry_stopped {
        Some(stopped)
    } else if crate::retry::policy::held_back(incident).is_some() {
        Some(RetryNote::BotProtection)
    } else if !settings.auto_retry {
        Some(RetryNote::Off)
    } else if !wanted {
        Some(RetryNote::OffForKind)
    } else if settings.is_excepted(&incident.host) {
        Some(RetryNote::Excepted)
    } else {
        None
    };
    if let Some(note) = note {
        if world.watchers.remove_tab(tab_id) {
            out.retry_state_changed = true;
        }
        out.push(Effect::SaveNote { tab_id, note });
        pump(world, now_ms, out);
        return;
    }
    let limit_ms = u64::from(world.settings.retry_limit_minutes) * 60_000;
    let added = world.watchers.add_tab(
        tab_id,
        &origin,
        &incident.method,
        incident.failure,
        retry_after,
        now,
        limit_ms,
    );
    out.retry_state_changed = true;
    match added {
        AddResult::Waiting { .. } => {
            world.watchers.set_page(&origin, &incident.url);
            out.push(Effect::ClearNote { tab_id });
        }
        AddResult::NotGet => out.push(Effect::SaveNote {
            tab_id,
            note: RetryNote::NotGet,
        }),
        AddResult::NotRetryable => out.push(Effect::SaveNote {
            tab_id,
            note: RetryNote::NotRetryable,
        }),
    }
    pump(world, now_ms, out);
}

/// The tab showed a good page at `url`: on a watched origin, that proves it is back.
pub(super) fn on_loaded(world: &mut World, tab_id: i64, url: &str, now_ms: f64, out: &mut Out) {
    out.push(Effect::ClearNote { tab_id });
    let Some(origin) = origin_of(url) else {
        return;
    };
    if world.watchers.is_idle() {
        return;
    }
    let actions = world.watchers.tab_loaded(tab_id, &origin, ms(now_ms));
    out.retry_state_changed = true;
    carry(world, actions, out);
    pump(world, now_ms, out);
}

/// The tab went elsewhere or closed.
pub(super) fn on_gone(world: &mut World, tab_id: i64, now_ms: f64, out: &mut Out) {
    if world.watchers.remove_tab(tab_id) {
        out.retry_state_changed = true;
    }
    out.push(Effect::ClearNote { tab_id });
    pump(world, now_ms, out);
}

/// The visitor pressed "stop retrying".
pub(super) fn cancel(world: &mut World, tab_id: i64, now_ms: f64, out: &mut Out) {
    if world.watchers.remove_tab(tab_id) {
        out.retry_state_changed = true;
        out.push(Effect::SaveNote {
            tab_id,
            note: RetryNote::Cancelled,
        });
    }
    pump(world, now_ms, out);
}

/// A check answered: the verdict so far decides whether waiting can fix this failure. A
/// cookie-less probe cannot see a failure that needs the visitor's cookies: stop watching. The
/// verdict is kept on the incident for its history entry.
pub(super) fn after_checks(
    world: &mut World,
    tab_id: i64,
    at_ms: f64,
    verdict: &Verdict,
    now_ms: f64,
    out: &mut Out,
) {
    let Some(incident) = world.tab.as_mut().filter(|i| i.at_ms == at_ms) else {
        return;
    };
    let heard = incident.verdict != Some(verdict.kind);
    incident.verdict = Some(verdict.kind);
    let stop = match verdict_says(verdict) {
        AfterChecks::Stop(note) if incident.retry_stopped.is_none() => Some(note),
        _ => None,
    };
    if heard || stop.is_some() {
        // Kept on the incident: a reload that fails again the same way stays unwatched.
        incident.retry_stopped = incident.retry_stopped.or(stop);
        out.push(Effect::StoreIncident {
            tab_id,
            incident: Box::new(incident.clone()),
        });
    }
    if let Some(note) = stop {
        out.push(Effect::SaveNote { tab_id, note });
        out.push(Effect::RefreshBanners {
            tab_ids: vec![tab_id],
        });
        if world.watchers.remove_tab(tab_id) {
            out.retry_state_changed = true;
        }
        pump(world, now_ms, out);
    }
}

/// A probe came back: reload the tabs if the site is up, else wait; the banners show the new
/// countdown.
pub(super) fn after_probe(
    world: &mut World,
    origin: &str,
    outcome: ProbeOutcome,
    jitter: f64,
    now_ms: f64,
    out: &mut Out,
) {
    let waiting_before = world.watchers.tabs_on(origin);
    let actions = world
        .watchers
        .probe_result(origin, outcome, ms(now_ms), jitter);
    out.retry_state_changed = true;
    carry(world, actions, out);
    pump(world, now_ms, out);
    let waiting = world.watchers.tabs_on(origin);
    if !waiting.is_empty() || !waiting_before.is_empty() {
        out.push(Effect::RefreshBanners { tab_ids: waiting });
    }
}

fn carry(world: &World, actions: Vec<WatcherAction>, out: &mut Out) {
    for action in actions {
        match action {
            WatcherAction::Reload { tab_ids } => out.push(Effect::Reload {
                tab_ids,
                notify: world.settings.notify_when_back,
            }),
            WatcherAction::GiveUp { tab_ids, reason } => {
                let note = match reason {
                    GiveUpReason::TimeLimit => RetryNote::GaveUpTimeLimit,
                    GiveUpReason::Unfixable => RetryNote::GaveUpUnfixable,
                };
                for tab_id in tab_ids {
                    out.push(Effect::SaveNote { tab_id, note });
                }
            }
            WatcherAction::Schedule { .. } => {}
        }
    }
}

/// One step of the loop: give up on expired tabs, start the probes that are due, and say when
/// to wake up next.
pub(super) fn pump(world: &mut World, now_ms: f64, out: &mut Out) {
    let now = ms(now_ms);
    let watchers = &mut world.watchers;
    if watchers.is_idle() {
        // Nothing waits. Clear the wake-up only when this event emptied the watch: a worker
        // starting with nothing to do must not spend a round trip on it before its first event.
        if out.retry_state_changed {
            out.push(Effect::WakeAt { at_ms: None });
        }
        return;
    }
    let expired = watchers.expire(now);
    let due = watchers.due(now);
    if !expired.is_empty() || !due.is_empty() {
        out.retry_state_changed = true;
    }
    carry(world, expired, out);
    for probe in due {
        out.push(Effect::Probe {
            origin: probe.origin,
            url: probe.url,
        });
    }
    let watchers = &world.watchers;
    let recheck = now.saturating_add(OFFLINE_RECHECK_MS);
    let at_ms = match watchers.next_wake_ms() {
        // Offline nothing is due, but look again soon: the `online` event may never come.
        next if !watchers.is_online() => Some(next.map_or(recheck, |at| at.min(recheck))),
        next => next,
    };
    out.push(Effect::WakeAt { at_ms });
}
