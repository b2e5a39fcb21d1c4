//! What the popup shows of the checks: one line per check as its result arrives, then the
//! verdict decided from whatever has arrived so far. Message keys and plain strings only.

use crate::checks::dns::DnsComparison;
use crate::checks::record::{evidence, CheckId, CheckRecord, CheckState};
use crate::checks::verdict::{decide, Confidence, Evidence, Reason, Verdict, VerdictKind};
use crate::checks::FetchResult;
use crate::diagnosis::{Fixer, Side};
use crate::incident::{truncate, Incident};
use crate::view::advice::{fixer_key, side_key};
use crate::view::msg::Msg;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckLine {
    pub id: CheckId,
    pub label: Msg,
    pub status: Msg,
    pub state: CheckState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictView {
    pub kind: VerdictKind,
    pub title: Msg,
    pub explanation: Msg,
    pub confidence: Msg,
    pub reasons: Vec<Msg>,
    /// False while checks are still running: the verdict may still change.
    pub settled: bool,
}

/// What "Where it broke" and "Who can fix it" say once the checks put the failure on the
/// visitor's side (message keys), instead of the diagnosis of the page itself. The popup's every
/// section follows the verdict: "your cookies" is never next to "the site's team".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitorSide {
    pub side: &'static str,
    pub meaning: &'static str,
    pub fixer: &'static str,
    pub outlook: &'static str,
}

/// The visitor's browser: its cache or its cookies.
const YOUR_BROWSER: VisitorSide = VisitorSide {
    side: side_key(Side::VisitorDevice),
    meaning: "meaningYourBrowser",
    fixer: fixer_key(Fixer::Visitor),
    outlook: "outlookNeedsYou",
};

/// The visitor's way to the site: network, DNS, proxy or VPN.
const YOUR_WAY: VisitorSide = VisitorSide {
    side: side_key(Side::VisitorNetwork),
    meaning: "meaningYourWay",
    fixer: fixer_key(Fixer::VisitorNetwork),
    outlook: "outlookNeedsYou",
};

/// The network the visitor is on wants them to sign in first.
const SIGN_IN: VisitorSide = VisitorSide {
    side: side_key(Side::VisitorNetwork),
    meaning: "meaningSignIn",
    fixer: "fixerYouSignIn",
    outlook: "outlookNeedsYou",
};

/// A verdict's names wherever it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerdictNames {
    /// The popup's heading (message key).
    pub title: &'static str,
    /// The popup's explanation (message key; the host is its `$1`).
    pub explanation: &'static str,
    /// The text report's verdict (message key).
    pub report: &'static str,
    /// The JSON report's stable id.
    pub id: &'static str,
    /// The popup's `data-verdict` value, which the stylesheet and the end-to-end tests select on.
    pub attribute: &'static str,
    /// Set when the verdict puts the failure on the visitor's side: the diagnosis' own words
    /// give way to these.
    pub visitor_side: Option<VisitorSide>,
    /// Set when the verdict names which box on the site's side failed (a status page or the
    /// CDN's edge said so): "Where it broke" and "Who can fix it" say that instead.
    pub site_side: Option<SiteSide>,
}

/// "Where it broke", "Who can fix it" and the outlook for a verdict on the site's side (message
/// keys); `None` keeps the diagnosis' own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteSide {
    pub side: Option<&'static str>,
    pub fixer: &'static str,
    pub outlook: Option<&'static str>,
}

/// Each verdict's names: the one place a `VerdictKind` becomes words.
pub fn verdict_names(kind: VerdictKind) -> VerdictNames {
    match kind {
        VerdictKind::DownForEveryone => VerdictNames {
            title: "verdictDownForEveryone",
            explanation: "explainDownForEveryone",
            report: "reportVerdictDownForEveryone",
            id: crate::history::verdict_id(kind),
            attribute: "down-for-everyone",
            visitor_side: None,
            site_side: None,
        },
        VerdictKind::CachedCopy => VerdictNames {
            title: "verdictCachedCopy",
            explanation: "explainCachedCopy",
            report: "reportVerdictCachedCopy",
            id: crate::history::verdict_id(kind),
            attribute: "cached-copy",
            visitor_side: Some(YOUR_BROWSER),
            site_side: None,
        },
        VerdictKind::CookiesOrSession => VerdictNames {
            title: "verdictCookiesOrSession",
            explanation: "explainCookiesOrSession",
            report: "reportVerdictCookiesOrSession",
            id: crate::history::verdict_id(kind),
            attribute: "cookies-or-session",
            visitor_side: Some(YOUR_BROWSER),
            site_side: None,
        },
        VerdictKind::NetworkOrDns => VerdictNames {
            title: "verdictNetworkOrDns",
            explanation: "explainNetworkOrDns",
            report: "reportVerdictNetworkOrDns",
            id: crate::history::verdict_id(kind),
            attribute: "network-or-dns",
            visitor_side: Some(YOUR_WAY),
            site_side: None,
        },
        VerdictKind::ProxyOrVpn => VerdictNames {
            title: "verdictProxyOrVpn",
            explanation: "explainProxyOrVpn",
            report: "reportVerdictProxyOrVpn",
            id: crate::history::verdict_id(kind),
            attribute: "proxy-or-vpn",
            visitor_side: Some(YOUR_WAY),
            site_side: None,
        },
        VerdictKind::WorksAgain => VerdictNames {
            title: "verdictWorksAgain",
            explanation: "explainWorksAgain",
            report: "reportVerdictWorksAgain",
            id: crate::history::verdict_id(kind),
            attribute: "works-again",
            visitor_side: None,
            site_side: None,
        },
        VerdictKind::SignInToNetwork => VerdictNames {
            title: "verdictSignInToNetwork",
            explanation: "explainSignInToNetwork",
            report: "reportVerdictSignInToNetwork",
            id: crate::history::verdict_id(kind),
            attribute: "sign-in-to-network",
            visitor_side: Some(SIGN_IN),
            site_side: None,
        },
        VerdictKind::CdnIncident => VerdictNames {
            title: "verdictCdnIncident",
            explanation: "explainCdnIncidentPlain",
            report: "reportVerdictCdnIncident",
            id: crate::history::verdict_id(kind),
            attribute: "cdn-incident",
            visitor_side: None,
            site_side: Some(SiteSide {
                side: Some(side_key(Side::CdnEdge)),
                fixer: fixer_key(Fixer::Cdn),
                outlook: None,
            }),
        },
        VerdictKind::OriginDown => VerdictNames {
            title: "verdictOriginDown",
            explanation: "explainOriginDownPlain",
            report: "reportVerdictOriginDown",
            id: crate::history::verdict_id(kind),
            attribute: "origin-down",
            visitor_side: None,
            site_side: Some(SiteSide {
                side: Some(side_key(Side::Origin)),
                fixer: fixer_key(Fixer::SiteOwner),
                outlook: None,
            }),
        },
        VerdictKind::SiteIncident => VerdictNames {
            title: "verdictSiteIncident",
            explanation: "explainSiteIncidentPlain",
            report: "reportVerdictSiteIncident",
            id: crate::history::verdict_id(kind),
            attribute: "site-incident",
            visitor_side: None,
            site_side: Some(SiteSide {
                side: None,
                fixer: fixer_key(Fixer::SiteOwner),
                outlook: Some("outlookSiteKnows"),
            }),
        },
        VerdictKind::SiteMaintenance => VerdictNames {
            title: "verdictSiteMaintenance",
            explanation: "explainSiteMaintenancePlain",
            report: "reportVerdictSiteMaintenance",
            id: crate::history::verdict_id(kind),
            attribute: "site-maintenance",
            visitor_side: None,
            site_side: Some(SiteSide {
                side: None,
                fixer: fixer_key(Fixer::SiteOwner),
                outlook: Some("outlookMaintenance"),
            }),
        },
        VerdictKind::Unknown => VerdictNames {
            title: "verdictUnknown",
            explanation: "explainUnknown",
            report: "reportVerdictUnknown",
            id: crate::history::verdict_id(kind),
            attribute: "unknown",
            visitor_side: None,
            site_side: None,
        },
    }
}

/// A confidence's names wherever it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfidenceNames {
    /// The popup's line (message key).
    pub popup: &'static str,
    /// The text report's (message key).
    pub report: &'static str,
    /// The JSON report's stable id.
    pub id: &'static str,
}

/// Each confidence's names: the one place a `Confidence` becomes words.
pub fn confidence_names(confidence: Confidence) -> ConfidenceNames {
    match confidence {
        Confidence::Low => ConfidenceNames {
            popup: "confidenceLow",
            report: "reportConfidenceLow",
            id: "low",
        },
        Confidence::Medium => ConfidenceNames {
            popup: "confidenceMedium",
            report: "reportConfidenceMedium",
            id: "medium",
        },
        Confidence::High => ConfidenceNames {
            popup: "confidenceHigh",
            report: "reportConfidenceHigh",
            id: "high",
        },
    }
}

/// A check state's stable id: the JSON report's, and the popup's `data-state` value.
pub fn check_state_id(state: CheckState) -> &'static str {
    match state {
        CheckState::Running => "running",
        CheckState::Done => "done",
        CheckState::Skipped => "skipped",
        CheckState::Failed => "failed",
    }
}

/// The lines, in `CheckId::ALL`'s order, the first record of each check for this failure; the
/// proxy line appears only once it was asked for.
pub fn check_lines(records: &[CheckRecord], at_ms: f64) -> Vec<CheckLine> {
    CheckId::ALL
        .iter()
        .filter_map(|id| {
            records
                .iter()
                .find(|r| r.check == *id && r.incident_at_ms == at_ms)
        })
        .map(|record| CheckLine {
            id: record.check,
            label: label(record),
            status: status(record),
            state: record.state,
        })
        .collect()
}

pub fn verdict_view(incident: &Incident, records: &[CheckRecord]) -> Option<VerdictView> {
    let current: Vec<&CheckRecord> = records
        .iter()
        .filter(|r| r.incident_at_ms == incident.at_ms)
        .collect();
    if current.is_empty() {
        return None;
    }
    let settled = current.iter().all(|r| r.is_finished());
    let (evidence, verdict) = current_verdict(incident, records);
    let host = incident.host.clone();
    let names = verdict_names(verdict.kind);
    let explanation = super::status::explanation(verdict.kind, &host, &evidence, incident.at_ms)
        .unwrap_or_else(|| Msg::with(names.explanation, vec![host]));
    Some(VerdictView {
        kind: verdict.kind,
        title: Msg::new(names.title),
        explanation,
        confidence: Msg::new(confidence_names(verdict.confidence).popup),
        reasons: verdict.reasons.iter().map(|r| reason_msg(*r)).collect(),
        settled,
    })
}

/// The evidence so far and the verdict it gives (the steps are chosen from both).
pub fn current_verdict(incident: &Incident, records: &[CheckRecord]) -> (Evidence, Verdict) {
    let evidence = evidence(incident.from_cache, incident.at_ms, records);
    let verdict = decide(incident.failure, &evidence);
    (evidence, verdict)
}

fn reason_msg(reason: Reason) -> Msg {
    Msg::new(match reason {
        Reason::ServedFromCache => "reasonServedFromCache",
        Reason::FreshWorks => "reasonFreshWorks",
        Reason::FreshFails => "reasonFreshFails",
        Reason::StrangerWorks => "reasonStrangerWorks",
        Reason::StrangerFails => "reasonStrangerFails",
        Reason::CheckerUp => "reasonCheckerUp",
        Reason::CheckerDown => "reasonCheckerDown",
        Reason::DnsDiffers => "reasonDnsDiffers",
        Reason::DnsResolvesElsewhere => "reasonDnsResolvesElsewhere",
        Reason::DnsNameDoesNotExist => "reasonDnsNameDoesNotExist",
        Reason::NoConnectivity => "reasonNoConnectivity",
        Reason::ProxyConfigured => "reasonProxyConfigured",
        Reason::PageFailsForEveryone => "reasonPageFailsForEveryone",
        Reason::SignInPage => "reasonSignInPage",
        Reason::NetworkAuthRequired => "reasonNetworkAuthRequired",
        Reason::EdgeAnswered => "reasonEdgeAnswered",
        Reason::CdnReportsIncident => "reasonCdnReportsIncident",
        Reason::CdnReportsNothing => "reasonCdnReportsNothing",
        Reason::SiteReportsIncident => "reasonSiteReportsIncident",
        Reason::SiteReportsMaintenance => "reasonSiteReportsMaintenance",
    })
}

fn label(record: &CheckRecord) -> Msg {
    match record.check {
        CheckId::Fresh => Msg::new("checkFresh"),
        CheckId::Stranger => Msg::new("checkStranger"),
        CheckId::Checker => match &record.provider {
            Some(provider) => Msg::with("checkCheckerBy", vec![provider.clone()]),
            None => Msg::new("checkChecker"),
        },
        CheckId::Dns => Msg::new("checkDns"),
        CheckId::Connectivity => Msg::new("checkConnectivity"),
        CheckId::Proxy => Msg::new("checkProxy"),
        CheckId::Edge => Msg::new("checkEdge"),
        CheckId::CdnStatus => match &record.provider {
            Some(provider) => Msg::with("checkCdnStatusOf", vec![truncate(provider, 80)]),
            None => Msg::new("checkCdnStatus"),
        },
        CheckId::SiteStatus => Msg::new("checkSiteStatus"),
    }
}

fn status(record: &CheckRecord) -> Msg {
    // The connectivity address answered with a sign-in page: that is its news.
    if record.state == CheckState::Done && record.portal == Some(true) {
        return Msg::new("connectivityPortal");
    }
    let note = || truncate(record.note.as_deref().unwrap_or_default(), 160);
    match record.state {
        CheckState::Running => Msg::new("checkRunning"),
        CheckState::Skipped => Msg::new(skip_key(record.note.as_deref())),
        CheckState::Failed => Msg::with("checkCouldNotRun", vec![note()]),
        CheckState::Done => done_status(record),
    }
}

/// Skip reasons are message keys the background wrote; anything else (a corrupt record) reads
/// as a plain "skipped".
fn skip_key(note: Option<&str>) -> &'static str {
    use crate::checks::record::skip::*;
    [
        NOT_GET,
        TURNED_OFF,
        PRIVATE_HOST,
        ADDRESS_LITERAL,
        GATEWAY_ANSWERED,
        NOT_ASKED,
        RETRY_AFTER,
        SITE_RULE,
        NO_CDN,
        NO_STATUS_FEED,
        NO_STATUS_PAGE,
    ]
    .into_iter()
    .find(|key| Some(*key) == note)
    .unwrap_or("skipOther")
}

fn fetch_status(fetch: &FetchResult) -> Msg {
    let ms = fetch.elapsed_ms.to_string();
    match (fetch.status, &fetch.error) {
        _ if fetch.redirected => Msg::with("fetchRedirected", vec![ms]),
        (Some(status), _) if fetch.works() => Msg::with("fetchWorks", vec![status.to_string(), ms]),
        (Some(status), _) => Msg::with("fetchFails", vec![status.to_string(), ms]),
        (None, error) => Msg::with(
            "fetchNoAnswer",
            vec![truncate(error.as_deref().unwrap_or_default(), 160), ms],
        ),
    }
}

fn done_status(record: &CheckRecord) -> Msg {
    match record.check {
        CheckId::Fresh | CheckId::Stranger | CheckId::Connectivity => match &record.fetch {
            Some(fetch) => fetch_status(fetch),
            None => Msg::new("skipOther"),
        },
        CheckId::Checker => match &record.checker {
            Some(answer) => {
                let detail = answer
                    .status
                    .map(|s| format!("HTTP {s}"))
                    .or_else(|| answer.detail.clone())
                    .unwrap_or_default();
                let key = if answer.up {
                    "checkerUp"
                } else {
                    "checkerDown"
                };
                Msg::with(key, vec![detail])
            }
            None => Msg::new("skipOther"),
        },
        CheckId::Dns => {
            let looked_up = record
                .addresses
                .iter()
                .take(4)
                .map(|a| truncate(a, 64))
                .collect::<Vec<_>>()
                .join(", ");
            match record.dns.unwrap_or(DnsComparison::Unknown) {
                DnsComparison::Agrees => Msg::with("dnsAgrees", vec![looked_up]),
                DnsComparison::Differs => Msg::with("dnsDiffers", vec![looked_up]),
                DnsComparison::ResolvesElsewhere => {
                    Msg::with("dnsResolvesElsewhere", vec![looked_up])
                }
                DnsComparison::NameDoesNotExist => Msg::new("dnsNameDoesNotExist"),
                DnsComparison::Unknown => Msg::with("dnsUnknown", vec![looked_up]),
            }
        }
        CheckId::Edge => match &record.edge {
            Some(edge) => super::status::edge_line(edge),
            None => Msg::new("skipOther"),
        },
        CheckId::CdnStatus | CheckId::SiteStatus => match &record.status {
            Some(status) => super::status::status_line(status, record.started_ms),
            None => Msg::new("statusNotFound"),
        },
        CheckId::Proxy => match record.proxy_configured {
            Some(true) => Msg::with(
                "proxyConfigured",
                vec![truncate(
                    record.proxy_mode.as_deref().unwrap_or_default(),
                    40,
                )],
            ),
            Some(false) => Msg::new("proxyNone"),
            None => Msg::with(
                "proxySystem",
                vec![truncate(
                    record.proxy_mode.as_deref().unwrap_or_default(),
                    40,
                )],
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::providers::CheckerAnswer;
    use crate::failure::Failure;

    fn incident() -> Incident {
        Incident {
            url: "http://shop.example/".into(),
            host: "shop.example".into(),
            failure: Failure::Http { status: 502 },
            status_line: None,
            server_ip: Some("203.0.113.5".into()),
            error_name: None,
            method: "GET".into(),
            at_ms: 1000.0,
            headers: Vec::new(),
            page_excerpt: None,
            from_cache: false,
            url_hash: None,
            latest_at_ms: 0.0,
            retry_stopped: None,
            verdict: None,
        }
    }

    fn done(check: CheckId, at: f64) -> CheckRecord {
        CheckRecord {
            state: CheckState::Done,
            ..CheckRecord::running(check, at, at + 1.0, String::new())
        }
    }

    #[test]
    fn the_verdict_streams_in_and_settles() {
        let i = incident();
        assert_eq!(verdict_view(&i, &[]), None);
        let mut fresh = done(CheckId::Fresh, 1000.0);
        fresh.fetch = Some(FetchResult {
            status: Some(502),
            error: None,
            elapsed_ms: 9,
            redirected: false,
        });
        let checker = CheckRecord::running(CheckId::Checker, 1000.0, 1001.0, "u".into());
        let early = verdict_view(&i, &[fresh.clone(), checker.clone()]).expect("a verdict");
        assert!(!early.settled);
        assert_eq!(early.kind, VerdictKind::DownForEveryone);
        assert_eq!(early.confidence.key, "confidenceLow");
        let mut answered = checker;
        answered.state = CheckState::Done;
        answered.checker = Some(CheckerAnswer {
            up: false,
            status: Some(502),
            detail: None,
        });
        let late = verdict_view(&i, &[fresh, answered]).expect("a verdict");
        assert!(late.settled);
        assert_eq!(late.confidence.key, "confidenceHigh");
        assert!(late.reasons.iter().any(|r| r.key == "reasonCheckerDown"));
    }

    #[test]
    fn lines_keep_their_order_and_say_each_state() {
        let mut dns = done(CheckId::Dns, 1000.0);
        dns.dns = Some(DnsComparison::Differs);
        dns.addresses = vec!["127.0.0.9".into()];
        let skipped = CheckRecord::skipped(CheckId::Stranger, 1000.0, 1.0, "skipNotGet");
        let corrupt = CheckRecord {
            note: Some("<b>nope</b>".into()),
            ..CheckRecord::skipped(CheckId::Fresh, 1000.0, 1.0, "x")
        };
        let mut failed = CheckRecord::running(CheckId::Checker, 1000.0, 1.0, "u".into());
        failed.state = CheckState::Failed;
        failed.note = Some("answer is not JSON".into());
        let old = done(CheckId::Connectivity, 5.0);
        // A second record of one check: the first one given is the line.
        let dns_again = CheckRecord::skipped(CheckId::Dns, 1000.0, 2.0, "skipOther");
        let lines = check_lines(&[dns, skipped, corrupt, failed, old, dns_again], 1000.0);
        let keys: Vec<(&str, &str)> = lines.iter().map(|l| (l.label.key, l.status.key)).collect();
        assert_eq!(
            keys,
            [
                ("checkFresh", "skipOther"),
                ("checkStranger", "skipNotGet"),
                ("checkChecker", "checkCouldNotRun"),
                ("checkDns", "dnsDiffers"),
            ]
        );
        assert_eq!(lines[2].status.args, ["answer is not JSON"]);
    }
}

#[cfg(test)]
mod visitor_side_tests {
    use super::*;

    fn visitor_side(kind: VerdictKind) -> Option<VisitorSide> {
        verdict_names(kind).visitor_side
    }

    #[test]
    fn sections_follow_a_verdict_on_the_visitors_side_only() {
        assert_eq!(
            visitor_side(VerdictKind::CookiesOrSession).map(|s| s.fixer),
            Some("fixerVisitor")
        );
        assert_eq!(
            visitor_side(VerdictKind::ProxyOrVpn).map(|s| s.side),
            Some("sideVisitorNetwork")
        );
        assert_eq!(visitor_side(VerdictKind::DownForEveryone), None);
        assert_eq!(visitor_side(VerdictKind::Unknown), None);
    }

    #[test]
    fn every_verdict_has_names_of_its_own() {
        let kinds = [
            VerdictKind::DownForEveryone,
            VerdictKind::CachedCopy,
            VerdictKind::CookiesOrSession,
            VerdictKind::NetworkOrDns,
            VerdictKind::ProxyOrVpn,
            VerdictKind::WorksAgain,
            VerdictKind::Unknown,
        ];
        let names: Vec<VerdictNames> = kinds.into_iter().map(verdict_names).collect();
        let fields: [fn(&VerdictNames) -> &'static str; 5] = [
            |n| n.title,
            |n| n.explanation,
            |n| n.report,
            |n| n.id,
            |n| n.attribute,
        ];
        for field in fields {
            let mut seen: Vec<&str> = names.iter().map(field).collect();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), kinds.len());
        }
    }
}
