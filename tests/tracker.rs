//! The tab life cycle: badge on failure, again after commit, gone after a good load.

use gateway_doctor::failure::{Failure, NetError};
use gateway_doctor::incident::{host_of, truncate, HeaderDetails, Incident, RequestDetails};
use gateway_doctor::tracker::{decide, Action, Stored, TabEvent};

const URL: &str = "http://127.0.0.1:8080/shop?q=1";

fn details(tab_id: i64) -> RequestDetails {
    RequestDetails {
        url: URL.into(),
        tab_id: Some(tab_id),
        frame_id: Some(0),
        resource_type: "main_frame".into(),
        method: Some("GET".into()),
        ip: Some("127.0.0.1".into()),
        time_stamp: Some(1_000.0),
        ..Default::default()
    }
}

fn completed(tab_id: i64, status: u16) -> TabEvent {
    TabEvent::Completed(RequestDetails {
        status_code: Some(status),
        status_line: Some(format!("HTTP/1.1 {status} Whatever")),
        ..details(tab_id)
    })
}

fn errored(tab_id: i64, error: &str) -> TabEvent {
    TabEvent::Errored(RequestDetails {
        error: Some(error.into()),
        ..details(tab_id)
    })
}

fn commit(tab_id: i64, url: &str) -> TabEvent {
    TabEvent::Committed {
        tab_id,
        frame_id: 0,
        url: url.into(),
    }
}

fn incident(status: u16) -> Incident {
    let TabEvent::Completed(d) = completed(4, status) else {
        unreachable!()
    };
    Incident::from_details(&d, Failure::Http { status })
}

fn badge(actions: &[Action]) -> Option<&str> {
    actions.iter().find_map(|a| match a {
        Action::ShowBadge { text, .. } => Some(text.as_str()),
        _ => None,
    })
}

#[test]
fn a_502_is_remembered_and_badged() {
    let actions = decide(completed(4, 502), Stored::default(), 1_000.0);
    assert_eq!(badge(&actions), Some("502"));
    let Some(Action::Remember {
        tab_id: 4,
        incident,
    }) = actions.first()
    else {
        panic!("expected Remember first: {actions:?}")
    };
    assert_eq!(incident.host, "127.0.0.1");
    assert_eq!(incident.server_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(incident.failure, Failure::Http { status: 502 });
}

#[test]
fn network_errors_are_badged_and_aborts_do_nothing() {
    let refused = decide(
        errored(4, "net::ERR_CONNECTION_REFUSED"),
        Stored::default(),
        0.0,
    );
    assert_eq!(badge(&refused), Some("REF"));
    let dns = decide(errored(4, "NS_ERROR_UNKNOWN_HOST"), Stored::default(), 0.0);
    assert_eq!(badge(&dns), Some("DNS"));
    let stored = Stored {
        tab: Some(incident(502)),
        unassigned: None,
    };
    assert!(decide(errored(4, "net::ERR_ABORTED"), stored, 0.0).is_empty());
}

#[test]
fn a_good_load_clears_the_badge() {
    let stored = Stored {
        tab: Some(incident(502)),
        unassigned: None,
    };
    let actions = decide(completed(4, 200), stored, 0.0);
    assert_eq!(
        actions,
        vec![
            Action::Forget { tab_id: 4 },
            Action::ClearBadge { tab_id: 4 }
        ]
    );
    let not_found = decide(completed(4, 404), stored_tab(incident(502)), 0.0);
    assert!(not_found.contains(&Action::ClearBadge { tab_id: 4 }));
    // Nothing stored, nothing to clear: ordinary navigations cost no storage writes.
    assert!(decide(completed(4, 200), Stored::default(), 0.0).is_empty());
}

#[test]
fn commit_of_the_failed_page_sets_the_badge_again() {
    let stored = Stored {
        tab: Some(incident(504)),
        unassigned: None,
    };
    let actions = decide(commit(4, URL), stored, 0.0);
    assert_eq!(badge(&actions), Some("504"));
}

#[test]
fn commit_of_another_page_forgets_the_incident() {
    let stored = Stored {
        tab: Some(incident(502)),
        unassigned: None,
    };
    let actions = decide(commit(4, "http://127.0.0.1:8080/other"), stored, 0.0);
    assert_eq!(
        actions,
        vec![
            Action::Forget { tab_id: 4 },
            Action::ClearBadge { tab_id: 4 }
        ]
    );
    assert!(decide(commit(4, URL), Stored::default(), 0.0).is_empty());
}

#[test]
fn sub_frame_commits_change_nothing() {
    let stored = Stored {
        tab: Some(incident(502)),
        unassigned: None,
    };
    let event = TabEvent::Committed {
        tab_id: 4,
        frame_id: 9,
        url: "http://x/".into(),
    };
    assert!(decide(event, stored, 0.0).is_empty());
}

#[test]
fn firefox_requests_without_a_tab_are_matched_at_commit() {
    let actions = decide(completed(-1, 502), Stored::default(), 1_000.0);
    let [Action::RememberUnassigned { incident }] = actions.as_slice() else {
        panic!("{actions:?}")
    };
    let stored = Stored {
        tab: None,
        unassigned: Some(incident.clone()),
    };
    let actions = decide(commit(7, URL), stored.clone(), 2_000.0);
    assert_eq!(actions[0], Action::ForgetUnassigned);
    assert!(matches!(actions[1], Action::Remember { tab_id: 7, .. }));
    assert_eq!(badge(&actions), Some("502"));
    // Too old, or another page: not this tab's failure.
    assert!(badge(&decide(commit(7, URL), stored.clone(), 60_000.0)).is_none());
    assert!(badge(&decide(commit(7, "http://elsewhere/"), stored, 2_000.0)).is_none());
}

#[test]
fn closing_a_tab_forgets_it() {
    assert_eq!(
        decide(TabEvent::Closed { tab_id: 3 }, Stored::default(), 0.0),
        vec![Action::Forget { tab_id: 3 }]
    );
}

#[test]
fn hostile_headers_are_bounded_and_kept_as_plain_strings() {
    let mut headers: Vec<HeaderDetails> = (0..500)
        .map(|i| HeaderDetails {
            name: format!("x-amz-{i}"),
            value: Some("v".repeat(10_000)),
        })
        .collect();
    headers.insert(
        0,
        HeaderDetails {
            name: "binary".into(),
            value: None,
        },
    );
    headers.insert(
        1,
        HeaderDetails {
            name: "server".into(),
            value: Some("<img src=x onerror=alert(1)>é".repeat(200)),
        },
    );
    let d = RequestDetails {
        response_headers: Some(headers),
        ..details(1)
    };
    let incident = Incident::from_details(&d, Failure::Http { status: 502 });
    assert_eq!(incident.headers.len(), 64);
    assert_eq!(incident.headers[0].0, "server");
    assert!(incident
        .headers
        .iter()
        .all(|(n, v)| n.len() <= 128 && v.len() <= 1024));
    assert!(incident.headers[0].1.starts_with("<img src=x"));
}

#[test]
fn odd_urls_give_a_sensible_host() {
    for (url, host) in [
        ("http://user:pw@Example.com:8080/a?b#c", "Example.com"),
        ("https://[::1]:8443/", "::1"),
        ("http://127.0.0.1", "127.0.0.1"),
        ("http://a.invalid?x=1", "a.invalid"),
        ("nonsense", "nonsense"),
        ("", ""),
    ] {
        assert_eq!(host_of(url), host, "{url}");
    }
    assert_eq!(truncate("ééé", 3), "é");
    let long = RequestDetails {
        url: format!("http://x/{}", "a".repeat(100_000)),
        ..details(1)
    };
    let incident = Incident::from_details(
        &long,
        Failure::Network {
            error: NetError::EmptyResponse,
        },
    );
    assert_eq!(incident.url.len(), 4096);
}

#[test]
fn incidents_survive_a_storage_round_trip() {
    let original = incident(521);
    let json = serde_json::to_string(&original).expect("serialises");
    let back: Incident = serde_json::from_str(&json).expect("parses");
    assert_eq!(back, original);
}

fn navigation_failed(tab_id: i64, url: &str) -> TabEvent {
    TabEvent::NavigationFailed {
        tab_id,
        frame_id: 0,
        url: url.into(),
        error: Some("net::ERR_ABORTED".into()),
    }
}

fn navigation_error(tab_id: i64, frame_id: i64, url: &str, error: &str) -> TabEvent {
    TabEvent::NavigationFailed {
        tab_id,
        frame_id,
        url: url.into(),
        error: Some(error.into()),
    }
}

/// Chromium's `webRequest` sees a redirect loop as `net::ERR_ABORTED`; only `webNavigation`
/// names it. The navigation's error makes the incident then, and only then.
#[test]
fn a_failure_only_the_navigation_names_becomes_the_incident() {
    let loop_url = "http://127.0.0.1:8080/account/b";
    let actions = decide(
        navigation_error(4, 0, loop_url, "net::ERR_TOO_MANY_REDIRECTS"),
        Stored::default(),
        5_000.0,
    );
    assert_eq!(badge(&actions), Some("LOOP"));
    let Some(Action::Remember {
        tab_id: 4,
        incident: remembered,
    }) = actions.first()
    else {
        panic!("not remembered: {actions:?}")
    };
    assert_eq!(remembered.url, loop_url);
    assert_eq!(remembered.method, "GET");
    assert_eq!(remembered.at_ms, 5_000.0);
    assert_eq!(
        remembered.failure,
        Failure::Network {
            error: NetError::TooManyRedirects
        }
    );
    // No page of the site's to read: the browser shows its own.
    assert!(!actions
        .iter()
        .any(|a| matches!(a, Action::ReadErrorPage { .. })));

    // Firefox's TLS and certificate errors reach only webNavigation, as numbers.
    for (error, badge_text) in [
        ("Error code 2153398258", "CERT"),
        ("Error code 2153394151", "TLS"),
    ] {
        let actions = decide(
            navigation_error(4, 0, "https://127.0.0.1:8443/", error),
            Stored::default(),
            5_000.0,
        );
        assert_eq!(badge(&actions), Some(badge_text), "{error}");
    }

    // Stopped loads, sub-frames, unknown tabs and unrelated errors make nothing.
    for (tab, frame, error) in [
        (4, 0, "net::ERR_ABORTED"),
        (4, 0, "net::ERR_BLOCKED_BY_CLIENT"),
        // webRequest names these itself, with the method: Firefox's navigation error may come
        // first and must not make a failed form submission a GET.
        (4, 0, "Error code 2152398861"),
        (4, 0, "net::ERR_CONNECTION_REFUSED"),
        (4, 3, "net::ERR_TOO_MANY_REDIRECTS"),
        (-1, 0, "net::ERR_TOO_MANY_REDIRECTS"),
    ] {
        let actions = decide(
            navigation_error(tab, frame, loop_url, error),
            Stored::default(),
            5_000.0,
        );
        assert_eq!(actions, Vec::new(), "{tab} {frame} {error}");
    }

    // Already stored from webRequest (the usual order): the badge is set again, nothing replaced.
    let stored = Stored {
        tab: Some(incident(502)),
        unassigned: None,
    };
    let actions = decide(
        navigation_error(4, 0, URL, "net::ERR_CONNECTION_REFUSED"),
        stored,
        5_000.0,
    );
    assert_eq!(badge(&actions), Some("502"));
    assert!(!actions.iter().any(|a| matches!(a, Action::Remember { .. })));
}

#[test]
fn chromium_error_page_shown_sets_the_badge_again() {
    let stored = Stored {
        tab: Some(incident(502)),
        unassigned: None,
    };
    assert_eq!(
        badge(&decide(navigation_failed(4, URL), stored, 0.0)),
        Some("502")
    );
}

#[test]
fn a_stopped_navigation_keeps_the_current_state() {
    // The failed page is still on screen after the visitor stops a load elsewhere.
    let stored = Stored {
        tab: Some(incident(502)),
        unassigned: None,
    };
    assert!(decide(navigation_failed(4, "http://other/"), stored, 0.0).is_empty());
    assert!(decide(navigation_failed(4, URL), Stored::default(), 0.0).is_empty());
}

fn reads(actions: &[Action]) -> usize {
    actions
        .iter()
        .filter(|a| matches!(a, Action::ReadErrorPage { .. }))
        .count()
}

fn stored_tab(incident: Incident) -> Stored {
    Stored {
        tab: Some(incident),
        unassigned: None,
    }
}

#[test]
fn an_http_error_page_is_read_and_a_network_error_page_is_not() {
    assert_eq!(reads(&decide(completed(4, 502), Stored::default(), 0.0)), 1);
    let Some(Action::ReadErrorPage { tab_id: 4, url, .. }) =
        decide(completed(4, 502), Stored::default(), 0.0).pop()
    else {
        panic!("the read comes last, after the incident is stored")
    };
    assert_eq!(url, URL);
    assert_eq!(
        reads(&decide(
            errored(4, "net::ERR_CONNECTION_REFUSED"),
            Stored::default(),
            0.0
        )),
        0
    );
    // Commits re-badge but never read again.
    assert_eq!(
        reads(&decide(commit(4, URL), stored_tab(incident(502)), 0.0)),
        0
    );
}

#[test]
fn firefox_unassigned_incident_is_claimed_and_read_at_commit() {
    let actions = decide(completed(-1, 503), Stored::default(), 1_000.0);
    let [Action::RememberUnassigned { incident }] = actions.as_slice() else {
        panic!()
    };
    let stored = Stored {
        tab: None,
        unassigned: Some(incident.clone()),
    };
    let actions = decide(commit(5, URL), stored, 1_500.0);
    assert!(matches!(actions[1], Action::Remember { tab_id: 5, .. }));
    assert_eq!(badge(&actions), Some("503"));
    assert!(matches!(
        actions.last(),
        Some(Action::ReadErrorPage { tab_id: 5, .. })
    ));
}

fn committed(tab_id: i64, url: &str) -> TabEvent {
    TabEvent::Committed {
        tab_id,
        frame_id: 0,
        url: url.into(),
    }
}

/// Sign-in callbacks and tracking links run past 4 KB: the failed page must still be recognised
/// when it commits, and told apart from another long address that starts the same.
#[test]
fn a_failed_page_at_a_very_long_address_keeps_its_badge_when_it_commits() {
    let long = format!("http://127.0.0.1:8080/callback?state={}", "x".repeat(6000));
    let failed = RequestDetails {
        url: long.clone(),
        status_code: Some(502),
        ..details(4)
    };
    let incident = Incident::from_details(&failed, Failure::Http { status: 502 });
    assert!(incident.url.len() <= 4096 && incident.url_hash.is_some());
    assert!(incident.is_at(&long));
    let shown = decide(committed(4, &long), stored_tab(incident.clone()), 2_000.0);
    assert_eq!(badge(&shown), Some("502"), "{shown:?}");
    assert!(!shown.iter().any(|a| matches!(a, Action::Forget { .. })));

    // Same first 4 KB, another address: the tab moved on.
    let other = format!("{long}&more=1");
    assert!(!incident.is_at(&other));
    let moved = decide(committed(4, &other), stored_tab(incident.clone()), 2_000.0);
    assert!(moved.contains(&Action::Forget { tab_id: 4 }), "{moved:?}");

    // The hash survives storage.
    let json = serde_json::to_string(&incident).expect("serialises");
    let back: Incident = serde_json::from_str(&json).expect("parses");
    assert!(back.is_at(&long));
}

#[test]
fn only_headers_the_diagnosis_needs_are_kept() {
    let header = |name: &str, value: &str| gateway_doctor::incident::HeaderDetails {
        name: name.into(),
        value: Some(value.into()),
    };
    let failed = RequestDetails {
        status_code: Some(502),
        response_headers: Some(vec![
            header("Set-Cookie", "session=secret"),
            header("set-cookie2", "a=b"),
            header("Server", "nginx"),
            header("CF-RAY", "8f1c2a3b4c5d6e7f-FRA"),
            header("X-Amz-Cf-Id", "abc"),
            header("Content-Security-Policy", "default-src 'self'"),
            header("X-Custom-Tracking", "visitor-42"),
            header("Retry-After", "120"),
        ]),
        ..details(4)
    };
    let incident = Incident::from_details(&failed, Failure::Http { status: 502 });
    let names: Vec<&str> = incident.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Server", "CF-RAY", "X-Amz-Cf-Id", "Retry-After"]);
}

/// A reload that fails again the same way is more evidence for the same incident (its checks
/// stand: no new refetches, the popup does not start over); another failure, or one much later,
/// is a new incident.
#[test]
fn a_reload_that_fails_the_same_way_continues_the_incident() {
    let first = incident(502);
    let again_at = |status: u16, at: f64| {
        TabEvent::Completed(RequestDetails {
            status_code: Some(status),
            time_stamp: Some(at),
            ..details(4)
        })
    };
    let remembered = |actions: Vec<Action>| {
        actions.into_iter().find_map(|a| match a {
            Action::Remember { incident, .. } => Some(incident),
            _ => None,
        })
    };
    let again = remembered(decide(
        again_at(502, 5_000.0),
        stored_tab(first.clone()),
        5_000.0,
    ))
    .expect("remembered");
    assert_eq!(again.at_ms, first.at_ms, "same incident");
    assert_eq!(again.last_seen_ms(), 5_000.0);
    let other = remembered(decide(
        again_at(504, 5_000.0),
        stored_tab(first.clone()),
        5_000.0,
    ))
    .expect("remembered");
    assert_eq!(other.at_ms, 5_000.0, "another failure");
    let later = remembered(decide(
        again_at(502, 90_000.0),
        stored_tab(first.clone()),
        90_000.0,
    ))
    .expect("remembered");
    assert_eq!(later.at_ms, 90_000.0, "long after");
    // The window runs from the last time it was seen: a site failing on every reload stays one.
    let chained =
        remembered(decide(again_at(502, 62_000.0), stored_tab(again), 62_000.0)).expect("chained");
    assert_eq!(chained.at_ms, first.at_ms);
}
