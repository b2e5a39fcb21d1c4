//! `js_de` and `js_ser` against serde_json, in a real browser: every stored or sent type is
//! written in the same shape JSON gives it (so what earlier versions stored still reads), read
//! back whole, and a value of the wrong shape is refused.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use super::js_de::{from_value, Refused};
use super::js_ser::to_value;
use gateway_doctor::checks::record::{CheckId, CheckRecord, CheckState};
use gateway_doctor::checks::verdict::{Confidence, Reason, Verdict, VerdictKind};
use gateway_doctor::failure::{Failure, NetError};
use gateway_doctor::history::{Ended, Ending, Entry};
use gateway_doctor::incident::Incident;
use gateway_doctor::messages::{Message, Sender};
use gateway_doctor::politeness::{Politeness, PolitenessState};
use gateway_doctor::retry::{RetryNote, RetryPolicy, Watchers, WatchersState};
use gateway_doctor::settings::Settings;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Written as serde_json writes it.
fn written_as_json<T: Serialize>(value: &T) -> JsValue {
    let written = to_value(value).expect("writes");
    let text = js_sys::JSON::stringify(&written).expect("stringifies");
    let ours: serde_json::Value =
        serde_json::from_str(&String::from(text)).expect("JSON.stringify gives JSON");
    let theirs = serde_json::to_value(value).expect("serde_json writes");
    assert_eq!(as_js_numbers(ours), as_js_numbers(theirs));
    written
}

/// JS has one kind of number: 999.0 and 999 are the same value there.
fn as_js_numbers(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(n) => n.as_f64().map_or(Value::Null, |f| serde_json::json!(f)),
        Value::Array(items) => Value::Array(items.into_iter().map(as_js_numbers).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k, as_js_numbers(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Written as serde_json writes it, read back equal, and read from `JSON.parse` of serde_json's
/// text equal.
fn same_as_json<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) {
    let written = written_as_json(value);
    assert_eq!(&from_value::<T>(written).expect("reads back"), value);
    let json = serde_json::to_string(value).expect("serde_json writes");
    let parsed = js_sys::JSON::parse(&json).expect("parses");
    assert_eq!(&from_value::<T>(parsed).expect("reads serde_json's"), value);
}

fn incident(failure: Failure) -> Incident {
    Incident {
        url: "https://shop.example/cart?x=1".into(),
        host: "shop.example".into(),
        failure,
        status_line: Some("HTTP/1.1 502 Bad Gateway".into()),
        server_ip: None,
        error_name: None,
        method: "GET".into(),
        at_ms: 1_700_000_000_123.5,
        headers: vec![
            ("server".into(), "nginx".into()),
            ("retry-after".into(), "5".into()),
        ],
        page_excerpt: Some("<h1>502 Bad Gateway</h1> \u{e9}\u{1f600}".into()),
        from_cache: false,
        url_hash: None,
        latest_at_ms: 1_700_000_000_999.0,
        retry_stopped: Some(RetryNote::YourCookies),
        verdict: Some(VerdictKind::CookiesOrSession),
    }
}

#[wasm_bindgen_test]
fn every_stored_or_sent_type_has_jsons_shape() {
    same_as_json(&incident(Failure::Http { status: 502 }));
    same_as_json(&incident(Failure::Network {
        error: NetError::ConnectionRefused,
    }));
    for message in [
        Message::OpenDetails,
        Message::CancelRetry { tab_id: 9 },
        Message::RunChecks { tab_id: -1 },
        Message::CheckProxy { tab_id: 4 },
    ] {
        same_as_json(&message);
    }
    let mut record =
        CheckRecord::running(CheckId::Fresh, 1.5, 2.0, "GET https://a.example/".into());
    record.state = CheckState::Done;
    record.elapsed_ms = Some(31);
    record.fetch = Some(gateway_doctor::checks::FetchResult {
        status: Some(502),
        error: None,
        elapsed_ms: 31,
        redirected: false,
    });
    record.addresses = vec!["192.0.2.1".into()];
    same_as_json(&record);
    // What crosses from the failure module to the background's.
    same_as_json(&Verdict {
        kind: VerdictKind::NetworkOrDns,
        confidence: Confidence::Medium,
        reasons: vec![Reason::FreshFails, Reason::NoConnectivity],
    });
    same_as_json(&Ended {
        incident: incident(Failure::Http { status: 504 }),
        verdict: None,
        ending: Ending::GaveUp,
        at_ms: 1_700_000_005_000.0,
    });
    same_as_json(&CheckRecord::skipped(
        CheckId::Checker,
        1.5,
        3.0,
        "skipTurnedOff",
    ));

    let mut watchers = Watchers::new(RetryPolicy::default());
    watchers.add_tab(
        4,
        "https://a.example",
        "GET",
        Failure::Http { status: 503 },
        None,
        1_000,
        60_000,
    );
    watchers.add_tab(
        5,
        "https://a.example",
        "GET",
        Failure::Http { status: 503 },
        None,
        1_500,
        60_000,
    );
    same_as_json(&watchers.snapshot());
    same_as_json(&WatchersState::default());

    let mut politeness = Politeness::new();
    let _ = politeness.ask("https://a.example", 1_000);
    politeness.hold("https://a.example", 9_000, 1_000);
    same_as_json(&politeness.snapshot());
    same_as_json(&PolitenessState::default());

    written_as_json(&Settings::default());
    for note in [
        RetryNote::Off,
        RetryNote::BotProtection,
        RetryNote::GaveUpTimeLimit,
    ] {
        same_as_json(&note);
    }
    same_as_json(&vec![Entry {
        host: "a.example".into(),
        at_ms: 1.0,
        duration_ms: 2.5,
        kind: "502".into(),
        gateway: None,
        verdict: Some("origin-down".into()),
        ending: Ending::Recovered,
    }]);
}

#[wasm_bindgen_test]
fn the_wrong_shape_is_refused() {
    let parse = |json: &str| js_sys::JSON::parse(json).expect("parses");
    let refused = |json: &str| {
        assert_eq!(
            from_value::<Message>(parse(json)).err(),
            Some(Refused),
            "{json}"
        )
    };
    refused(r#"{"type": "cancel-retry", "tabId": "9"}"#);
    refused(r#"{"type": "cancel-retry", "tabId": 9.5}"#);
    refused(r#"{"type": "cancel-retry"}"#);
    refused(r#"{"type": "teleport"}"#);
    refused(r#"[1, 2]"#);
    refused("null");
    assert_eq!(
        from_value::<Message>(parse(r#"{"type": "run-checks", "tabId": 9, "extra": [1]}"#)),
        Ok(Message::RunChecks { tab_id: 9 }),
        "unknown fields are ignored, as serde_json does"
    );
    assert!(from_value::<Failure>(parse(r#"{"http": {"status": 70000}}"#)).is_err());
    assert!(from_value::<Failure>(parse(r#"{"http": {"status": 502}, "network": {}}"#)).is_err());
    assert!(from_value::<Incident>(JsValue::from_f64(1.0)).is_err());
    // A number given as text is refused, as serde_json refuses it.
    assert!(from_value::<gateway_doctor::checks::FetchResult>(parse(
        r#"{"status": "502", "elapsedMs": 3}"#
    ))
    .is_err());
    assert!(from_value::<gateway_doctor::checks::FetchResult>(parse(
        r#"{"status": 502, "elapsedMs": 3}"#
    ))
    .is_ok());
    assert!(from_value::<Sender>(parse(r#"{"url": 7}"#)).is_err());
    assert_eq!(
        from_value::<Sender>(JsValue::UNDEFINED).ok(),
        None,
        "nothing is not a sender"
    );
}
