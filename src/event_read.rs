//! Reads a tab event as the browser layer forwards it (`kind` names the listener, `details` is
//! what the browser passed). The one reader of the background's builds: the small first module
//! reads every event with it, so it must stay free of serde.

use crate::incident::RequestDetails;
use crate::json::JsonView;
use crate::tracker::TabEvent;

impl TabEvent {
    /// `kind`: `completed`, `error` (webRequest), `committed`, `navigation-failed`
    /// (webNavigation) or `removed` (tabs). Details no browser sends give a clear error.
    pub fn read<J: JsonView>(kind: &str, details: &J) -> Result<TabEvent, String> {
        let bad = |error: String| format!("unreadable {kind} event: {error}");
        Ok(match kind {
            "completed" => TabEvent::Completed(RequestDetails::read_checked(details).map_err(bad)?),
            "error" => TabEvent::Errored(RequestDetails::read_checked(details).map_err(bad)?),
            "committed" => {
                let nav = Navigation::read(details).map_err(bad)?;
                TabEvent::Committed {
                    tab_id: nav.tab_id,
                    frame_id: nav.frame_id,
                    url: nav.url,
                }
            }
            "navigation-failed" => {
                let nav = Navigation::read(details).map_err(bad)?;
                TabEvent::NavigationFailed {
                    tab_id: nav.tab_id,
                    frame_id: nav.frame_id,
                    url: nav.url,
                    error: nav.error,
                }
            }
            "removed" => TabEvent::Closed {
                tab_id: Navigation::read(details).map_err(bad)?.tab_id,
            },
            other => return Err(format!("unknown event kind {other}")),
        })
    }
}

/// A `webNavigation` event's details (and `tabs.onRemoved`'s tab): the tab is required, the
/// rest may be missing (`frameId` then means the main frame).
struct Navigation {
    tab_id: i64,
    frame_id: i64,
    url: String,
    error: Option<String>,
}

impl Navigation {
    fn read<J: JsonView>(details: &J) -> Result<Navigation, String> {
        let tab_id = Self::check(details)?;
        let text = |name: &str| present(details, name).and_then(|value| value.as_string());
        Ok(Navigation {
            tab_id,
            frame_id: whole(details, "frameId")?.unwrap_or(0),
            url: text("url").unwrap_or_default(),
            error: text("error"),
        })
    }

    /// What `read` refuses, checked without copying any text; the tab it names.
    fn check<J: JsonView>(details: &J) -> Result<i64, String> {
        let tab_id = whole(details, "tabId")?.ok_or("no tabId")?;
        whole(details, "frameId")?;
        for name in ["url", "error"] {
            if present(details, name).is_some_and(|value| !value.is_text()) {
                return Err(format!("{name} is not text"));
            }
        }
        Ok(tab_id)
    }
}

/// A field that is there and not null.
fn present<J: JsonView>(details: &J, name: &str) -> Option<J> {
    details.field(name).filter(|value| !value.is_null())
}

/// A field that must be a whole number when present.
fn whole<J: JsonView>(details: &J, name: &str) -> Result<Option<i64>, String> {
    match present(details, name) {
        None => Ok(None),
        Some(value) => value
            .as_f64()
            .filter(|n| n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0)
            .map(|n| Some(n as i64))
            .ok_or_else(|| format!("{name} is not a whole number")),
    }
}

/// Whether a `kind` event is an ordinary navigation (a page that loaded, a document that
/// committed, a tab closed), told from its numbers and the types of its fields alone: no text
/// of it is copied. The background's first module drops these without reading them (a page load
/// brings two; reading one whole, its address and headers, took about 50 µs in Firefox). Exactly
/// events that [`TabEvent::read`] reads, that set no badge ([`crate::tracker::request_badge`])
/// and that [`crate::engine::needs_full_core`] lets pass: a property test holds it to them.
pub fn is_ordinary_navigation<J: JsonView>(kind: &str, details: &J) -> bool {
    match kind {
        "completed" => {
            RequestDetails::check(details).is_ok()
                && !RequestDetails::status_code(details)
                    .is_some_and(crate::failure::status_can_fail)
        }
        "committed" | "removed" => Navigation::check(details).is_ok(),
        _ => false,
    }
}

/// The tab a `kind` event's details name, as [`crate::engine::Event::tab_id`] would (a request
/// outside any tab, `-1`, names none), read without copying any text.
pub fn navigation_tab<J: JsonView>(kind: &str, details: &J) -> Option<i64> {
    let tab = whole(details, "tabId").ok().flatten()?;
    (kind != "completed" || tab >= 0).then_some(tab)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn read(kind: &str, details: serde_json::Value) -> Result<TabEvent, String> {
        TabEvent::read(kind, &details)
    }

    #[test]
    fn reads_each_kind_as_browsers_send_it() {
        let request = json!({"url": "https://a.example/", "tabId": 3, "frameId": 0,
            "type": "main_frame", "method": "GET", "statusCode": 502, "timeStamp": 1.5});
        assert!(
            matches!(read("completed", request.clone()), Ok(TabEvent::Completed(d)) if d.status_code == Some(502))
        );
        assert!(matches!(read("error", request), Ok(TabEvent::Errored(d)) if d.tab_id == Some(3)));
        let nav = json!({"tabId": 3, "frameId": 0, "url": "https://a.example/", "timeStamp": 2.0});
        assert!(matches!(
            read("committed", nav.clone()),
            Ok(TabEvent::Committed { tab_id: 3, frame_id: 0, ref url }) if url == "https://a.example/"
        ));
        let failed = json!({"tabId": 4, "frameId": 2, "url": "https://a.example/",
            "error": "net::ERR_TOO_MANY_REDIRECTS"});
        assert!(matches!(
            read("navigation-failed", failed),
            Ok(TabEvent::NavigationFailed { tab_id: 4, frame_id: 2, error: Some(ref e), .. }) if e == "net::ERR_TOO_MANY_REDIRECTS"
        ));
        assert!(matches!(
            read("removed", json!({"tabId": 9})),
            Ok(TabEvent::Closed { tab_id: 9 })
        ));
    }

    #[test]
    fn missing_optional_fields_take_their_defaults() {
        assert!(matches!(
            read("committed", json!({"tabId": 1, "frameId": null})),
            Ok(TabEvent::Committed { tab_id: 1, frame_id: 0, ref url }) if url.is_empty()
        ));
    }

    #[test]
    fn details_no_browser_sends_are_clear_errors() {
        for (kind, details, says) in [
            ("committed", json!({"frameId": 0}), "no tabId"),
            (
                "committed",
                json!({"tabId": "3"}),
                "tabId is not a whole number",
            ),
            (
                "committed",
                json!({"tabId": 3.5}),
                "tabId is not a whole number",
            ),
            (
                "committed",
                json!({"tabId": 1e300}),
                "tabId is not a whole number",
            ),
            (
                "navigation-failed",
                json!({"tabId": 1, "error": 7}),
                "error is not text",
            ),
            ("removed", json!(null), "no tabId"),
            (
                "completed",
                json!({"url": "https://a/", "statusCode": "502"}),
                "statusCode is not a number",
            ),
            ("completed", json!(null), "no url"),
        ] {
            let error = read(kind, details).expect_err(kind);
            assert!(
                error.starts_with(&format!("unreadable {kind} event")),
                "{error}"
            );
            assert!(error.contains(says), "{error}");
        }
        assert_eq!(
            read("teleported", json!({})).expect_err("unknown"),
            "unknown event kind teleported"
        );
    }

    #[test]
    fn ordinary_navigations_are_told_from_numbers_and_types() {
        let loaded = json!({"url": "https://a.example/", "tabId": 3, "frameId": 0,
            "type": "main_frame", "method": "GET", "statusCode": 200, "timeStamp": 1.5,
            "statusLine": "HTTP/1.1 200 OK", "fromCache": false, "ip": "127.0.0.1",
            "responseHeaders": [{"name": "Server", "value": "nginx"}]});
        assert!(is_ordinary_navigation("completed", &loaded));
        for (field, value, ordinary) in [
            ("statusCode", json!(404), true),
            ("statusCode", json!(204), true),
            ("statusCode", json!(null), true),
            ("statusCode", json!(502), false),
            ("statusCode", json!(500), false),
            ("statusCode", json!(599), false),
            // Unreadable: the full core reads it and says what is wrong.
            ("statusCode", json!("200"), false),
            ("url", json!(null), false),
            ("method", json!(7), false),
        ] {
            let mut details = loaded.clone();
            details[field] = value.clone();
            assert_eq!(
                is_ordinary_navigation("completed", &details),
                ordinary,
                "{field} {value}"
            );
        }
        let nav = json!({"tabId": 3, "frameId": 0, "url": "https://a.example/"});
        assert!(is_ordinary_navigation("committed", &nav));
        assert!(is_ordinary_navigation("removed", &json!({"tabId": 3})));
        assert!(!is_ordinary_navigation(
            "committed",
            &json!({"url": "https://a/"})
        ));
        assert!(!is_ordinary_navigation(
            "committed",
            &json!({"tabId": 3, "url": 9})
        ));
        // A failed request or navigation always reaches the rest of the core.
        assert!(!is_ordinary_navigation("error", &loaded));
        assert!(!is_ordinary_navigation("navigation-failed", &nav));
    }

    /// A field's value as browsers send it, or not: missing, null, numbers (statuses among
    /// them), text, a flag, a list.
    fn field_value() -> impl Strategy<Value = Option<serde_json::Value>> {
        prop_oneof![
            Just(None),
            Just(Some(json!(null))),
            any::<bool>().prop_map(|b| Some(json!(b))),
            (0u32..700).prop_map(|n| Some(json!(n))),
            prop_oneof![Just(-1.0), Just(3.5), Just(1e300), Just(70_000.0)]
                .prop_map(|n| Some(json!(n))),
            prop_oneof![
                Just("https://a.example/"),
                Just("http://b.example/x"),
                Just("ftp://c.example/"),
                Just("main_frame"),
                Just("sub_frame"),
                Just("GET"),
                Just("net::ERR_CONNECTION_REFUSED"),
                Just(""),
            ]
            .prop_map(|t| Some(json!(t))),
            Just(Some(json!([{"name": "Server", "value": "nginx"}]))),
        ]
    }

    const FIELDS: [&str; 12] = [
        "url",
        "tabId",
        "frameId",
        "statusCode",
        "timeStamp",
        "type",
        "method",
        "error",
        "statusLine",
        "ip",
        "fromCache",
        "responseHeaders",
    ];

    /// What a browser sends in the field, mostly (a watched page's failure must come up often).
    fn usual_value(field: &str) -> BoxedStrategy<Option<serde_json::Value>> {
        let one_of = |values: Vec<serde_json::Value>| {
            proptest::sample::select(values).prop_map(Some).boxed()
        };
        match field {
            "url" => one_of(vec![
                json!("https://a.example/"),
                json!("http://127.0.0.1:8080/x"),
            ]),
            "tabId" => one_of(vec![json!(3), json!(0), json!(-1)]),
            "frameId" => one_of(vec![json!(0), json!(0), json!(2)]),
            "statusCode" => one_of(vec![
                json!(200),
                json!(204),
                json!(304),
                json!(404),
                json!(500),
                json!(502),
                json!(503),
                json!(599),
                json!(600),
            ]),
            "type" => one_of(vec![
                json!("main_frame"),
                json!("main_frame"),
                json!("sub_frame"),
            ]),
            "method" => one_of(vec![json!("GET"), json!("POST")]),
            "error" => {
                prop_oneof![Just(None), Just(Some(json!("net::ERR_CONNECTION_REFUSED")))].boxed()
            }
            _ => field_value().boxed(),
        }
    }

    fn details() -> impl Strategy<Value = serde_json::Value> {
        FIELDS
            .iter()
            .map(|name| prop_oneof![3 => usual_value(name), 1 => field_value()])
            .collect::<Vec<_>>()
            .prop_map(|values| {
                serde_json::Value::Object(
                    FIELDS
                        .iter()
                        .zip(values)
                        .filter_map(|(name, value)| Some((name.to_string(), value?)))
                        .collect(),
                )
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Dropping an ordinary navigation unread changes nothing: the event reads, sets no
        /// badge, and needs nothing of the full core. And it is dropped whenever that holds
        /// for a page load, a commit or a closed tab.
        #[test]
        fn an_ordinary_navigation_is_one_the_core_lets_pass(
            details in details(),
            kind in prop_oneof![
                Just("completed"), Just("error"), Just("committed"),
                Just("navigation-failed"), Just("removed"),
            ],
        ) {
            let ordinary = is_ordinary_navigation(kind, &details);
            let lets_pass = TabEvent::read(kind, &details).is_ok_and(|event| {
                crate::tracker::request_badge(&event).is_none()
                    && !crate::engine::needs_full_core(&crate::engine::Event::Tab(event), 1.0e12)
            });
            if ordinary {
                prop_assert!(lets_pass, "{kind} {details}");
                // The tab it concerns is the one the core would look up.
                let event = crate::engine::Event::Tab(TabEvent::read(kind, &details).map_err(TestCaseError::fail)?);
                prop_assert_eq!(navigation_tab(kind, &details), event.tab_id(), "{} {}", kind, details);
            }
            // Not dropped although the core would let it pass: only a server error on a page
            // that is not watched (the status alone cannot tell), or a failed request.
            if lets_pass && !ordinary {
                let server_error = RequestDetails::status_code(&details)
                    .is_some_and(crate::failure::status_can_fail);
                prop_assert!(
                    matches!(kind, "error" | "navigation-failed") || server_error,
                    "{kind} {details}"
                );
            }
        }
    }
}
