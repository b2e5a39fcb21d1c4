//! DNS-over-HTTPS answers (`application/dns-json`), and whether the browser connected to one of
//! the addresses an independent lookup gives.

use crate::json::JsonView;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Whether `text` is an IP address; the checks keep addresses as the text the resolver gave
/// (shown as it came, and formatting addresses again would weigh in the wasm).
pub fn is_ip(text: &str) -> bool {
    text.parse::<IpAddr>().is_ok()
}

/// The A and AAAA addresses of a DoH JSON answer; an error for anything else.
pub fn read_doh_answer(body: &str) -> Result<Vec<String>, String> {
    if body.len() > crate::checks::providers::MAX_ANSWER {
        return Err("answer too large".into());
    }
    read_parsed_doh_answer(&crate::json::parse(body)?)
}

/// The same, from an answer already parsed as JSON.
pub fn read_parsed_doh_answer<J: JsonView>(value: &J) -> Result<Vec<String>, String> {
    match value.field("Status").and_then(|v| v.as_u64()) {
        Some(0) => {}
        Some(3) => return Ok(Vec::new()), // NXDOMAIN: the name does not exist
        Some(_) => return Err("the resolver reported an error".into()),
        None => return Err("no Status in the answer".into()),
    }
    let records = value
        .field("Answer")
        .and_then(|a| a.items())
        .unwrap_or_default();
    Ok(records
        .iter()
        .filter(|r| matches!(r.field("type").and_then(|t| t.as_u64()), Some(1 | 28)))
        .filter_map(|r| r.field("data")?.as_string().filter(|data| is_ip(data)))
        .take(32)
        .collect())
}

/// How the address the browser used compares with an independent lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DnsComparison {
    /// The browser used one of the addresses the lookup gave.
    Agrees,
    /// The browser used an address the lookup does not give: stale or tampered DNS.
    Differs,
    /// The lookup found the name while the browser could not resolve it.
    ResolvesElsewhere,
    /// The lookup does not find the name either.
    NameDoesNotExist,
    /// Nothing to compare.
    Unknown,
}

pub fn compare(
    browser_ip: Option<&str>,
    looked_up: &[String],
    browser_could_not_resolve: bool,
) -> DnsComparison {
    if looked_up.is_empty() {
        return if browser_could_not_resolve {
            DnsComparison::NameDoesNotExist
        } else {
            DnsComparison::Unknown
        };
    }
    if browser_could_not_resolve {
        return DnsComparison::ResolvesElsewhere;
    }
    match browser_ip.and_then(|ip| ip.trim_matches(['[', ']']).parse::<IpAddr>().ok()) {
        Some(ip) if looked_up.iter().any(|a| a.parse() == Ok(ip)) => DnsComparison::Agrees,
        Some(_) => DnsComparison::Differs,
        None => DnsComparison::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_answers_and_compares() {
        let body = r#"{"Status":0,"Answer":[{"name":"a.","type":5,"data":"b."},{"name":"b.","type":1,"TTL":60,"data":"203.0.113.7"},{"type":28,"data":"2001:db8::1"}]}"#;
        let ips = read_doh_answer(body).expect("reads");
        assert_eq!(ips.len(), 2);
        assert_eq!(
            compare(Some("203.0.113.7"), &ips, false),
            DnsComparison::Agrees
        );
        assert_eq!(
            compare(Some("[2001:db8::1]"), &ips, false),
            DnsComparison::Agrees
        );
        assert_eq!(
            compare(Some("198.51.100.9"), &ips, false),
            DnsComparison::Differs
        );
        assert_eq!(compare(None, &ips, true), DnsComparison::ResolvesElsewhere);
        assert_eq!(compare(None, &[], true), DnsComparison::NameDoesNotExist);
        assert_eq!(read_doh_answer(r#"{"Status":3}"#), Ok(Vec::new()));
    }

    #[test]
    fn garbage_is_an_error() {
        for body in ["", "nope", r#"{"Status":2}"#, "[]", r#"{"Answer":[]}"#] {
            assert!(read_doh_answer(body).is_err(), "{body}");
        }
        let odd = r#"{"Status":0,"Answer":[{"type":1,"data":"<script>"},{"type":1,"data":7}]}"#;
        assert_eq!(read_doh_answer(odd), Ok(Vec::new()));
        // Kept as the resolver wrote them, and only if they are addresses.
        let kept = r#"{"Status":0,"Answer":[{"type":28,"data":"2001:DB8:0::1"},{"type":1,"data":"1.2.3"}]}"#;
        assert_eq!(read_doh_answer(kept), Ok(vec!["2001:DB8:0::1".to_string()]));
        assert_eq!(
            compare(Some("2001:db8::1"), &["2001:DB8:0::1".to_string()], false),
            DnsComparison::Agrees
        );
    }
}

/// The DNS-over-HTTPS JSON query for `host`'s `record_type` records at `resolver`: the name is
/// percent-encoded, so nothing in it can add parameters or change the path.
pub fn doh_query_url(resolver: &str, host: &str, record_type: &str) -> String {
    let joiner = if resolver.contains('?') { '&' } else { '?' };
    let name = host.trim_matches(['[', ']']);
    format!(
        "{resolver}{joiner}name={}&type={}",
        percent_encode(name),
        percent_encode(record_type)
    )
}

/// Every byte but RFC 3986's unreserved characters, percent-encoded.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod query_tests {
    use super::*;

    #[test]
    fn the_name_is_encoded_into_the_query() {
        let cases = [
            (
                "https://dns.example/dns-query",
                "example.com",
                "https://dns.example/dns-query?name=example.com&type=A",
            ),
            (
                "https://dns.example/q?ct=json",
                "example.com",
                "https://dns.example/q?ct=json&name=example.com&type=A",
            ),
            (
                "https://dns.example/dns-query",
                "a&type=TXT#x",
                "https://dns.example/dns-query?name=a%26type%3DTXT%23x&type=A",
            ),
            (
                "https://dns.example/dns-query",
                "bücher.example",
                "https://dns.example/dns-query?name=b%C3%BCcher.example&type=A",
            ),
            (
                "https://dns.example/dns-query",
                "a b/../c?d",
                "https://dns.example/dns-query?name=a%20b%2F..%2Fc%3Fd&type=A",
            ),
        ];
        for (resolver, host, expected) in cases {
            assert_eq!(doh_query_url(resolver, host, "A"), expected, "{host}");
        }
    }
}
