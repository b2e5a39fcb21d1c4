//! The edge and status checks' requests: the CDN's edge asked apart from the site, the CDN's
//! status feed, the site's own status page, and the connectivity address read for a network's
//! sign-in page. Every request carries no cookies and follows no redirect; what comes back is
//! read by the core's bounded readers. Status answers are kept a few minutes, so a burst of
//! failures asks a status page once.

use super::api::ExtensionApi;
use super::net;
use gateway_doctor::checks::findings::EdgeFinding;
use gateway_doctor::checks::FetchResult;
use gateway_doctor::status::report::{StatusApi, StatusReport};
use gateway_doctor::status::{read_any, MAX_STATUS_ANSWER, SITE_STATUS_ENDPOINTS};
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

const EDGE_TIMEOUT_MS: u32 = 4_000;
const STATUS_TIMEOUT_MS: u32 = 5_000;
/// A trace is a few hundred bytes.
const MAX_TRACE: usize = 4 * 1024;
/// How long a status answer is reused.
const STATUS_KEPT_MS: f64 = 3.0 * 60_000.0;
/// How long the search for a site's status page may go on trying addresses.
const SITE_STATUS_BUDGET_MS: f64 = 6_000.0;
/// The longest a status or edge request waits for the site's politeness gate.
const MAX_GATE_WAIT_MS: u64 = 10_000;

/// A GET with no cookies, no cache and no redirect followed.
fn bare_get(timeout_ms: u32) -> web_sys::RequestInit {
    let init = net::request("GET", timeout_ms);
    init.set_cache(web_sys::RequestCache::NoStore);
    init.set_redirect(web_sys::RequestRedirect::Manual);
    init.set_credentials(web_sys::RequestCredentials::Omit);
    init
}

/// The response's headers, lowercase names, at most 64 of them.
fn headers_of(response: &web_sys::Response) -> Vec<(String, String)> {
    let Ok(Some(entries)) = js_sys::try_iter(&response.headers()) else {
        return Vec::new();
    };
    entries
        .flatten()
        .take(64)
        .filter_map(|pair| {
            let pair = pair.dyn_into::<js_sys::Array>().ok()?;
            Some((
                pair.get(0).as_string()?.to_ascii_lowercase(),
                pair.get(1).as_string()?,
            ))
        })
        .collect()
}

fn answered(response: &web_sys::Response, elapsed_ms: u64) -> FetchResult {
    let redirected = net::is_unfollowed_redirect(response);
    FetchResult {
        status: (!redirected).then(|| response.status()),
        error: None,
        elapsed_ms,
        redirected,
    }
}

/// Asks the CDN's edge at the failed site's origin: Cloudflare's trace (the edge writes it
/// itself, naming its data centre), or an asset the edge's cache may hold.
pub async fn ask_edge(url: &str, cdn: &str, trace: bool) -> (FetchResult, EdgeFinding) {
    let init = bare_get(EDGE_TIMEOUT_MS);
    let (outcome, elapsed_ms) =
        super::link::send_timed(url, &init, EDGE_TIMEOUT_MS, MAX_GATE_WAIT_MS).await;
    let mut finding = EdgeFinding {
        cdn: cdn.to_string(),
        answered: false,
        place: None,
    };
    let response = match outcome {
        Ok(response) => response,
        Err(error) => {
            let fetch = FetchResult {
                status: None,
                error: Some(error),
                elapsed_ms,
                redirected: false,
            };
            return (fetch, finding);
        }
    };
    let fetch = answered(&response, elapsed_ms);
    if trace {
        if response.ok() {
            if let Ok(body) = net::read_text(&response, MAX_TRACE).await {
                if let Some(trace) = gateway_doctor::status::trace::read_trace(&body) {
                    finding.answered = true;
                    finding.place = Some(trace.colo);
                }
            }
        } else {
            net::cancel_body(&response);
        }
    } else {
        finding.answered = response.ok()
            && gateway_doctor::status::edge::served_by_edge_cache(&headers_of(&response)).is_some();
        net::cancel_body(&response);
    }
    (fetch, finding)
}

struct KeptStatus {
    url: String,
    at_ms: f64,
    report: Result<StatusReport, String>,
}

thread_local! {
    static KEPT: RefCell<Vec<KeptStatus>> = const { RefCell::new(Vec::new()) };
}

/// Why reading a status address gave nothing.
enum StatusError {
    /// Nothing answered there at all (no such host, refused, timed out): no status page.
    NoServer(String),
    /// Something answered, but not a status answer of that shape.
    NotThisApi(String),
}

impl StatusError {
    fn text(self) -> String {
        match self {
            StatusError::NoServer(text) | StatusError::NotThisApi(text) => text,
        }
    }
}

/// Reads one status answer of `api`'s shape at `url`, or reuses one read minutes ago.
async fn read_status(url: &str, api: StatusApi, polite: bool) -> Result<StatusReport, StatusError> {
    let now = js_sys::Date::now();
    let kept = KEPT.with(|kept| {
        let mut kept = kept.borrow_mut();
        kept.retain(|k| now - k.at_ms < STATUS_KEPT_MS);
        kept.iter().find(|k| k.url == url).map(|k| k.report.clone())
    });
    if let Some(report) = kept {
        return report.map_err(StatusError::NotThisApi);
    }
    let init = bare_get(STATUS_TIMEOUT_MS);
    init.set_headers(
        &super::api::object(&[("accept", "application/json".into())])
            .map_err(|_| StatusError::NotThisApi("bad request".into()))?,
    );
    let outcome = if polite {
        super::link::send_timed(url, &init, STATUS_TIMEOUT_MS, MAX_GATE_WAIT_MS)
            .await
            .0
    } else {
        net::send(url, &init, STATUS_TIMEOUT_MS).await
    };
    let response = outcome.map_err(StatusError::NoServer)?;
    let report = read_answer(&response, api).await;
    KEPT.with(|kept| {
        kept.borrow_mut().push(KeptStatus {
            url: url.to_string(),
            at_ms: now,
            report: report.clone(),
        })
    });
    report.map_err(StatusError::NotThisApi)
}

async fn read_answer(response: &web_sys::Response, api: StatusApi) -> Result<StatusReport, String> {
    if !response.ok() {
        net::cancel_body(response);
        return Err(if net::is_unfollowed_redirect(response) {
            "the status address redirects elsewhere".into()
        } else {
            format!("the status address answered HTTP {}", response.status())
        });
    }
    let body = net::read_text(response, MAX_STATUS_ANSWER).await?;
    read_any(api, &net::Json::parse(&body)?, js_sys::Date::now())
}

/// The CDN's or platform's status feed.
pub async fn read_cdn_status(url: &str, api: StatusApi) -> Result<StatusReport, String> {
    read_status(url, api, false)
        .await
        .map_err(StatusError::text)
}

/// The site's own status page at `base`: each API's address in turn, until one reads. Nothing
/// answering at all ends the search at once (most sites have no status host).
pub async fn read_site_status(base: &str) -> Option<StatusReport> {
    let started = js_sys::Date::now();
    for (path, api) in SITE_STATUS_ENDPOINTS {
        // The line must settle: no new address is tried once the search has taken long.
        if js_sys::Date::now() - started > SITE_STATUS_BUDGET_MS {
            return None;
        }
        match read_status(&format!("{base}{path}"), *api, true).await {
            Ok(report) => return Some(report),
            Err(StatusError::NoServer(_)) => return None,
            Err(StatusError::NotThisApi(_)) => {}
        }
    }
    None
}

/// Whether the network holds requests for its sign-in page: Firefox's own detection when it
/// has one, else the connectivity address's answer.
pub async fn portal_seen(api: &ExtensionApi, url: &str, fetch: &FetchResult) -> bool {
    use gateway_doctor::checks::portal::{firefox_state_is_portal, is_sign_in_page};
    if let Some(portal) = api.captive_portal() {
        let state = JsFuture::from(portal.get_state())
            .await
            .ok()
            .and_then(|state| state.as_string())
            .unwrap_or_default();
        if firefox_state_is_portal(&state) {
            return true;
        }
    }
    is_sign_in_page(url, fetch)
}
