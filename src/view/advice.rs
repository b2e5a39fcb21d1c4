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
    let (title_key, meaning_key) = kind_keys(diagnosis.kind);
    Advice {
        title_key,
        meaning_key,
        side_key: side_key(diagnosis.side),
        fixer_key: fixer_key(diagnosis.fixer),
    }
}

fn kind_keys(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::BadGateway => ("kindBadGateway", "meaningBadGateway"),
        Kind::GatewayTimeout => ("kindGatewayTimeout", "meaningGatewayTimeout"),
        Kind::ServiceUnavailable => ("kindServiceUnavailable", "meaningServiceUnavailable"),
        Kind::Maintenance => ("kindMaintenance", "meaningMaintenance"),
        Kind::InternalServerError => ("kindInternalServerError", "meaningInternalServerError"),
        Kind::ServerError => ("kindServerError", "meaningServerError"),
        Kind::OriginBadAnswer => ("kindOriginBadAnswer", "meaningOriginBadAnswer"),
        Kind::OriginDown => ("kindOriginDown", "meaningOriginDown"),
        Kind::OriginConnectTimeout => ("kindOriginConnectTimeout", "meaningOriginConnectTimeout"),
        Kind::OriginUnreachable => ("kindOriginUnreachable", "meaningOriginUnreachable"),
        Kind::OriginTooSlow => ("kindOriginTooSlow", "meaningOriginTooSlow"),
        Kind::OriginTls => ("kindOriginTls", "meaningOriginTls"),
        Kind::OriginDns => ("kindOriginDns", "meaningOriginDns"),
        Kind::CdnError => ("kindCdnError", "meaningCdnError"),
        Kind::DnsFailure => ("kindDnsFailure", "meaningDnsFailure"),
        Kind::ConnectionRefused => ("kindConnectionRefused", "meaningConnectionRefused"),
        Kind::ConnectionDropped => ("kindConnectionDropped", "meaningConnectionDropped"),
        Kind::ConnectionTimedOut => ("kindConnectionTimedOut", "meaningConnectionTimedOut"),
        Kind::Offline => ("kindOffline", "meaningOffline"),
        Kind::ProxyFailure => ("kindProxyFailed", "meaningProxyFailed"),
        Kind::RedirectLoop => ("kindRedirectLoop", "meaningRedirectLoop"),
        Kind::ProtocolError => ("kindProtocolError", "meaningProtocolError"),
        Kind::Truncated => ("kindTruncated", "meaningTruncated"),
        Kind::TlsHandshake => ("kindTlsHandshake", "meaningTlsHandshake"),
        Kind::Certificate => ("kindCertificate", "meaningCertificate"),
        Kind::BotChallenge => ("kindBotChallenge", "meaningBotChallenge"),
        Kind::BotBlock => ("kindBotBlock", "meaningBotBlock"),
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
