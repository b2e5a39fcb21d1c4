//! Auto-retry: the policy's numbers, the per-origin watchers, and the product's promises
//! checked on the outage simulation.

use gateway_doctor::diagnosis::retry_after::RetryAfter;
use gateway_doctor::failure::{Failure, NetError};
use gateway_doctor::retry::simulate::{simulate, Scenario, Strategy, XorShift64, FIRST_MINUTE_MS};
use gateway_doctor::retry::{
    origin_of, retry_decision, AddResult, GiveUpReason, NoRetry, Pace, ProbeOutcome, ProbeRequest,
    RetryDecision, RetryPolicy, TabWaitState, WatcherAction, Watchers, WatchersState,
};

const ORIGIN: &str = "https://shop.example:443";
const OTHER: &str = "http://blog.example:8080";
const HOUR: u64 = 3_600_000;
const BAD_GATEWAY: Failure = Failure::Http { status: 502 };

fn watchers() -> Watchers {
    Watchers::new(RetryPolicy::default())
}

/// Adds `tab` failing with a 502 at `now_ms`. A first failure at 0 ms has no phase (the
/// policy's mixing of the clock maps 0 to 0), so the tests that start there probe first at 1 s.
fn add(w: &mut Watchers, tab: i64, now_ms: u64) -> AddResult {
    w.add_tab(tab, ORIGIN, "GET", BAD_GATEWAY, None, now_ms, HOUR)
}

fn down() -> ProbeOutcome {
    ProbeOutcome::Down { retry_after: None }
}

fn probe(origin: &str) -> ProbeRequest {
    ProbeRequest {
        origin: origin.to_string(),
        url: format!("{origin}/"),
    }
}

/// Runs the browser layer's loop on a virtual clock until `until_ms`: wake at `next_wake_ms`,
/// expire, start the due probes, answer each `latency_ms` later with `answer(time)`.
/// Returns the probes' start times and every action.
fn drive(
    w: &mut Watchers,
    until_ms: u64,
    latency_ms: u64,
    rng: &mut XorShift64,
    answer: impl Fn(u64) -> ProbeOutcome,
) -> (Vec<u64>, Vec<WatcherAction>) {
    let mut starts = Vec::new();
    let mut actions = Vec::new();
    while let Some(now) = w.next_wake_ms() {
        if now >= until_ms {
            break;
        }
        actions.extend(w.expire(now));
        for p in w.due(now) {
            starts.push(now);
            let done = now + latency_ms;
            actions.extend(w.probe_result(&p.origin, answer(done), done, rng.next_f64()));
        }
    }
    (starts, actions)
}

// ---------------------------------------------------------------------------------------------
// The policy's numbers

#[test]
fn first_minute_delays_are_two_seconds_plus_upward_jitter() {
    let policy = RetryPolicy::default();
    for elapsed in (0..60_000).step_by(1_500) {
        for jitter in [0.0, 0.1, 0.5, 0.9, 0.999_999] {
            let delay = policy.next_delay_ms(elapsed, None, jitter);
            assert!(
                (2_000..=2_040).contains(&delay),
                "{elapsed} {jitter}: {delay}"
            );
        }
    }
    // Out-of-range and NaN jitter stay within the same bounds.
    for jitter in [-1.0, 7.0, f64::NAN, f64::INFINITY] {
        let delay = policy.next_delay_ms(10_000, None, jitter);
        assert!((2_000..=2_040).contains(&delay), "{jitter}: {delay}");
    }
}

#[test]
fn at_most_thirty_probes_in_the_first_minute_whatever_the_jitter() {
    for (seed, fixed_jitter) in [(1, Some(0.0)), (2, None), (3, None), (4, Some(0.999))] {
        let mut w = watchers();
        for tab in 0..10 {
            add(&mut w, tab, tab as u64 * 100);
        }
        let mut jitter_rng = XorShift64::new(seed + 100);
        let mut starts = Vec::new();
        while let Some(now) = w.next_wake_ms() {
            if now >= FIRST_MINUTE_MS {
                break;
            }
            for p in w.due(now) {
                starts.push(now);
                let jitter = fixed_jitter.unwrap_or_else(|| jitter_rng.next_f64());
                w.probe_result(&p.origin, down(), now, jitter);
            }
        }
        assert!(starts.len() <= 30, "{seed}: {} probes", starts.len());
        assert!(starts.len() >= 24, "{seed}: {} probes", starts.len());
        assert!(
            starts.windows(2).all(|p| p[1] - p[0] >= 2_000),
            "{starts:?}"
        );
        assert_eq!(
            starts[0], 1_000,
            "first probe one second after the first failure"
        );
    }
}

#[test]
fn an_outages_first_probe_falls_anywhere_in_one_fast_interval() {
    let policy = RetryPolicy::default();
    // 1 s after the failure, plus a phase within one 2 s interval.
    for now in (0..100_000).step_by(7) {
        let delay = policy.first_probe_delay(Pace::Normal, now);
        assert!((1_000..3_000).contains(&delay), "{now}: {delay}");
    }
    // Pages that failed together (a site that went down under all its visitors, each failing a
    // millisecond or a few after the other) do not probe together: 100 failures within 100 ms
    // spread their first probes over the whole interval, at most a few in any 100 ms of it.
    let base = 1_764_000_000_000u64;
    let mut firsts: Vec<u64> = (0..100)
        .map(|i| base + i + policy.first_probe_delay(Pace::Normal, base + i))
        .collect();
    firsts.sort_unstable();
    let span = firsts[firsts.len() - 1] - firsts[0];
    assert!(span > 1_800, "{firsts:?}");
    let crowded = firsts
        .iter()
        .map(|&f| firsts.iter().filter(|&&g| g >= f && g < f + 100).count())
        .max()
        .unwrap_or(0);
    assert!(
        crowded <= 12,
        "{crowded} first probes within 100 ms: {firsts:?}"
    );
    // What the tests that fail at 0 ms build on (see `add`).
    assert_eq!(policy.first_probe_delay(Pace::Normal, 0), 1_000);
    // Slow failures keep their floor and no phase.
    assert_eq!(policy.first_probe_delay(Pace::Slow, 1_234), 10_000);
    // An 8 s outage does not always wait a whole interval: over failures a millisecond apart,
    // the wait after the site's return spreads evenly over one interval.
    let mut waits: Vec<u64> = (0..2_000u64)
        .map(|now| {
            let back = now + 8_000;
            let mut probe = now + policy.first_probe_delay(Pace::Normal, now);
            while probe < back {
                probe += policy.next_delay_ms(probe - now, None, 0.0);
            }
            probe - back
        })
        .collect();
    waits.sort_unstable();
    // Spread over the whole interval (with one fixed phase every wait would be the same)...
    let (shortest, longest) = (waits[0], waits[waits.len() - 1]);
    assert!(shortest < 100 && longest > 1_900, "{shortest}..{longest}");
    // ... so the median is half of it.
    let median = waits[waits.len() / 2];
    assert!((900..=1_100).contains(&median), "{median}");
}

#[test]
fn delays_grow_with_the_outage_after_the_fast_phase_up_to_a_cap() {
    let policy = RetryPolicy::default();
    assert_eq!(policy.next_delay_ms(89_999, None, 0.999_999), 2_039);
    // (outage so far, shortest, longest): 6 % of the outage, +-20 % jitter.
    let table = [
        (90_000, 4_320, 6_480),
        (120_000, 5_760, 8_640),
        (300_000, 14_400, 21_600),
        (600_000, 28_800, 43_200),
        (1_800_000, 86_400, 129_600),
        (3_000_000, 144_000, 216_000),
    ];
    for (elapsed, low, high) in table {
        let shortest = policy.next_delay_ms(elapsed, None, 0.0);
        assert!(shortest.abs_diff(low) <= 1, "{elapsed}: {shortest}");
        let mid = policy.next_delay_ms(elapsed, None, 0.5);
        assert!(low < mid && mid < high, "{elapsed}: {mid}");
        assert!(
            policy.next_delay_ms(elapsed, None, 0.999_999) <= high,
            "{elapsed}"
        );
    }
    let mut last = 0;
    for elapsed in (90_000..6 * HOUR).step_by(60_000) {
        let delay = policy.next_delay_ms(elapsed, None, 0.5);
        assert!(delay >= last, "{elapsed}");
        last = delay;
    }
    // The cap.
    for elapsed in [5_000_000, 6 * HOUR, 1_000 * HOUR, u64::MAX] {
        assert_eq!(
            policy.next_delay_ms(elapsed, None, 0.999),
            300_000,
            "{elapsed}"
        );
    }
}

#[test]
fn retry_after_is_never_undercut_and_may_exceed_the_cap() {
    let policy = RetryPolicy::default();
    // (outage so far, Retry-After, delay with the shortest jitter)
    let table = [
        (0, Some(30_000), 30_000),
        (0, Some(500), 2_000),
        (0, Some(2_200), 2_200),
        (600_000, Some(120_000), 120_000),
        (600_000, Some(1_000), 28_800),
        (10 * HOUR, Some(HOUR), HOUR),
    ];
    for (elapsed, retry_after, expected) in table {
        let delay = policy.next_delay_ms(elapsed, retry_after, 0.0);
        assert!(
            delay.abs_diff(expected) <= 1,
            "{elapsed} {retry_after:?}: {delay}"
        );
        assert!(delay >= retry_after.unwrap_or(0));
    }
}

#[test]
fn slow_pace_and_flaps_stretch_the_delay() {
    let policy = RetryPolicy::default();
    for jitter in [0.0, 0.5, 0.99] {
        let slow = policy.delay_ms(Pace::Slow, 0, 5_000, None, jitter);
        assert!((10_000..=12_500).contains(&slow), "{slow}");
    }
    assert_eq!(policy.first_delay_for(Pace::Slow), 10_000);
    assert_eq!(policy.first_delay_for(Pace::Normal), 1_000);
    assert_eq!(policy.delay_ms(Pace::Normal, 1, 5_000, None, 0.0), 4_000);
    assert_eq!(policy.delay_ms(Pace::Normal, 3, 5_000, None, 0.0), 16_000);
    // Doublings stop at five.
    assert_eq!(policy.delay_ms(Pace::Normal, 40, 5_000, None, 0.0), 64_000);
    assert_eq!(policy.delay_ms(Pace::Normal, 40, HOUR, None, 0.5), 300_000);
}

#[test]
fn which_failures_are_retried() {
    use NetError::*;
    let normal = RetryDecision::Retry(Pace::Normal);
    let slow = RetryDecision::Retry(Pace::Slow);
    let never = RetryDecision::Never(NoRetry::NotTransient);
    let http = |status| Failure::Http { status };
    let net = |error| Failure::Network { error };
    let table = [
        (http(502), normal),
        (http(503), normal),
        (http(504), normal),
        (http(520), normal),
        (http(521), normal),
        (http(522), normal),
        (http(523), normal),
        (http(524), normal),
        (http(527), normal),
        (http(529), normal),
        (http(598), normal),
        (http(599), normal),
        (http(500), never),
        (http(501), never),
        (http(505), never),
        (http(507), never),
        (http(511), never),
        (http(525), never),
        (http(526), never),
        (http(528), never),
        (http(530), never),
        (net(ConnectionRefused), normal),
        (net(ConnectionReset), normal),
        (net(ConnectionClosed), normal),
        (net(ConnectionTimedOut), normal),
        (net(AddressUnreachable), normal),
        (net(EmptyResponse), normal),
        (net(InternetDisconnected), normal),
        (net(NameNotResolved), slow),
        (net(ProxyFailed), slow),
    ];
    for (failure, expected) in table {
        assert_eq!(retry_decision("GET", failure), expected, "{failure:?}");
        assert_eq!(retry_decision(" get ", failure), expected, "{failure:?}");
        for method in [
            "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "", "GETX",
        ] {
            assert_eq!(
                retry_decision(method, failure),
                RetryDecision::Never(NoRetry::NotGet),
                "{method} {failure:?}"
            );
        }
    }
}

#[test]
fn probe_answers_read_as_up_down_or_unfixable() {
    let after = Some(RetryAfter::Seconds { seconds: 30 });
    let table = [
        (200, ProbeOutcome::Up),
        (0, ProbeOutcome::Up),
        (301, ProbeOutcome::Up),
        (404, ProbeOutcome::Up),
        (405, ProbeOutcome::Up),
        (429, ProbeOutcome::Down { retry_after: after }),
        (502, ProbeOutcome::Down { retry_after: after }),
        (503, ProbeOutcome::Down { retry_after: after }),
        (522, ProbeOutcome::Down { retry_after: after }),
        (500, ProbeOutcome::Unfixable),
        (501, ProbeOutcome::Unfixable),
        (526, ProbeOutcome::Unfixable),
    ];
    for (status, expected) in table {
        assert_eq!(
            ProbeOutcome::from_status(status, after),
            expected,
            "{status}"
        );
    }
}

#[test]
fn origins_are_scheme_host_and_port() {
    let table = [
        (
            "https://Shop.Example/cart?q=1",
            Some("https://shop.example:443"),
        ),
        ("http://shop.example/", Some("http://shop.example:80")),
        (
            "HTTP://shop.example:8080#x",
            Some("http://shop.example:8080"),
        ),
        (
            "https://user:pw@shop.example.:443/",
            Some("https://shop.example:443"),
        ),
        ("http://[::1]:3000/x", Some("http://[::1]:3000")),
        ("http://[::1]/x", Some("http://[::1]:80")),
        ("http://127.0.0.1:8080", Some("http://127.0.0.1:8080")),
        ("ftp://shop.example/", None),
        ("chrome://extensions", None),
        ("https:///nohost", None),
        ("https://shop.example:abc/", None),
        ("not a url", None),
    ];
    for (url, expected) in table {
        assert_eq!(origin_of(url).as_deref(), expected, "{url}");
    }
}

// ---------------------------------------------------------------------------------------------
// The watchers

#[test]
fn a_non_get_tab_is_never_watched_and_never_reloaded() {
    let mut w = watchers();
    for method in ["POST", "PUT", "delete"] {
        let result = w.add_tab(1, ORIGIN, method, BAD_GATEWAY, None, 0, HOUR);
        assert_eq!(result, AddResult::NotGet, "{method}");
    }
    assert!(w.is_idle());
    assert_eq!(w.next_wake_ms(), None);
    assert!(w.due(10 * 60_000).is_empty());
    assert_eq!(w.tab_status(1), None);

    // A GET tab on the same origin is watched; the recovery reloads it, never the POST tab.
    add(&mut w, 2, 0);
    assert_eq!(
        w.add_tab(3, ORIGIN, "POST", BAD_GATEWAY, None, 0, HOUR),
        AddResult::NotGet
    );
    assert_eq!(w.due(1_000), vec![probe(ORIGIN)]);
    let actions = w.probe_result(ORIGIN, ProbeOutcome::Up, 1_020, 0.5);
    assert_eq!(actions, vec![WatcherAction::Reload { tab_ids: vec![2] }]);

    // A waiting tab whose next load is a form post stops being watched.
    add(&mut w, 4, 5_000);
    assert_eq!(
        w.add_tab(4, ORIGIN, "POST", BAD_GATEWAY, None, 6_000, HOUR),
        AddResult::NotGet
    );
    assert!(w.is_idle());
}

#[test]
fn a_failure_waiting_cannot_fix_is_not_watched() {
    let mut w = watchers();
    let result = w.add_tab(
        1,
        ORIGIN,
        "GET",
        Failure::Http { status: 500 },
        None,
        0,
        HOUR,
    );
    assert_eq!(result, AddResult::NotRetryable);
    assert!(w.is_idle());
    // The failure turning into one retrying cannot fix stops the retries.
    add(&mut w, 2, 0);
    let again = w.add_tab(
        2,
        ORIGIN,
        "GET",
        Failure::Http { status: 501 },
        None,
        10,
        HOUR,
    );
    assert_eq!(again, AddResult::NotRetryable);
    assert!(w.is_idle());
}

#[test]
fn ten_tabs_on_one_origin_make_one_probe_stream() {
    let mut w = watchers();
    for tab in 0..10 {
        let result = add(&mut w, tab, tab as u64 * 300);
        assert_eq!(
            result,
            AddResult::Waiting {
                next_probe_at_ms: 1_000
            },
            "{tab}"
        );
    }
    add_tab_elsewhere(&mut w, 99);
    assert_eq!(w.tabs_on(ORIGIN), (0..10).collect::<Vec<_>>());
    assert_eq!(w.next_wake_ms(), Some(1_000));
    assert!(w.due(999).is_empty());
    assert_eq!(w.due(1_000), vec![probe(ORIGIN)]);
    assert!(w.due(1_000).is_empty());
    assert!(w.due(5_000).is_empty(), "still in flight");
    // The other origin has its own stream, from its own failure (at 8 s).
    let other_first = 8_000 + RetryPolicy::default().first_probe_delay(Pace::Normal, 8_000);
    assert!(w.due(other_first - 1).is_empty());
    assert_eq!(w.due(other_first), vec![probe(OTHER)]);
    assert!(w.remove_tab(99));

    // The first probe was lost: the next starts when it times out, then one at a time.
    let mut rng = XorShift64::new(7);
    let (starts, actions) = drive(&mut w, 60_000, 20, &mut rng, |_| down());
    assert_eq!(starts[0], 11_000);
    assert!(actions
        .iter()
        .all(|a| matches!(a, WatcherAction::Schedule { .. })));
    assert!(starts.len() <= 25, "{starts:?}");
    assert!(
        starts.windows(2).all(|p| p[1] - p[0] >= 2_000),
        "{starts:?}"
    );
}

fn add_tab_elsewhere(w: &mut Watchers, tab: i64) {
    let refused = Failure::Network {
        error: NetError::ConnectionRefused,
    };
    w.add_tab(tab, OTHER, "GET", refused, None, 8_000, HOUR);
}

#[test]
fn recovery_reloads_every_waiting_tab_on_the_origin_only() {
    let mut w = watchers();
    for tab in 0..10 {
        add(&mut w, tab, tab as u64 * 100);
    }
    add_tab_elsewhere(&mut w, 99);
    let mut rng = XorShift64::new(1);
    let (_, actions) = drive(&mut w, 60_000, 20, &mut rng, |t| {
        if t >= 9_000 {
            ProbeOutcome::Up
        } else {
            down()
        }
    });
    let mut reloads: Vec<_> = actions
        .iter()
        .filter_map(|a| match a {
            WatcherAction::Reload { tab_ids } => Some(tab_ids.clone()),
            _ => None,
        })
        .collect();
    reloads.sort();
    assert_eq!(reloads, vec![(0..10).collect::<Vec<i64>>(), vec![99]]);
    assert!(w.is_idle());
}

#[test]
fn removed_tabs_stop_the_retries() {
    let mut w = watchers();
    add(&mut w, 1, 0);
    add(&mut w, 2, 0);
    assert!(w.remove_tab(1));
    assert!(!w.remove_tab(1));
    assert_eq!(w.due(1_000), vec![probe(ORIGIN)]);
    w.probe_result(ORIGIN, down(), 1_020, 0.5);
    assert!(w.remove_tab(2));
    assert!(w.is_idle());
    assert_eq!(w.next_wake_ms(), None);
    assert!(w.due(HOUR).is_empty());
    // A late answer for a forgotten origin does nothing.
    assert!(w
        .probe_result(ORIGIN, ProbeOutcome::Up, 3_000, 0.5)
        .is_empty());

    // A tab that fails on another origin moves to that origin's watcher.
    add(&mut w, 3, 10_000);
    add_tab_elsewhere(&mut w, 3);
    assert!(w.tabs_on(ORIGIN).is_empty());
    assert_eq!(w.tabs_on(OTHER), vec![3]);
}

#[test]
fn offline_pauses_and_online_probes_at_once() {
    let mut w = watchers();
    add(&mut w, 1, 0);
    assert_eq!(w.due(1_000), vec![probe(ORIGIN)]);
    w.probe_result(ORIGIN, down(), 1_020, 0.5);
    w.set_online(false, 2_000);
    assert!(!w.is_online());
    for t in (2_000..120_000).step_by(500) {
        assert!(w.due(t).is_empty(), "{t}");
    }
    // Only the time limit wakes the browser layer while offline.
    assert_eq!(w.next_wake_ms(), Some(HOUR));
    assert_eq!(
        w.tab_status(1).map(|s| s.state),
        Some(TabWaitState::PausedOffline)
    );

    w.set_online(true, 120_000);
    assert_eq!(w.next_wake_ms(), Some(120_000));
    assert_eq!(w.due(120_000), vec![probe(ORIGIN)]);
    // The offline time does not count as outage: the next delay is still a first-minute one.
    let actions = w.probe_result(ORIGIN, down(), 120_020, 0.5);
    let [WatcherAction::Schedule { at_ms, .. }] = actions.as_slice() else {
        panic!("{actions:?}");
    };
    assert!((122_020..=122_520).contains(at_ms), "{at_ms}");
}

#[test]
fn online_still_honours_the_gap_and_retry_after() {
    let mut w = watchers();
    add(&mut w, 1, 0);
    assert_eq!(w.due(1_000), vec![probe(ORIGIN)]);
    let busy = ProbeOutcome::Down {
        retry_after: Some(RetryAfter::Seconds { seconds: 60 }),
    };
    w.probe_result(ORIGIN, busy, 1_020, 0.5);
    w.set_online(false, 1_500);
    w.set_online(true, 2_000);
    assert!(w.due(2_000).is_empty());
    assert_eq!(w.next_wake_ms(), Some(61_020));
    assert_eq!(w.due(61_020), vec![probe(ORIGIN)]);
}

#[test]
fn retry_after_from_the_failed_page_or_a_probe_is_honoured() {
    // Times on the wall clock, so that a Retry-After date compares with them.
    let t0 = 1_700_000_000_000;
    let mut w = watchers();
    let after = Some(RetryAfter::Seconds { seconds: 120 });
    let result = w.add_tab(
        1,
        ORIGIN,
        "GET",
        Failure::Http { status: 503 },
        after,
        t0,
        HOUR,
    );
    assert_eq!(
        result,
        AddResult::Waiting {
            next_probe_at_ms: t0 + 120_000
        }
    );
    assert!(w.due(t0 + 119_999).is_empty());
    assert_eq!(w.due(t0 + 120_000), vec![probe(ORIGIN)]);

    let at = Some(RetryAfter::At {
        epoch_seconds: 1_700_000_210,
    });
    let now = t0 + 120_020;
    let actions = w.probe_result(ORIGIN, ProbeOutcome::Down { retry_after: at }, now, 0.0);
    assert_eq!(
        actions,
        vec![WatcherAction::Schedule {
            origin: ORIGIN.into(),
            at_ms: now + 90_000
        }]
    );
    assert!(w.due(now + 89_999).is_empty());
    assert_eq!(w.due(now + 90_000), vec![probe(ORIGIN)]);
}

#[test]
fn the_time_limit_gives_up() {
    let mut w = watchers();
    w.add_tab(1, ORIGIN, "GET", BAD_GATEWAY, None, 0, 60_000);
    w.add_tab(2, ORIGIN, "GET", BAD_GATEWAY, None, 30_000, 60_000);
    let mut rng = XorShift64::new(3);
    let (_, actions) = drive(&mut w, HOUR, 20, &mut rng, |_| down());
    let give_ups: Vec<_> = actions
        .iter()
        .filter(|a| matches!(a, WatcherAction::GiveUp { .. }))
        .cloned()
        .collect();
    assert_eq!(
        give_ups,
        vec![
            WatcherAction::GiveUp {
                tab_ids: vec![1],
                reason: GiveUpReason::TimeLimit
            },
            WatcherAction::GiveUp {
                tab_ids: vec![2],
                reason: GiveUpReason::TimeLimit
            }
        ]
    );
    assert!(w.is_idle());

    // Failing again keeps the first deadline.
    w.add_tab(3, ORIGIN, "GET", BAD_GATEWAY, None, 0, 60_000);
    w.add_tab(3, ORIGIN, "GET", BAD_GATEWAY, None, 50_000, 60_000);
    assert_eq!(w.tab_status(3).map(|s| s.deadline_ms), Some(60_000));
    assert_eq!(
        w.expire(60_000),
        vec![WatcherAction::GiveUp {
            tab_ids: vec![3],
            reason: GiveUpReason::TimeLimit
        }]
    );
}

#[test]
fn an_unfixable_answer_gives_up_on_every_tab() {
    let mut w = watchers();
    add(&mut w, 1, 0);
    add(&mut w, 2, 100);
    assert_eq!(w.due(1_000), vec![probe(ORIGIN)]);
    let actions = w.probe_result(ORIGIN, ProbeOutcome::from_status(500, None), 1_020, 0.5);
    assert_eq!(
        actions,
        vec![WatcherAction::GiveUp {
            tab_ids: vec![1, 2],
            reason: GiveUpReason::Unfixable
        }]
    );
    assert!(w.is_idle());
}

#[test]
fn a_lost_probe_does_not_block_the_origin_forever() {
    let policy = RetryPolicy::default();
    let mut w = watchers();
    add(&mut w, 1, 0);
    assert_eq!(w.due(1_000), vec![probe(ORIGIN)]);
    assert_eq!(w.next_wake_ms(), Some(1_000 + policy.probe_timeout_ms));
    assert!(w.due(1_000 + policy.probe_timeout_ms - 1).is_empty());
    assert_eq!(w.due(1_000 + policy.probe_timeout_ms), vec![probe(ORIGIN)]);
}

#[test]
fn the_popup_gets_a_countdown() {
    let mut w = watchers();
    add(&mut w, 1, 0);
    add(&mut w, 2, 400);
    let status = w.tab_status(2).expect("watched");
    assert_eq!(status.origin, ORIGIN);
    assert_eq!(status.state, TabWaitState::Waiting);
    assert_eq!(status.next_probe_at_ms, Some(1_000));
    assert_eq!(status.waiting_since_ms, 400);
    assert_eq!(status.deadline_ms, 400 + HOUR);
    assert_eq!(status.tabs_on_origin, 2);
    w.due(1_000);
    let status = w.tab_status(1).expect("watched");
    assert_eq!(
        (status.state, status.next_probe_at_ms),
        (TabWaitState::Probing, None)
    );
    assert_eq!(status.probes_sent, 1);
    w.probe_result(ORIGIN, down(), 1_020, 0.0);
    assert_eq!(
        w.tab_status(1).and_then(|s| s.next_probe_at_ms),
        Some(3_020)
    );
}

#[test]
fn dns_failures_are_probed_slowly_until_a_faster_failure_joins() {
    let dns = Failure::Network {
        error: NetError::NameNotResolved,
    };
    let mut w = watchers();
    let result = w.add_tab(1, ORIGIN, "GET", dns, None, 0, HOUR);
    assert_eq!(
        result,
        AddResult::Waiting {
            next_probe_at_ms: 10_000
        }
    );
    let sooner = add(&mut w, 2, 3_000);
    assert_eq!(
        sooner,
        AddResult::Waiting {
            next_probe_at_ms: 4_000
        }
    );
}

#[test]
fn a_visitor_reload_that_works_brings_the_other_tabs_back() {
    let mut w = watchers();
    add(&mut w, 1, 0);
    add(&mut w, 2, 0);
    add(&mut w, 3, 0);
    assert_eq!(
        w.tab_loaded(2, ORIGIN, 500),
        vec![WatcherAction::Reload {
            tab_ids: vec![1, 3]
        }]
    );
    assert!(w.is_idle());
    // A tab showing another site is only forgotten.
    add(&mut w, 4, 1_000);
    add(&mut w, 5, 1_000);
    assert!(w.tab_loaded(4, OTHER, 1_500).is_empty());
    assert_eq!(w.tabs_on(ORIGIN), vec![5]);
}

#[test]
fn a_recovery_that_fails_again_backs_off_and_reloads_one_tab_first() {
    let mut w = watchers();
    // The fast delay at the jitter these calls pass (0.5).
    let fast = RetryPolicy::default().next_delay_ms(0, None, 0.5);
    for tab in 1..=3 {
        add(&mut w, tab, 0);
    }
    assert_eq!(w.due(1_000), vec![probe(ORIGIN)]);
    let actions = w.probe_result(ORIGIN, ProbeOutcome::Up, 1_020, 0.5);
    assert_eq!(
        actions,
        vec![WatcherAction::Reload {
            tab_ids: vec![1, 2, 3]
        }]
    );
    // The probe said up but the pages fail again (say only /shop is broken): same outage,
    // doubled delay, and one tab reloaded first.
    let results: Vec<_> = (1..=3).map(|tab| add(&mut w, tab, 1_100)).collect();
    let slower = AddResult::Waiting {
        next_probe_at_ms: 1_100 + 2 * fast,
    };
    assert_eq!(results, vec![slower; 3]);
    // They keep their first deadline.
    assert_eq!(w.tab_status(3).map(|s| s.deadline_ms), Some(HOUR));
    assert_eq!(w.due(1_100 + 2 * fast), vec![probe(ORIGIN)]);
    // After a flap one "up" is not proof: a second probe, a second apart, must agree.
    assert_eq!(
        w.probe_result(ORIGIN, ProbeOutcome::Up, 1_120 + 2 * fast, 0.5),
        vec![WatcherAction::Schedule {
            origin: ORIGIN.into(),
            at_ms: 3_100 + 2 * fast
        }]
    );
    assert_eq!(w.due(3_100 + 2 * fast), vec![probe(ORIGIN)]);
    let actions = w.probe_result(ORIGIN, ProbeOutcome::Up, 3_120 + 2 * fast, 0.5);
    assert_eq!(actions, vec![WatcherAction::Reload { tab_ids: vec![1] }]);
    assert_eq!(
        w.tab_status(2).map(|s| s.state),
        Some(TabWaitState::Reloading)
    );
    assert!(
        w.due(3_500 + 2 * fast).is_empty(),
        "no probe while the check reload is out"
    );

    // The check tab fails again: slower still, and three "up"s in a row needed.
    let again = add(&mut w, 1, 3_200 + 2 * fast);
    assert_eq!(
        again,
        AddResult::Waiting {
            next_probe_at_ms: 3_200 + 2 * fast + 4 * fast
        }
    );
    assert_eq!(w.due(3_200 + 6 * fast), vec![probe(ORIGIN)]);
    w.probe_result(ORIGIN, ProbeOutcome::Up, 3_220 + 6 * fast, 0.5);
    let next = w.next_wake_ms().expect("probe");
    assert_eq!(w.due(next), vec![probe(ORIGIN)]);
    // A "down" in between starts the count again.
    w.probe_result(
        ORIGIN,
        ProbeOutcome::Down { retry_after: None },
        next + 20,
        0.5,
    );
    let mut at = w.next_wake_ms().expect("probe");
    for _ in 0..2 {
        assert_eq!(w.due(at), vec![probe(ORIGIN)]);
        assert!(matches!(
            w.probe_result(ORIGIN, ProbeOutcome::Up, at + 20, 0.5)
                .as_slice(),
            [WatcherAction::Schedule { .. }]
        ));
        at = w.next_wake_ms().expect("probe");
    }
    assert_eq!(w.due(at), vec![probe(ORIGIN)]);
    assert_eq!(
        w.probe_result(ORIGIN, ProbeOutcome::Up, at + 20, 0.5),
        vec![WatcherAction::Reload { tab_ids: vec![1] }]
    );
    // The check tab loads: the rest follow.
    assert_eq!(
        w.tab_loaded(1, ORIGIN, at + 100),
        vec![WatcherAction::Reload {
            tab_ids: vec![2, 3]
        }]
    );
    assert!(w.is_idle());

    // Long after the recovery, a new failure is a new outage at full speed.
    let fresh = add(&mut w, 1, 200_000);
    let first = RetryPolicy::default().first_probe_delay(Pace::Normal, 200_000);
    assert_eq!(
        fresh,
        AddResult::Waiting {
            next_probe_at_ms: 200_000 + first
        }
    );
}

#[test]
fn a_silent_check_tab_waits_again() {
    let policy = RetryPolicy::default();
    let mut w = watchers();
    for tab in 1..=2 {
        add(&mut w, tab, 0);
    }
    w.due(1_000);
    w.probe_result(ORIGIN, ProbeOutcome::Up, 1_020, 0.5);
    for tab in 1..=2 {
        add(&mut w, tab, 1_100);
    }
    let mut at = w.next_wake_ms().expect("probe");
    // After the flap, two "up"s in a row before the check tab is reloaded.
    w.due(at);
    w.probe_result(ORIGIN, ProbeOutcome::Up, at + 20, 0.5);
    at = w.next_wake_ms().expect("probe");
    w.due(at);
    w.probe_result(ORIGIN, ProbeOutcome::Up, at + 20, 0.5);
    let timeout = at + 20 + policy.canary_timeout_ms;
    assert_eq!(w.next_wake_ms(), Some(timeout));
    assert!(w.expire(timeout).is_empty());
    assert_eq!(w.tabs_on(ORIGIN), vec![1, 2]);
    assert_eq!(w.due(timeout), vec![probe(ORIGIN)]);
}

#[test]
fn snapshot_and_restore_continue_the_same_schedule() {
    let mut original = watchers();
    for tab in 0..4 {
        add(&mut original, tab, tab as u64 * 700);
    }
    add_tab_elsewhere(&mut original, 9);
    let mut rng = XorShift64::new(11);
    let (starts, _) = drive(&mut original, 95_000, 20, &mut rng, |_| down());
    assert!(starts.len() > 20);
    // Mid-outage, with a probe in flight.
    let now = original.next_wake_ms().expect("waiting");
    original.expire(now);
    assert!(!original.due(now).is_empty());

    let json = serde_json::to_string(&original.snapshot()).expect("serialize");
    let state: WatchersState = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(state, original.snapshot());
    let mut restored = Watchers::restore(RetryPolicy::default(), state);
    assert_eq!(restored, original);

    let mut rng_a = XorShift64::new(5);
    let mut rng_b = XorShift64::new(5);
    let in_flight = original
        .snapshot()
        .origins
        .into_iter()
        .find(|o| o.in_flight_since_ms.is_some())
        .map(|o| o.origin)
        .expect("a probe in flight");
    let a = original.probe_result(&in_flight, down(), now + 20, rng_a.next_f64());
    let b = restored.probe_result(&in_flight, down(), now + 20, rng_b.next_f64());
    assert_eq!(a, b);
    let up_at = |t: u64| {
        if t > 400_000 {
            ProbeOutcome::Up
        } else {
            down()
        }
    };
    let run_a = drive(&mut original, HOUR, 20, &mut rng_a, up_at);
    let run_b = drive(&mut restored, HOUR, 20, &mut rng_b, up_at);
    assert_eq!(run_a, run_b);
    assert!(run_a.0.iter().all(|t| *t > now));
    assert!(original.is_idle() && restored.is_idle());
}

// ---------------------------------------------------------------------------------------------
// The product's promises, on the simulation

#[test]
fn simulated_recovery_meets_the_promises() {
    for outage_ms in [5_000, 30_000, 120_000, 600_000] {
        let scenario = Scenario::new(outage_ms, 10);
        let ours = simulate(&scenario, &Strategy::ours());
        assert_eq!(ours.unrecovered, 0, "{outage_ms}");
        assert_eq!(ours.delays_ms.len(), 10 * scenario.trials as usize);
        if outage_ms <= 60_000 {
            assert!(ours.median_delay_ms < 1_500, "{outage_ms}: {ours:?}");
        } else {
            assert!(
                ours.median_delay_ms * 20 < outage_ms,
                "{outage_ms}: median {}",
                ours.median_delay_ms
            );
        }
        assert!(ours.max_requests_first_minute <= 30, "{outage_ms}");
        assert_eq!(ours.max_in_flight, 1, "{outage_ms}");

        // Better than Chromium's own auto-reload on delay, and far lighter than a 5 s reloader.
        let chromium = simulate(&scenario, &Strategy::Chromium);
        assert!(
            ours.median_delay_ms < chromium.median_delay_ms,
            "{outage_ms}"
        );
        let fixed = simulate(&scenario, &Strategy::Fixed { interval_ms: 5_000 });
        if outage_ms >= 30_000 {
            assert!(
                ours.mean_requests_during_outage * 3.0 < fixed.mean_requests_during_outage,
                "{outage_ms}"
            );
        }
    }
}

#[test]
fn the_request_budget_holds_whatever_the_number_of_tabs() {
    for tabs in [1, 10, 100] {
        let mut scenario = Scenario::new(120_000, tabs);
        scenario.trials = 50;
        let ours = simulate(&scenario, &Strategy::ours());
        assert!(ours.max_requests_first_minute <= 30, "{tabs}");
        // Two minutes: 90 s of fast probes (43 at most), then 5 s and more apart.
        assert!(ours.max_requests_during_outage <= 50, "{tabs}: {ours:?}");
        assert_eq!(ours.max_in_flight, 1);
    }
}

#[test]
fn the_simulation_is_deterministic() {
    let scenario = Scenario::new(30_000, 10);
    assert_eq!(
        simulate(&scenario, &Strategy::ours()),
        simulate(&scenario, &Strategy::ours())
    );
}

/// A site that fails every other request: a probe that happens to find it up is followed by a
/// reload that fails. After the first such false recovery, reloads wait for "up"s in a row,
/// which this site never gives: the tab is not reloaded again and again.
#[test]
fn a_site_failing_every_other_request_is_not_reloaded_at_each_lucky_probe() {
    let mut w = watchers();
    add(&mut w, 1, 0);
    let mut reloads = 0;
    let mut answer_up = true;
    let mut now = 0;
    while now < 60_000 {
        let Some(at) = w.next_wake_ms() else { break };
        now = at.max(now);
        w.expire(now);
        for request in w.due(now) {
            let outcome = if answer_up { ProbeOutcome::Up } else { down() };
            answer_up = !answer_up;
            for action in w.probe_result(&request.origin, outcome, now + 20, 0.5) {
                if let WatcherAction::Reload { tab_ids } = action {
                    reloads += 1;
                    // The reload is the next request: it fails (the site alternates).
                    answer_up = !answer_up;
                    for tab in tab_ids {
                        add(&mut w, tab, now + 100);
                    }
                }
            }
        }
        now += 1;
    }
    assert_eq!(reloads, 1, "reloads in the first minute");
}
