//! Captive portals: a hotel's or an airport's network that holds every request for its sign-in
//! page. The connectivity address is asked over plain HTTP: a portal can then only answer it
//! with its own redirect or page (RFC 6585's 511 if it is polite), never the expected empty 204.

use super::FetchResult;

/// Whether the connectivity address's answer is a network's sign-in page rather than its own.
/// A redirect or a 511 is one wherever it comes from; a page with content counts only from an
/// address that promises an empty 204 (a visitor's own address may well answer 200).
pub fn is_sign_in_page(url: &str, fetch: &FetchResult) -> bool {
    let promises_204 = crate::page_url::path_and_query(url).0.contains("204");
    fetch.redirected || fetch.status == Some(511) || (promises_204 && fetch.status == Some(200))
}

/// Firefox's own portal detection (`captivePortal.getState()`): a locked portal is one.
pub fn firefox_state_is_portal(state: &str) -> bool {
    state == "locked_portal"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: Option<u16>, redirected: bool) -> FetchResult {
        FetchResult {
            status,
            error: None,
            elapsed_ms: 5,
            redirected,
        }
    }

    #[test]
    fn only_a_sign_in_page_answer_reads_as_a_portal() {
        let gstatic = "http://cp.cloudflare.com/generate_204";
        let own = "https://status.example/ping";
        for (url, fetch, portal) in [
            (gstatic, answer(Some(204), false), false),
            (gstatic, answer(None, true), true),
            (gstatic, answer(Some(200), false), true),
            (gstatic, answer(Some(511), false), true),
            (gstatic, answer(Some(503), false), false),
            (own, answer(Some(200), false), false),
            (own, answer(None, true), true),
            (own, answer(Some(511), false), true),
            (
                gstatic,
                FetchResult {
                    error: Some("offline".into()),
                    ..answer(None, false)
                },
                false,
            ),
        ] {
            assert_eq!(is_sign_in_page(url, &fetch), portal, "{url} {fetch:?}");
        }
        assert!(firefox_state_is_portal("locked_portal"));
        for state in ["unknown", "not_captive", "unlocked_portal", ""] {
            assert!(!firefox_state_is_portal(state));
        }
    }
}
