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
    /// The site redirects in a circle (the browser gave up after 20 redirects).
    TooManyRedirects,
    /// An HTTP/2 or HTTP/3 (QUIC) connection broke the protocol's rules mid-answer.
    ProtocolError,
    /// The answer stopped short of what it announced (chunked or Content-Length framing).
    Truncated,
    /// The TLS handshake failed before any certificate could be judged.
    TlsHandshake,
    /// The server's certificate was refused: expired, for another name, untrusted...
    Certificate,
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
    /// or an error that is not the site's or the connection's (blockers, unsafe ports...).
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
    watched_status(status)
}

/// What `status` means on a watched page.
fn watched_status(status: u16) -> Outcome {
    match status {
        500..=599 => Outcome::Failed(Failure::Http { status }),
        // A 204 or 205 leaves the current page in place: nothing new was shown.
        204 | 205 => Outcome::Ignored,
        100..=499 => Outcome::Loaded,
        _ => Outcome::Ignored,
    }
}

/// Whether a watched page that completed with `status` failed ([`classify_status`]): what an
/// event's status alone says, before anything else of it is read.
pub fn status_can_fail(status: u16) -> bool {
    matches!(watched_status(status), Outcome::Failed(_))
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

/// Maps Chromium's `net::ERR_*` and Firefox's `NS_ERROR_*`, `SSL_ERROR_*`, `SEC_ERROR_*` and
/// `MOZILLA_PKIX_ERROR_*` names (or the numeric "Error code N" form, or Gecko's
/// `NS_ERROR_GENERATE_FAILURE(NS_ERROR_MODULE_SECURITY, NAME)` form for NSS errors) to a
/// network failure. Aborts and unrelated errors give `None`.
///
/// Sources: Chromium `net/base/net_error_list.h` (the `ERR_` names, reported by `webRequest` as
/// `net::ERR_...`); Gecko `xpcom/base/ErrorList.py` (`NS_ERROR_REDIRECT_LOOP` is network
/// failure 31, `NS_ERROR_NET_PARTIAL_TRANSFER` 76) and `xpcom/base/ErrorNames.cpp` (security
/// errors not in ErrorList are named `NS_ERROR_GENERATE_FAILURE(NS_ERROR_MODULE_SECURITY, X)`
/// with `X` the NSS name from `PR_ErrorToName`); NSS `lib/ssl/sslerr.h` (`SSL_ERROR_*`),
/// `lib/util/secerr.h` (`SEC_ERROR_*`) and mozilla::pkix `pkixnss.h` (`MOZILLA_PKIX_ERROR_*`).
pub fn net_error_from(raw: &str) -> Option<NetError> {
    let name = raw.trim();
    let name = name.strip_prefix("net::").unwrap_or(name);
    let name = match name.strip_prefix("Error code ") {
        Some(code) => match firefox_security_error(code.trim()) {
            Some(error) => return Some(error),
            None => firefox_name_for_code(code.trim())?,
        },
        None => name,
    };
    let name = name
        .strip_prefix("NS_ERROR_GENERATE_FAILURE(NS_ERROR_MODULE_SECURITY,")
        .and_then(|rest| rest.strip_suffix(')'))
        .map_or(name, str::trim);
    use NetError::*;
    Some(match name {
        "ERR_NAME_NOT_RESOLVED" | "ERR_NAME_RESOLUTION_FAILED" | "NS_ERROR_UNKNOWN_HOST" => {
            NameNotResolved
        }
        "ERR_CONNECTION_REFUSED" | "NS_ERROR_CONNECTION_REFUSED" => ConnectionRefused,
        "ERR_CONNECTION_RESET" | "NS_ERROR_NET_RESET" => ConnectionReset,
        "ERR_CONNECTION_CLOSED" | "NS_ERROR_NET_INTERRUPT" => ConnectionClosed,
        "ERR_CONNECTION_TIMED_OUT" | "ERR_TIMED_OUT" | "NS_ERROR_NET_TIMEOUT" => ConnectionTimedOut,
        "ERR_ADDRESS_UNREACHABLE" | "ERR_NETWORK_UNREACHABLE" => AddressUnreachable,
        "ERR_EMPTY_RESPONSE" | "NS_ERROR_NET_EMPTY_RESPONSE" => EmptyResponse,
        "ERR_INTERNET_DISCONNECTED" | "NS_ERROR_OFFLINE" => InternetDisconnected,
        "ERR_PROXY_CONNECTION_FAILED"
        | "ERR_TUNNEL_CONNECTION_FAILED"
        | "NS_ERROR_PROXY_CONNECTION_REFUSED"
        | "NS_ERROR_UNKNOWN_PROXY_HOST" => ProxyFailed,
        // Chromium stops after 20 redirects (URLRequestHttpJob, kMaxRedirects); Gecko's
        // network.http.redirection-limit is 20 as well.
        "ERR_TOO_MANY_REDIRECTS" | "NS_ERROR_REDIRECT_LOOP" => TooManyRedirects,
        "ERR_HTTP2_PROTOCOL_ERROR"
        | "ERR_HTTP2_COMPRESSION_ERROR"
        | "ERR_HTTP2_FRAME_SIZE_ERROR"
        | "ERR_HTTP2_STREAM_CLOSED"
        | "ERR_HTTP2_INADEQUATE_TRANSPORT_SECURITY"
        | "ERR_QUIC_PROTOCOL_ERROR"
        | "ERR_QUIC_HANDSHAKE_FAILED"
        | "ERR_INVALID_HTTP_RESPONSE"
        | "ERR_RESPONSE_HEADERS_TRUNCATED"
        | "NS_ERROR_NET_INADEQUATE_SECURITY"
        | "NS_ERROR_NET_HTTP3_PROTOCOL_ERROR"
        | "NS_ERROR_NET_HTTP2_SENT_GOAWAY"
        | "NS_ERROR_ILLEGAL_RESPONSE" => ProtocolError,
        // Chromium: a chunked body that ends without its last chunk, or a body shorter than its
        // Content-Length. Gecko: NS_ERROR_NET_PARTIAL_TRANSFER (checked when framing is
        // enforced) for both.
        "ERR_INCOMPLETE_CHUNKED_ENCODING"
        | "ERR_CONTENT_LENGTH_MISMATCH"
        | "NS_ERROR_NET_PARTIAL_TRANSFER" => Truncated,
        // Chromium: ERR_SSL_PROTOCOL_ERROR is also what a plain-HTTP answer on a TLS port gives;
        // Gecko names that case SSL_ERROR_RX_RECORD_TOO_LONG.
        "ERR_SSL_PROTOCOL_ERROR"
        | "ERR_SSL_VERSION_OR_CIPHER_MISMATCH"
        | "ERR_SSL_OBSOLETE_VERSION_OR_CIPHER"
        | "ERR_SSL_UNRECOGNIZED_NAME_ALERT"
        | "ERR_SSL_BAD_RECORD_MAC_ALERT"
        | "ERR_SSL_DECRYPT_ERROR_ALERT"
        | "ERR_SSL_HANDSHAKE_NOT_COMPLETED"
        | "ERR_SSL_SERVER_CERT_CHANGED" => TlsHandshake,
        // A name for the wrong host is a certificate problem, even with the SSL_ prefix.
        "SSL_ERROR_BAD_CERT_DOMAIN"
        | "ERR_SSL_SERVER_CERT_BAD_FORMAT"
        | "ERR_SSL_KEY_USAGE_INCOMPATIBLE" => Certificate,
        // Client certificates are the visitor's own business: not the site's failure.
        "SSL_ERROR_BAD_CERT_ALERT"
        | "SSL_ERROR_HANDSHAKE_FAILURE_ALERT_CLIENT_CERT"
        | "ERR_SSL_CLIENT_AUTH_CERT_NEEDED"
        | "ERR_BAD_SSL_CLIENT_AUTH_CERT" => return None,
        other if other.starts_with("SSL_ERROR_") => TlsHandshake,
        // ERR_CERT_* (200 to 221 in net_error_list.h), NSS and mozilla::pkix certificate errors.
        // Not ERR_CERTIFICATE_TRANSPARENCY_REQUIRED's neighbours outside the family.
        other
            if other.starts_with("ERR_CERT_")
                || other.starts_with("SEC_ERROR_")
                || other.starts_with("MOZILLA_PKIX_ERROR_") =>
        {
            Certificate
        }
        _ => return None,
    })
}

/// Firefox's `webNavigation.onErrorOccurred` reports TLS and certificate failures as a decimal
/// nsresult of NS_ERROR_MODULE_SECURITY, `0x805A0000 | -nspr_code` (Gecko's
/// `NSSErrorsService::GetXPCOMFromNSSError`), while its `webRequest` gives only the localised
/// message ("The certificate is not trusted because it is self-signed."), which cannot be read.
/// Seen for real (Firefox ESR, tests/e2e/failures.test.mjs): an expired self-signed certificate
/// is 2153398258 (MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT, -16370), plain HTTP on a TLS port is
/// 2153394151 (SSL_ERROR_RX_RECORD_TOO_LONG, -12263).
/// NSS ranges: SEC_ERROR_BASE -8192, SSL_ERROR_BASE -12288, MOZILLA_PKIX_ERROR_BASE -16384, each
/// at most 1000 codes (secerr.h, sslerr.h, pkixnss.h).
fn firefox_security_error(code: &str) -> Option<NetError> {
    let n = code.parse::<u32>().ok()?.checked_sub(0x805A_0000)?;
    const SSL_ERROR_BAD_CERT_DOMAIN: u32 = 12288 - 12;
    Some(match n {
        SSL_ERROR_BAD_CERT_DOMAIN => NetError::Certificate,
        7193..=8192 | 15385..=16384 => NetError::Certificate,
        11289..=12288 => NetError::TlsHandshake,
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
        31 => "NS_ERROR_REDIRECT_LOOP",
        42 => "NS_ERROR_UNKNOWN_PROXY_HOST",
        71 => "NS_ERROR_NET_INTERRUPT",
        72 => "NS_ERROR_PROXY_CONNECTION_REFUSED",
        76 => "NS_ERROR_NET_PARTIAL_TRANSFER",
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
            NetError::TooManyRedirects => "LOOP",
            NetError::ProtocolError => "PROT",
            NetError::Truncated => "CUT",
            NetError::TlsHandshake => "TLS",
            NetError::Certificate => "CERT",
        }
    }
}
