//! "Down for everyone, or just me?": the verdict from what the checks found, with how sure it is
//! and the evidence behind it.

use super::dns::DnsComparison;
use super::findings::{EdgeFinding, StatusFinding};
use super::providers::CheckerAnswer;
use super::FetchResult;
use crate::failure::{Failure, NetError};

/// Everything the checks found; `None` for a check that did not run (or has not answered yet).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    /// The failed response came from the browser's cache.
    pub served_from_cache: bool,
    /// Refetch bypassing every cache, with the visitor's cookies.
    pub fresh: Option<FetchResult>,
    /// Refetch without cookies, credentials or cache: as a stranger.
    pub stranger: Option<FetchResult>,
    /// The outside checker's answer.
    pub checker: Option<CheckerAnswer>,
    pub dns: Option<DnsComparison>,
    /// A known-good address: can the visitor reach anything at all?
    pub connectivity: Option<FetchResult>,
    pub proxy_configured: Option<bool>,
    /// How far apart the two refetches were answered. Far apart (one waited for the site's
    /// `Retry-After`), they are not the same moment: a stranger's success then may only mean the
    /// site came back meanwhile.
    pub refetches_apart_ms: Option<u64>,
    /// The connectivity address answered with a network's sign-in page.
    pub portal: Option<bool>,
    /// The CDN's edge, asked apart from the site.
    pub edge: Option<EdgeFinding>,
    /// The CDN's or platform's own status feed.
    pub cdn_status: Option<StatusFinding>,
    /// The site's own status page.
    pub site_status: Option<StatusFinding>,
}

/// Refetches answered further apart than this do not compare cookies with no cookies.
pub const REFETCHES_COMPARABLE_MS: u64 = 3_000;

/// Serde, for this and the rest of a verdict: the failure module decides it and tells the
/// background's (`Event::ChecksAnswered`), which keeps it on the incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum VerdictKind {
    DownForEveryone,
    /// Only for you: your browser kept a broken copy; a fresh load works.
    CachedCopy,
    /// Only for you: the site fails with your cookies or session, works without.
    CookiesOrSession,
    /// Your network or its DNS.
    NetworkOrDns,
    ProxyOrVpn,
    /// The site answers now: reload.
    WorksAgain,
    /// The network holds every request for its sign-in page (a captive portal).
    SignInToNetwork,
    /// The CDN's own status feed reports an incident where this failure went through.
    CdnIncident,
    /// The CDN's edge answered for itself; the site's own server behind it did not.
    OriginDown,
    /// The site's own status page reports an incident.
    SiteIncident,
    /// The site's own status page reports maintenance going on now.
    SiteMaintenance,
    Unknown,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// One piece of evidence behind a verdict, for the popup to say in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Reason {
    ServedFromCache,
    FreshWorks,
    FreshFails,
    StrangerWorks,
    StrangerFails,
    CheckerUp,
    CheckerDown,
    DnsDiffers,
    DnsResolvesElsewhere,
    DnsNameDoesNotExist,
    NoConnectivity,
    ProxyConfigured,
    /// The checker found the site up, yet this page answers everyone with a server error.
    PageFailsForEveryone,
    /// The connectivity address answered with a network's sign-in page.
    SignInPage,
    /// The answer was 511 Network Authentication Required: the network's, not the site's.
    NetworkAuthRequired,
    /// The CDN's edge answered for itself.
    EdgeAnswered,
    /// The CDN's status feed reports an incident where the request went through.
    CdnReportsIncident,
    /// The CDN's status feed reports nothing where the request went through.
    CdnReportsNothing,
    SiteReportsIncident,
    SiteReportsMaintenance,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Verdict {
    pub kind: VerdictKind,
    pub confidence: Confidence,
    pub reasons: Vec<Reason>,
}

fn verdict(kind: VerdictKind, confidence: Confidence, reasons: Vec<Reason>) -> Verdict {
    Verdict {
        kind,
        confidence,
        reasons,
    }
}

pub fn decide(failure: Failure, e: &Evidence) -> Verdict {
    let base = decide_reachability(failure, e);
    with_status_and_edge(failure, base, e)
}

/// Who answered and who did not: down for everyone, or only this visitor, and why.
fn decide_reachability(failure: Failure, e: &Evidence) -> Verdict {
    use Confidence::*;
    use VerdictKind::*;
    // A network's sign-in page eats every request: nothing else the checks saw means much.
    if e.portal == Some(true) {
        return verdict(SignInToNetwork, High, vec![Reason::SignInPage]);
    }
    if failure == (Failure::Http { status: 511 }) {
        return verdict(SignInToNetwork, High, vec![Reason::NetworkAuthRequired]);
    }
    if e.connectivity.as_ref().is_some_and(FetchResult::fails) {
        return verdict(NetworkOrDns, High, vec![Reason::NoConnectivity]);
    }
    match e.dns {
        Some(DnsComparison::Differs) => {
            return verdict(NetworkOrDns, High, vec![Reason::DnsDiffers])
        }
        Some(DnsComparison::ResolvesElsewhere) => {
            return verdict(NetworkOrDns, High, vec![Reason::DnsResolvesElsewhere])
        }
        _ => {}
    }
    if failure
        == (Failure::Network {
            error: NetError::ProxyFailed,
        })
    {
        let mut reasons = Vec::new();
        if e.proxy_configured == Some(true) {
            reasons.push(Reason::ProxyConfigured);
        }
        return verdict(ProxyOrVpn, High, reasons);
    }
    let checker = e.checker.as_ref().map(|c| c.up);
    let checker_reason = checker.map(|up| {
        if up {
            Reason::CheckerUp
        } else {
            Reason::CheckerDown
        }
    });
    match (&e.fresh, &e.stranger) {
        (Some(fresh), _) if fresh.works() => {
            if e.served_from_cache {
                verdict(
                    CachedCopy,
                    High,
                    vec![Reason::ServedFromCache, Reason::FreshWorks],
                )
            } else {
                verdict(WorksAgain, High, vec![Reason::FreshWorks])
            }
        }
        (Some(_), Some(stranger))
            if stranger.works()
                && e.refetches_apart_ms
                    .is_none_or(|apart| apart <= REFETCHES_COMPARABLE_MS) =>
        {
            verdict(
                CookiesOrSession,
                High,
                vec![Reason::FreshFails, Reason::StrangerWorks],
            )
        }
        // The stranger's success came well after the failure with cookies: it answers now,
        // which is all this shows (auto-retry's reload with cookies will tell the rest).
        (Some(_), Some(stranger)) if stranger.works() => {
            verdict(WorksAgain, Medium, vec![Reason::StrangerWorks])
        }
        (Some(fresh), stranger) => {
            let mut reasons = vec![Reason::FreshFails];
            if stranger.is_some() {
                reasons.push(Reason::StrangerFails);
            }
            reasons.extend(checker_reason);
            match checker {
                Some(false) => verdict(DownForEveryone, High, reasons),
                Some(true) if e.proxy_configured == Some(true) => {
                    reasons.push(Reason::ProxyConfigured);
                    verdict(ProxyOrVpn, Medium, reasons)
                }
                // The site's server itself answered with an error, cookies or not: the way to
                // it works, this page is broken (the checker only looks at the home page).
                Some(true) if fresh.status.is_some() => {
                    reasons.push(Reason::PageFailsForEveryone);
                    verdict(DownForEveryone, Medium, reasons)
                }
                // It answers others but not you, with or without cookies: the way to it.
                Some(true) => verdict(NetworkOrDns, Medium, reasons),
                None if e.dns == Some(DnsComparison::NameDoesNotExist) => {
                    reasons.push(Reason::DnsNameDoesNotExist);
                    verdict(DownForEveryone, Medium, reasons)
                }
                None => verdict(DownForEveryone, Low, reasons),
            }
        }
        // Not refetched (a form, or not answered yet): only the checker can tell.
        (None, _) => match checker {
            Some(false) => verdict(
                DownForEveryone,
                Medium,
                checker_reason.into_iter().collect(),
            ),
            Some(true) => verdict(Unknown, Low, checker_reason.into_iter().collect()),
            None => verdict(Unknown, Low, Vec::new()),
        },
    }
}

/// A failure on the site's side, refined by what the status pages and the CDN's edge say: the
/// site's own word first (it knows), then the CDN's incident, then the edge answering for itself.
/// A verdict on the visitor's side, or "works again", stays as it is.
fn with_status_and_edge(failure: Failure, base: Verdict, e: &Evidence) -> Verdict {
    use Confidence::*;
    use VerdictKind::*;
    if !matches!(base.kind, DownForEveryone | Unknown) {
        return base;
    }
    let mut reasons = base.reasons.clone();
    if let Some(site) = &e.site_status {
        if site.maintenance_now().is_some() {
            reasons.push(Reason::SiteReportsMaintenance);
            return verdict(SiteMaintenance, High, reasons);
        }
        if site.relevant_incident().is_some() {
            reasons.push(Reason::SiteReportsIncident);
            return verdict(SiteIncident, Medium, reasons);
        }
    }
    if let Some(cdn) = &e.cdn_status {
        if cdn.relevant_incident().is_some() {
            reasons.push(Reason::CdnReportsIncident);
            // Matched on the very data centre, or only "an incident somewhere".
            let confidence = if cdn.component.is_some() {
                High
            } else {
                Medium
            };
            return verdict(CdnIncident, confidence, reasons);
        }
        reasons.push(Reason::CdnReportsNothing);
    }
    let edge_answered = e.edge.as_ref().is_some_and(|edge| edge.answered);
    if edge_answered && matches!(failure, Failure::Http { status } if status >= 500) {
        reasons.push(Reason::EdgeAnswered);
        return verdict(OriginDown, High, reasons);
    }
    Verdict { reasons, ..base }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> Option<FetchResult> {
        Some(FetchResult {
            status: Some(200),
            error: None,
            elapsed_ms: 12,
            redirected: false,
        })
    }
    fn bad() -> Option<FetchResult> {
        Some(FetchResult {
            status: Some(502),
            error: None,
            elapsed_ms: 12,
            redirected: false,
        })
    }
    fn refused() -> Option<FetchResult> {
        Some(FetchResult {
            status: None,
            error: Some("TypeError: Failed to fetch".into()),
            elapsed_ms: 3,
            redirected: false,
        })
    }
    fn checker(up: bool) -> Option<CheckerAnswer> {
        Some(CheckerAnswer {
            up,
            status: None,
            detail: None,
        })
    }
    const HTTP502: Failure = Failure::Http { status: 502 };

    #[test]
    fn the_issue_s_scenarios() {
        use VerdictKind::*;
        let cases = [
            (
                "cookies",
                Evidence {
                    fresh: bad(),
                    stranger: ok(),
                    checker: checker(true),
                    ..Default::default()
                },
                CookiesOrSession,
                Confidence::High,
            ),
            (
                "cookies, refetched moments apart",
                Evidence {
                    fresh: bad(),
                    stranger: ok(),
                    refetches_apart_ms: Some(REFETCHES_COMPARABLE_MS),
                    ..Default::default()
                },
                CookiesOrSession,
                Confidence::High,
            ),
            (
                "the stranger answered 5 s after the failure with cookies (a Retry-After between)",
                Evidence {
                    fresh: bad(),
                    stranger: ok(),
                    refetches_apart_ms: Some(5_000),
                    ..Default::default()
                },
                WorksAgain,
                Confidence::Medium,
            ),
            (
                "cache",
                Evidence {
                    served_from_cache: true,
                    fresh: ok(),
                    stranger: ok(),
                    ..Default::default()
                },
                CachedCopy,
                Confidence::High,
            ),
            (
                "down for everyone",
                Evidence {
                    fresh: bad(),
                    stranger: bad(),
                    checker: checker(false),
                    ..Default::default()
                },
                DownForEveryone,
                Confidence::High,
            ),
            (
                "dns",
                Evidence {
                    fresh: bad(),
                    stranger: bad(),
                    checker: checker(true),
                    dns: Some(DnsComparison::Differs),
                    ..Default::default()
                },
                NetworkOrDns,
                Confidence::High,
            ),
            (
                "works again",
                Evidence {
                    fresh: ok(),
                    stranger: ok(),
                    checker: checker(true),
                    ..Default::default()
                },
                WorksAgain,
                Confidence::High,
            ),
            (
                "offline",
                Evidence {
                    fresh: refused(),
                    connectivity: refused(),
                    ..Default::default()
                },
                NetworkOrDns,
                Confidence::High,
            ),
            (
                "proxy",
                Evidence {
                    fresh: bad(),
                    stranger: bad(),
                    checker: checker(true),
                    proxy_configured: Some(true),
                    ..Default::default()
                },
                ProxyOrVpn,
                Confidence::Medium,
            ),
            (
                "only me",
                Evidence {
                    fresh: refused(),
                    stranger: refused(),
                    checker: checker(true),
                    ..Default::default()
                },
                NetworkOrDns,
                Confidence::Medium,
            ),
            (
                "the home page is up, this page fails for everyone",
                Evidence {
                    fresh: bad(),
                    stranger: bad(),
                    checker: checker(true),
                    ..Default::default()
                },
                DownForEveryone,
                Confidence::Medium,
            ),
            (
                "no checker",
                Evidence {
                    fresh: bad(),
                    stranger: bad(),
                    ..Default::default()
                },
                DownForEveryone,
                Confidence::Low,
            ),
            (
                "a form",
                Evidence {
                    checker: checker(false),
                    ..Default::default()
                },
                DownForEveryone,
                Confidence::Medium,
            ),
            ("nothing yet", Evidence::default(), Unknown, Confidence::Low),
        ];
        for (name, evidence, kind, confidence) in cases {
            let v = decide(HTTP502, &evidence);
            assert_eq!((v.kind, v.confidence), (kind, confidence), "{name}: {v:?}");
        }
    }

    #[test]
    fn dns_failures_that_resolve_elsewhere_are_the_visitor_s_dns() {
        let failure = Failure::Network {
            error: NetError::NameNotResolved,
        };
        let e = Evidence {
            fresh: refused(),
            dns: Some(DnsComparison::ResolvesElsewhere),
            ..Default::default()
        };
        assert_eq!(decide(failure, &e).kind, VerdictKind::NetworkOrDns);
        let gone = Evidence {
            fresh: refused(),
            stranger: refused(),
            dns: Some(DnsComparison::NameDoesNotExist),
            ..Default::default()
        };
        let v = decide(failure, &gone);
        assert_eq!(
            (v.kind, v.confidence),
            (VerdictKind::DownForEveryone, Confidence::Medium)
        );
        assert!(v.reasons.contains(&Reason::DnsNameDoesNotExist));
    }
}

#[cfg(test)]
mod status_and_edge_tests {
    use super::*;
    use crate::status::report::{Overall, StatusApi, StatusEvent, StatusReport};

    fn event(name: &str, component: &str, maintenance: bool) -> StatusEvent {
        StatusEvent {
            name: name.into(),
            status: "investigating".into(),
            started_ms: Some(1.0),
            until_ms: None,
            components: vec![component.into()],
            link: None,
            maintenance,
            in_progress: maintenance,
        }
    }

    fn finding(events: Vec<StatusEvent>, component: Option<&str>) -> Option<StatusFinding> {
        Some(StatusFinding {
            source: "Cloudflare".into(),
            page: None,
            report: StatusReport {
                api: StatusApi::Statuspage,
                page_name: None,
                overall: Overall::Operational,
                events,
                troubled: Vec::new(),
            },
            component: component.map(str::to_string),
        })
    }

    fn failing(status: u16) -> Option<FetchResult> {
        Some(FetchResult {
            status: Some(status),
            error: None,
            elapsed_ms: 3,
            redirected: false,
        })
    }

    fn edge(answered: bool) -> Option<EdgeFinding> {
        Some(EdgeFinding {
            cdn: "Cloudflare".into(),
            answered,
            place: Some("FRA".into()),
        })
    }

    const HTTP522: Failure = Failure::Http { status: 522 };

    #[test]
    fn status_pages_and_the_edge_refine_a_failure_on_the_sites_side() {
        let down = Evidence {
            fresh: failing(522),
            stranger: failing(522),
            ..Evidence::default()
        };
        let fra = "Frankfurt, Germany - (FRA)";
        let lhr = "London, United Kingdom - (LHR)";
        let cases: Vec<(&str, Evidence, VerdictKind, Confidence)> = vec![
            (
                "nothing more known",
                down.clone(),
                VerdictKind::DownForEveryone,
                Confidence::Low,
            ),
            (
                "the edge answered",
                Evidence {
                    edge: edge(true),
                    ..down.clone()
                },
                VerdictKind::OriginDown,
                Confidence::High,
            ),
            (
                "the edge did not answer",
                Evidence {
                    edge: edge(false),
                    ..down.clone()
                },
                VerdictKind::DownForEveryone,
                Confidence::Low,
            ),
            (
                "an incident on the data centre used",
                Evidence {
                    edge: edge(true),
                    cdn_status: finding(vec![event("Errors", fra, false)], Some("(FRA)")),
                    ..down.clone()
                },
                VerdictKind::CdnIncident,
                Confidence::High,
            ),
            (
                "an incident elsewhere only",
                Evidence {
                    edge: edge(true),
                    cdn_status: finding(vec![event("Errors", lhr, false)], Some("(FRA)")),
                    ..down.clone()
                },
                VerdictKind::OriginDown,
                Confidence::High,
            ),
            (
                "an incident, place unknown",
                Evidence {
                    cdn_status: finding(vec![event("Errors", lhr, false)], None),
                    ..down.clone()
                },
                VerdictKind::CdnIncident,
                Confidence::Medium,
            ),
            (
                "the site's maintenance comes first",
                Evidence {
                    edge: edge(true),
                    cdn_status: finding(vec![event("Errors", fra, false)], Some("(FRA)")),
                    site_status: finding(vec![event("Database", "Database", true)], None),
                    ..down.clone()
                },
                VerdictKind::SiteMaintenance,
                Confidence::High,
            ),
            (
                "the site's incident",
                Evidence {
                    site_status: finding(vec![event("API errors", "API", false)], None),
                    ..down.clone()
                },
                VerdictKind::SiteIncident,
                Confidence::Medium,
            ),
        ];
        for (what, evidence, kind, confidence) in cases {
            let v = decide(HTTP522, &evidence);
            assert_eq!((v.kind, v.confidence), (kind, confidence), "{what}: {v:?}");
        }
    }

    #[test]
    fn the_visitors_side_and_a_working_site_are_never_overruled_by_a_status_page() {
        let loud = Evidence {
            edge: edge(true),
            cdn_status: finding(vec![event("Errors", "(FRA)", false)], Some("(FRA)")),
            site_status: finding(vec![event("Database", "Database", true)], None),
            ..Evidence::default()
        };
        let works = Evidence {
            fresh: failing(200),
            ..loud.clone()
        };
        assert_eq!(decide(HTTP522, &works).kind, VerdictKind::WorksAgain);
        let cookies = Evidence {
            fresh: failing(522),
            stranger: failing(200),
            refetches_apart_ms: Some(10),
            ..loud.clone()
        };
        assert_eq!(
            decide(HTTP522, &cookies).kind,
            VerdictKind::CookiesOrSession
        );
        let portal = Evidence {
            portal: Some(true),
            ..loud.clone()
        };
        let refused = Failure::Network {
            error: NetError::ConnectionRefused,
        };
        assert_eq!(decide(refused, &portal).kind, VerdictKind::SignInToNetwork);
        assert_eq!(
            decide(Failure::Http { status: 511 }, &Evidence::default()).kind,
            VerdictKind::SignInToNetwork
        );
        // An edge that answers says nothing about a connection that never reached it.
        let edge_only = Evidence {
            edge: edge(true),
            ..Evidence::default()
        };
        assert_ne!(decide(refused, &edge_only).kind, VerdictKind::OriginDown);
    }
}
