//! Plain-words advice for a diagnosis: what it means, where it failed and who can fix it (the
//! visitor's steps are `super::steps`). Texts live in `_locales`; this module only picks message
//! keys.

use crate::diagnosis::{Diagnosis, Fixer, Kind, Side, StackHint};

/// The advice shown for one diagnosis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advice {
    /// Short name of what happened ("Bad gateway").
    pub title_key: &'static str,
    /// One or two sentences on what it means.
    pub meaning_key: &'static str,
    pub side_key: &'static str,
    pub fixer_key: &'static str,
}

pub fn advise(diagnosis: &Diagnosis) -> Advice {
    Advice {
        title_key: title_key(diagnosis.kind),
        meaning_key: meaning_key(diagnosis.kind),
        side_key: side_key(diagnosis.side),
        fixer_key: fixer_key(diagnosis.fixer),
    }
}

/// The message key of the failure's title (alone, the banner's headline; its own table, so
/// that a build needing only titles carries no other key).
pub fn title_key(kind: Kind) -> &'static str {
    match kind {
        Kind::BadGateway => "kindBadGateway",
        Kind::GatewayTimeout => "kindGatewayTimeout",
        Kind::ServiceUnavailable => "kindServiceUnavailable",
        Kind::Maintenance => "kindMaintenance",
        Kind::InternalServerError => "kindInternalServerError",
        Kind::ServerError => "kindServerError",
        Kind::OriginBadAnswer => "kindOriginBadAnswer",
        Kind::OriginDown => "kindOriginDown",
        Kind::OriginConnectTimeout => "kindOriginConnectTimeout",
        Kind::OriginUnreachable => "kindOriginUnreachable",
        Kind::OriginTooSlow => "kindOriginTooSlow",
        Kind::OriginTls => "kindOriginTls",
        Kind::OriginDns => "kindOriginDns",
        Kind::CdnError => "kindCdnError",
        Kind::DnsFailure => "kindDnsFailure",
        Kind::ConnectionRefused => "kindConnectionRefused",
        Kind::ConnectionDropped => "kindConnectionDropped",
        Kind::ConnectionTimedOut => "kindConnectionTimedOut",
        Kind::Offline => "kindOffline",
        Kind::ProxyFailure => "kindProxyFailed",
        Kind::RedirectLoop => "kindRedirectLoop",
        Kind::ProtocolError => "kindProtocolError",
        Kind::Truncated => "kindTruncated",
        Kind::TlsHandshake => "kindTlsHandshake",
        Kind::Certificate => "kindCertificate",
        Kind::BotChallenge => "kindBotChallenge",
        Kind::BotBlock => "kindBotBlock",
    }
}

fn meaning_key(kind: Kind) -> &'static str {
    match kind {
        Kind::BadGateway => "meaningBadGateway",
        Kind::GatewayTimeout => "meaningGatewayTimeout",
        Kind::ServiceUnavailable => "meaningServiceUnavailable",
        Kind::Maintenance => "meaningMaintenance",
        Kind::InternalServerError => "meaningInternalServerError",
        Kind::ServerError => "meaningServerError",
        Kind::OriginBadAnswer => "meaningOriginBadAnswer",
        Kind::OriginDown => "meaningOriginDown",
        Kind::OriginConnectTimeout => "meaningOriginConnectTimeout",
        Kind::OriginUnreachable => "meaningOriginUnreachable",
        Kind::OriginTooSlow => "meaningOriginTooSlow",
        Kind::OriginTls => "meaningOriginTls",
        Kind::OriginDns => "meaningOriginDns",
        Kind::CdnError => "meaningCdnError",
        Kind::DnsFailure => "meaningDnsFailure",
        Kind::ConnectionRefused => "meaningConnectionRefused",
        Kind::ConnectionDropped => "meaningConnectionDropped",
        Kind::ConnectionTimedOut => "meaningConnectionTimedOut",
        Kind::Offline => "meaningOffline",
        Kind::ProxyFailure => "meaningProxyFailed",
        Kind::RedirectLoop => "meaningRedirectLoop",
        Kind::ProtocolError => "meaningProtocolError",
        Kind::Truncated => "meaningTruncated",
        Kind::TlsHandshake => "meaningTlsHandshake",
        Kind::Certificate => "meaningCertificate",
        Kind::BotChallenge => "meaningBotChallenge",
        Kind::BotBlock => "meaningBotBlock",
    }
}

/// Where it failed, by message key.
pub const fn side_key(side: Side) -> &'static str {
    match side {
        Side::VisitorDevice => "sideVisitorDevice",
        Side::VisitorNetwork => "sideVisitorNetwork",
        Side::CdnEdge => "sideCdnEdge",
        Side::Origin => "sideOrigin",
        Side::OriginUpstream => "sideOriginUpstream",
        Side::Unknown => "sideUnknown",
        Side::SiteProtection => "sideSiteProtection",
    }
}

/// Who can fix it, by message key.
pub const fn fixer_key(fixer: Fixer) -> &'static str {
    match fixer {
        Fixer::Visitor => "fixerVisitor",
        Fixer::VisitorNetwork => "fixerVisitorNetwork",
        Fixer::SiteOwner => "fixerSiteOwner",
        Fixer::HostingProvider => "fixerHostingProvider",
        Fixer::Cdn => "fixerCdn",
    }
}

pub fn stack_key(hint: StackHint) -> &'static str {
    match hint {
        StackHint::Php => "stackPhp",
        StackHint::WordPress => "stackWordPress",
        StackHint::NodeJs => "stackNodeJs",
    }
}
