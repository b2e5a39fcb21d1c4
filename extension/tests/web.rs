//! The browser layer in real browsers (wasm-bindgen-test, headless Chromium and Firefox):
//! reading events as the browsers deliver them, the storage form, and rendering as inert text.
#![cfg(target_arch = "wasm32")]
// Test code: a failed expectation is the test failing (clippy does not see wasm_bindgen_test as tests).
#![allow(clippy::expect_used, clippy::unwrap_used)]

use gateway_doctor::failure::{Failure, NetError};
use gateway_doctor::incident::Incident;
use gateway_doctor::tracker::TabEvent;
use gateway_doctor_web::{
    drops_unread, extension_api, failure_time, from_stored, ordinary_navigation, parse_event,
    render_incident, to_stored,
};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn obj(entries: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in entries {
        Reflect::set(&o, &JsValue::from_str(k), v).expect("set");
    }
    o.into()
}

fn header(name: &str, value: Option<&str>) -> JsValue {
    match value {
        Some(v) => obj(&[("name", name.into()), ("value", v.into())]),
        None => obj(&[("name", name.into()), ("binaryValue", Array::new().into())]),
    }
}

fn completed_details(tab_id: f64) -> JsValue {
    let headers: Array = [
        header("Server", Some("nginx/1.22.1")),
        header("X-Binary", None),
        header("X-Evil", Some("<script>alert(1)</script>")),
    ]
    .into_iter()
    .collect();
    obj(&[
        ("url", "http://127.0.0.1:8080/shop".into()),
        ("tabId", tab_id.into()),
        ("frameId", 0.into()),
        ("parentFrameId", (-1).into()),
        ("type", "main_frame".into()),
        ("method", "GET".into()),
        ("statusCode", 502.into()),
        ("statusLine", "HTTP/1.1 502 Bad Gateway".into()),
        ("ip", "127.0.0.1".into()),
        ("fromCache", false.into()),
        ("timeStamp", 1_700_000_000_000.5.into()),
        ("requestId", "42".into()),
        ("responseHeaders", headers.into()),
        ("thirdParty", false.into()),
    ])
}

#[wasm_bindgen_test]
fn reads_a_completed_event_as_the_browsers_send_it() {
    let event = parse_event("completed", completed_details(7.0)).expect("parses");
    let TabEvent::Completed(details) = event else {
        panic!("wrong event")
    };
    assert_eq!(details.tab_id, Some(7));
    assert_eq!(details.status_code, Some(502));
    let headers = details.response_headers.expect("headers");
    assert_eq!(headers.len(), 3);
    assert_eq!(headers[1].value, None);
}

#[wasm_bindgen_test]
fn reads_error_and_navigation_events() {
    let error = obj(&[
        ("url", "http://x.invalid/".into()),
        ("tabId", (-1).into()),
        ("frameId", 0.into()),
        ("type", "main_frame".into()),
        ("error", "NS_ERROR_UNKNOWN_HOST".into()),
    ]);
    let TabEvent::Errored(d) = parse_event("error", error).expect("parses") else {
        panic!()
    };
    assert_eq!(d.tab_id, Some(-1));
    let nav = obj(&[
        ("tabId", 3.into()),
        ("frameId", 0.into()),
        ("url", "http://a/".into()),
    ]);
    assert!(matches!(
        parse_event("committed", nav),
        Ok(TabEvent::Committed { tab_id: 3, .. })
    ));
}

#[wasm_bindgen_test]
fn ordinary_page_loads_are_told_from_the_details_as_browsers_send_them() {
    let loaded = completed_details(7.0);
    Reflect::set(&loaded, &"statusCode".into(), &200.into()).expect("set");
    assert!(ordinary_navigation("completed", loaded.clone()));
    let nav = obj(&[
        ("tabId", 3.into()),
        ("frameId", 0.into()),
        ("url", "http://a/".into()),
    ]);
    assert!(ordinary_navigation("committed", nav));
    // A 502, a request that failed, details no browser sends: the rest of the core reads them.
    assert!(!ordinary_navigation("completed", completed_details(7.0)));
    assert!(!ordinary_navigation("error", loaded.clone()));
    Reflect::set(&loaded, &"url".into(), &5.into()).expect("set");
    assert!(!ordinary_navigation("completed", loaded));
    assert!(!ordinary_navigation("committed", JsValue::NULL));
}

#[wasm_bindgen_test]
fn the_full_core_drops_nothing_before_it_knows_what_is_stored() {
    // No extension storage here, so the incident index is never loaded: an ordinary load might
    // be a failed tab's recovery, and goes through.
    let loaded = completed_details(7.0);
    Reflect::set(&loaded, &"statusCode".into(), &200.into()).expect("set");
    assert!(ordinary_navigation("completed", loaded.clone()));
    assert!(!drops_unread("completed", loaded));
    assert!(!drops_unread("completed", completed_details(7.0)));
    assert!(!drops_unread("alarm", JsValue::NULL));
}

#[wasm_bindgen_test]
fn malformed_events_are_clear_errors() {
    let wrong_type = obj(&[("url", "http://a/".into()), ("statusCode", "502".into())]);
    let error = parse_event("completed", wrong_type).expect_err("rejects");
    assert!(error
        .as_string()
        .unwrap_or_default()
        .contains("unreadable completed event"));
    assert!(parse_event("completed", JsValue::NULL).is_err());
    assert!(parse_event("teleported", JsValue::UNDEFINED).is_err());
}

#[wasm_bindgen_test]
fn incidents_round_trip_through_the_storage_form() {
    let TabEvent::Completed(details) =
        parse_event("completed", completed_details(1.0)).expect("ok")
    else {
        panic!()
    };
    let incident = Incident::from_details(&details, Failure::Http { status: 502 });
    let stored = to_stored(&incident).expect("stores");
    assert!(
        !stored.is_instance_of::<js_sys::Map>(),
        "storage needs plain objects"
    );
    // The checks module reads only this stamp of a stored incident.
    assert_eq!(failure_time(&stored), Some(incident.at_ms));
    assert_eq!(from_stored(stored).expect("reads"), incident);
    let corrupt = obj(&[("url", 5.into())]);
    assert_eq!(failure_time(&corrupt), None);
    assert_eq!(failure_time(&JsValue::UNDEFINED), None);
    assert!(from_stored(corrupt).is_err());
}

#[wasm_bindgen_test]
fn outside_an_extension_the_api_is_missing_with_a_clear_message() {
    let error = extension_api()
        .err()
        .and_then(|e| e.as_string())
        .unwrap_or_default();
    assert!(error.contains("no extension API"), "{error}");
}

#[wasm_bindgen_test]
fn network_text_is_rendered_as_inert_text() {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("document");
    let root = document.create_element("main").expect("element");
    document
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append");
    let hostile = "<img src=x onerror=\"document.title='pwned'\">";
    let incident = Incident {
        url: format!("http://evil.example/{hostile}"),
        host: hostile.into(),
        failure: Failure::Network {
            error: NetError::ConnectionReset,
        },
        status_line: None,
        server_ip: Some(hostile.into()),
        error_name: Some(hostile.into()),
        method: "GET".into(),
        at_ms: 0.0,
        headers: vec![("server".into(), hostile.into())],
        page_excerpt: Some(hostile.into()),
        from_cache: false,
        url_hash: None,
        latest_at_ms: 0.0,
        retry_stopped: None,
        verdict: None,
    };
    let messages = obj(&[("kindConnectionDropped", "Connection dropped".into())]);
    render_incident(
        root.clone(),
        to_stored(&incident).expect("stores"),
        messages,
    )
    .expect("renders");
    assert!(
        root.query_selector("img").expect("query").is_none(),
        "markup was parsed"
    );
    assert_eq!(
        root.query_selector("#title")
            .ok()
            .flatten()
            .and_then(|t| t.text_content())
            .as_deref(),
        Some("Connection dropped")
    );
    assert!(root.text_content().unwrap_or_default().contains(hostile));
    assert_ne!(document.title(), "pwned");
}
