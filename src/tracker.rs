//! Turns browser events about a tab into actions: set or clear the badge, remember or forget
//! the incident. Pure: storage is read by the caller and passed in.

use crate::failure::{classify_error, classify_status, Failure, NetError, Outcome, RequestScope};
use crate::incident::{Incident, RequestDetails};

/// A browser event the background forwards to the core.
#[derive(Debug, Clone)]
pub enum TabEvent {
    /// `webRequest.onCompleted`: an HTTP answer arrived.
    Completed(RequestDetails),
    /// `webRequest.onErrorOccurred`: no HTTP answer.
    Errored(RequestDetails),
    /// `webNavigation.onCommitted`: a document became the tab's page.
    Committed {
        tab_id: i64,
        frame_id: i64,
        url: String,
    },
    /// `webNavigation.onErrorOccurred`: Chromium shows its network error page without a commit
    /// event (and resets the badge while doing so); an aborted navigation fires it too.
    NavigationFailed {
        tab_id: i64,
        frame_id: i64,
        url: String,
        /// The navigation's error. For a redirect loop Chromium's `webRequest` reports only
        /// `net::ERR_ABORTED`; `webNavigation` names it `net::ERR_TOO_MANY_REDIRECTS`.
        error: Option<String>,
    },
    /// `tabs.onRemoved`.
    Closed { tab_id: i64 },
}

/// What the browser layer must do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Remember {
        tab_id: i64,
        incident: Incident,
    },
    /// Firefox may report a main-frame request with `tabId: -1`: keep it until its page
    /// commits and the tab is known.
    RememberUnassigned {
        incident: Incident,
    },
    ForgetUnassigned,
    Forget {
        tab_id: i64,
    },
    ShowBadge {
        tab_id: i64,
        text: String,
        host: String,
    },
    /// Once the tab has finished loading `url`, read a bounded prefix of its error page to tell
    /// which box wrote it, and add it to the incident stamped `at_ms` if that is still current.
    ReadErrorPage {
        tab_id: i64,
        url: String,
        at_ms: f64,
    },
    ClearBadge {
        tab_id: i64,
    },
}

/// What is stored that concerns the event: the tab's incident (for every event but `Closed`)
/// and the unassigned one (for commits and failed navigations).
#[derive(Debug, Clone, Default)]
pub struct Stored {
    pub tab: Option<Incident>,
    pub unassigned: Option<Incident>,
}

/// How long an unassigned incident may wait for its commit.
const UNASSIGNED_TTL_MS: f64 = 30_000.0;

/// A request event's details and what the request came to (`Ignored` without a status or an
/// error); `None` for the other events.
fn request_outcome(event: &TabEvent) -> Option<(&RequestDetails, Outcome)> {
    match event {
        TabEvent::Completed(details) => {
            let outcome = details.status_code.map_or(Outcome::Ignored, |status| {
                classify_status(scope(details), status)
            });
            Some((details, outcome))
        }
        TabEvent::Errored(details) => {
            let outcome = details.error.as_deref().map_or(Outcome::Ignored, |error| {
                classify_error(scope(details), error)
            });
            Some((details, outcome))
        }
        _ => None,
    }
}

pub fn decide(event: TabEvent, stored: Stored, now_ms: f64) -> Vec<Action> {
    if let Some((details, outcome)) = request_outcome(&event) {
        return on_outcome(details, outcome, stored);
    }
    match event {
        TabEvent::Completed(_) | TabEvent::Errored(_) => Vec::new(),
        TabEvent::Committed {
            tab_id,
            frame_id,
            url,
        } => on_page_shown(tab_id, frame_id, &url, stored, now_ms, PageShown::Committed),
        TabEvent::NavigationFailed {
            tab_id,
            frame_id,
            url,
            error,
        } => {
            if let Some(actions) =
                navigation_only_failure(tab_id, frame_id, &url, error.as_deref(), &stored, now_ms)
            {
                return actions;
            }
            on_page_shown(
                tab_id,
                frame_id,
                &url,
                stored,
                now_ms,
                PageShown::ErrorOrAbort,
            )
        }
        TabEvent::Closed { tab_id } => vec![Action::Forget { tab_id }],
    }
}

/// A failed navigation whose failure `webRequest` did not report (Chromium's redirect loop, seen
/// there as an abort): it becomes the tab's incident as a `webRequest` error would. When the
/// failure at this address is already stored (the usual order), the ordinary path rebadges it.
fn navigation_only_failure(
    tab_id: i64,
    frame_id: i64,
    url: &str,
    error: Option<&str>,
    stored: &Stored,
    now_ms: f64,
) -> Option<Vec<Action>> {
    let error = error?;
    if tab_id < 0 || frame_id != 0 {
        return None;
    }
    let known = |incident: &Option<Incident>| incident.as_ref().is_some_and(|i| i.is_at(url));
    if known(&stored.tab) || known(&stored.unassigned) {
        return None;
    }
    let details = RequestDetails {
        url: url.to_string(),
        tab_id: Some(tab_id),
        frame_id: Some(0),
        resource_type: "main_frame".to_string(),
        // Only a GET follows redirects to the end; the method is not in this event.
        method: Some("GET".to_string()),
        error: Some(error.to_string()),
        time_stamp: Some(now_ms),
        ..RequestDetails::default()
    };
    // Only the failures `webRequest` does not name (Chromium's loop; Firefox's TLS and certificate
    // errors, a localised sentence there): for the others `webRequest` speaks, with the method
    // (Firefox's navigation error may come first, and must not make a failed form a GET).
    match classify_error(scope(&details), error) {
        outcome @ Outcome::Failed(Failure::Network {
            error: NetError::TooManyRedirects | NetError::TlsHandshake | NetError::Certificate,
        }) => Some(on_outcome(&details, outcome, Stored::default())),
        _ => None,
    }
}

fn scope(details: &RequestDetails) -> RequestScope<'_> {
    RequestScope {
        url: &details.url,
        resource_type: &details.resource_type,
        // Chromium omits nothing here, but treat a missing frame id as the main frame
        // only when the type already says so.
        frame_id: details.frame_id.unwrap_or(0),
    }
}

fn on_outcome(details: &RequestDetails, outcome: Outcome, stored: Stored) -> Vec<Action> {
    let tab_id = details.tab_id.unwrap_or(-1);
    match outcome {
        Outcome::Failed(failure) => {
            let mut incident = Incident::from_details(details, failure);
            if tab_id < 0 {
                return vec![Action::RememberUnassigned { incident }];
            }
            if let Some(previous) = stored.tab.as_ref().filter(|p| is_repeat(p, &incident)) {
                // The same failure again (an auto-retry reload, the visitor's reload): more
                // evidence for the same incident, whose checks still stand.
                incident.latest_at_ms = incident.at_ms;
                incident.at_ms = previous.at_ms;
                incident.retry_stopped = previous.retry_stopped;
                incident.verdict = previous.verdict;
            }
            let badge = badge_for(tab_id, &incident);
            let read = read_page(tab_id, &incident);
            let mut actions = vec![Action::Remember { tab_id, incident }, badge];
            actions.extend(read);
            actions
        }
        // A good load clears what an earlier failure left; with nothing stored there is
        // nothing to clear (this runs on every navigation: keep it cheap).
        Outcome::Loaded if tab_id >= 0 && stored.tab.is_some() => {
            vec![Action::Forget { tab_id }, Action::ClearBadge { tab_id }]
        }
        Outcome::Loaded | Outcome::Ignored => Vec::new(),
    }
}

/// How long after a failure the same failure at the same address continues it.
const REPEAT_WINDOW_MS: f64 = 60_000.0;

/// Whether `new` is `previous` failing again in the same way, soon after.
fn is_repeat(previous: &Incident, new: &Incident) -> bool {
    previous.failure == new.failure
        && previous.url == new.url
        && previous.url_hash == new.url_hash
        && new.last_seen_ms() >= previous.last_seen_ms()
        && new.last_seen_ms() - previous.last_seen_ms() <= REPEAT_WINDOW_MS
}

/// How a page came to be shown (or not) in the tab.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PageShown {
    /// A document committed: if it is not the failed page, the tab has moved on.
    Committed,
    /// A navigation failed: either the failed page's error page is now shown, or the visitor
    /// stopped a load and the previous page (failed or not) stays.
    ErrorOrAbort,
}

fn on_page_shown(
    tab_id: i64,
    frame_id: i64,
    url: &str,
    stored: Stored,
    now_ms: f64,
    how: PageShown,
) -> Vec<Action> {
    if frame_id != 0 || tab_id < 0 {
        return Vec::new();
    }
    if let Some(incident) = stored.unassigned {
        if incident.is_at(url) && now_ms - incident.at_ms <= UNASSIGNED_TTL_MS {
            let read = read_page(tab_id, &incident);
            let badge = badge_for(tab_id, &incident);
            let mut actions = vec![
                Action::ForgetUnassigned,
                Action::Remember { tab_id, incident },
                badge,
            ];
            actions.extend(read);
            return actions;
        }
    }
    match stored.tab {
        // The failed page itself is shown: browsers reset the badge on commit, so set it again.
        Some(incident) if incident.is_at(url) => vec![badge_for(tab_id, &incident)],
        // The tab moved on to another page.
        Some(_) if how == PageShown::Committed => {
            vec![Action::Forget { tab_id }, Action::ClearBadge { tab_id }]
        }
        Some(_) => Vec::new(),
        None => Vec::new(),
    }
}

/// Only an HTTP error page carries the gateway's own words; network errors show the browser's page.
fn read_page(tab_id: i64, incident: &Incident) -> Option<Action> {
    let wanted =
        matches!(incident.failure, Failure::Http { .. }) && incident.page_excerpt.is_none();
    wanted.then(|| Action::ReadErrorPage {
        tab_id,
        url: incident.url.clone(),
        at_ms: incident.at_ms,
    })
}

/// The error page of `incident` was just read into it: a bot protection's page (a challenge
/// served as a plain 503, with no header to say so) changes the badge from the status to `BOT` or
/// `BLK`. Auto-retry must then stand down (`retry::policy::held_back` says the same): the caller
/// knows it from a non-empty answer.
pub fn after_page_read(tab_id: i64, incident: &Incident) -> Vec<Action> {
    match crate::diagnosis::protection_of(incident) {
        Some(protection) => vec![Action::ShowBadge {
            tab_id,
            text: crate::diagnosis::badge_with(Some(protection), incident.failure),
            host: incident.host.clone(),
        }],
        None => Vec::new(),
    }
}

/// The badge a request event shows for its tab, decided from the request alone: what is stored
/// never changes it (a repeat keeps its first time, not another badge). `None` for a good load,
/// a frame, or a failure whose tab is not known yet. `on_outcome` badges exactly this.
/// Whether the tracker does anything about `event` when nothing is stored: a failed request
/// (its tab known or not), or a failed navigation that only `webNavigation` names. A good load,
/// a commit or a closed tab changes nothing then (a closed tab's `Forget` finds nothing to
/// forget).
pub fn acts_with_nothing_stored(event: &TabEvent, now_ms: f64) -> bool {
    match event {
        TabEvent::Completed(_) | TabEvent::Errored(_) => {
            matches!(request_outcome(event), Some((_, Outcome::Failed(_))))
        }
        TabEvent::NavigationFailed {
            tab_id,
            frame_id,
            url,
            error,
        } => navigation_only_failure(
            *tab_id,
            *frame_id,
            url,
            error.as_deref(),
            &Stored::default(),
            now_ms,
        )
        .is_some_and(|actions| !actions.is_empty()),
        TabEvent::Committed { .. } | TabEvent::Closed { .. } => false,
    }
}

pub fn request_badge(event: &TabEvent) -> Option<Action> {
    let (details, Outcome::Failed(failure)) = request_outcome(event)? else {
        return None;
    };
    let tab_id = details.tab_id.filter(|id| *id >= 0)?;
    Some(badge_for(tab_id, &Incident::from_details(details, failure)))
}

fn badge_for(tab_id: i64, incident: &Incident) -> Action {
    Action::ShowBadge {
        tab_id,
        text: crate::diagnosis::badge_text(incident),
        host: incident.host.clone(),
    }
}
