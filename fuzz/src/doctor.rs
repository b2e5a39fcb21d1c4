//! Fuzz targets over the extension's core (`gateway-doctor`): the error page and its
//! diagnosis, `Retry-After`, the down-for-everyone providers' answers, DNS-over-HTTPS answers
//! and the stored settings. Also compiled into `tests/fuzz_corpus.rs`.

use gateway_doctor::checks::dns::read_doh_answer;
use gateway_doctor::checks::providers::{read_answer, CheckerAnswer, Provider, MAX_ANSWER};
use gateway_doctor::diagnosis::page::{Page, MAX_SCAN};
use gateway_doctor::diagnosis::retry_after::{self, RetryAfter};
use gateway_doctor::diagnosis::{self, Headers};
use gateway_doctor::failure::{net_error_from, Failure};
use gateway_doctor::incident::{truncate, HeaderDetails, Incident, RequestDetails};
use gateway_doctor::settings::{
    parse_exceptions, service_url, Settings, MAX_LIMIT_MINUTES, MIN_LIMIT_MINUTES,
};
use serde_json::{json, Value};

/// Longest text the diagnosis may show for one clue ("x-fastly-request-id: " and 80 bytes).
const MAX_CLUE: usize = 128;
/// Longest reference id and page title kept.
const MAX_REFERENCE: usize = 96;
const MAX_TITLE: usize = 200;

/// One failed load. Input: the failure on the first line (a status such as `503`, or the
/// browser's error name such as `net::ERR_CONNECTION_REFUSED`; anything else reads as 502),
/// then `name: value` header lines, then after a blank line the error page. Without a blank
/// line there is no page (as in Chromium before the page is read).
pub fn diagnose(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (head, page) = match text.split_once("\n\n") {
        Some((head, page)) => (head, Some(page)),
        None => (&*text, None),
    };
    let mut lines = head.lines();
    let failure = failure_from(lines.next().unwrap_or_default());
    let headers: Vec<HeaderDetails> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            HeaderDetails {
                name: name.to_string(),
                value: Some(value.strip_prefix(' ').unwrap_or(value).to_string()),
            }
        })
        .collect();
    // As the background script builds it: the browser's details, bounded, and a page prefix.
    let details = RequestDetails {
        url: "https://shop.example/cart?id=5".into(),
        resource_type: "main_frame".into(),
        response_headers: Some(headers),
        ..RequestDetails::default()
    };
    let mut incident = Incident::from_details(&details, failure);
    incident.page_excerpt = page.map(|page| truncate(page, MAX_SCAN));

    let found = diagnosis::diagnose(&incident);
    assert_eq!(found, diagnosis::diagnose(&incident), "not deterministic");
    if let Some(title) = &found.page_title {
        assert!(
            !title.is_empty() && title.len() <= MAX_TITLE,
            "title {title:?}"
        );
        assert!(!title.contains(['\n', '\r', '\t']), "title {title:?}");
    }
    for (i, reference) in found.references.iter().enumerate() {
        let value = &reference.value;
        assert!(
            !value.is_empty()
                && value.len() <= MAX_REFERENCE
                && value.bytes().all(|b| b.is_ascii_graphic()),
            "reference {reference:?}"
        );
        assert!(
            found.references[..i]
                .iter()
                .all(|r| r.kind != reference.kind),
            "{:?} twice",
            reference.kind
        );
    }
    for clue in &found.clues {
        assert!(clue.detail.len() <= MAX_CLUE, "clue {clue:?}");
    }
    if let Some(edge) = found.edge {
        assert!(
            edge.is_edge() && found.generator != Some(edge),
            "edge {edge:?}"
        );
    }
    let hint = Headers(&incident.headers)
        .get("retry-after")
        .and_then(retry_after::parse);
    assert_eq!(found.retry_after, hint);
    assert!(found.retry_after.is_none() || found.likely_temporary);
    for (i, hint) in found.stack.iter().enumerate() {
        assert!(!found.stack[..i].contains(hint), "{hint:?} twice");
    }
    if let Failure::Network { .. } = failure {
        // A network failure has no answer: nothing a server sent can change what it is.
        incident.headers.clear();
        incident.page_excerpt = None;
        let bare = diagnosis::diagnose(&incident);
        assert_eq!((found.kind, found.side), (bare.kind, bare.side));
    }
}

fn failure_from(line: &str) -> Failure {
    if let Some(error) = net_error_from(line) {
        return Failure::Network { error };
    }
    let status = line
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|s| (500..=599).contains(s))
        .unwrap_or(502);
    Failure::Http { status }
}

/// Markers the diagnosis indexes in one pass, a one-byte one and an entity.
const PAGE_MARKERS: [&str; 12] = [
    "ray id:",
    "request id:",
    "xid:",
    "reference #",
    "cf-error-details",
    "<center>nginx",
    "guru meditation",
    "the request could not be satisfied",
    "under maintenance",
    "/wp-content/",
    "x",
    "&",
];

/// The error-page scan. Input: a needle on the first line, the page after it. The one-pass
/// marker index must agree with a plain search, and what is read out stays bounded.
pub fn page(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (needle, raw) = text.split_once('\n').unwrap_or(("", &text));
    let needle = needle.to_ascii_lowercase();
    let indexed = Page::new(raw, PAGE_MARKERS.to_vec());
    let plain = Page::new(raw, Vec::new());
    for marker in PAGE_MARKERS.iter().copied().chain([needle.as_str()]) {
        assert_eq!(indexed.has(marker), plain.has(marker), "has({marker:?})");
        let value = indexed.value_after(marker);
        assert_eq!(value, plain.value_after(marker), "value_after({marker:?})");
        if let Some(value) = value {
            assert!(
                !value.is_empty() && value.len() <= MAX_REFERENCE,
                "{value:?}"
            );
            assert!(value.bytes().all(|b| b.is_ascii_graphic()), "{value:?}");
        }
    }
    assert_eq!(
        indexed.tag_with_id_has(&needle, "cf-error-source"),
        plain.tag_with_id_has(&needle, "cf-error-source")
    );
    let title = indexed.title();
    assert_eq!(title, plain.title());
    if let Some(title) = title {
        assert!(!title.is_empty() && title.len() <= MAX_TITLE, "{title:?}");
    }
}

/// A year: the longest delay kept from a `Retry-After` in seconds.
const MAX_DELAY: u64 = 365 * 24 * 3600;
/// 9999-12-31 23:59:60, the latest instant an accepted date can name.
const MAX_EPOCH: i64 = 253_402_300_800;
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// A `Retry-After` value. Seconds are bounded; a date is read as the very day and time it
/// names (no 31 February), and writing that instant back gives the same instant.
pub fn retry_after(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Some(hint) = retry_after::parse(&text) else {
        return;
    };
    match hint {
        RetryAfter::Seconds { seconds } => {
            assert!(seconds <= MAX_DELAY, "{seconds} s");
            assert!(text.trim().bytes().all(|b| b.is_ascii_digit()), "{text:?}");
            assert_eq!(hint.wait_seconds(1.7e12), seconds);
        }
        RetryAfter::At { epoch_seconds } => {
            assert!((0..=MAX_EPOCH).contains(&epoch_seconds), "{epoch_seconds}");
            let (date, [year, month, day, hour, minute, second]) = imf_fixdate(epoch_seconds);
            if year <= 9999 {
                assert_eq!(retry_after::parse(&date), Some(hint), "{date}");
            }
            // "Sun, 06 Nov 1994 08:49:37 GMT": the fields as sent, read as numbers.
            let sent: Vec<&str> = text
                .trim()
                .split_once(", ")
                .map_or(Vec::new(), |(_, rest)| rest.split([' ', ':']).collect());
            let number = |i: usize| sent.get(i).and_then(|n| n.parse::<i64>().ok());
            let sent_month = sent
                .get(1)
                .and_then(|m| MONTHS.iter().position(|name| name == m))
                .map(|m| m as i64 + 1);
            if number(5) != Some(60) {
                // A leap second is the next minute's first; otherwise nothing moves.
                let fields = [number(2), sent_month, number(0), number(3), number(4)];
                let want = [year, month, day, hour, minute].map(Some);
                assert_eq!(fields, want, "{text:?} read as {date}");
                assert_eq!(number(5), Some(second), "{text:?} read as {date}");
            }
            let wait = hint.wait_seconds(1.0e12);
            assert_eq!(wait, (epoch_seconds - 1_000_000_000).max(0) as u64);
        }
    }
    for now in [0.0, -1.0, f64::NAN, f64::INFINITY, f64::MAX] {
        let _ = hint.wait_seconds(now);
    }
}

/// The IMF-fixdate of an instant, and its fields (Howard Hinnant's civil_from_days).
fn imf_fixdate(epoch: i64) -> (String, [i64; 6]) {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (hour, minute, second) = (secs / 3600, secs / 60 % 60, secs % 60);
    let weekday = WEEKDAYS[days.rem_euclid(7) as usize];
    let month_name = MONTHS[(month - 1) as usize];
    let date =
        format!("{weekday}, {day:02} {month_name} {year:04} {hour:02}:{minute:02}:{second:02} GMT");
    (date, [year, month, day, hour, minute, second])
}

/// A down-for-everyone provider's answer, read as each provider's. What is kept is bounded,
/// and the same answer written back in that provider's words reads the same.
pub fn checker_answer(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let providers = [
        Provider::GatewayDoctor {
            base: "https://checker.example".into(),
        },
        Provider::IsItUp,
        Provider::DownForEveryone,
    ];
    for provider in providers {
        let Ok(answer) = read_answer(&provider, &text) else {
            continue;
        };
        assert!(text.len() <= MAX_ANSWER);
        if let Some(status) = answer.status {
            assert!((100..=599).contains(&status), "status {status}");
        }
        if let Some(detail) = &answer.detail {
            assert!(detail.len() <= 120, "detail {detail:?}");
        }
        let CheckerAnswer { up, status, detail } = answer.clone();
        let again = match provider {
            Provider::GatewayDoctor { .. } => json!({"up": up, "status": status, "error": detail}),
            Provider::IsItUp => {
                json!({"status_code": if up { 1 } else { 2 }, "response_code": status})
            }
            Provider::DownForEveryone => {
                json!({"isDown": !up, "statusCode": status, "statusText": detail})
            }
        };
        assert_eq!(read_answer(&provider, &again.to_string()), Ok(answer));
    }
}

/// A DNS-over-HTTPS JSON answer: at most 32 addresses, each one the data of an A or AAAA
/// record of the answer, and the addresses written back as an answer read the same.
pub fn doh_answer(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(addresses) = read_doh_answer(&text) else {
        return;
    };
    assert!(addresses.len() <= 32, "{} addresses", addresses.len());
    let Ok(value) = serde_json::from_str::<Value>(&text) else {
        panic!("read an answer that is not JSON: {text:?}");
    };
    let records = value["Answer"].as_array().cloned().unwrap_or_default();
    for address in &addresses {
        let listed = records.iter().any(|r| {
            matches!(r["type"].as_f64(), Some(t) if t == 1.0 || t == 28.0)
                && r["data"].as_str() == Some(address.as_str())
        });
        assert!(listed, "{address} is in no A or AAAA record");
        assert!(
            address.parse::<std::net::IpAddr>().is_ok(),
            "{address} is no address"
        );
    }
    let again: Vec<Value> = addresses
        .iter()
        .map(|ip| json!({"type": if ip.contains(':') { 28 } else { 1 }, "data": ip}))
        .collect();
    let again = json!({"Status": 0, "Answer": again}).to_string();
    assert_eq!(read_doh_answer(&again), Ok(addresses));
}

/// What `storage.sync` holds (JSON; anything else is stored as a string), and the same text
/// typed into the options page's exceptions box. Every field comes out in range, and the
/// settings written back read the same.
pub fn settings(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let stored = serde_json::from_str::<Value>(&text).unwrap_or_else(|_| json!(text));
    let settings = Settings::from_stored(&stored);
    let limits = MIN_LIMIT_MINUTES..=MAX_LIMIT_MINUTES;
    assert!(limits.contains(&settings.retry_limit_minutes));
    assert!(settings.never_retry.len() <= 200);
    for pattern in &settings.never_retry {
        assert_eq!(
            parse_exceptions(pattern),
            (vec![pattern.clone()], Vec::new())
        );
        assert!(settings.is_excepted(pattern.strip_prefix("*.").unwrap_or(pattern)));
    }
    for url in [
        &settings.checker_url,
        &settings.dns_resolver,
        &settings.connectivity_url,
    ] {
        assert!(
            url.is_empty() || service_url(url).as_ref() == Some(url),
            "{url:?}"
        );
    }
    let Ok(written) = serde_json::to_value(&settings) else {
        panic!("settings do not serialise: {settings:?}");
    };
    assert_eq!(Settings::from_stored(&written), settings);

    let (accepted, rejected) = parse_exceptions(&text);
    assert!(accepted.len() <= 200);
    for (i, pattern) in accepted.iter().enumerate() {
        assert!(!accepted[..i].contains(pattern), "{pattern:?} twice");
    }
    for entry in &rejected {
        assert!(!entry.is_empty() && entry.len() <= 100, "{entry:?}");
    }
    assert_eq!(
        parse_exceptions(&accepted.join("\n")),
        (accepted.clone(), Vec::new())
    );
}
