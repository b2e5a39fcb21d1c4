//! The report a visitor copies for the site's owner, as plain text (in the visitor's language)
//! and as JSON (stable English field names). It holds what the owner needs to find the failure
//! in their logs, and nothing that identifies the visitor: no cookies, no request headers, no
//! visitor address, no user-agent string, and the page's query only when the visitor says so.
//! Every string that came from the network is bounded, and control characters are replaced so
//! a hostile header cannot forge lines in the text.

use crate::checks::dns::DnsComparison;
use crate::checks::record::{CheckId, CheckRecord, CheckState};
use crate::checks::verdict::{Confidence, Verdict, VerdictKind};
use crate::diagnosis::{Diagnosis, Headers};
use crate::failure::Failure;
use crate::incident::{truncate, Incident};
use crate::platform::Platform;
pub use crate::utc::utc_iso8601;
use crate::view::checks::{check_state_id, confidence_names, verdict_names};
use crate::view::msg::Msg;
use serde::Serialize;
use serde_json::Value;

/// Everything the report is built from.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    pub incident: &'a Incident,
    pub diagnosis: &'a Diagnosis,
    /// Check records as stored; those of other incidents are left out.
    pub records: &'a [CheckRecord],
    pub verdict: &'a Verdict,
    pub platform: Platform,
    pub extension_version: &'a str,
    /// The visitor chose to include the page's query string.
    pub include_query: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// ISO 8601 in UTC; `None` when the browser gave no time.
    pub time_utc: Option<String>,
    pub host: String,
    /// From the first `/`; never the fragment, the query only when asked for.
    pub path: String,
    pub method: String,
    pub status: Option<u16>,
    /// The browser's own error name for a failure without an HTTP answer.
    pub network_error: Option<String>,
    /// The status line as received, else `HTTP <status>`, else the error name.
    pub status_line: String,
    pub server_header: Option<String>,
    /// The site's address the browser connected to (the site's, not the visitor's).
    pub server_ip: Option<String>,
    /// The product that wrote the error page, and a CDN in front of it.
    pub gateway: Option<&'static str>,
    pub edge: Option<&'static str>,
    pub references: Vec<ReportReference>,
    pub checks: Vec<ReportCheck>,
    pub verdict: VerdictKind,
    pub confidence: Confidence,
    pub browser: Option<&'static str>,
    pub browser_major_version: Option<u32>,
    pub os: Option<&'static str>,
    pub extension_version: String,
    /// The site's failures of the last 7 days (`crate::history::summary_line`), when the
    /// history knows of any: set by the caller, who reads the history.
    pub history: Option<crate::view::msg::Msg>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportReference {
    pub label: &'static str,
    pub value: String,
}

/// One check's result, without what was sent (that holds the page's full URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportCheck {
    pub check: CheckId,
    pub state: CheckState,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub elapsed_ms: Option<u64>,
    pub provider: Option<String>,
    pub checker_up: Option<bool>,
    pub checker_status: Option<u16>,
    pub checker_detail: Option<String>,
    pub dns: Option<DnsComparison>,
    /// The site's addresses an independent lookup gave.
    pub addresses: Vec<String>,
    pub proxy_mode: Option<String>,
    pub proxy_configured: Option<bool>,
    pub note: Option<String>,
    /// The CDN's edge answered for itself (edge check).
    pub edge_answered: Option<bool>,
    /// Where it answered (an IATA code).
    pub edge_place: Option<String>,
    /// What a status feed or page reports that concerns this failure, in the popup's words
    /// (its arguments already bounded and made inert).
    pub finding: Option<Msg>,
}

/// Bounds for text that came from the network or the browser.
const MAX_SHORT: usize = 200;
const MAX_PATH: usize = 2048;
const MAX_ADDRESSES: usize = 8;

pub fn build_report(input: &ReportInput<'_>) -> Report {
    let incident = input.incident;
    let (path, query) = crate::page_url::path_and_query(&incident.url);
    let clean = Scrubber {
        hidden_query: (!input.include_query && !query.is_empty()).then(|| format!("?{query}")),
    };
    let path = if input.include_query && !query.is_empty() {
        format!("{path}?{query}")
    } else {
        path.to_string()
    };
    let (status, network_error) = match incident.failure {
        Failure::Http { status } => (Some(status), None),
        Failure::Network { .. } => (None, incident.error_name.as_deref().map(|e| clean.text(e))),
    };
    let status_line = incident
        .status_line
        .as_deref()
        .filter(|line| !line.trim().is_empty())
        .map(|line| clean.text(line))
        .or_else(|| status.map(|s| format!("HTTP {s}")))
        .or_else(|| network_error.clone())
        .unwrap_or_default();
    Report {
        time_utc: (incident.at_ms > 0.0)
            .then(|| utc_iso8601(incident.at_ms))
            .flatten(),
        host: clean.bounded(&incident.host, 253),
        path: clean.bounded(&path, MAX_PATH),
        method: clean.bounded(&incident.method, 16),
        status,
        network_error,
        status_line,
        server_header: Headers(&incident.headers)
            .get("server")
            .map(|server| clean.text(server)),
        server_ip: incident
            .server_ip
            .as_deref()
            .filter(|ip| !ip.is_empty())
            .map(|ip| clean.bounded(ip, 64)),
        gateway: input.diagnosis.generator.map(|g| g.name()),
        edge: input.diagnosis.edge.map(|g| g.name()),
        references: input
            .diagnosis
            .references
            .iter()
            .map(|r| ReportReference {
                label: r.kind.label(),
                value: clean.bounded(&r.value, 96),
            })
            .collect(),
        checks: current_checks(input.records, incident.at_ms)
            .map(|record| report_check(record, &clean))
            .collect(),
        verdict: input.verdict.kind,
        confidence: input.verdict.confidence,
        browser: input.platform.browser.name(),
        browser_major_version: input.platform.major_version,
        os: input.platform.os.name(),
        extension_version: clean.bounded(input.extension_version, 32),
        history: None,
    }
}

/// The latest record of each check for this incident, in the popup's order.
fn current_checks(records: &[CheckRecord], at_ms: f64) -> impl Iterator<Item = &CheckRecord> {
    CheckId::ALL.into_iter().filter_map(move |id| {
        records
            .iter()
            .rev()
            .find(|r| r.check == id && r.incident_at_ms == at_ms)
    })
}

fn report_check(record: &CheckRecord, clean: &Scrubber) -> ReportCheck {
    let fetch = record.fetch.as_ref();
    let checker = record.checker.as_ref();
    ReportCheck {
        check: record.check,
        state: record.state,
        status: fetch.and_then(|f| f.status),
        error: fetch
            .and_then(|f| f.error.as_deref())
            .map(|e| clean.text(e)),
        elapsed_ms: record.elapsed_ms.or(fetch.map(|f| f.elapsed_ms)),
        provider: record.provider.as_deref().map(|p| clean.bounded(p, 100)),
        checker_up: checker.map(|c| c.up),
        checker_status: checker.and_then(|c| c.status),
        checker_detail: checker
            .and_then(|c| c.detail.as_deref())
            .map(|d| clean.bounded(d, 120)),
        dns: record.dns,
        addresses: record
            .addresses
            .iter()
            .take(MAX_ADDRESSES)
            .map(|a| clean.bounded(a, 64))
            .collect(),
        proxy_mode: record.proxy_mode.as_deref().map(|m| clean.bounded(m, 40)),
        proxy_configured: record.proxy_configured,
        note: record.note.as_deref().map(|n| clean.text(n)),
        edge_answered: record.edge.as_ref().map(|e| e.answered),
        edge_place: record
            .edge
            .as_ref()
            .and_then(|e| e.place.as_deref())
            .map(|p| clean.bounded(p, 8)),
        finding: finding(record).map(|msg| Msg {
            args: msg.args.iter().map(|a| clean.text(a)).collect(),
            ..msg
        }),
    }
}

/// The edge's or a status page's news, as the popup says it.
fn finding(record: &CheckRecord) -> Option<Msg> {
    match record.check {
        CheckId::Edge => record.edge.as_ref().map(super::status::edge_line),
        CheckId::CdnStatus | CheckId::SiteStatus => record
            .status
            .as_ref()
            .map(|status| super::status::status_line(status, record.started_ms)),
        _ => None,
    }
}

/// Makes untrusted text safe to put in the report.
struct Scrubber {
    /// `?query` of the page, to be cut from any free text when the visitor left it out.
    hidden_query: Option<String>,
}

impl Scrubber {
    fn text(&self, text: &str) -> String {
        self.bounded(text, MAX_SHORT)
    }

    fn bounded(&self, text: &str, max_bytes: usize) -> String {
        let text = match &self.hidden_query {
            Some(query) => text.replace(query.as_str(), ""),
            None => text.to_string(),
        };
        inert(&truncate(&text, max_bytes))
    }
}

/// Replaces characters that could break or disguise a line of the text report: controls
/// (newlines included), line and paragraph separators, and bidirectional overrides.
pub fn inert(text: &str) -> String {
    text.chars()
        .map(|c| {
            let disguising = matches!(
                c,
                '\u{2028}'
                    | '\u{2029}'
                    | '\u{200E}'
                    | '\u{200F}'
                    | '\u{061C}'
                    | '\u{202A}'..='\u{202E}'
                    | '\u{2066}'..='\u{2069}'
            );
            if c.is_control() || disguising {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

/// Looks a `_locales` key up with its substitutions, in the visitor's language.
pub type Translate<'a> = &'a dyn Fn(&str, &[String]) -> String;

/// The report as plain text, one fact per line.
pub fn report_text(report: &Report, translate: Translate<'_>) -> String {
    let say = |key: &str, args: &[String]| translate(key, args);
    let unknown = || say("reportUnknown", &[]);
    let mut lines = vec![say("reportTitle", &[])];
    lines.push(say(
        "reportTime",
        &[report.time_utc.clone().unwrap_or_else(unknown)],
    ));
    lines.push(say(
        "reportPage",
        &[format!("{}{}", report.host, report.path)],
    ));
    if !report.method.eq_ignore_ascii_case("GET") {
        lines.push(say("reportMethod", std::slice::from_ref(&report.method)));
    }
    lines.push(say(
        "reportAnswer",
        std::slice::from_ref(&report.status_line),
    ));
    lines.push(say(
        "reportServerHeader",
        &[report.server_header.clone().unwrap_or_else(unknown)],
    ));
    if let Some(ip) = &report.server_ip {
        lines.push(say("reportServerIp", std::slice::from_ref(ip)));
    }
    lines.push(match (report.gateway, report.edge) {
        (Some(gateway), Some(edge)) => say(
            "reportGatewayBehind",
            &[gateway.to_string(), edge.to_string()],
        ),
        (Some(gateway), None) => say("reportGateway", &[gateway.to_string()]),
        (None, _) => say("reportGateway", &[unknown()]),
    });
    if !report.references.is_empty() {
        lines.push(say("reportReferences", &[]));
        for reference in &report.references {
            lines.push(format!("  {}: {}", reference.label, reference.value));
        }
    }
    if !report.checks.is_empty() {
        lines.push(say("reportChecks", &[]));
        for check in &report.checks {
            let name = say(check_name_key(check.check), &[]);
            let name = match &check.provider {
                Some(provider) => format!("{name} ({provider})"),
                None => name,
            };
            lines.push(format!("  {name}: {}", check_text(check, translate)));
        }
    }
    if let Some(history) = &report.history {
        lines.push(say(history.key, &history.args));
    }
    lines.push(say(
        "reportVerdict",
        &[
            say(verdict_names(report.verdict).report, &[]),
            say(confidence_names(report.confidence).report, &[]),
        ],
    ));
    let browser = match (report.browser, report.browser_major_version) {
        (Some(name), Some(version)) => format!("{name} {version}"),
        (Some(name), None) => name.to_string(),
        (None, _) => unknown(),
    };
    let os = report.os.map_or_else(unknown, str::to_string);
    lines.push(say("reportBrowser", &[browser, os]));
    lines.push(say(
        "reportExtensionVersion",
        std::slice::from_ref(&report.extension_version),
    ));
    lines.join("\n")
}

fn check_text(check: &ReportCheck, translate: Translate<'_>) -> String {
    let say = |key: &str, args: &[String]| translate(key, args);
    match check.state {
        CheckState::Running => return say("reportCheckRunning", &[]),
        CheckState::Skipped => return say("reportCheckSkipped", &[]),
        CheckState::Failed => {
            return say(
                "reportCheckFailed",
                &[check.note.clone().unwrap_or_default()],
            )
        }
        CheckState::Done => {}
    }
    let elapsed = check.elapsed_ms.unwrap_or_default().to_string();
    match check.check {
        CheckId::Fresh | CheckId::Stranger | CheckId::Connectivity => {
            let answer = match (check.status, &check.error) {
                (Some(status), _) => format!("HTTP {status}"),
                (None, Some(error)) => error.clone(),
                (None, None) => say("reportUnknown", &[]),
            };
            say("reportFetchResult", &[answer, elapsed])
        }
        CheckId::Checker => {
            let key = match check.checker_up {
                Some(true) => "reportCheckerUp",
                Some(false) => "reportCheckerDown",
                None => return say("reportUnknown", &[]),
            };
            let detail = check
                .checker_status
                .map(|s| format!("HTTP {s}"))
                .or_else(|| check.checker_detail.clone());
            match detail {
                Some(detail) => format!("{} ({detail})", say(key, &[])),
                None => say(key, &[]),
            }
        }
        CheckId::Dns => {
            let addresses = if check.addresses.is_empty() {
                say("reportUnknown", &[])
            } else {
                check.addresses.join(", ")
            };
            match check.dns.unwrap_or(DnsComparison::Unknown) {
                DnsComparison::Agrees => say("reportDnsAgrees", &[addresses]),
                DnsComparison::Differs => say("reportDnsDiffers", &[addresses]),
                DnsComparison::ResolvesElsewhere => say("reportDnsResolvesElsewhere", &[addresses]),
                DnsComparison::NameDoesNotExist => say("reportDnsNameDoesNotExist", &[]),
                DnsComparison::Unknown => say("reportDnsUnknown", &[addresses]),
            }
        }
        CheckId::Edge | CheckId::CdnStatus | CheckId::SiteStatus => match &check.finding {
            Some(msg) => say(msg.key, &msg.args),
            None => say("reportUnknown", &[]),
        },
        CheckId::Proxy => match check.proxy_configured {
            Some(true) => say(
                "reportProxyOn",
                &[check.proxy_mode.clone().unwrap_or_default()],
            ),
            _ => say("reportProxyOff", &[]),
        },
    }
}

fn check_name_key(check: CheckId) -> &'static str {
    match check {
        CheckId::Fresh => "reportCheckFresh",
        CheckId::Stranger => "reportCheckStranger",
        CheckId::Checker => "reportCheckChecker",
        CheckId::Dns => "reportCheckDns",
        CheckId::Connectivity => "reportCheckConnectivity",
        CheckId::Proxy => "reportCheckProxy",
        CheckId::Edge => "reportCheckEdge",
        CheckId::CdnStatus => "reportCheckCdnStatus",
        CheckId::SiteStatus => "reportCheckSiteStatus",
    }
}

fn dns_id(dns: DnsComparison) -> &'static str {
    match dns {
        DnsComparison::Agrees => "agrees",
        DnsComparison::Differs => "differs",
        DnsComparison::ResolvesElsewhere => "resolvesElsewhere",
        DnsComparison::NameDoesNotExist => "nameDoesNotExist",
        DnsComparison::Unknown => "unknown",
    }
}

/// The report's JSON form, with stable English field names. Serialised natively by
/// `report_json` and in the browser by the extension's `js_ser` (which keeps serde_json's writer out
/// of the wasm build).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportDocument<'a> {
    report: &'static str,
    extension_version: &'a str,
    time_utc: Option<&'a str>,
    host: &'a str,
    path: &'a str,
    method: &'a str,
    status: Option<u16>,
    network_error: Option<&'a str>,
    status_line: &'a str,
    server: Option<&'a str>,
    server_ip: Option<&'a str>,
    gateway: Option<&'static str>,
    edge: Option<&'static str>,
    references: Vec<ReferenceDocument<'a>>,
    checks: Vec<CheckDocument<'a>>,
    verdict: VerdictDocument,
    browser: BrowserDocument,
    os: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct ReferenceDocument<'a> {
    label: &'static str,
    value: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckDocument<'a> {
    check: &'static str,
    state: &'static str,
    status: Option<u16>,
    error: Option<&'a str>,
    elapsed_ms: Option<u64>,
    provider: Option<&'a str>,
    checker_up: Option<bool>,
    checker_status: Option<u16>,
    checker_detail: Option<&'a str>,
    dns: Option<&'static str>,
    addresses: &'a [String],
    proxy_mode: Option<&'a str>,
    proxy_configured: Option<bool>,
    note: Option<&'a str>,
    edge_answered: Option<bool>,
    edge_place: Option<&'a str>,
    /// The status finding's message key and arguments (the feed's own words, inert).
    finding: Option<FindingDocument<'a>>,
}

#[derive(Debug, Serialize)]
struct FindingDocument<'a> {
    key: &'static str,
    args: &'a [String],
}

#[derive(Debug, Serialize)]
struct VerdictDocument {
    kind: &'static str,
    confidence: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct BrowserDocument {
    name: Option<&'static str>,
    major_version: Option<u32>,
}

pub fn report_document(report: &Report) -> ReportDocument<'_> {
    ReportDocument {
        report: "gateway-doctor",
        extension_version: &report.extension_version,
        time_utc: report.time_utc.as_deref(),
        host: &report.host,
        path: &report.path,
        method: &report.method,
        status: report.status,
        network_error: report.network_error.as_deref(),
        status_line: &report.status_line,
        server: report.server_header.as_deref(),
        server_ip: report.server_ip.as_deref(),
        gateway: report.gateway,
        edge: report.edge,
        references: report
            .references
            .iter()
            .map(|r| ReferenceDocument {
                label: r.label,
                value: &r.value,
            })
            .collect(),
        checks: report
            .checks
            .iter()
            .map(|check| CheckDocument {
                check: check.check.as_str(),
                state: check_state_id(check.state),
                status: check.status,
                error: check.error.as_deref(),
                elapsed_ms: check.elapsed_ms,
                provider: check.provider.as_deref(),
                checker_up: check.checker_up,
                checker_status: check.checker_status,
                checker_detail: check.checker_detail.as_deref(),
                dns: check.dns.map(dns_id),
                addresses: &check.addresses,
                proxy_mode: check.proxy_mode.as_deref(),
                proxy_configured: check.proxy_configured,
                note: check.note.as_deref(),
                edge_answered: check.edge_answered,
                edge_place: check.edge_place.as_deref(),
                finding: check.finding.as_ref().map(|msg| FindingDocument {
                    key: msg.key,
                    args: &msg.args,
                }),
            })
            .collect(),
        verdict: VerdictDocument {
            kind: verdict_names(report.verdict).id,
            confidence: confidence_names(report.confidence).id,
        },
        browser: BrowserDocument {
            name: report.browser,
            major_version: report.browser_major_version,
        },
        os: report.os,
    }
}

/// The report as JSON; `format!("{:#}", value)` gives it indented.
pub fn report_json(report: &Report) -> Value {
    serde_json::to_value(report_document(report)).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::providers::CheckerAnswer;
    use crate::checks::FetchResult;
    use crate::diagnosis::diagnose;
    use crate::failure::NetError;
    use crate::platform::{Browser, Os};

    const AT: f64 = 1_709_210_096_789.0;

    fn incident(url: &str, headers: &[(&str, &str)]) -> Incident {
        Incident {
            url: url.into(),
            host: crate::incident::host_of(url).into(),
            failure: Failure::Http { status: 502 },
            status_line: Some("HTTP/1.1 502 Bad Gateway".into()),
            server_ip: Some("203.0.113.7".into()),
            error_name: None,
            method: "GET".into(),
            at_ms: AT,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            page_excerpt: None,
            from_cache: false,
            url_hash: None,
            latest_at_ms: 0.0,
            retry_stopped: None,
            verdict: None,
        }
    }

    fn done(check: CheckId) -> CheckRecord {
        CheckRecord {
            state: CheckState::Done,
            elapsed_ms: Some(120),
            ..CheckRecord::running(
                check,
                AT,
                AT + 5.0,
                "GET https://shop.example/cart?token=s3cret".into(),
            )
        }
    }

    fn records() -> Vec<CheckRecord> {
        let mut fresh = done(CheckId::Fresh);
        fresh.fetch = Some(FetchResult {
            status: Some(502),
            error: None,
            elapsed_ms: 120,
            redirected: false,
        });
        let mut checker = done(CheckId::Checker);
        checker.provider = Some("isitup.org".into());
        checker.checker = Some(CheckerAnswer {
            up: false,
            status: Some(502),
            detail: None,
        });
        let mut dns = done(CheckId::Dns);
        dns.provider = Some("dns.google".into());
        dns.dns = Some(DnsComparison::Agrees);
        dns.addresses = vec!["203.0.113.7".into()];
        let skipped = CheckRecord::skipped(CheckId::Proxy, AT, AT, "skipNotAsked");
        let mut older = done(CheckId::Stranger);
        older.incident_at_ms = 1.0;
        vec![fresh, checker, dns, skipped, older]
    }

    fn report_for(incident: &Incident, include_query: bool) -> Report {
        let diagnosis = diagnose(incident);
        build_report(&ReportInput {
            incident,
            diagnosis: &diagnosis,
            records: &records(),
            verdict: &Verdict {
                kind: VerdictKind::DownForEveryone,
                confidence: Confidence::High,
                reasons: Vec::new(),
            },
            platform: Platform {
                browser: Browser::Firefox,
                major_version: Some(125),
                os: Os::Linux,
            },
            extension_version: "0.1.0",
            include_query,
        })
    }

    /// Shows the key and its arguments, so tests see exactly what was asked for.
    fn echo(key: &str, args: &[String]) -> String {
        if args.is_empty() {
            format!("[{key}]")
        } else {
            format!("[{key}: {}]", args.join(" | "))
        }
    }

    #[test]
    fn utc_times_including_leap_days() {
        let cases = [
            (0.0, Some("1970-01-01T00:00:00Z")),
            (951_782_400_000.0, Some("2000-02-29T00:00:00Z")),
            (946_684_799_999.0, Some("1999-12-31T23:59:59Z")),
            (1_078_012_800_000.0, Some("2004-02-29T00:00:00Z")),
            (AT, Some("2024-02-29T12:34:56Z")),
            (1_795_600_000_000.0, Some("2026-11-25T09:46:40Z")),
            // 2100 is not a leap year.
            (4_107_542_399_000.0, Some("2100-02-28T23:59:59Z")),
            (4_107_542_400_000.0, Some("2100-03-01T00:00:00Z")),
            (253_402_300_799_000.0, Some("9999-12-31T23:59:59Z")),
            (253_402_300_800_000.0, None),
            (-1.0, None),
            (f64::NAN, None),
            (f64::INFINITY, None),
        ];
        for (ms, expected) in cases {
            assert_eq!(utc_iso8601(ms).as_deref(), expected, "{ms}");
        }
    }

    #[test]
    fn paths_leave_the_query_and_fragment_out_unless_asked() {
        let cases = [
            ("https://shop.example/cart?id=5#top", false, "/cart"),
            ("https://shop.example/cart?id=5#top", true, "/cart?id=5"),
            ("https://shop.example", false, "/"),
            ("https://shop.example?x=1", false, "/"),
            ("https://shop.example#frag", true, "/"),
            ("https://user:pw@shop.example:8443/a/b/", false, "/a/b/"),
        ];
        for (url, include_query, path) in cases {
            let report = report_for(&incident(url, &[]), include_query);
            assert_eq!(report.path, path, "{url}");
            assert_eq!(report.host, "shop.example", "{url}");
        }
    }

    #[test]
    fn the_query_does_not_leak_through_check_texts() {
        let mut with_query = incident("https://shop.example/cart?token=s3cret", &[]);
        with_query.status_line = Some("HTTP/1.1 502 at /cart?token=s3cret".into());
        let report = report_for(&with_query, false);
        let text = report_text(&report, &echo);
        let json = report_json(&report).to_string();
        assert!(
            !text.contains("s3cret") && !json.contains("s3cret"),
            "{text}\n{json}"
        );
    }

    #[test]
    fn the_sites_history_is_a_line_of_the_report() {
        let plain = report_for(&incident("https://shop.example/cart", &[]), false);
        assert!(!report_text(&plain, &echo).contains("historyLine"));
        let entries: Vec<crate::history::Entry> = (1..=3)
            .map(|day| crate::history::Entry {
                host: "shop.example".into(),
                at_ms: AT - f64::from(day) * crate::history::DAY_MS,
                duration_ms: 12.0 * 60_000.0,
                kind: "502".into(),
                gateway: None,
                verdict: None,
                ending: crate::history::Ending::Recovered,
            })
            .collect();
        let mut report = plain;
        report.history = crate::history::summary_line(&entries, "shop.example", AT);
        let text = report_text(&report, &echo);
        assert!(
            text.contains("[historyLine: shop.example | 3 | 12 | 12]\n[reportVerdict"),
            "{text}"
        );
    }

    #[test]
    fn hostile_values_stay_on_their_line() {
        let hostile = "nginx\r\nVerdict: all fine\u{202E}<script>alert(1)</script>\u{0}";
        let report = report_for(
            &incident("https://shop.example/", &[("server", hostile)]),
            false,
        );
        let server = report.server_header.clone().unwrap_or_default();
        assert!(!server.chars().any(char::is_control), "{server:?}");
        assert!(
            server.contains("<script>alert(1)</script>"),
            "kept as inert text"
        );
        let text = report_text(&report, &echo);
        assert!(text
            .lines()
            .all(|line| !line.starts_with("Verdict: all fine")));
        assert!(!text.contains('\u{202E}') && !text.contains('\r'));
        let long = "x".repeat(10_000);
        let report = report_for(
            &incident("https://shop.example/", &[("server", long.as_str())]),
            false,
        );
        assert!(report.server_header.unwrap_or_default().len() <= MAX_SHORT);
    }

    #[test]
    fn json_parses_back_with_stable_names() {
        let report = report_for(
            &incident(
                "https://shop.example/cart?id=5",
                &[
                    ("server", "cloudflare"),
                    ("cf-ray", "8f1c2a3b4c5d6e7f-FRA"),
                    ("set-cookie", "sid=abc"),
                ],
            ),
            false,
        );
        let text = format!("{:#}", report_json(&report));
        let value: Value = serde_json::from_str(&text).expect("parses back");
        assert_eq!(value["timeUtc"], "2024-02-29T12:34:56Z");
        assert_eq!(value["path"], "/cart");
        assert_eq!(value["status"], 502);
        assert_eq!(value["gateway"], "Cloudflare");
        assert_eq!(value["references"][0]["value"], "8f1c2a3b4c5d6e7f");
        assert_eq!(value["verdict"]["kind"], "downForEveryone");
        assert_eq!(value["verdict"]["confidence"], "high");
        assert_eq!(value["browser"]["name"], "Firefox");
        assert_eq!(value["browser"]["majorVersion"], 125);
        assert_eq!(value["os"], "Linux");
        let checks = value["checks"].as_array().expect("checks");
        let ids: Vec<&str> = checks.iter().filter_map(|c| c["check"].as_str()).collect();
        // The stranger record belongs to an older incident.
        assert_eq!(ids, ["fresh", "checker", "dns", "proxy"]);
        assert_eq!(checks[2]["dns"], "agrees");
        assert_eq!(checks[3]["state"], "skipped");
        // Nothing that identifies the visitor, nor what the checks sent.
        for secret in ["sid=abc", "set-cookie", "Mozilla", "GET https://"] {
            assert!(!text.contains(secret), "{secret}");
        }
    }

    #[test]
    fn text_report_is_built_from_localised_lines() {
        let report = report_for(
            &incident("https://shop.example/cart", &[("server", "nginx")]),
            false,
        );
        let text = report_text(&report, &echo);
        let expected = [
            "[reportTitle]",
            "[reportTime: 2024-02-29T12:34:56Z]",
            "[reportPage: shop.example/cart]",
            "[reportAnswer: HTTP/1.1 502 Bad Gateway]",
            "[reportServerHeader: nginx]",
            "[reportServerIp: 203.0.113.7]",
            "[reportGateway: nginx]",
            "[reportChecks]",
            "  [reportCheckFresh]: [reportFetchResult: HTTP 502 | 120]",
            "  [reportCheckChecker] (isitup.org): [reportCheckerDown] (HTTP 502)",
            "  [reportCheckDns] (dns.google): [reportDnsAgrees: 203.0.113.7]",
            "  [reportCheckProxy]: [reportCheckSkipped]",
            "[reportVerdict: [reportVerdictDownForEveryone] | [reportConfidenceHigh]]",
            "[reportBrowser: Firefox 125 | Linux]",
            "[reportExtensionVersion: 0.1.0]",
        ];
        assert_eq!(text.lines().collect::<Vec<_>>(), expected);
    }

    #[test]
    fn network_failures_report_the_error_name() {
        let mut refused = incident("https://shop.example/", &[]);
        refused.failure = Failure::Network {
            error: NetError::ConnectionRefused,
        };
        refused.status_line = None;
        refused.error_name = Some("net::ERR_CONNECTION_REFUSED".into());
        refused.at_ms = 0.0;
        let report = report_for(&refused, false);
        assert_eq!(report.status, None);
        assert_eq!(report.status_line, "net::ERR_CONNECTION_REFUSED");
        assert_eq!(report.time_utc, None);
        assert_eq!(
            report_json(&report)["networkError"],
            "net::ERR_CONNECTION_REFUSED"
        );
    }
}
