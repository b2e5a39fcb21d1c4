//! The engine's decisions, table-driven, and properties over the orders in which browsers deliver
//! events (Firefox's `webRequest` and `webNavigation` events come in no fixed order).

use super::*;
use crate::checks::record::{CheckId, CheckRecord, CheckState};
use crate::checks::FetchResult;
use crate::incident::{HeaderDetails, RequestDetails};
use crate::retry::RetryPolicy;
use proptest::prelude::*;
use std::collections::BTreeMap;

const PAGE: &str = "https://shop.example/cart";
const T0: f64 = 1_700_000_000_000.0;

fn answer(tab_id: i64, status: u16, url: &str, at: f64) -> RequestDetails {
    RequestDetails {
        url: url.into(),
        tab_id: Some(tab_id),
        frame_id: Some(0),
        resource_type: "main_frame".into(),
        method: Some("GET".into()),
        status_code: Some(status),
        status_line: Some(format!("HTTP/1.1 {status}")),
        time_stamp: Some(at),
        ..RequestDetails::default()
    }
}

fn failed(tab_id: i64, status: u16, at: f64) -> Event {
    Event::Tab(TabEvent::Completed(answer(tab_id, status, PAGE, at)))
}

fn committed(tab_id: i64, url: &str) -> Event {
    Event::Tab(TabEvent::Committed {
        tab_id,
        frame_id: 0,
        url: url.into(),
    })
}

fn world() -> World {
    World {
        watchers: Watchers::new(RetryPolicy::default()),
        ..World::default()
    }
}

/// Carries out effects on a model of the browser: what is stored, what the badge says.
#[derive(Default, Debug)]
struct Browser {
    incidents: BTreeMap<i64, Incident>,
    unassigned: Option<Incident>,
    badges: BTreeMap<i64, String>,
    notes: BTreeMap<i64, RetryNote>,
    probes: Vec<String>,
    reloads: Vec<i64>,
    checks_started: usize,
    holds: Vec<(String, u64)>,
    history: Vec<crate::history::Entry>,
    banners: usize,
}

impl Browser {
    fn send(&mut self, world: &mut World, event: Event, now: f64) -> Vec<Effect> {
        let tab = event.tab_id();
        world.tab = tab.and_then(|t| self.incidents.get(&t).cloned());
        world.unassigned = if event.concerns_unassigned() {
            self.unassigned.clone()
        } else {
            None
        };
        let effects = handle(world, event, now);
        for effect in &effects {
            match effect {
                Effect::SetBadge { tab_id, text, .. } => {
                    self.badges.insert(*tab_id, text.clone());
                }
                Effect::ClearBadge { tab_id } => {
                    self.badges.remove(tab_id);
                }
                Effect::StoreIncident { tab_id, incident } => {
                    self.incidents.insert(*tab_id, (**incident).clone());
                }
                Effect::StoreUnassigned { incident } => {
                    self.unassigned = Some((**incident).clone())
                }
                Effect::ForgetUnassigned => self.unassigned = None,
                Effect::ForgetTab { tab_id } => {
                    self.incidents.remove(tab_id);
                    self.notes.remove(tab_id);
                }
                Effect::SaveNote { tab_id, note } => {
                    self.notes.insert(*tab_id, *note);
                }
                Effect::ClearNote { tab_id } => {
                    self.notes.remove(tab_id);
                }
                Effect::Probe { url, .. } => self.probes.push(url.clone()),
                Effect::Reload { tab_ids, .. } => self.reloads.extend(tab_ids),
                Effect::StartChecks { .. } => self.checks_started += 1,
                Effect::HoldOrigin { origin, until_ms } => {
                    self.holds.push((origin.clone(), *until_ms))
                }
                Effect::RecordHistory { ended } => self.history.push(ended.entry()),
                Effect::ShowBanner { .. } => self.banners += 1,
                _ => {}
            }
        }
        effects
    }
}

/// A check answered for the tab's 502 stamped `at_ms`, with the verdict `records` give as the
/// popup shows it (the failure module's part).
fn answered(tab_id: i64, at_ms: f64, records: &[CheckRecord]) -> Event {
    let failed = Incident::from_details(
        &answer(tab_id, 502, PAGE, at_ms),
        crate::failure::Failure::Http { status: 502 },
    );
    Event::ChecksAnswered {
        tab_id,
        at_ms,
        verdict: crate::view::checks::current_verdict(&failed, records).1,
    }
}

fn refetch(check: CheckId, at_ms: f64, status: u16) -> CheckRecord {
    let mut record = CheckRecord::running(check, at_ms, at_ms + 5.0, String::new());
    record.state = CheckState::Done;
    record.fetch = Some(FetchResult {
        status: Some(status),
        error: None,
        elapsed_ms: 20,
        redirected: false,
    });
    record
}

#[test]
fn a_bad_gateway_sets_the_badge_first_then_stores_checks_reads_and_watches() {
    let (mut browser, mut world) = (Browser::default(), world());
    let effects = browser.send(&mut world, failed(4, 502, T0), T0);
    assert!(
        matches!(&effects[0], Effect::SetBadge { tab_id: 4, text, .. } if text == "502"),
        "{effects:?}"
    );
    let kinds: Vec<_> = effects
        .iter()
        .map(|e| {
            format!("{e:?}")
                .split([' ', '{', '('])
                .next()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    for wanted in [
        "StoreIncident",
        "StartChecks",
        "ReadErrorPage",
        "ClearNote",
        "SaveRetryState",
        "WakeAt",
    ] {
        assert!(kinds.iter().any(|k| k == wanted), "{wanted} in {kinds:?}");
    }
    assert!(world.watchers.tab_status(4).is_some());
    // The state is saved before the wake-up that relies on it.
    let save = kinds.iter().position(|k| k == "SaveRetryState");
    let wake = kinds.iter().position(|k| k == "WakeAt");
    assert!(save < wake);
}

#[test]
fn an_ordinary_navigation_reads_no_settings_and_does_nothing() {
    let (mut browser, mut world) = (Browser::default(), world());
    for event in [
        Event::Tab(TabEvent::Completed(answer(3, 200, PAGE, T0))),
        committed(3, PAGE),
        Event::Tab(TabEvent::Completed(answer(3, 304, PAGE, T0))),
        Event::Tab(TabEvent::Closed { tab_id: 3 }),
    ] {
        if !matches!(event, Event::Tab(TabEvent::Closed { .. })) {
            assert!(!needs_settings(&event, false), "{event:?}");
        }
        let effects = browser.send(&mut world, event.clone(), T0);
        let quiet = effects.iter().all(|e| {
            matches!(
                e,
                Effect::WakeAt { at_ms: None }
                    | Effect::ForgetTab { .. }
                    | Effect::ClearNote { .. }
            )
        });
        assert!(quiet, "{event:?} gave {effects:?}");
    }
    assert!(needs_settings(&failed(3, 502, T0), false));
    assert!(needs_settings(&committed(3, PAGE), true));
}

#[test]
fn an_idle_tick_does_nothing_but_the_last_tab_leaving_clears_the_wake_up() {
    let (mut browser, mut world) = (Browser::default(), world());
    assert!(browser
        .send(&mut world, Event::Tick { online: true }, T0)
        .is_empty());
    browser.send(&mut world, failed(4, 502, T0), T0);
    let effects = browser.send(
        &mut world,
        Event::Tab(TabEvent::Closed { tab_id: 4 }),
        T0 + 1.0,
    );
    assert!(
        effects.contains(&Effect::WakeAt { at_ms: None }),
        "{effects:?}"
    );
}

#[test]
fn a_repeat_failure_keeps_its_checks() {
    let (mut browser, mut world) = (Browser::default(), world());
    browser.send(&mut world, failed(4, 502, T0), T0);
    browser.send(&mut world, failed(4, 502, T0 + 5_000.0), T0 + 5_000.0);
    assert_eq!(browser.checks_started, 1);
    assert_eq!(browser.incidents[&4].at_ms, T0);
    // A different failure is a new incident with its own checks.
    browser.send(&mut world, failed(4, 504, T0 + 6_000.0), T0 + 6_000.0);
    assert_eq!(browser.checks_started, 2);
}

#[test]
fn the_cookie_verdict_stops_auto_retry_and_says_why() {
    let (mut browser, mut world) = (Browser::default(), world());
    browser.send(&mut world, failed(4, 502, T0), T0);
    // With the visitor's cookies the page fails; without them it works.
    let records = vec![
        refetch(CheckId::Fresh, T0, 502),
        refetch(CheckId::Stranger, T0, 200),
    ];
    let at = T0 + 50.0;
    let effects = browser.send(&mut world, answered(4, T0, &records), at);
    assert_eq!(browser.notes.get(&4), Some(&RetryNote::YourCookies));
    assert!(effects.contains(&Effect::RefreshBanners { tab_ids: vec![4] }));
    assert!(world.watchers.tab_status(4).is_none());
    // No probe, no reload, however long the engine runs.
    for second in 1..120 {
        let now = at + f64::from(second) * 1000.0;
        browser.send(&mut world, Event::Tick { online: true }, now);
    }
    assert!(browser.probes.is_empty(), "{:?}", browser.probes);
    assert!(browser.reloads.is_empty());
    // The same failure reloaded by the visitor is the same incident: still no watch.
    browser.send(&mut world, failed(4, 502, at + 2_000.0), at + 2_000.0);
    assert_eq!(browser.checks_started, 1);
}

#[test]
fn a_dns_verdict_stops_the_watch_and_says_so() {
    let (mut browser, mut world) = (Browser::default(), world());
    browser.send(&mut world, failed(4, 502, T0), T0);
    let mut dns = CheckRecord::running(CheckId::Dns, T0, T0 + 5.0, String::new());
    dns.state = CheckState::Done;
    dns.dns = Some(crate::checks::dns::DnsComparison::Differs);
    browser.send(
        &mut world,
        answered(4, T0, &[refetch(CheckId::Fresh, T0, 502), dns]),
        T0 + 100.0,
    );
    assert_eq!(browser.notes.get(&4), Some(&RetryNote::YourNetwork));
    assert!(world.watchers.tab_status(4).is_none());
    assert_eq!(
        browser.incidents[&4].retry_stopped,
        Some(RetryNote::YourNetwork)
    );
}

#[test]
fn refetches_far_apart_do_not_blame_the_cookies() {
    let (mut browser, mut world) = (Browser::default(), world());
    browser.send(&mut world, failed(4, 503, T0), T0);
    // The refetch with cookies answered at 5 s, the one without at 10 s (a Retry-After between):
    // the site may simply be back.
    let mut fresh = refetch(CheckId::Fresh, T0, 503);
    fresh.elapsed_ms = Some(5_000);
    let mut stranger = refetch(CheckId::Stranger, T0, 200);
    stranger.elapsed_ms = Some(10_000);
    browser.send(
        &mut world,
        answered(4, T0, &[fresh, stranger]),
        T0 + 10_000.0,
    );
    assert_eq!(browser.notes.get(&4), None);
    assert!(world.watchers.tab_status(4).is_some());
}

#[test]
fn a_verdict_for_an_older_failure_changes_nothing() {
    let (mut browser, mut world) = (Browser::default(), world());
    browser.send(&mut world, failed(4, 502, T0), T0);
    let records = vec![
        refetch(CheckId::Fresh, T0 - 1.0, 502),
        refetch(CheckId::Stranger, T0 - 1.0, 200),
    ];
    let effects = browser.send(&mut world, answered(4, T0 - 1.0, &records), T0 + 10.0);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(world.watchers.tab_status(4).is_some());
}

#[test]
fn retry_after_holds_every_request_to_the_origin() {
    let (mut browser, mut world) = (Browser::default(), world());
    let mut details = answer(4, 503, PAGE, T0);
    details.response_headers = Some(vec![HeaderDetails {
        name: "Retry-After".into(),
        value: Some("5".into()),
    }]);
    let effects = browser.send(&mut world, Event::Tab(TabEvent::Completed(details)), T0);
    let hold = effects
        .iter()
        .position(|e| matches!(e, Effect::HoldOrigin { .. }));
    let checks = effects
        .iter()
        .position(|e| matches!(e, Effect::StartChecks { .. }));
    assert!(hold.is_some() && hold < checks, "{effects:?}");
    assert_eq!(
        browser.holds,
        vec![("https://shop.example:443".to_string(), T0 as u64 + 5_000)]
    );
    // Auto-retry's own probes wait too.
    for step in 0..50 {
        let now = T0 + f64::from(step) * 100.0;
        browser.send(&mut world, Event::Tick { online: true }, now);
    }
    assert!(browser.probes.is_empty(), "{:?}", browser.probes);
}

#[test]
fn probes_ask_for_the_page_the_tab_wants_back_and_reload_it() {
    let (mut browser, mut world) = (Browser::default(), world());
    browser.send(&mut world, failed(4, 502, T0), T0);
    let mut now = T0;
    while browser.probes.is_empty() && now < T0 + 60_000.0 {
        now += 100.0;
        browser.send(&mut world, Event::Tick { online: true }, now);
    }
    assert_eq!(browser.probes, vec![PAGE.to_string()]);
    browser.send(
        &mut world,
        Event::ProbeAnswered {
            origin: "https://shop.example:443".into(),
            outcome: ProbeOutcome::Up,
            jitter: 0.5,
        },
        now + 30.0,
    );
    assert_eq!(browser.reloads, vec![4]);
}

#[test]
fn a_bot_challenge_read_from_the_page_changes_the_badge_and_stands_retry_down() {
    let (mut browser, mut world) = (Browser::default(), world());
    browser.send(&mut world, failed(4, 503, T0), T0);
    let page = "<!DOCTYPE html><html><head><title>Just a moment...</title></head>\
                <body><div id=\"challenge-error-text\">Enable JavaScript and cookies to continue</div>\
                <script src=\"/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1\"></script></body></html>";
    let effects = browser.send(
        &mut world,
        Event::PageRead {
            tab_id: 4,
            at_ms: T0,
            text: page.into(),
        },
        T0 + 500.0,
    );
    assert_eq!(
        browser.badges.get(&4).map(String::as_str),
        Some("BOT"),
        "{effects:?}"
    );
    assert_eq!(browser.notes.get(&4), Some(&RetryNote::BotProtection));
    assert!(world.watchers.tab_status(4).is_none());
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::ShowBanner { tab_id: 4, .. })));
    assert!(browser.incidents[&4].page_excerpt.is_some());
}

#[test]
fn settings_decide_whether_a_failure_is_watched() {
    type Change = fn(&mut Settings);
    let cases: [(Change, Option<RetryNote>); 6] = [
        (|_| {}, None),
        (|s| s.auto_retry = false, Some(RetryNote::Off)),
        // Off altogether says so, whatever the kinds say.
        (
            |s| {
                s.auto_retry = false;
                s.retry_server_errors = false;
            },
            Some(RetryNote::Off),
        ),
        (
            |s| s.retry_server_errors = false,
            Some(RetryNote::OffForKind),
        ),
        // Network errors off leaves a 502 watched.
        (|s| s.retry_network_errors = false, None),
        (
            |s| s.never_retry = vec!["shop.example".into()],
            Some(RetryNote::Excepted),
        ),
    ];
    for (change, note) in cases {
        let (mut browser, mut world) = (Browser::default(), world());
        change(&mut world.settings);
        browser.send(&mut world, failed(4, 502, T0), T0);
        assert_eq!(browser.notes.get(&4).copied(), note);
        assert_eq!(world.watchers.tab_status(4).is_some(), note.is_none());
    }
    // A form post is never reloaded.
    let (mut browser, mut world) = (Browser::default(), world());
    let mut post = answer(4, 502, PAGE, T0);
    post.method = Some("POST".into());
    browser.send(&mut world, Event::Tab(TabEvent::Completed(post)), T0);
    assert_eq!(browser.notes.get(&4), Some(&RetryNote::NotGet));
}

#[test]
fn offline_looks_again_every_second_and_probes_once_back_online() {
    let (mut browser, mut world) = (Browser::default(), world());
    browser.send(&mut world, failed(4, 502, T0), T0);
    let effects = browser.send(&mut world, Event::Connectivity { online: false }, T0 + 10.0);
    let wake = effects.iter().find_map(|e| match e {
        Effect::WakeAt { at_ms } => *at_ms,
        _ => None,
    });
    assert_eq!(wake, Some(T0 as u64 + 1_010));
    // The `online` event never came: the next tick sees the browser online, and probes.
    browser.send(&mut world, Event::Tick { online: true }, T0 + 20_000.0);
    assert_eq!(browser.probes, vec![PAGE.to_string()]);
}

#[test]
fn messages_are_carried_out_or_refused() {
    let (mut browser, mut world) = (Browser::default(), world());
    let effects = browser.send(
        &mut world,
        Event::Message(Request::RunChecks { tab_id: 9 }),
        T0,
    );
    assert!(
        matches!(effects.as_slice(), [Effect::Refuse { .. }]),
        "{effects:?}"
    );
    browser.send(&mut world, failed(9, 502, T0), T0);
    let effects = browser.send(
        &mut world,
        Event::Message(Request::RunChecks { tab_id: 9 }),
        T0 + 1.0,
    );
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::StartChecks {
            tab_id: 9,
            run: ChecksRun::Again,
            ..
        }
    )));
    let effects = browser.send(
        &mut world,
        Event::Message(Request::CheckProxy { tab_id: 9 }),
        T0 + 2.0,
    );
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::StartChecks {
                tab_id: 9,
                run: ChecksRun::Proxy,
                ..
            }]
        ),
        "the proxy check alone: {effects:?}"
    );
    browser.send(
        &mut world,
        Event::Message(Request::CancelRetry { tab_id: 9 }),
        T0 + 2.0,
    );
    assert_eq!(browser.notes.get(&9), Some(&RetryNote::Cancelled));
    let effects = browser.send(
        &mut world,
        Event::Message(Request::OpenDetails { tab_id: 9 }),
        T0,
    );
    assert_eq!(effects, vec![Effect::OpenDetails { tab_id: 9 }]);
}

/// The events one failed navigation produces in Firefox, which come in any order; the request
/// may carry `tabId: -1`.
fn failing_navigation(tab_id: i64, unassigned: bool) -> Vec<Event> {
    let mut request = answer(tab_id, 502, PAGE, T0);
    if unassigned {
        request.tab_id = Some(-1);
    }
    vec![
        Event::Tab(TabEvent::Completed(request)),
        committed(tab_id, PAGE),
        Event::Tab(TabEvent::NavigationFailed {
            tab_id,
            frame_id: 0,
            url: PAGE.into(),
            error: None,
        }),
    ]
}

fn shuffled(mut events: Vec<Event>, order: &[usize]) -> Vec<Event> {
    let mut out = Vec::new();
    for pick in order {
        if events.is_empty() {
            break;
        }
        out.push(events.remove(pick % events.len()));
    }
    out.extend(events);
    out
}

fn event_tab(event: &TabEvent) -> Option<i64> {
    match event {
        TabEvent::Completed(d) | TabEvent::Errored(d) => d.tab_id,
        _ => None,
    }
}

/// A request event of any shape: status or error, tab known or not, main frame or not, with
/// or without a challenge header.
fn any_request() -> impl Strategy<Value = TabEvent> {
    (
        prop::sample::select(vec![
            200u16, 301, 403, 404, 429, 500, 502, 503, 504, 511, 522, 599,
        ]),
        prop::option::of(prop::sample::select(vec![
            "net::ERR_CONNECTION_REFUSED",
            "net::ERR_NAME_NOT_RESOLVED",
            "net::ERR_ABORTED",
            "NS_ERROR_NET_RESET",
            "garbage",
        ])),
        prop::sample::select(vec![-1i64, 3, 4]),
        prop::sample::select(vec![0i64, 2]),
        prop::sample::select(vec!["main_frame", "sub_frame", "image"]),
        any::<bool>(),
        prop::sample::select(vec![
            PAGE,
            "https://ignored.example/x",
            "http://127.0.0.1:8080/",
        ]),
    )
        .prop_map(|(status, error, tab, frame, kind, challenge, url)| {
            let mut request = answer(tab, status, url, T0);
            request.frame_id = Some(frame);
            request.resource_type = kind.into();
            if challenge {
                request.response_headers = Some(vec![HeaderDetails {
                    name: "cf-mitigated".into(),
                    value: Some("challenge".into()),
                }]);
            }
            match error {
                Some(error) => {
                    request.status_code = None;
                    request.error = Some(error.into());
                    TabEvent::Errored(request)
                }
                None => TabEvent::Completed(request),
            }
        })
}

/// Any tab event: a request (as [`any_request`]), a commit, a failed navigation, a closed tab.
fn any_tab_event() -> impl Strategy<Value = TabEvent> {
    let tab = prop::sample::select(vec![-1i64, 3, 4]);
    let frame = prop::sample::select(vec![0i64, 2]);
    let url = prop::sample::select(vec![PAGE, "https://other.example/", "about:blank"]);
    let error = prop::option::of(prop::sample::select(vec![
        "net::ERR_TOO_MANY_REDIRECTS",
        "net::ERR_ABORTED",
        "net::ERR_CONNECTION_REFUSED",
        "net::ERR_CERT_DATE_INVALID",
        "SSL_ERROR_BAD_CERT_DOMAIN",
        "garbage",
    ]));
    prop_oneof![
        any_request(),
        (tab.clone(), frame.clone(), url.clone()).prop_map(|(tab_id, frame_id, url)| {
            TabEvent::Committed {
                tab_id,
                frame_id,
                url: url.into(),
            }
        }),
        (tab.clone(), frame, url, error).prop_map(|(tab_id, frame_id, url, error)| {
            TabEvent::NavigationFailed {
                tab_id,
                frame_id,
                url: url.into(),
                error: error.map(str::to_string),
            }
        }),
        tab.prop_map(|tab_id| TabEvent::Closed { tab_id }),
    ]
}

proptest! {
    /// What the first module drops changes nothing: from a start with nothing kept, the engine
    /// does nothing about any event `needs_full_core` lets go (a closed tab's `ForgetTab` and
    /// `ClearNote` find nothing to forget), whatever such events came before; and it does something about every
    /// tab event that needs it (no full core compiled for nothing).
    #[test]
    fn what_the_first_module_drops_changes_nothing(events in prop::collection::vec(any_tab_event(), 1..8)) {
        let (mut browser, mut world) = (Browser::default(), world());
        for event in events {
            let event = Event::Tab(event);
            let needed = needs_full_core(&event, T0);
            let effects = browser.send(&mut world, event.clone(), T0);
            let done: Vec<&Effect> = effects
                .iter()
                .filter(|e| !matches!(e, Effect::ForgetTab { .. } | Effect::ClearNote { .. }))
                .collect();
            if needed {
                prop_assert!(!done.is_empty(), "needed for nothing: {:?}", event);
                break;
            }
            prop_assert!(done.is_empty(), "dropped {:?}, but the engine did {:?}", event, done);
            prop_assert!(world.watchers.is_idle());
            prop_assert!(browser.incidents.is_empty() && browser.unassigned.is_none() && browser.badges.is_empty());
        }
    }

    /// What the full core drops changes nothing: after a failure (auto-retry watching it, and
    /// perhaps a failure still waiting for its tab), the engine does nothing about an ordinary
    /// navigation (one `needs_full_core` lets go) that `full_core_may_drop` drops, whatever
    /// came before it, and auto-retry's state stays as it was.
    #[test]
    fn what_the_full_core_drops_changes_nothing(
        waiting in any::<bool>(),
        events in prop::collection::vec(any_tab_event(), 1..10),
    ) {
        let (mut browser, mut world) = (Browser::default(), world());
        browser.send(&mut world, failed(3, 502, T0), T0);
        if waiting {
            browser.send(&mut world, failing_navigation(5, true).remove(0), T0);
            prop_assert!(browser.unassigned.is_some());
        }
        prop_assert!(!world.watchers.is_idle());
        for (i, event) in events.into_iter().enumerate() {
            let now = T0 + 1_000.0 * (i + 1) as f64;
            let kind = match &event {
                TabEvent::Completed(_) => "completed",
                TabEvent::Committed { .. } => "committed",
                _ => "other",
            };
            let event = Event::Tab(event);
            let has_incident = event.tab_id().is_some_and(|tab| browser.incidents.contains_key(&tab));
            let dropped = !needs_full_core(&event, now)
                && full_core_may_drop(kind, has_incident, browser.unassigned.is_some());
            let (watched, stored) = (world.watchers.snapshot(), format!("{browser:?}"));
            let effects = browser.send(&mut world, event.clone(), now);
            if dropped {
                prop_assert!(effects.is_empty(), "dropped {:?}, but the engine did {:?}", event, effects);
                prop_assert_eq!(&world.watchers.snapshot(), &watched);
                prop_assert_eq!(format!("{browser:?}"), stored);
            }
        }
    }

    /// The first module's badge is the engine's: for any request, whatever was stored for the
    /// tab before (nothing, the same failure, another failure), `handle` sets exactly the badge
    /// `first_badge` gives, and sets none when it gives none.
    #[test]
    fn the_first_badge_is_the_engines_badge(event in any_request(), before in prop::option::of(any_request()), ignore: bool) {
        let mut settings = Settings::default();
        if ignore {
            settings.site_rules = crate::rules::Rules::read(Some(&serde_json::json!(["i:ignored.example"])));
        }
        let (mut browser, mut world) = (Browser::default(), world());
        world.settings = settings.clone();
        if let Some(before) = before {
            browser.send(&mut world, Event::Tab(before), T0 - 1_000.0);
        }
        let expected = first_badge(&event, &settings);
        let tab = event_tab(&event);
        let effects = browser.send(&mut world, Event::Tab(event), T0);
        let set: Vec<&Effect> = effects
            .iter()
            .filter(|e| matches!(e, Effect::SetBadge { tab_id, .. } if Some(*tab_id) == tab))
            .collect();
        match expected {
            Some(badge) => prop_assert_eq!(set, vec![&badge]),
            None => prop_assert!(set.is_empty(), "{:?}", set),
        }
    }

    /// Whatever the order of its events, a failed page ends badged and stored, with one set of
    /// checks. (A request without its tab, `tabId: -1`, is placed by the commit that follows it.)
    #[test]
    fn a_failure_ends_badged_whatever_the_order(order in prop::collection::vec(0usize..3, 3), unassigned: bool) {
        let (mut browser, mut world) = (Browser::default(), world());
        let all = if unassigned {
            let mut events = failing_navigation(4, true);
            let request = events.remove(0);
            let mut all = vec![request];
            all.extend(shuffled(events, &order));
            all
        } else {
            shuffled(failing_navigation(4, false), &order)
        };
        for (i, event) in all.into_iter().enumerate() {
            browser.send(&mut world, event, T0 + i as f64);
        }
        prop_assert_eq!(browser.badges.get(&4).map(String::as_str), Some("502"));
        prop_assert!(browser.incidents.contains_key(&4));
        prop_assert!(browser.unassigned.is_none());
        prop_assert_eq!(browser.checks_started, 1);
        prop_assert!(world.watchers.tab_status(4).is_some());
    }

    /// Whatever the order of the next page's events, a good page clears the badge, the incident
    /// and the watch.
    #[test]
    fn a_good_page_after_a_failure_clears_everything(order in prop::collection::vec(0usize..3, 3)) {
        let (mut browser, mut world) = (Browser::default(), world());
        for event in failing_navigation(4, false) {
            browser.send(&mut world, event, T0);
        }
        let next = "https://other.example/";
        let events = vec![
            Event::Tab(TabEvent::Completed(answer(4, 200, next, T0 + 10.0))),
            committed(4, next),
            Event::Tab(TabEvent::Completed(answer(4, 200, next, T0 + 20.0))),
        ];
        for (i, event) in shuffled(events, &order).into_iter().enumerate() {
            browser.send(&mut world, event, T0 + 100.0 + i as f64);
        }
        prop_assert!(!browser.badges.contains_key(&4));
        prop_assert!(!browser.incidents.contains_key(&4));
        prop_assert!(world.watchers.tab_status(4).is_none());
    }

    /// Auto-retry never probes a tab whose failure the verdict pinned on the visitor's cookies,
    /// whenever the verdict comes and whatever ticks and repeats happen around it.
    #[test]
    fn the_cookie_verdict_wins_at_any_moment(
        steps in prop::collection::vec(0u8..3, 1..40),
        verdict_at in 0usize..40,
    ) {
        let (mut browser, mut world) = (Browser::default(), world());
        browser.send(&mut world, failed(4, 502, T0), T0);
        let mut now = T0;
        let mut decided = false;
        for (i, step) in steps.iter().enumerate() {
            now += 700.0;
            if i == verdict_at.min(steps.len() - 1) {
                let records = vec![refetch(CheckId::Fresh, T0, 502), refetch(CheckId::Stranger, T0, 200)];
                browser.send(&mut world, answered(4, T0, &records), now);
                decided = true;
                browser.probes.clear();
            }
            match step {
                0 => { browser.send(&mut world, Event::Tick { online: true }, now); }
                1 => { browser.send(&mut world, failed(4, 502, now), now); }
                _ => {
                    let origin = "https://shop.example:443".to_string();
                    browser.send(&mut world, Event::ProbeAnswered { origin, outcome: ProbeOutcome::Up, jitter: 0.3 }, now);
                }
            }
            if decided {
                prop_assert!(browser.probes.is_empty());
                prop_assert_eq!(browser.notes.get(&4), Some(&RetryNote::YourCookies));
            }
        }
    }
}

fn flags(change: fn(&mut crate::rules::RuleFlags)) -> crate::rules::RuleFlags {
    let mut flags = crate::rules::RuleFlags::default();
    change(&mut flags);
    flags
}

fn page_read(tab_id: i64) -> Event {
    Event::PageRead {
        tab_id,
        at_ms: T0,
        text: "<html><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>".into(),
    }
}

#[test]
fn a_failure_that_ends_is_recorded_once_with_host_kind_box_duration_and_verdict() {
    let (mut browser, mut world) = (Browser::default(), world());
    let from_nginx = |at: f64| {
        let mut details = answer(4, 502, PAGE, at);
        details.response_headers = Some(vec![HeaderDetails {
            name: "Server".into(),
            value: Some("nginx/1.24.0".into()),
        }]);
        Event::Tab(TabEvent::Completed(details))
    };
    browser.send(&mut world, from_nginx(T0), T0);
    browser.send(&mut world, page_read(4), T0 + 100.0);
    browser.send(
        &mut world,
        answered(
            4,
            T0,
            &[
                refetch(CheckId::Fresh, T0, 502),
                refetch(CheckId::Stranger, T0, 502),
            ],
        ),
        T0 + 200.0,
    );
    // Still failing: nothing recorded yet.
    browser.send(&mut world, from_nginx(T0 + 30_000.0), T0 + 30_000.0);
    assert!(browser.history.is_empty());
    // Back 12 minutes later, at another page of the same site.
    let back = T0 + 12.0 * 60_000.0;
    let ok = answer(4, 200, "https://shop.example/other?secret=1", back);
    browser.send(&mut world, Event::Tab(TabEvent::Completed(ok)), back);
    assert_eq!(browser.history.len(), 1, "{:?}", browser.history);
    let entry = &browser.history[0];
    assert_eq!(entry.host, "shop.example");
    assert_eq!(entry.at_ms, T0);
    assert_eq!(entry.duration_ms, 12.0 * 60_000.0);
    assert_eq!(entry.kind, "502");
    assert_eq!(entry.gateway.as_deref(), Some("nginx"));
    assert_eq!(entry.ending, crate::history::Ending::Recovered);
    assert!(entry.verdict.is_some());
    // Never the path or the query.
    let stored = format!("{entry:?}");
    assert!(
        !stored.contains("cart") && !stored.contains("secret"),
        "{stored}"
    );
    // Nothing more once it is over.
    browser.send(
        &mut world,
        Event::Tab(TabEvent::Closed { tab_id: 4 }),
        back + 1.0,
    );
    assert_eq!(browser.history.len(), 1);
}

#[test]
fn a_closed_tab_or_another_site_is_a_visitor_who_gave_up() {
    use crate::history::Ending;
    let (mut browser, mut world) = (Browser::default(), world());
    browser.send(&mut world, failed(4, 502, T0), T0);
    let effects = browser.send(
        &mut world,
        Event::Tab(TabEvent::Closed { tab_id: 4 }),
        T0 + 5_000.0,
    );
    assert!(
        needs_settings(&Event::Tab(TabEvent::Closed { tab_id: 4 }), false)
            || may_end_failure(&Event::Tab(TabEvent::Closed { tab_id: 4 }), true)
    );
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::RecordHistory { .. })));
    assert_eq!(browser.history[0].ending, Ending::GaveUp);
    assert_eq!(browser.history[0].duration_ms, 5_000.0);
    browser.send(&mut world, failed(5, 504, T0), T0);
    browser.send(
        &mut world,
        committed(5, "https://elsewhere.example/"),
        T0 + 1_000.0,
    );
    assert_eq!(browser.history.len(), 2);
    assert_eq!(browser.history[1].ending, Ending::GaveUp);
    assert_eq!(browser.history[1].kind, "504");
    // Another failure in the tab ends the first one.
    browser.send(&mut world, failed(6, 502, T0), T0);
    browser.send(&mut world, failed(6, 503, T0 + 2_000.0), T0 + 2_000.0);
    assert_eq!(browser.history.len(), 3);
    assert_eq!(browser.history[2].kind, "502");
}

#[test]
fn no_history_while_the_setting_is_off() {
    let (mut browser, mut world) = (Browser::default(), world());
    world.settings.keep_history = false;
    browser.send(&mut world, failed(4, 502, T0), T0);
    browser.send(
        &mut world,
        Event::Tab(TabEvent::Closed { tab_id: 4 }),
        T0 + 5_000.0,
    );
    assert!(browser.history.is_empty());
}

#[test]
fn an_ignored_site_gets_no_badge_no_storage_no_checks_and_no_history() {
    let (mut browser, mut world) = (Browser::default(), world());
    world
        .settings
        .site_rules
        .set("shop.example", false, flags(|f| f.ignore = true));
    let effects = browser.send(&mut world, failed(4, 502, T0), T0);
    assert!(browser.badges.is_empty(), "{effects:?}");
    assert!(browser.incidents.is_empty());
    assert_eq!(browser.checks_started, 0);
    assert!(world.watchers.tab_status(4).is_none());
    assert!(!effects
        .iter()
        .any(|e| matches!(e, Effect::ReadErrorPage { .. } | Effect::SaveRetryState)));
    // Unassigned (Firefox's tabId -1) too.
    let mut request = answer(-1, 502, PAGE, T0);
    request.tab_id = Some(-1);
    browser.send(&mut world, Event::Tab(TabEvent::Completed(request)), T0);
    assert!(browser.unassigned.is_none());
    browser.send(
        &mut world,
        Event::Tab(TabEvent::Closed { tab_id: 4 }),
        T0 + 1.0,
    );
    assert!(browser.history.is_empty());
    // A failure shown before in the tab goes when the ignored site fails there.
    let (mut browser, mut world) = (Browser::default(), self::world());
    let other = answer(7, 503, "https://other.example/", T0);
    browser.send(&mut world, Event::Tab(TabEvent::Completed(other)), T0);
    world
        .settings
        .site_rules
        .set("shop.example", true, flags(|f| f.ignore = true));
    browser.send(&mut world, failed(7, 502, T0 + 10.0), T0 + 10.0);
    assert!(browser.badges.is_empty());
    assert!(browser.incidents.is_empty());
}

#[test]
fn site_rules_stop_retry_and_the_banner() {
    // Never auto-retry: the same note as the never-retry list.
    let (mut browser, mut world) = (Browser::default(), world());
    world
        .settings
        .site_rules
        .set("shop.example", false, flags(|f| f.never_retry = true));
    browser.send(&mut world, failed(4, 502, T0), T0);
    assert_eq!(browser.notes.get(&4), Some(&RetryNote::Excepted));
    assert!(world.watchers.tab_status(4).is_none());
    for second in 1..60 {
        let now = T0 + f64::from(second) * 1000.0;
        browser.send(&mut world, Event::Tick { online: true }, now);
    }
    assert!(browser.probes.is_empty());
    // The badge and the checks stay.
    assert_eq!(browser.badges.get(&4).map(String::as_str), Some("502"));
    assert_eq!(browser.checks_started, 1);
    browser.send(&mut world, page_read(4), T0 + 100.0);
    assert_eq!(browser.banners, 1);
    // No banner.
    let (mut browser, mut world) = (Browser::default(), self::world());
    world
        .settings
        .site_rules
        .set("shop.example", false, flags(|f| f.no_banner = true));
    browser.send(&mut world, failed(4, 502, T0), T0);
    browser.send(&mut world, page_read(4), T0 + 100.0);
    assert_eq!(browser.banners, 0);
    assert!(browser.incidents[&4].page_excerpt.is_some());
    assert!(world.watchers.tab_status(4).is_some());
}

/// The events a woken worker meets most, and whether each needs the full core.
#[test]
fn only_failures_and_the_rest_of_the_world_need_the_full_core() {
    let tab = |e: TabEvent| Event::Tab(e);
    let cases = [
        (failed(3, 200, T0), false),
        (failed(3, 404, T0), false),
        (failed(3, 502, T0), true),
        (committed(3, PAGE), false),
        (tab(TabEvent::Closed { tab_id: 3 }), false),
        (
            tab(TabEvent::NavigationFailed {
                tab_id: 3,
                frame_id: 0,
                url: PAGE.into(),
                error: Some("net::ERR_ABORTED".into()),
            }),
            false,
        ),
        (
            tab(TabEvent::NavigationFailed {
                tab_id: 3,
                frame_id: 0,
                url: PAGE.into(),
                error: Some("net::ERR_TOO_MANY_REDIRECTS".into()),
            }),
            true,
        ),
        (Event::Tick { online: true }, true),
        (Event::Connectivity { online: false }, true),
        (Event::Message(Request::OpenDetails { tab_id: 3 }), true),
    ];
    for (event, needed) in cases {
        assert_eq!(needs_full_core(&event, T0), needed, "{event:?}");
    }
}
