//! What the checks' verdict means for auto-retry. A probe is a cookie-less `HEAD`: it can only
//! prove that a failure it can see is over. When the checks pin the failure on the visitor's own
//! cookies (the same address works without them), the probe would say "up" at once and every
//! reload would fail again: waiting does not fix it, clearing the site's data does.

use crate::checks::verdict::{Confidence, Reason, Verdict, VerdictKind};
use crate::retry::RetryNote;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterChecks {
    /// Waiting can fix it, and a probe can see when it has.
    KeepWatching,
    /// Stop watching this tab, and say why: the failure is on the visitor's side.
    Stop(RetryNote),
}

/// A failure the checks pin on the visitor's cookies, cached copy, network or proxy (medium or
/// high confidence) is not one that waiting fixes: the popup offers the fix instead. One
/// exception: no connection at all, which auto-retry already waits out (it pauses offline and
/// probes as soon as the browser is back online).
pub fn after_checks(verdict: &Verdict) -> AfterChecks {
    if verdict.confidence == Confidence::Low {
        return AfterChecks::KeepWatching;
    }
    match verdict.kind {
        VerdictKind::CookiesOrSession => AfterChecks::Stop(RetryNote::YourCookies),
        VerdictKind::CachedCopy => AfterChecks::Stop(RetryNote::YourCache),
        VerdictKind::NetworkOrDns if verdict.reasons.contains(&Reason::NoConnectivity) => {
            AfterChecks::KeepWatching
        }
        VerdictKind::NetworkOrDns => AfterChecks::Stop(RetryNote::YourNetwork),
        VerdictKind::ProxyOrVpn => AfterChecks::Stop(RetryNote::YourProxy),
        // Signing in to the network brings the page back: auto-retry sees it and reloads.
        VerdictKind::SignInToNetwork => AfterChecks::KeepWatching,
        VerdictKind::DownForEveryone
        | VerdictKind::WorksAgain
        | VerdictKind::CdnIncident
        | VerdictKind::OriginDown
        | VerdictKind::SiteIncident
        | VerdictKind::SiteMaintenance
        | VerdictKind::Unknown => AfterChecks::KeepWatching,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::verdict::VerdictKind::*;

    #[test]
    fn only_a_failure_on_the_visitors_side_stops_the_watch() {
        for kind in [
            DownForEveryone,
            CachedCopy,
            CookiesOrSession,
            NetworkOrDns,
            ProxyOrVpn,
            WorksAgain,
            SignInToNetwork,
            CdnIncident,
            OriginDown,
            SiteIncident,
            SiteMaintenance,
            Unknown,
        ] {
            for confidence in [Confidence::Low, Confidence::Medium, Confidence::High] {
                let verdict = Verdict {
                    kind,
                    confidence,
                    reasons: Vec::new(),
                };
                let stops = match kind {
                    CookiesOrSession => Some(RetryNote::YourCookies),
                    CachedCopy => Some(RetryNote::YourCache),
                    NetworkOrDns => Some(RetryNote::YourNetwork),
                    ProxyOrVpn => Some(RetryNote::YourProxy),
                    _ => None,
                }
                .filter(|_| confidence != Confidence::Low);
                let expected = stops.map_or(AfterChecks::KeepWatching, AfterChecks::Stop);
                assert_eq!(after_checks(&verdict), expected, "{kind:?} {confidence:?}");
            }
        }
    }

    #[test]
    fn no_connection_at_all_is_waited_out() {
        let verdict = Verdict {
            kind: NetworkOrDns,
            confidence: Confidence::High,
            reasons: vec![Reason::NoConnectivity],
        };
        assert_eq!(after_checks(&verdict), AfterChecks::KeepWatching);
    }
}
