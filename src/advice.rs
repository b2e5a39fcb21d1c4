//! Plain-words advice for a failure: what it means, who can usually fix it, and the visitor's
//! first steps. Texts live in `_locales`; this module only picks message keys.

use crate::failure::{Failure, NetError};

/// Who can usually make the page work again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fixer {
    /// The visitor, on their own device.
    Visitor,
    /// The visitor's network: Wi-Fi, router, provider, VPN or proxy.
    VisitorNetwork,
    /// Whoever runs the site (or their host).
    SiteOwner,
    /// The site owner together with their CDN or hosting provider.
    SiteOwnerOrCdn,
}

impl Fixer {
    pub fn message_key(self) -> &'static str {
        match self {
            Fixer::Visitor => "fixerVisitor",
            Fixer::VisitorNetwork => "fixerVisitorNetwork",
            Fixer::SiteOwner => "fixerSiteOwner",
            Fixer::SiteOwnerOrCdn => "fixerSiteOwnerOrCdn",
        }
    }
}

/// One visitor step, by message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    WaitAndRefresh,
    CheckDownForEveryone,
    ClearSiteCache,
    PrivateWindow,
    CheckAddress,
    FlushDns,
    DisableVpnOrProxy,
    CheckConnection,
    TryOtherNetwork,
    TellOwner,
}

impl Step {
    pub fn message_key(self) -> &'static str {
        match self {
            Step::WaitAndRefresh => "stepWaitAndRefresh",
            Step::CheckDownForEveryone => "stepCheckDownForEveryone",
            Step::ClearSiteCache => "stepClearSiteCache",
            Step::PrivateWindow => "stepPrivateWindow",
            Step::CheckAddress => "stepCheckAddress",
            Step::FlushDns => "stepFlushDns",
            Step::DisableVpnOrProxy => "stepDisableVpnOrProxy",
            Step::CheckConnection => "stepCheckConnection",
            Step::TryOtherNetwork => "stepTryOtherNetwork",
            Step::TellOwner => "stepTellOwner",
        }
    }
}

/// The advice shown for one failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advice {
    /// Short name of what happened ("Bad gateway").
    pub title_key: &'static str,
    /// One or two sentences on what it means.
    pub meaning_key: &'static str,
    pub fixer: Fixer,
    /// Whether such failures usually clear up on their own.
    pub usually_temporary: bool,
    pub steps: Vec<Step>,
}

pub fn advise(failure: &Failure) -> Advice {
    match failure {
        Failure::Http { status } => advise_status(*status),
        Failure::Network { error } => advise_network(*error),
    }
}

/// Steps for a failure on the server's side: the visitor can mostly wait, rule out their own
/// cached copy, and tell the owner.
const SERVER_SIDE_STEPS: [Step; 5] = [
    Step::WaitAndRefresh,
    Step::CheckDownForEveryone,
    Step::ClearSiteCache,
    Step::PrivateWindow,
    Step::TellOwner,
];

fn advise_status(status: u16) -> Advice {
    let (title_key, meaning_key, fixer) = match status {
        502 => ("kindBadGateway", "meaningBadGateway", Fixer::SiteOwner),
        503 => (
            "kindServiceUnavailable",
            "meaningServiceUnavailable",
            Fixer::SiteOwner,
        ),
        504 => (
            "kindGatewayTimeout",
            "meaningGatewayTimeout",
            Fixer::SiteOwner,
        ),
        520 => (
            "kindOriginBadAnswer",
            "meaningOriginBadAnswer",
            Fixer::SiteOwnerOrCdn,
        ),
        521 => ("kindOriginDown", "meaningOriginDown", Fixer::SiteOwnerOrCdn),
        522 => (
            "kindOriginConnectTimeout",
            "meaningOriginConnectTimeout",
            Fixer::SiteOwnerOrCdn,
        ),
        523 => (
            "kindOriginUnreachable",
            "meaningOriginUnreachable",
            Fixer::SiteOwnerOrCdn,
        ),
        524 => (
            "kindOriginTooSlow",
            "meaningOriginTooSlow",
            Fixer::SiteOwnerOrCdn,
        ),
        525 | 526 => ("kindOriginTls", "meaningOriginTls", Fixer::SiteOwnerOrCdn),
        530 => ("kindOriginDns", "meaningOriginDns", Fixer::SiteOwnerOrCdn),
        527..=529 => ("kindCdnError", "meaningCdnError", Fixer::SiteOwnerOrCdn),
        _ => ("kindServerError", "meaningServerError", Fixer::SiteOwner),
    };
    Advice {
        title_key,
        meaning_key,
        fixer,
        // A crash or overload usually passes; a broken TLS or DNS set-up at the origin waits for a fix.
        usually_temporary: !matches!(status, 501 | 505 | 525 | 526 | 530),
        steps: SERVER_SIDE_STEPS.to_vec(),
    }
}

fn advise_network(error: NetError) -> Advice {
    use Step::*;
    let (title_key, meaning_key, fixer, steps) = match error {
        NetError::NameNotResolved => (
            "kindDnsFailure",
            "meaningDnsFailure",
            Fixer::VisitorNetwork,
            vec![
                CheckAddress,
                FlushDns,
                TryOtherNetwork,
                CheckDownForEveryone,
                TellOwner,
            ],
        ),
        NetError::ConnectionRefused => (
            "kindConnectionRefused",
            "meaningConnectionRefused",
            Fixer::SiteOwner,
            vec![
                WaitAndRefresh,
                CheckDownForEveryone,
                DisableVpnOrProxy,
                TellOwner,
            ],
        ),
        NetError::ConnectionReset | NetError::ConnectionClosed | NetError::EmptyResponse => (
            "kindConnectionDropped",
            "meaningConnectionDropped",
            Fixer::SiteOwner,
            vec![
                WaitAndRefresh,
                DisableVpnOrProxy,
                TryOtherNetwork,
                CheckDownForEveryone,
            ],
        ),
        NetError::ConnectionTimedOut | NetError::AddressUnreachable => (
            "kindConnectionTimedOut",
            "meaningConnectionTimedOut",
            Fixer::VisitorNetwork,
            vec![
                CheckConnection,
                DisableVpnOrProxy,
                TryOtherNetwork,
                CheckDownForEveryone,
            ],
        ),
        NetError::InternetDisconnected => (
            "kindOffline",
            "meaningOffline",
            Fixer::Visitor,
            vec![CheckConnection, DisableVpnOrProxy, WaitAndRefresh],
        ),
        NetError::ProxyFailed => (
            "kindProxyFailed",
            "meaningProxyFailed",
            Fixer::VisitorNetwork,
            vec![DisableVpnOrProxy, CheckConnection, TryOtherNetwork],
        ),
    };
    Advice {
        title_key,
        meaning_key,
        fixer,
        usually_temporary: !matches!(error, NetError::NameNotResolved | NetError::ProxyFailed),
        steps,
    }
}
