//! What the checks' verdict means for auto-retry. A probe is a cookie-less `HEAD`: it can only
//! prove that a failure it can see is over. When the checks pin the failure on the visitor's own
//! cookies (the same address works without them), the probe would say "up" at once and every
//! reload would fail again: waiting does not fix it, clearing the site's data does.

use crate::checks::verdict::{Confidence, Verdict, VerdictKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterChecks {
    /// Waiting can fix it, and a probe can see when it has.
    KeepWatching,
    /// Stop watching this tab: the failure is the visitor's cookies or session.
    StopYourCookies,
}

pub fn after_checks(verdict: &Verdict) -> AfterChecks {
    match (verdict.kind, verdict.confidence) {
        (VerdictKind::CookiesOrSession, Confidence::Medium | Confidence::High) => {
            AfterChecks::StopYourCookies
        }
        // A broken cached copy: the reload that follows a good probe bypasses the cache, which
        // is the fix. DNS, proxy or network trouble: the probe takes the visitor's own way to the
        // site, so it sees the day that way works again.
        _ => AfterChecks::KeepWatching,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::verdict::VerdictKind::*;

    #[test]
    fn only_a_failure_of_the_visitors_cookies_stops_the_watch() {
        for kind in [
            DownForEveryone,
            CachedCopy,
            CookiesOrSession,
            NetworkOrDns,
            ProxyOrVpn,
            WorksAgain,
            Unknown,
        ] {
            for confidence in [Confidence::Low, Confidence::Medium, Confidence::High] {
                let verdict = Verdict {
                    kind,
                    confidence,
                    reasons: Vec::new(),
                };
                let expected = if kind == CookiesOrSession && confidence != Confidence::Low {
                    AfterChecks::StopYourCookies
                } else {
                    AfterChecks::KeepWatching
                };
                assert_eq!(after_checks(&verdict), expected, "{kind:?} {confidence:?}");
            }
        }
    }
}
