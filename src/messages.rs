//! Runtime messages to the background: who may ask for what. A content script runs inside a web
//! page, which can reach it; it may only open the details for its own tab (the banner's button).
//! Everything else comes only from the extension's own pages (the popup).

/// What the background was asked to do, once admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    OpenDetails { tab_id: i64 },
    CancelRetry { tab_id: i64 },
    RunChecks { tab_id: i64 },
}

/// Who sent a message, as the browser reports it (`runtime.MessageSender`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sender {
    /// The sender's document address.
    pub url: Option<String>,
    /// The tab the sender runs in, if any (the popup opened as a tab has one too).
    pub tab_id: Option<f64>,
    pub frame_id: Option<f64>,
}

/// Decides whether to carry out a message. `extension_base` is `runtime.getURL("")`.
pub fn admit(
    kind: Option<&str>,
    tab_id: Option<f64>,
    sender: &Sender,
    extension_base: &str,
) -> Result<Request, &'static str> {
    let from_extension_page = !extension_base.is_empty()
        && sender
            .url
            .as_deref()
            .is_some_and(|url| url.starts_with(extension_base));
    let whole = |id: Option<f64>| {
        id.filter(|id| id.fract() == 0.0 && *id >= 0.0 && *id <= 9.0e15)
            .map(|id| id as i64)
    };
    if from_extension_page {
        let tab_id = whole(tab_id).ok_or("no tab named")?;
        return match kind {
            Some("cancel-retry") => Ok(Request::CancelRetry { tab_id }),
            Some("run-checks") => Ok(Request::RunChecks { tab_id }),
            _ => Err("unknown request from an extension page"),
        };
    }
    // A content script: its own tab's top frame, and only the banner's one request.
    let top_frame = sender.frame_id == Some(0.0);
    match (kind, whole(sender.tab_id)) {
        (Some("open-details"), Some(tab_id)) if top_frame => Ok(Request::OpenDetails { tab_id }),
        (Some("open-details"), _) => Err("open-details only from a tab's top frame"),
        _ => Err("a web page's script may only open the details"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                admit(Some("cancel-retry"), Some(4.0), &sender, BASE),
                Ok(Request::CancelRetry { tab_id: 4 })
            );
            assert_eq!(
                admit(Some("run-checks"), Some(4.0), &sender, BASE),
                Ok(Request::RunChecks { tab_id: 4 })
            );
            assert!(admit(Some("cancel-retry"), Some(4.5), &sender, BASE).is_err());
            assert!(admit(Some("cancel-retry"), None, &sender, BASE).is_err());
            assert!(admit(Some("delete-everything"), Some(4.0), &sender, BASE).is_err());
        }
    }

    #[test]
    fn a_web_page_may_only_open_its_own_details() {
        let script = page("https://shop.example/cart", Some(7.0), Some(0.0));
        for kind in ["cancel-retry", "run-checks"] {
            assert!(
                admit(Some(kind), Some(7.0), &script, BASE).is_err(),
                "{kind}"
            );
            assert!(
                admit(Some(kind), Some(3.0), &script, BASE).is_err(),
                "{kind}"
            );
        }
        // The tab named in the message is ignored: the sender's own tab is used.
        assert_eq!(
            admit(Some("open-details"), Some(3.0), &script, BASE),
            Ok(Request::OpenDetails { tab_id: 7 })
        );
        let frame = page("https://ads.example/", Some(7.0), Some(12.0));
        assert!(admit(Some("open-details"), None, &frame, BASE).is_err());
        // A page whose address merely mentions the extension is still a page.
        let sneaky = page(
            "https://evil.example/?chrome-extension://abcdef/",
            Some(7.0),
            Some(0.0),
        );
        assert!(admit(Some("cancel-retry"), Some(7.0), &sneaky, BASE).is_err());
        let no_tab = page("https://shop.example/", None, Some(0.0));
        assert!(admit(Some("open-details"), None, &no_tab, BASE).is_err());
        assert!(admit(Some("cancel-retry"), Some(1.0), &Sender::default(), "").is_err());
    }
}
