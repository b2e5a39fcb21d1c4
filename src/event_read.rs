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
        let present = |name: &str| details.field(name).filter(|v| !v.is_null());
        let whole = |name: &str| -> Result<Option<i64>, String> {
            match present(name) {
                None => Ok(None),
                Some(value) => value
                    .as_f64()
                    .filter(|n| n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0)
                    .map(|n| Some(n as i64))
                    .ok_or_else(|| format!("{name} is not a whole number")),
            }
        };
        let text = |name: &str| -> Result<Option<String>, String> {
            match present(name) {
                None => Ok(None),
                Some(value) => value
                    .as_string()
                    .map(Some)
                    .ok_or_else(|| format!("{name} is not text")),
            }
        };
        Ok(Navigation {
            tab_id: whole("tabId")?.ok_or("no tabId")?,
            frame_id: whole("frameId")?.unwrap_or(0),
            url: text("url")?.unwrap_or_default(),
            error: text("error")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
