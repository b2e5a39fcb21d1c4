//! What the extension remembers about a tab's failed load, built from `webRequest` details.

use crate::failure::Failure;
use serde::{Deserialize, Serialize};

/// Bounds that keep a hostile or huge response from bloating storage or the popup.
pub const MAX_HEADERS: usize = 64;
pub const MAX_HEADER_NAME: usize = 128;
pub const MAX_HEADER_VALUE: usize = 1024;
pub const MAX_URL: usize = 4096;

/// The fields of a `webRequest` event's details that the core reads; the names are the
/// browsers' own. Everything is optional because the two browsers differ in what they send.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequestDetails {
    pub url: String,
    pub tab_id: Option<i64>,
    pub frame_id: Option<i64>,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub method: Option<String>,
    pub status_code: Option<u16>,
    pub status_line: Option<String>,
    pub ip: Option<String>,
    pub error: Option<String>,
    pub time_stamp: Option<f64>,
    pub from_cache: Option<bool>,
    pub response_headers: Option<Vec<HeaderDetails>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct HeaderDetails {
    pub name: String,
    pub value: Option<String>,
}

/// The most response headers read from one event (real answers carry a few dozen).
const MAX_EVENT_HEADERS: usize = 200;

impl RequestDetails {
    /// Reads an event's details, refusing what no browser sends: details without a text `url`,
    /// or a field the core reads given with the wrong type (a status as text...). The error
    /// names the field.
    pub fn read_checked<J: crate::json::JsonView>(details: &J) -> Result<RequestDetails, String> {
        Self::check(details)?;
        Ok(RequestDetails::read(details))
    }

    /// What [`RequestDetails::read_checked`] refuses, checked without copying any text: the
    /// address must be text, and each other field the right type or missing.
    pub fn check<J: crate::json::JsonView>(details: &J) -> Result<(), String> {
        if !details.field("url").is_some_and(|u| u.is_text()) {
            return Err("no url".into());
        }
        for (name, number) in [
            ("tabId", true),
            ("frameId", true),
            ("statusCode", true),
            ("timeStamp", true),
            ("type", false),
            ("method", false),
            ("error", false),
            ("statusLine", false),
        ] {
            if let Some(value) = details.field(name) {
                let fits = if number {
                    value.as_f64().is_some()
                } else {
                    value.is_text()
                };
                // JSON null (a browser may send it for "none") reads as nothing either way.
                if !fits && !value.is_null() {
                    return Err(format!(
                        "{name} is not a {}",
                        if number { "number" } else { "text" }
                    ));
                }
            }
        }
        Ok(())
    }

    /// The HTTP status as [`RequestDetails::read`] takes it (a whole number that fits).
    pub fn status_code<J: crate::json::JsonView>(details: &J) -> Option<u16> {
        details
            .field("statusCode")
            .and_then(|v| v.as_u64())
            .and_then(|n| u16::try_from(n).ok())
    }

    /// Reads an event's details leniently, as the serde reader does: a field that is missing or
    /// of the wrong type is `None` (or empty). Through `JsonView`, so the browser layer's first
    /// module reads events without a deserialiser.
    pub fn read<J: crate::json::JsonView>(details: &J) -> RequestDetails {
        let text = |name: &str| details.field(name).and_then(|v| v.as_string());
        let whole = |name: &str| {
            details
                .field(name)
                .and_then(|v| v.as_f64())
                .filter(|n| n.fract() == 0.0 && n.abs() < 9.0e15)
                .map(|n| n as i64)
        };
        RequestDetails {
            url: text("url").unwrap_or_default(),
            tab_id: whole("tabId"),
            frame_id: whole("frameId"),
            resource_type: text("type").unwrap_or_default(),
            method: text("method"),
            status_code: Self::status_code(details),
            status_line: text("statusLine"),
            ip: text("ip"),
            error: text("error"),
            time_stamp: details.field("timeStamp").and_then(|v| v.as_f64()),
            from_cache: details.field("fromCache").and_then(|v| v.as_bool()),
            response_headers: details
                .field("responseHeaders")
                .and_then(|v| v.items())
                .map(|headers| {
                    headers
                        .iter()
                        .take(MAX_EVENT_HEADERS)
                        .filter_map(|h| {
                            Some(HeaderDetails {
                                name: h.field("name")?.as_string()?,
                                value: h.field("value").and_then(|v| v.as_string()),
                            })
                        })
                        .collect()
                }),
        }
    }
}

/// One tab's failed main-frame load, as stored in `storage.session`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    pub url: String,
    pub host: String,
    pub failure: Failure,
    pub status_line: Option<String>,
    pub server_ip: Option<String>,
    /// The browser's own error name for a network failure (`net::ERR_...`, `NS_ERROR_...`).
    pub error_name: Option<String>,
    pub method: String,
    /// Milliseconds since the Unix epoch, as the browser stamped the event.
    pub at_ms: f64,
    pub headers: Vec<(String, String)>,
    /// A bounded prefix of the error page the browser showed, once read (HTTP failures only).
    #[serde(default)]
    pub page_excerpt: Option<String>,
    /// The failed answer came out of the browser's cache, not from the server just now.
    #[serde(default)]
    pub from_cache: bool,
    /// When `url` had to be cut to `MAX_URL`: a hash of the whole address, so that the failed
    /// page is still told apart from another one that starts the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_hash: Option<String>,
    /// When the same failure was last seen at this address (a reload that failed again the
    /// same way). `at_ms` stays the first one's: it is the incident's identity, which its
    /// checks' results belong to.
    #[serde(default)]
    pub latest_at_ms: f64,
    /// Auto-retry stood down for this failure and why (the checks pinned it on the visitor's
    /// cookies): a reload that fails again the same way keeps it, so the watch does not resume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_stopped: Option<crate::retry::RetryNote>,
    /// The checks' verdict as the engine last heard it (`Event::ChecksAnswered`): the history
    /// entry keeps it when the failure ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<crate::checks::verdict::VerdictKind>,
}

impl Incident {
    pub fn from_details(details: &RequestDetails, failure: Failure) -> Incident {
        let url = truncate(&details.url, MAX_URL);
        Incident {
            host: host_of(&url).to_string(),
            failure,
            status_line: details
                .status_line
                .as_deref()
                .map(|line| truncate(line, MAX_HEADER_VALUE)),
            server_ip: details.ip.as_deref().map(|ip| truncate(ip, 64)),
            error_name: details.error.as_deref().map(|error| truncate(error, 128)),
            method: truncate(details.method.as_deref().unwrap_or("GET"), 16),
            at_ms: details.time_stamp.unwrap_or(0.0),
            headers: bounded_headers(details.response_headers.as_deref().unwrap_or(&[])),
            page_excerpt: None,
            from_cache: details.from_cache.unwrap_or(false),
            url_hash: url_hash(&details.url),
            latest_at_ms: 0.0,
            retry_stopped: None,
            verdict: None,
            url,
        }
    }

    /// The site's `Retry-After`, if its answer carried a readable one.
    pub fn retry_after(&self) -> Option<crate::diagnosis::retry_after::RetryAfter> {
        self.headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("retry-after"))
            .and_then(|(_, value)| crate::diagnosis::retry_after::parse(value))
    }

    /// When this failure was last seen (`at_ms` for one seen once).
    pub fn last_seen_ms(&self) -> f64 {
        self.latest_at_ms.max(self.at_ms)
    }

    /// Whether the browser's `url` (uncut) is the address that failed.
    /// The failed address, split (`None` if it is not http(s)).
    pub fn page(&self) -> Option<crate::page_url::PageUrl<'_>> {
        crate::page_url::PageUrl::parse(&self.url)
    }

    pub fn is_at(&self, url: &str) -> bool {
        truncate(url, MAX_URL) == self.url && url_hash(url) == self.url_hash
    }
}

/// A hash of an address longer than `MAX_URL` (64-bit FNV-1a, in hex); `None` for shorter ones,
/// which are stored whole.
pub fn url_hash(url: &str) -> Option<String> {
    (url.len() > MAX_URL).then(|| {
        let hash = url.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
        format!("{hash:016x}")
    })
}

/// Response headers worth keeping: those that name a gateway, a CDN or a platform, carry a
/// reference id an owner can look up, or say when to come back. Nothing else is stored: never
/// `Set-Cookie` (Firefox reports it), nothing that could identify the visitor.
const KEPT_HEADERS: &[&str] = &[
    "server",
    "via",
    "retry-after",
    "link",
    "date",
    "age",
    "content-type",
    "cache-control",
    "x-powered-by",
    "x-served-by",
    "x-cache",
    "x-cache-hits",
    "x-cache-status",
    "cf-ray",
    "cf-cache-status",
    "cf-mitigated",
    "fly-request-id",
    "rndr-id",
];

/// Families of vendor headers (request ids, edge names, error codes) kept by prefix.
const KEPT_PREFIXES: &[&str] = &[
    "x-amz",
    "x-vercel-",
    "x-nf-",
    "x-fastly-",
    "x-varnish",
    "x-sucuri-",
    "x-render-",
    "x-azure-",
    "x-ms-",
    "x-goog",
    "x-cloud-trace",
    "x-kong-",
    "x-envoy-",
    "x-litespeed-",
    "x-iinfo",
    "x-cdn",
    "x-github-",
    "x-railway-",
    "x-shopify-",
    "x-request-id",
    "x-trace",
    "x-edge-",
    "x-proxy-",
    "x-ddos",
];

/// Whether a response header is kept (see `KEPT_HEADERS`). Every header the box catalogue reads
/// (`crate::diagnosis::catalogue::HEADER_NAMES`, generated from it) is kept too, so the stored
/// incident diagnoses as the live one did.
pub fn is_kept_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    !name.contains("cookie")
        && (KEPT_HEADERS.contains(&name.as_str())
            || crate::diagnosis::catalogue::HEADER_NAMES.contains(&name.as_str())
            || KEPT_PREFIXES.iter().any(|prefix| name.starts_with(prefix)))
}

fn bounded_headers(headers: &[HeaderDetails]) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|header| is_kept_header(&header.name))
        .filter_map(|header| {
            let value = header.value.as_deref()?;
            Some((
                truncate(&header.name, MAX_HEADER_NAME),
                truncate(value, MAX_HEADER_VALUE),
            ))
        })
        .take(MAX_HEADERS)
        .collect()
}

/// Cuts at a character boundary so the result stays valid UTF-8.
pub fn truncate(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_string();
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

pub use crate::page_url::host_of;

/// Which tabs' incidents to forget first when storage is full: the oldest failures (unknown
/// times, 0, first), never one of `keep`, at most `count`.
pub fn eviction_order(known: &[(i64, f64)], keep: &[i64], count: usize) -> Vec<i64> {
    let mut candidates: Vec<(i64, f64)> = known
        .iter()
        .filter(|(tab, _)| !keep.contains(tab))
        .copied()
        .collect();
    // Ties on time fall to the tab id.
    crate::small_sort::sort_by(&mut candidates, |a, b| {
        a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)).is_lt()
    });
    candidates
        .into_iter()
        .take(count)
        .map(|(tab, _)| tab)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_other_tabs_make_room_first() {
        let known = [(1, 50.0), (2, 10.0), (3, 0.0), (4, 30.0), (5, 5.0)];
        assert_eq!(eviction_order(&known, &[3], 2), [5, 2]);
        assert_eq!(eviction_order(&known, &[], 10), [3, 5, 2, 4, 1]);
        assert!(eviction_order(&[(7, 1.0)], &[7], 10).is_empty());
    }

    /// The lenient reader agrees with the serde reader on well-formed events, and keeps what it
    /// can of malformed ones (where serde refuses the whole event).
    #[test]
    fn events_read_as_serde_reads_them() {
        let samples = [
            serde_json::json!({"url": "https://shop.example/a", "tabId": 4, "frameId": 0, "type": "main_frame",
                "method": "GET", "statusCode": 502, "statusLine": "HTTP/1.1 502 Bad Gateway", "ip": "203.0.113.5",
                "timeStamp": 1_700_000_000_123.5, "fromCache": false,
                "responseHeaders": [{"name": "Server", "value": "nginx"}, {"name": "cf-ray"}]}),
            serde_json::json!({"url": "http://x.example/", "tabId": -1, "type": "main_frame", "error": "net::ERR_CONNECTION_REFUSED"}),
            serde_json::json!({}),
        ];
        for sample in samples {
            let by_serde: RequestDetails =
                serde_json::from_value(sample.clone()).expect("serde reads it");
            let by_view = RequestDetails::read(&sample);
            assert_eq!(format!("{by_view:?}"), format!("{by_serde:?}"), "{sample}");
        }
        let odd = serde_json::json!({"url": 7, "tabId": "4", "statusCode": 70000, "responseHeaders": "x", "frameId": 0.5});
        let read = RequestDetails::read(&odd);
        assert_eq!(
            (
                read.url.as_str(),
                read.tab_id,
                read.status_code,
                read.frame_id
            ),
            ("", None, None, None)
        );
        assert!(read.response_headers.is_none());
    }

    #[test]
    fn details_no_browser_sends_are_refused_by_name() {
        let ok =
            serde_json::json!({"url": "http://a/", "tabId": 3, "statusCode": 502, "error": null});
        assert!(RequestDetails::read_checked(&ok).is_ok());
        for (bad, named) in [
            (serde_json::json!(null), "url"),
            (serde_json::json!({"statusCode": 502}), "url"),
            (
                serde_json::json!({"url": "http://a/", "statusCode": "502"}),
                "statusCode",
            ),
            (
                serde_json::json!({"url": "http://a/", "tabId": "3"}),
                "tabId",
            ),
            (serde_json::json!({"url": "http://a/", "error": 7}), "error"),
            (
                serde_json::json!({"url": "http://a/", "statusCode": {}}),
                "statusCode",
            ),
        ] {
            let error = RequestDetails::read_checked(&bad).expect_err("refused");
            assert!(error.contains(named), "{bad}: {error}");
        }
    }
}
