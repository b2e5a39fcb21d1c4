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
            url,
        }
    }
}

fn bounded_headers(headers: &[HeaderDetails]) -> Vec<(String, String)> {
    headers
        .iter()
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

/// The host part of an http(s) URL, without credentials or port; empty when there is none.
pub fn host_of(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(bracketed) = host_port.strip_prefix('[') {
        return bracketed.split(']').next().unwrap_or_default();
    }
    host_port.split(':').next().unwrap_or_default()
}
