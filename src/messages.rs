//! Runtime messages to the background: who may ask for what. A content script runs inside a web
//! page, which can reach it; it may only open the details for its own tab (the banner's button).
//! Everything else comes only from the extension's own pages (the popup).

use serde::{Deserialize, Serialize};

/// Every runtime message the popup and the banner send the background, as they send it
/// (`{"type": "run-checks", "tabId": 4}`): one type, built and read by serde on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Message {
    /// The banner's button: open the details for the tab the banner is in.
    OpenDetails,
    /// The popup: stop auto-retry for the tab.
    CancelRetry {
        #[serde(rename = "tabId")]
        tab_id: i64,
    },
    /// The popup: run the checks again now.
    RunChecks {
        #[serde(rename = "tabId")]
        tab_id: i64,
    },
    /// The popup: the visitor granted the proxy permission; read the proxy setting for the
    /// tab's failure (its record joins the verdict that rules auto-retry).
    CheckProxy {
        #[serde(rename = "tabId")]
        tab_id: i64,
    },
}

impl Message {
    /// The message read from its two fields, `type` and `tabId`, as serde reads it (the tests
    /// hold the two readings together): what the background uses, since serde's reader of a
    /// tagged enum costs the background's wasm more than a kilobyte. A tab id must be a whole
    /// number a JS number holds exactly; `open-details` needs none.
    pub fn from_fields(kind: Option<&str>, tab_id: Option<f64>) -> Option<Message> {
        let tab_id = || {
            tab_id
                .filter(|id| id.fract() == 0.0 && id.abs() <= 9_007_199_254_740_991.0)
                .map(|id| id as i64)
        };
        Some(match kind? {
            "open-details" => Message::OpenDetails,
            "cancel-retry" => Message::CancelRetry { tab_id: tab_id()? },
            "run-checks" => Message::RunChecks { tab_id: tab_id()? },
            "check-proxy" => Message::CheckProxy { tab_id: tab_id()? },
            _ => return None,
        })
    }
}

/// What the background was asked to do, once admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    OpenDetails { tab_id: i64 },
    CancelRetry { tab_id: i64 },
    RunChecks { tab_id: i64 },
    CheckProxy { tab_id: i64 },
}

/// Who sent a message, as the browser reports it (`runtime.MessageSender`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Sender {
    /// The sender's document address.
    pub url: Option<String>,
    /// The tab the sender runs in, if any (the popup opened as a tab has one too).
    pub tab_id: Option<f64>,
    pub frame_id: Option<f64>,
}

/// Decides whether to carry out a message (`None`: it was not one of ours, or unreadable).
/// `extension_base` is `runtime.getURL("")`.
pub fn admit(
    message: Option<Message>,
    sender: &Sender,
    extension_base: &str,
) -> Result<Request, &'static str> {
    let from_extension_page = !extension_base.is_empty()
        && sender
            .url
            .as_deref()
            .is_some_and(|url| url.starts_with(extension_base));
    let message = message.ok_or("not a message Gateway Doctor knows")?;
    if from_extension_page {
        let valid = |tab_id: i64| (tab_id >= 0).then_some(tab_id).ok_or("no tab named");
        return match message {
            Message::CancelRetry { tab_id } => Ok(Request::CancelRetry {
                tab_id: valid(tab_id)?,
            }),
            Message::RunChecks { tab_id } => Ok(Request::RunChecks {
                tab_id: valid(tab_id)?,
            }),
            Message::CheckProxy { tab_id } => Ok(Request::CheckProxy {
                tab_id: valid(tab_id)?,
            }),
            Message::OpenDetails => Err("unknown request from an extension page"),
        };
    }
    // A content script: its own tab's top frame, and only the banner's one request.
    let top_frame = sender.frame_id == Some(0.0);
    let own_tab = sender
        .tab_id
        .filter(|id| id.fract() == 0.0 && *id >= 0.0 && *id <= 9.0e15)
        .map(|id| id as i64);
    match (message, own_tab) {
        (Message::OpenDetails, Some(tab_id)) if top_frame => Ok(Request::OpenDetails { tab_id }),
        (Message::OpenDetails, _) => Err("open-details only from a tab's top frame"),
        _ => Err("a web page's script may only open the details"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: &str, tab_id: i64) -> Option<Message> {
        match kind {
            "cancel-retry" => Some(Message::CancelRetry { tab_id }),
            _ => Some(Message::RunChecks { tab_id }),
        }
    }

    const BASE: &str = "chrome-extension://abcdef/";

    fn page(url: &str, tab: Option<f64>, frame: Option<f64>) -> Sender {
        Sender {
            url: Some(url.into()),
            tab_id: tab,
            frame_id: frame,
        }
    }

    #[test]
    fn extension_pages_may_cancel_and_rerun_for_any_tab() {
        let popup = page("chrome-extension://abcdef/popup.html?tab=4", None, None);
        let as_tab = page(
            "chrome-extension://abcdef/popup.html?tab=4",
            Some(9.0),
            Some(0.0),
        );
        for sender in [popup, as_tab] {
            assert_eq!(
                admit(Some(Message::CancelRetry { tab_id: 4 }), &sender, BASE),
                Ok(Request::CancelRetry { tab_id: 4 })
            );
            assert_eq!(
                admit(Some(Message::RunChecks { tab_id: 4 }), &sender, BASE),
                Ok(Request::RunChecks { tab_id: 4 })
            );
            assert_eq!(
                admit(Some(Message::CheckProxy { tab_id: 4 }), &sender, BASE),
                Ok(Request::CheckProxy { tab_id: 4 })
            );
            assert!(admit(Some(Message::CheckProxy { tab_id: -4 }), &sender, BASE).is_err());
            assert!(admit(Some(Message::CancelRetry { tab_id: -1 }), &sender, BASE).is_err());
            assert!(admit(Some(Message::OpenDetails), &sender, BASE).is_err());
            assert!(admit(None, &sender, BASE).is_err());
        }
    }

    #[test]
    fn messages_are_read_as_sent_and_anything_else_is_none() {
        let read = |json: &str| serde_json::from_str::<Message>(json).ok();
        assert_eq!(
            read(r#"{"type":"run-checks","tabId":4}"#),
            Some(Message::RunChecks { tab_id: 4 })
        );
        assert_eq!(
            read(r#"{"type":"check-proxy","tabId":4}"#),
            Some(Message::CheckProxy { tab_id: 4 })
        );
        assert_eq!(
            read(r#"{"type":"open-details","tabId":3}"#),
            Some(Message::OpenDetails)
        );
        for bad in [
            r#"{"type":"run-checks","tabId":4.5}"#,
            r#"{"type":"run-checks"}"#,
            r#"{"type":"delete-everything","tabId":1}"#,
            r#"{"tabId":1}"#,
            "null",
            "[]",
        ] {
            assert_eq!(read(bad), None, "{bad}");
        }
        // Built by the popup the same way.
        let sent = serde_json::to_string(&Message::CancelRetry { tab_id: 9 }).unwrap_or_default();
        assert_eq!(sent, r#"{"type":"cancel-retry","tabId":9}"#);
    }

    #[test]
    fn reading_the_two_fields_agrees_with_serde() {
        let cases = [
            r#"{"type":"run-checks","tabId":4}"#,
            r#"{"type":"cancel-retry","tabId":0}"#,
            r#"{"type":"check-proxy","tabId":9007199254740991}"#,
            r#"{"type":"open-details"}"#,
            r#"{"type":"open-details","tabId":"x"}"#,
            r#"{"type":"run-checks","tabId":4.5}"#,
            r#"{"type":"run-checks","tabId":"4"}"#,
            r#"{"type":"run-checks","tabId":-3}"#,
            r#"{"type":"run-checks"}"#,
            r#"{"type":"Run-Checks","tabId":1}"#,
            r#"{"type":"delete-everything","tabId":1}"#,
            r#"{"type":7,"tabId":1}"#,
            r#"{"tabId":1}"#,
            "{}",
        ];
        for json in cases {
            let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
            let by_hand = Message::from_fields(
                value.get("type").and_then(|v| v.as_str()),
                value.get("tabId").and_then(|v| v.as_f64()),
            );
            let by_serde = serde_json::from_str::<Message>(json).ok();
            assert_eq!(by_hand, by_serde, "{json}");
        }
        // Past what a JS number holds exactly: refused (serde_json would read it as an i64).
        assert_eq!(Message::from_fields(Some("run-checks"), Some(1e17)), None);
        assert_eq!(
            Message::from_fields(Some("run-checks"), Some(f64::NAN)),
            None
        );
        assert_eq!(Message::from_fields(None, Some(1.0)), None);
    }

    #[test]
    fn a_web_page_may_only_open_its_own_details() {
        let script = page("https://shop.example/cart", Some(7.0), Some(0.0));
        for kind in ["cancel-retry", "run-checks"] {
            assert!(admit(message(kind, 7), &script, BASE).is_err(), "{kind}");
            assert!(admit(message(kind, 3), &script, BASE).is_err(), "{kind}");
        }
        // The tab named in the message is ignored: the sender's own tab is used.
        assert_eq!(
            admit(Some(Message::OpenDetails), &script, BASE),
            Ok(Request::OpenDetails { tab_id: 7 })
        );
        let frame = page("https://ads.example/", Some(7.0), Some(12.0));
        assert!(admit(Some(Message::OpenDetails), &frame, BASE).is_err());
        // A page whose address merely mentions the extension is still a page.
        let sneaky = page(
            "https://evil.example/?chrome-extension://abcdef/",
            Some(7.0),
            Some(0.0),
        );
        assert!(admit(Some(Message::CancelRetry { tab_id: 7 }), &sneaky, BASE).is_err());
        let no_tab = page("https://shop.example/", None, Some(0.0));
        assert!(admit(Some(Message::OpenDetails), &no_tab, BASE).is_err());
        assert!(admit(
            Some(Message::CancelRetry { tab_id: 1 }),
            &Sender::default(),
            ""
        )
        .is_err());
    }
}
