//! The engine: every decision the background makes, in one pure function.
//!
//! The browser layer turns what happens (a browser event, a check's answer, a probe's answer, a
//! timer, a message from the popup or the banner) into an [`Event`], loads the [`World`] it
//! concerns, calls [`handle`], and carries out the [`Effect`]s it returns, in order. Nothing here
//! does I/O; time comes in as an argument, randomness inside the events.
//!
//! One verdict rules everything: the checks' verdict (`Event::ChecksAnswered`) decides whether
//! auto-retry keeps watching a tab, and the popup and banner read the same records.

mod retry;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

use crate::checks::ChecksRun;
use crate::incident::Incident;
use crate::messages::Request;
use crate::retry::{ProbeOutcome, RetryNote, Watchers};
use crate::settings::Settings;
use crate::tracker::{self, Action, TabEvent};

/// Everything the engine is told.
#[derive(Debug, Clone)]
pub enum Event {
    /// A navigation or request event of a tab (`webRequest`, `webNavigation`, `tabs`).
    Tab(TabEvent),
    /// The failed page of `tab_id` was read: a bounded prefix of its text, for the incident
    /// stamped `at_ms`.
    PageRead {
        tab_id: i64,
        at_ms: f64,
        text: String,
    },
    /// A check answered: `verdict` is what all the failure's check records so far say
    /// (`crate::view::checks::current_verdict`, as the popup shows it).
    ChecksAnswered {
        tab_id: i64,
        at_ms: f64,
        verdict: crate::checks::verdict::Verdict,
    },
    /// A probe of `origin` came back. `jitter` is a random number in `[0, 1)`.
    ProbeAnswered {
        origin: String,
        outcome: ProbeOutcome,
        jitter: f64,
    },
    /// A timer or the alarm fired, or the background started. `online` is what the browser
    /// says now.
    Tick { online: bool },
    /// The browser went online or offline.
    Connectivity { online: bool },
    /// An admitted runtime message (`crate::messages::admit`).
    Message(Request),
}

impl Event {
    /// The tab whose stored incident the engine needs for this event.
    pub fn tab_id(&self) -> Option<i64> {
        match self {
            Event::Tab(TabEvent::Completed(d)) | Event::Tab(TabEvent::Errored(d)) => {
                d.tab_id.filter(|id| *id >= 0)
            }
            Event::Tab(TabEvent::Committed { tab_id, .. })
            | Event::Tab(TabEvent::NavigationFailed { tab_id, .. })
            // A closed tab ends its failure: the history needs it.
            | Event::Tab(TabEvent::Closed { tab_id })
            | Event::PageRead { tab_id, .. }
            | Event::ChecksAnswered { tab_id, .. }
            | Event::Message(Request::RunChecks { tab_id })
            | Event::Message(Request::CheckProxy { tab_id }) => Some(*tab_id),
            _ => None,
        }
    }

    /// Whether the engine needs the failure still waiting for its tab: a page shown may be its.
    pub fn concerns_unassigned(&self) -> bool {
        matches!(
            self,
            Event::Tab(TabEvent::Committed { .. }) | Event::Tab(TabEvent::NavigationFailed { .. })
        )
    }
}

/// What the engine needs to know, loaded by the browser layer before the call: only what the
/// event concerns (see [`needs_settings`]; the tab's incident for tab events and messages).
#[derive(Debug, Clone, Default)]
pub struct World {
    /// The incident of the event's tab.
    pub tab: Option<Incident>,
    /// A failure whose tab is not known yet.
    pub unassigned: Option<Incident>,
    pub settings: Settings,
    /// Auto-retry's state; `handle` changes it in place and says `SaveRetryState` when it did.
    pub watchers: Watchers,
}

/// Whether `event` may end the failure stored for its tab (so that a history entry is written):
/// the browser layer then loads the settings too.
pub fn may_end_failure(event: &Event, world_has_tab: bool) -> bool {
    world_has_tab && matches!(event, Event::Tab(_))
}

/// Everything the browser layer is told to do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    SetBadge {
        tab_id: i64,
        text: String,
        host: String,
    },
    ClearBadge {
        tab_id: i64,
    },
    StoreIncident {
        tab_id: i64,
        incident: Box<Incident>,
    },
    StoreUnassigned {
        incident: Box<Incident>,
    },
    ForgetUnassigned,
    /// Forget everything kept for the tab (incident, checks, note).
    ForgetTab {
        tab_id: i64,
    },
    /// Once the tab has loaded `url`, read a bounded prefix of its page and answer with
    /// `Event::PageRead`.
    ReadErrorPage {
        tab_id: i64,
        url: String,
        at_ms: f64,
    },
    /// Run the checks for the tab's failure (`run` says which); each answer comes back as
    /// `Event::ChecksAnswered`.
    StartChecks {
        tab_id: i64,
        incident: Box<Incident>,
        run: ChecksRun,
    },
    /// No request to `origin` before `until_ms` (its `Retry-After`), whoever sends it.
    HoldOrigin {
        origin: String,
        until_ms: u64,
    },
    SaveNote {
        tab_id: i64,
        note: RetryNote,
    },
    ClearNote {
        tab_id: i64,
    },
    /// Auto-retry's state changed: save it (it must outlive a stopped worker).
    SaveRetryState,
    /// A cookie-less `HEAD` of `url`, answered with `Event::ProbeAnswered`.
    Probe {
        origin: String,
        url: String,
    },
    /// Reload these tabs, bypassing the cache; `notify`: tell the visitor about the ones in
    /// the background.
    Reload {
        tab_ids: Vec<i64>,
        notify: bool,
    },
    /// Wake up at this time (a timer, and an alarm for a stopped worker); `None`: nothing waits.
    WakeAt {
        at_ms: Option<u64>,
    },
    /// Show the banner on the tab's failed page (it reads the tab's state itself).
    ShowBanner {
        tab_id: i64,
        incident: Box<Incident>,
    },
    /// Update the banners shown on these tabs.
    RefreshBanners {
        tab_ids: Vec<i64>,
    },
    /// Open the popup's page for the tab (the banner's button).
    OpenDetails {
        tab_id: i64,
    },
    /// A failure ended: add it to the site's history (`storage.local`, bounded by
    /// `crate::history::bounded`) as `Ended::entry` makes it. Only said while the history
    /// setting is on.
    RecordHistory {
        ended: Box<crate::history::Ended>,
    },
    /// The request cannot be carried out; the caller hears why.
    Refuse {
        reason: &'static str,
    },
}

/// Whether `handle` will need the visitor's settings for `event` (read from storage): only when
/// something failed, a check or probe answered, or the visitor asked. An ordinary navigation
/// must not touch storage.
pub fn needs_settings(event: &Event, world_has_unassigned: bool) -> bool {
    match event {
        Event::Tab(TabEvent::Completed(details)) => details
            .status_code
            .is_some_and(|status| status >= 400 || status == 0),
        Event::Tab(TabEvent::Errored(_)) | Event::Tab(TabEvent::NavigationFailed { .. }) => true,
        Event::Tab(TabEvent::Committed { .. }) => world_has_unassigned,
        Event::Tab(TabEvent::Closed { .. }) => false,
        Event::PageRead { .. } | Event::ChecksAnswered { .. } | Event::ProbeAnswered { .. } => true,
        Event::Tick { .. } | Event::Connectivity { .. } => false,
        Event::Message(_) => true,
    }
}

/// The badge a failed request gets at once, from the request and the visitor's rules alone:
/// exactly the badge [`handle`] sets for that event whatever is stored (a property test holds it
/// to that). The background's small first module sets it while the rest of the core is still
/// loading, so a stopped worker shows the badge sooner; `handle` then sets the same.
pub fn first_badge(event: &TabEvent, settings: &Settings) -> Option<Effect> {
    match tracker::request_badge(event)? {
        Action::ShowBadge { tab_id, text, host } if !settings.rules_for(&host).ignore => {
            Some(Effect::SetBadge { tab_id, text, host })
        }
        _ => None,
    }
}

/// Whether the full core must handle `event`, in a background that started with nothing kept
/// ([`crate::session_keys::nothing_kept`]) and has passed no event to the full core since. Then
/// an ordinary navigation (a good load, a commit, a closed tab) changes nothing, and the small
/// first module drops it: a worker woken by one never compiles the full core. Anything else
/// needs it (a failure, a timer, connectivity, a message...); from then on every event goes to
/// the full core. A property test holds this to `handle`.
pub fn needs_full_core(event: &Event, now_ms: f64) -> bool {
    match event {
        Event::Tab(tab_event) => tracker::acts_with_nothing_stored(tab_event, now_ms),
        _ => true,
    }
}

/// Whether the full core, once loaded, may drop an ordinary navigation
/// ([`crate::event_read::is_ordinary_navigation`] of a `kind` event) unread: a good load in a tab
/// with no stored incident, or a commit there while no failure waits for its tab (the commit
/// could be that failure's). `handle` then does nothing, whatever auto-retry watches in other
/// tabs: a property test holds this to it. A closed tab always goes through (what it forgets is
/// more than the incident).
pub fn full_core_may_drop(kind: &str, tab_has_incident: bool, failure_waits_for_tab: bool) -> bool {
    match kind {
        "completed" => !tab_has_incident,
        "committed" => !tab_has_incident && !failure_waits_for_tab,
        _ => false,
    }
}

/// Decides what to do about `event`. `now_ms` is the wall clock.
pub fn handle(world: &mut World, event: Event, now_ms: f64) -> Vec<Effect> {
    let mut out = Out::default();
    match event {
        Event::Tab(event) => on_tab_event(world, event, now_ms, &mut out),
        Event::PageRead {
            tab_id,
            at_ms,
            text,
        } => on_page_read(world, tab_id, at_ms, &text, now_ms, &mut out),
        Event::ChecksAnswered {
            tab_id,
            at_ms,
            verdict,
        } => retry::after_checks(world, tab_id, at_ms, &verdict, now_ms, &mut out),
        Event::ProbeAnswered {
            origin,
            outcome,
            jitter,
        } => retry::after_probe(world, &origin, outcome, jitter, now_ms, &mut out),
        Event::Tick { online } => {
            if !world.watchers.is_idle() && world.watchers.is_online() != online {
                world.watchers.set_online(online, ms(now_ms));
                out.retry_state_changed = true;
            }
            retry::pump(world, now_ms, &mut out);
        }
        Event::Connectivity { online } => {
            if world.watchers.is_online() != online {
                world.watchers.set_online(online, ms(now_ms));
                out.retry_state_changed = true;
            }
            retry::pump(world, now_ms, &mut out);
        }
        Event::Message(request) => on_message(world, request, now_ms, &mut out),
    }
    out.finish()
}

/// Effects collected while handling one event. The badge goes first: it is what the visitor
/// waits for, and nothing before it needs to be stored.
#[derive(Default)]
struct Out {
    badges: Vec<Effect>,
    rest: Vec<Effect>,
    retry_state_changed: bool,
}

impl Out {
    fn push(&mut self, effect: Effect) {
        match effect {
            Effect::SetBadge { .. } | Effect::ClearBadge { .. } => self.badges.push(effect),
            _ => self.rest.push(effect),
        }
    }

    fn finish(self) -> Vec<Effect> {
        let mut effects = self.badges;
        let save = self.retry_state_changed;
        // The retry state is saved before the wake-up that depends on it.
        let mut rest = self.rest;
        if save {
            let at = rest
                .iter()
                .position(|e| matches!(e, Effect::WakeAt { .. }))
                .unwrap_or(rest.len());
            rest.insert(at, Effect::SaveRetryState);
        }
        effects.extend(rest);
        effects
    }
}

pub(crate) fn ms(now_ms: f64) -> u64 {
    if now_ms.is_finite() && now_ms > 0.0 {
        now_ms as u64
    } else {
        0
    }
}

fn on_tab_event(world: &mut World, event: TabEvent, now_ms: f64, out: &mut Out) {
    // A good load (not a commit of another page) is what proves a retried site is back.
    let loaded_url = match &event {
        TabEvent::Completed(details) => Some(details.url.clone()),
        _ => None,
    };
    let stored = tracker::Stored {
        tab: world.tab.clone(),
        unassigned: world.unassigned.clone(),
    };
    let (actions, ignored) = without_ignored(world, tracker::decide(event, stored, now_ms));
    // An ignored site's failed page proves nothing about the one the tab showed before.
    let loaded_url = loaded_url.filter(|_| !ignored);
    for action in actions {
        match action {
            Action::Remember { tab_id, incident } => {
                // Checks run once per failure: a repeat keeps its first time, and its checks.
                let new_failure = world.tab.as_ref().is_none_or(|t| t.at_ms != incident.at_ms);
                if new_failure {
                    // Another failure replaces the one shown: that one has ended.
                    end_failure(world, None, now_ms, out);
                }
                out.push(Effect::StoreIncident {
                    tab_id,
                    incident: Box::new(incident.clone()),
                });
                // Auto-retry first: a Retry-After it holds must be in place before any check
                // sends a request.
                retry::on_failure(world, tab_id, &incident, now_ms, out);
                if new_failure {
                    out.push(Effect::StartChecks {
                        tab_id,
                        incident: Box::new(incident.clone()),
                        run: ChecksRun::First,
                    });
                }
                world.tab = Some(incident);
            }
            Action::RememberUnassigned { incident } => out.push(Effect::StoreUnassigned {
                incident: Box::new(incident),
            }),
            Action::ForgetUnassigned => {
                world.unassigned = None;
                out.push(Effect::ForgetUnassigned);
            }
            Action::Forget { tab_id } => {
                end_failure(world, loaded_url.as_deref(), now_ms, out);
                world.tab = None;
                out.push(Effect::ForgetTab { tab_id });
                match loaded_url.as_deref() {
                    Some(url) => retry::on_loaded(world, tab_id, url, now_ms, out),
                    None => retry::on_gone(world, tab_id, now_ms, out),
                }
            }
            Action::ShowBadge { tab_id, text, host } => {
                out.push(Effect::SetBadge { tab_id, text, host })
            }
            Action::ClearBadge { tab_id } => out.push(Effect::ClearBadge { tab_id }),
            Action::ReadErrorPage { tab_id, url, at_ms } => {
                out.push(Effect::ReadErrorPage { tab_id, url, at_ms })
            }
        }
    }
}

/// The tracker's actions without the failures of sites the visitor ignores ("ignore this site":
/// no badge, nothing stored, no checks, no history). A failure shown before in the tab is
/// forgotten as if the tab had moved on. True when something was left out.
fn without_ignored(world: &World, actions: Vec<Action>) -> (Vec<Action>, bool) {
    let ignored = |incident: &Incident| world.settings.rules_for(&incident.host).ignore;
    let dropped: Vec<i64> = actions
        .iter()
        .filter_map(|action| match action {
            Action::Remember { tab_id, incident } if ignored(incident) => Some(*tab_id),
            _ => None,
        })
        .collect();
    if dropped.is_empty()
        && !actions
            .iter()
            .any(|a| matches!(a, Action::RememberUnassigned { incident } if ignored(incident)))
    {
        return (actions, false);
    }
    let mut kept = Vec::new();
    for action in actions {
        match &action {
            Action::Remember { tab_id, .. }
            | Action::ShowBadge { tab_id, .. }
            | Action::ReadErrorPage { tab_id, .. }
                if dropped.contains(tab_id) =>
            {
                let forget = Action::Forget { tab_id: *tab_id };
                if world.tab.is_some() && !kept.contains(&forget) {
                    kept.push(forget);
                    kept.push(Action::ClearBadge { tab_id: *tab_id });
                }
            }
            Action::RememberUnassigned { incident } if ignored(incident) => {}
            _ => kept.push(action),
        }
    }
    (kept, true)
}

/// The tab's failure ended: the page at `loaded_url` loaded (it worked again if it is the same
/// site), or the tab closed, went elsewhere or failed otherwise. Its history entry is written
/// while the history setting is on and no rule ignores the site.
fn end_failure(world: &World, loaded_url: Option<&str>, now_ms: f64, out: &mut Out) {
    use crate::history::{Ended, Ending};
    let Some(incident) = world.tab.as_ref() else {
        return;
    };
    let settings = &world.settings;
    if !settings.keep_history || settings.rules_for(&incident.host).ignore {
        return;
    }
    let same_site = |url: &str| {
        crate::rules::host_key(crate::page_url::host_of(url))
            == crate::rules::host_key(&incident.host)
    };
    let ending = match loaded_url {
        Some(url) if same_site(url) => Ending::Recovered,
        _ => Ending::GaveUp,
    };
    out.push(Effect::RecordHistory {
        ended: Box::new(Ended {
            incident: incident.clone(),
            verdict: incident.verdict,
            ending,
            at_ms: now_ms,
        }),
    });
}

/// The error page was read: keep it (it names the box), and a bot protection's page changes the
/// badge and stands auto-retry down. Then the banner.
fn on_page_read(
    world: &mut World,
    tab_id: i64,
    at_ms: f64,
    text: &str,
    now_ms: f64,
    out: &mut Out,
) {
    let Some(mut incident) = world.tab.clone().filter(|i| i.at_ms == at_ms) else {
        // The tab moved on while the page was read.
        return;
    };
    incident.page_excerpt = Some(crate::page_excerpt::compact(text));
    out.push(Effect::StoreIncident {
        tab_id,
        incident: Box::new(incident.clone()),
    });
    let protected = tracker::after_page_read(tab_id, &incident);
    if !protected.is_empty() {
        for action in protected {
            if let Action::ShowBadge { tab_id, text, host } = action {
                out.push(Effect::SetBadge { tab_id, text, host });
            }
        }
        retry::on_failure(world, tab_id, &incident, now_ms, out);
    }
    // "No banner" for this site.
    if !world.settings.rules_for(&incident.host).no_banner {
        out.push(Effect::ShowBanner {
            tab_id,
            incident: Box::new(incident.clone()),
        });
    }
    world.tab = Some(incident);
}

fn on_message(world: &mut World, request: Request, now_ms: f64, out: &mut Out) {
    match request {
        Request::OpenDetails { tab_id } => out.push(Effect::OpenDetails { tab_id }),
        Request::CancelRetry { tab_id } => retry::cancel(world, tab_id, now_ms, out),
        Request::RunChecks { tab_id } => start_checks(world, tab_id, ChecksRun::Again, out),
        Request::CheckProxy { tab_id } => start_checks(world, tab_id, ChecksRun::Proxy, out),
    }
}

/// The visitor asked for checks of the tab's failure.
fn start_checks(world: &World, tab_id: i64, run: ChecksRun, out: &mut Out) {
    match world.tab.clone() {
        Some(incident) => out.push(Effect::StartChecks {
            tab_id,
            incident: Box::new(incident),
            run,
        }),
        None => out.push(Effect::Refuse {
            reason: "no failed page in this tab",
        }),
    }
}
