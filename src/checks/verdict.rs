//! "Down for everyone, or just me?": the verdict from what the checks found, with how sure it is
//! and the evidence behind it.

use super::dns::DnsComparison;
use super::providers::CheckerAnswer;
use super::FetchResult;
use crate::failure::{Failure, NetError};

/// Everything the checks found; `None` for a check that did not run (or has not answered yet).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
}

/// Refetches answered further apart than this do not compare cookies with no cookies.
pub const REFETCHES_COMPARABLE_MS: u64 = 3_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// One piece of evidence behind a verdict, for the popup to say in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}

#[derive(Debug, Clone, PartialEq, Eq)]
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
    use Confidence::*;
    use VerdictKind::*;
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
