//! Decides whether a finished main-frame request is a failure the visitor should hear about.
//!
//! Pure: it sees only what `webRequest` reported, in either browser's spelling.

use serde::{Deserialize, Serialize};

/// A network-level failure: the browser never got an HTTP answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetError {
    NameNotResolved,
    ConnectionRefused,
    ConnectionReset,
    ConnectionClosed,
    ConnectionTimedOut,
    AddressUnreachable,
    EmptyResponse,
    InternetDisconnected,
    ProxyFailed,
}

/// What went wrong with a main-frame load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// The server answered with an HTTP status of 500 or above.
    Http { status: u16 },
    /// The request failed before any HTTP answer arrived.
    Network { error: NetError },
}

/// The outcome of one finished main-frame request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A failure worth a badge.
    Failed(Failure),
    /// The page loaded (2xx, 3xx, or an ordinary 4xx page): any earlier badge goes.
    Loaded,
    /// Nothing to say: aborted by the visitor, a download, a 204, a scheme we do not watch,
    /// or an error that is not a gateway or connectivity problem (certificates, blockers...).
    Ignored,
}

/// Frame and request facts shared by both kinds of `webRequest` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestScope<'a> {
    pub url: &'a str,
    /// `webRequest`'s `type`; only `main_frame` is ever a page failure.
    pub resource_type: &'a str,
    pub frame_id: i64,
}

impl RequestScope<'_> {
    fn is_watched(&self) -> bool {
        self.resource_type == "main_frame" && self.frame_id == 0 && is_web_url(self.url)
    }
}

/// True for http and https URLs: extension pages, `about:`, `file:` and the like never get a badge.
pub fn is_web_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Classifies a request that completed with an HTTP status (`webRequest.onCompleted`).
pub fn classify_status(scope: RequestScope<'_>, status: u16) -> Outcome {
    if !scope.is_watched() {
        return Outcome::Ignored;
    }
    match status {
        500..=599 => Outcome::Failed(Failure::Http { status }),
        // A 204 or 205 leaves the current page in place: nothing new was shown.
        204 | 205 => Outcome::Ignored,
        100..=499 => Outcome::Loaded,
        _ => Outcome::Ignored,
    }
}

/// Classifies a request that failed without a response (`webRequest.onErrorOccurred`).
pub fn classify_error(scope: RequestScope<'_>, error: &str) -> Outcome {
    if !scope.is_watched() {
        return Outcome::Ignored;
    }
    match net_error_from(error) {
        Some(error) => Outcome::Failed(Failure::Network { error }),
        None => Outcome::Ignored,
    }
}

/// Maps Chromium's `net::ERR_*` and Firefox's `NS_ERROR_*` names (or its numeric
/// "Error code N" form) to a network failure. Aborts and unrelated errors give `None`.
pub fn net_error_from(raw: &str) -> Option<NetError> {
    let name = raw.trim();
    let name = name.strip_prefix("net::").unwrap_or(name);
    let name = match name.strip_prefix("Error code ") {
        Some(code) => firefox_name_for_code(code.trim())?,
        None => name,
    };
    use NetError::*;
    Some(match name {
        "ERR_NAME_NOT_RESOLVED" | "ERR_NAME_RESOLUTION_FAILED" | "NS_ERROR_UNKNOWN_HOST" => {
            NameNotResolved
        }
        "ERR_CONNECTION_REFUSED" | "NS_ERROR_CONNECTION_REFUSED" => ConnectionRefused,
        "ERR_CONNECTION_RESET" | "NS_ERROR_NET_RESET" => ConnectionReset,
        "ERR_CONNECTION_CLOSED" | "NS_ERROR_NET_INTERRUPT" | "NS_ERROR_NET_PARTIAL_TRANSFER" => {
            ConnectionClosed
        }
        "ERR_CONNECTION_TIMED_OUT" | "ERR_TIMED_OUT" | "NS_ERROR_NET_TIMEOUT" => ConnectionTimedOut,
        "ERR_ADDRESS_UNREACHABLE" | "ERR_NETWORK_UNREACHABLE" => AddressUnreachable,
        "ERR_EMPTY_RESPONSE" | "NS_ERROR_NET_EMPTY_RESPONSE" => EmptyResponse,
        "ERR_INTERNET_DISCONNECTED" | "NS_ERROR_OFFLINE" => InternetDisconnected,
        "ERR_PROXY_CONNECTION_FAILED"
        | "ERR_TUNNEL_CONNECTION_FAILED"
        | "NS_ERROR_PROXY_CONNECTION_REFUSED"
        | "NS_ERROR_UNKNOWN_PROXY_HOST" => ProxyFailed,
        _ => return None,
    })
}

/// Firefox sometimes reports an nsresult as a decimal number instead of its name.
fn firefox_name_for_code(code: &str) -> Option<&'static str> {
    // NS_ERROR_MODULE_NETWORK results are 0x804B0000 | n.
    let n = code.parse::<u32>().ok()?.checked_sub(0x804B_0000)?;
    Some(match n {
        13 => "NS_ERROR_CONNECTION_REFUSED",
        14 => "NS_ERROR_NET_TIMEOUT",
        16 => "NS_ERROR_OFFLINE",
        20 => "NS_ERROR_NET_RESET",
        30 => "NS_ERROR_UNKNOWN_HOST",
        42 => "NS_ERROR_UNKNOWN_PROXY_HOST",
        71 => "NS_ERROR_NET_INTERRUPT",
        72 => "NS_ERROR_PROXY_CONNECTION_REFUSED",
        _ => return None,
    })
}

impl Failure {
    /// The badge text: at most four characters, so it fits the toolbar icon.
    pub fn badge_text(&self) -> String {
        match self {
            Failure::Http { status } => status.to_string(),
            Failure::Network { error } => error.badge_text().to_string(),
        }
    }
}

impl NetError {
    fn badge_text(self) -> &'static str {
        match self {
            NetError::NameNotResolved => "DNS",
            NetError::ConnectionRefused => "REF",
            NetError::ConnectionReset => "RST",
            NetError::ConnectionClosed => "CLS",
            NetError::ConnectionTimedOut => "T/O",
            NetError::AddressUnreachable => "UNR",
            NetError::EmptyResponse => "EMP",
            NetError::InternetDisconnected => "OFF",
            NetError::ProxyFailed => "PRX",
        }
    }
}
