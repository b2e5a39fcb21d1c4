//! One check's result as stored in `storage.session` (`check:<tab>:<id>`), one key per check so
//! that checks finishing at once never overwrite each other. The popup streams these records and
//! decides the verdict from whatever has arrived.

use super::dns::DnsComparison;
use super::providers::CheckerAnswer;
use super::verdict::Evidence;
use super::FetchResult;
use serde::{Deserialize, Serialize};

/// The checks, in the order the popup lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckId {
    /// Refetch bypassing every cache, with the visitor's cookies.
    Fresh,
    /// Refetch without cookies, credentials or cache.
    Stranger,
    /// The CDN's edge asked for itself, apart from the site behind it.
    Edge,
    /// The outside down-for-everyone checker.
    Checker,
    /// The CDN's or platform's public status feed.
    CdnStatus,
    /// The site's own status page.
    SiteStatus,
    /// An independent DNS lookup compared with the address the browser used.
    Dns,
    /// A known-good address: is the visitor online at all?
    Connectivity,
    /// Whether a proxy is configured (asked for from the popup only).
    Proxy,
}

impl CheckId {
    pub const ALL: [CheckId; 9] = [
        CheckId::Fresh,
        CheckId::Stranger,
        CheckId::Edge,
        CheckId::Checker,
        CheckId::CdnStatus,
        CheckId::SiteStatus,
        CheckId::Dns,
        CheckId::Connectivity,
        CheckId::Proxy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::Fresh => "fresh",
            CheckId::Stranger => "stranger",
            CheckId::Edge => "edge",
            CheckId::Checker => "checker",
            CheckId::CdnStatus => "cdnstatus",
            CheckId::SiteStatus => "sitestatus",
            CheckId::Dns => "dns",
            CheckId::Connectivity => "connectivity",
            CheckId::Proxy => "proxy",
        }
    }

    pub fn parse(name: &str) -> Option<CheckId> {
        CheckId::ALL.into_iter().find(|id| id.as_str() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckState {
    Running,
    Done,
    /// Not run, on purpose: `note` holds the reason's message key.
    Skipped,
    /// Could not be completed: `note` holds a short, bounded description.
    Failed,
}

/// Why a check did not run; each is a `_locales` message key.
pub mod skip {
    pub const NOT_GET: &str = "skipNotGet";
    pub const TURNED_OFF: &str = "skipTurnedOff";
    pub const PRIVATE_HOST: &str = "skipPrivateHost";
    pub const ADDRESS_LITERAL: &str = "skipAddressLiteral";
    pub const GATEWAY_ANSWERED: &str = "skipGatewayAnswered";
    pub const NOT_ASKED: &str = "skipNotAsked";
    pub const RETRY_AFTER: &str = "skipRetryAfter";
    /// The visitor's rule for the site: never ask outside services about it.
    pub const SITE_RULE: &str = "skipSiteRule";
    /// No CDN in front of the site answered for it: there is no edge to ask apart.
    pub const NO_CDN: &str = "skipNoCdn";
    /// The box that failed publishes no status feed we can read.
    pub const NO_STATUS_FEED: &str = "skipNoStatusFeed";
    /// The site's name gives no place to look for its status page.
    pub const NO_STATUS_PAGE: &str = "skipNoStatusPage";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckRecord {
    pub check: CheckId,
    /// The incident this belongs to (its `at_ms`): results for an older failure are ignored.
    pub incident_at_ms: f64,
    pub state: CheckState,
    /// What was sent, for the report: method, URL and credentials, or the provider's URL.
    #[serde(default)]
    pub sent: String,
    pub started_ms: f64,
    #[serde(default)]
    pub elapsed_ms: Option<u64>,
    #[serde(default)]
    pub fetch: Option<FetchResult>,
    #[serde(default)]
    pub checker: Option<CheckerAnswer>,
    /// The checker's or resolver's name as the visitor sees it.
    #[serde(default)]
    pub provider: Option<String>,
    /// Addresses an independent DNS lookup gave.
    #[serde(default)]
    pub addresses: Vec<String>,
    #[serde(default)]
    pub dns: Option<DnsComparison>,
    /// The browser's proxy mode, as it names it (`direct`, `manual`, `system`...).
    #[serde(default)]
    pub proxy_mode: Option<String>,
    #[serde(default)]
    pub proxy_configured: Option<bool>,
    #[serde(default)]
    pub note: Option<String>,
    /// What the CDN's edge said for itself.
    #[serde(default)]
    pub edge: Option<super::findings::EdgeFinding>,
    /// What a status feed or page reports.
    #[serde(default)]
    pub status: Option<super::findings::StatusFinding>,
    /// The connectivity address answered with a network's sign-in page (or Firefox knows of
    /// one); `None` when not looked for.
    #[serde(default)]
    pub portal: Option<bool>,
}

impl CheckRecord {
    pub fn running(check: CheckId, incident_at_ms: f64, started_ms: f64, sent: String) -> Self {
        CheckRecord {
            check,
            incident_at_ms,
            state: CheckState::Running,
            sent,
            started_ms,
            elapsed_ms: None,
            fetch: None,
            checker: None,
            provider: None,
            addresses: Vec::new(),
            dns: None,
            proxy_mode: None,
            proxy_configured: None,
            note: None,
            edge: None,
            status: None,
            portal: None,
        }
    }

    pub fn skipped(check: CheckId, incident_at_ms: f64, now_ms: f64, reason: &str) -> Self {
        CheckRecord {
            state: CheckState::Skipped,
            note: Some(reason.to_string()),
            ..CheckRecord::running(check, incident_at_ms, now_ms, String::new())
        }
    }

    pub fn is_finished(&self) -> bool {
        self.state != CheckState::Running
    }
}

/// The evidence for the verdict from the records that belong to the incident stamped `at_ms`.
pub fn evidence(served_from_cache: bool, at_ms: f64, records: &[CheckRecord]) -> Evidence {
    let mut evidence = Evidence {
        served_from_cache,
        ..Evidence::default()
    };
    let mut answered = (None, None);
    for record in records
        .iter()
        .filter(|r| r.incident_at_ms == at_ms && r.state == CheckState::Done)
    {
        let answered_at = record
            .elapsed_ms
            .map(|elapsed| record.started_ms + elapsed as f64);
        match record.check {
            CheckId::Fresh => answered.0 = answered_at,
            CheckId::Stranger => answered.1 = answered_at,
            _ => {}
        }
        match record.check {
            CheckId::Fresh => evidence.fresh = record.fetch.clone(),
            CheckId::Stranger => evidence.stranger = record.fetch.clone(),
            CheckId::Checker => evidence.checker = record.checker.clone(),
            CheckId::Dns => evidence.dns = record.dns,
            CheckId::Connectivity => {
                evidence.connectivity = record.fetch.clone();
                evidence.portal = record.portal;
            }
            CheckId::Edge => evidence.edge = record.edge.clone(),
            CheckId::CdnStatus => evidence.cdn_status = record.status.clone(),
            CheckId::SiteStatus => evidence.site_status = record.status.clone(),
            CheckId::Proxy => evidence.proxy_configured = record.proxy_configured,
        }
    }
    if let (Some(fresh), Some(stranger)) = answered {
        evidence.refetches_apart_ms = Some((fresh - stranger).abs() as u64);
    }
    evidence
}

/// Whether the browser's proxy mode (Chromium's `mode`, Firefox's `proxyType`) sends traffic
/// through a proxy: `None` when it defers to the system or auto-detection, which we cannot see.
pub fn proxy_mode_configured(mode: &str) -> Option<bool> {
    match mode {
        "direct" | "none" => Some(false),
        "fixed_servers" | "pac_script" | "manual" | "autoConfig" => Some(true),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_ignores_other_incidents_and_unfinished_checks() {
        let mut fresh = CheckRecord::running(CheckId::Fresh, 5.0, 6.0, "GET".into());
        fresh.state = CheckState::Done;
        fresh.fetch = Some(FetchResult {
            status: Some(200),
            error: None,
            elapsed_ms: 4,
            redirected: false,
        });
        let mut old = fresh.clone();
        old.check = CheckId::Stranger;
        old.incident_at_ms = 1.0;
        let running = CheckRecord::running(CheckId::Checker, 5.0, 6.0, "x".into());
        let e = evidence(true, 5.0, &[fresh, old, running]);
        assert!(e.fresh.is_some_and(|f| f.works()));
        assert_eq!(e.stranger, None);
        assert_eq!(e.checker, None);
        assert!(e.served_from_cache);
    }

    #[test]
    fn ids_round_trip() {
        for id in CheckId::ALL {
            assert_eq!(CheckId::parse(id.as_str()), Some(id));
        }
        assert_eq!(CheckId::parse("nope"), None);
    }
}
