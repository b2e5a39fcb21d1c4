//! The diagnosis: from what the browser saw of a failed load (status, headers, network error,
//! a bounded prefix of the error page), what failed, which box answered, which side is broken,
//! who can fix it, and the references they need. Pure: plain data in, plain data out.

pub mod catalogue;
pub mod fingerprint;
pub mod page;
pub mod references;
pub mod retry_after;

use crate::failure::{Failure, NetError};
use crate::incident::Incident;
use fingerprint::{fingerprint, BoxKind, Clue, Generator};
use page::Page;
use references::{references, Reference};
use retry_after::RetryAfter;

/// Response headers with case-insensitive lookup (the first of repeated headers wins).
pub struct Headers<'a>(pub &'a [(String, String)]);

impl Headers<'_> {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What failed, finer than the status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    BadGateway,
    GatewayTimeout,
    ServiceUnavailable,
    Maintenance,
    InternalServerError,
    ServerError,
    /// Cloudflare 520: the origin's answer was empty or unreadable.
    OriginBadAnswer,
    /// 521: the origin refused the CDN's connection.
    OriginDown,
    /// 522: the CDN's connection to the origin timed out.
    OriginConnectTimeout,
    /// 523: no route to the origin.
    OriginUnreachable,
    /// 524: the origin accepted but answered too slowly.
    OriginTooSlow,
    /// 525/526: TLS between the CDN and the origin.
    OriginTls,
    /// 530: the origin's host name does not resolve.
    OriginDns,
    CdnError,
    DnsFailure,
    ConnectionRefused,
    ConnectionDropped,
    ConnectionTimedOut,
    Offline,
    ProxyFailure,
}

/// Where the failure sits on the path from the visitor to the site's application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The visitor's own device or browser.
    VisitorDevice,
    /// The visitor's network: Wi-Fi, provider, DNS resolver, VPN or proxy.
    VisitorNetwork,
    /// The CDN itself.
    CdnEdge,
    /// The site's own server, as seen from a CDN or directly.
    Origin,
    /// The application behind the site's own gateway (nginx, Apache, HAProxy, Varnish...).
    OriginUpstream,
    /// Somewhere between the visitor and the site: cannot tell from here.
    Unknown,
}

/// Who can usually make the page work again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fixer {
    Visitor,
    VisitorNetwork,
    SiteOwner,
    HostingProvider,
    Cdn,
}

/// Hints about the site's software, for the owner's checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackHint {
    Php,
    WordPress,
    NodeJs,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub kind: Kind,
    pub side: Side,
    pub fixer: Fixer,
    /// The box that wrote the error response, when known.
    pub generator: Option<Generator>,
    /// A CDN in front of the site that passed the response on.
    pub edge: Option<Generator>,
    pub clues: Vec<Clue>,
    pub references: Vec<Reference>,
    pub retry_after: Option<RetryAfter>,
    pub likely_temporary: bool,
    pub stack: Vec<StackHint>,
    pub page_title: Option<String>,
}

pub fn diagnose(incident: &Incident) -> Diagnosis {
    let headers = Headers(&incident.headers);
    let page = incident
        .page_excerpt
        .as_deref()
        .map(|raw| Page::new(raw, page_markers()));
    let page = page.as_ref();
    let print = fingerprint(&headers, page);
    let kind = kind_of(incident.failure, &headers, page);
    let side = side_of(incident.failure, kind, &print, page);
    let retry_after = headers.get("retry-after").and_then(retry_after::parse);
    Diagnosis {
        kind,
        side,
        fixer: fixer_of(kind, side, &headers),
        generator: print.generator,
        edge: print.edge,
        clues: print.clues,
        references: references(&headers, page, &print.seen),
        likely_temporary: retry_after.is_some() || is_usually_temporary(kind, incident.failure),
        retry_after,
        stack: stack_hints(&headers, page),
        page_title: page.and_then(Page::title),
    }
}

fn kind_of(failure: Failure, headers: &Headers<'_>, page: Option<&Page>) -> Kind {
    let status = match failure {
        Failure::Network { error } => return network_kind(error),
        Failure::Http { status } => status,
    };
    let page_has = |marker: &str| page.is_some_and(|p| p.has(marker));
    match headers.get("x-vercel-error").map(str::trim) {
        Some("FUNCTION_INVOCATION_TIMEOUT") | Some("EDGE_FUNCTION_INVOCATION_TIMEOUT") => {
            return Kind::GatewayTimeout
        }
        Some("NO_RESPONSE_FROM_FUNCTION") => return Kind::BadGateway,
        _ => {}
    }
    if headers
        .get("x-render-routing")
        .is_some_and(|v| v.contains("hibernate-wake-error"))
    {
        return Kind::ServiceUnavailable;
    }
    if page_has(FIRST_BYTE_TIMEOUT) {
        return Kind::GatewayTimeout;
    }
    // Varnish's "Backend fetch failed" (a 503) means the backend gave no usable answer.
    if BACKEND_FAILED.iter().any(|m| page_has(m)) {
        return Kind::BadGateway;
    }
    match status {
        500 => Kind::InternalServerError,
        502 => Kind::BadGateway,
        503 if is_maintenance_page(page) => Kind::Maintenance,
        503 => Kind::ServiceUnavailable,
        504 => Kind::GatewayTimeout,
        520 => Kind::OriginBadAnswer,
        521 => Kind::OriginDown,
        522 => Kind::OriginConnectTimeout,
        523 => Kind::OriginUnreachable,
        524 => Kind::OriginTooSlow,
        525 | 526 => Kind::OriginTls,
        530 => Kind::OriginDns,
        527..=529 => Kind::CdnError,
        _ => Kind::ServerError,
    }
}

const FIRST_BYTE_TIMEOUT: &str = "first byte timeout";
const BACKEND_FAILED: [&str; 2] = ["backend fetch failed", "backend is unhealthy"];
const WORDPRESS_PATHS: [&str; 2] = ["/wp-content/", "/wp-includes/"];

/// Every page marker the diagnosis looks for, so the page is indexed for all of them in one pass.
fn page_markers() -> Vec<&'static str> {
    let mut markers: Vec<&'static str> = catalogue::PAGE_MARKERS.to_vec();
    markers.push(FIRST_BYTE_TIMEOUT);
    markers.extend(BACKEND_FAILED);
    markers.extend(MAINTENANCE_MARKERS);
    markers.push(STOCK_503);
    markers.extend(WORDPRESS_PATHS);
    markers
}

/// Words of a deliberate maintenance page. Not a bare "maintenance": Apache's stock 503 page
/// blames "maintenance downtime or capacity problems" whatever the cause.
const MAINTENANCE_MARKERS: [&str; 5] = [
    "under maintenance",
    "down for maintenance",
    "scheduled maintenance",
    "maintenance mode",
    "be back soon",
];

/// The 503 description of RFC 2616, which stock pages (Tomcat's, among others) print whatever
/// the cause: its "scheduled maintenance" does not make a maintenance page.
const STOCK_503: &str = "temporary overload or scheduled maintenance";

fn is_maintenance_page(page: Option<&Page>) -> bool {
    let Some(page) = page else {
        return false;
    };
    let stock = page.has(STOCK_503);
    MAINTENANCE_MARKERS
        .iter()
        .any(|m| page.has(m) && !(stock && *m == "scheduled maintenance"))
}

fn network_kind(error: NetError) -> Kind {
    match error {
        NetError::NameNotResolved => Kind::DnsFailure,
        NetError::ConnectionRefused => Kind::ConnectionRefused,
        NetError::ConnectionReset | NetError::ConnectionClosed | NetError::EmptyResponse => {
            Kind::ConnectionDropped
        }
        NetError::ConnectionTimedOut | NetError::AddressUnreachable => Kind::ConnectionTimedOut,
        NetError::InternetDisconnected => Kind::Offline,
        NetError::ProxyFailed => Kind::ProxyFailure,
    }
}

fn side_of(
    failure: Failure,
    kind: Kind,
    print: &fingerprint::Fingerprint,
    page: Option<&Page>,
) -> Side {
    if let Failure::Network { .. } = failure {
        return match kind {
            Kind::DnsFailure | Kind::ProxyFailure => Side::VisitorNetwork,
            Kind::Offline => Side::VisitorDevice,
            Kind::ConnectionRefused => Side::Origin,
            _ => Side::Unknown,
        };
    }
    // Cloudflare's own pages mark the failing box of browser / Cloudflare / host.
    if print.generator == Some(Generator::Cloudflare) {
        if let Some(page) = page {
            if page.tag_with_id_has("cf-cloudflare-status", "cf-error-source") {
                return Side::CdnEdge;
            }
            if page.tag_with_id_has("cf-browser-status", "cf-error-source") {
                return Side::VisitorDevice;
            }
        }
        return Side::Origin;
    }
    let gateway_kind = matches!(
        kind,
        Kind::BadGateway | Kind::GatewayTimeout | Kind::ServiceUnavailable
    );
    match print.generator.map(Generator::kind) {
        // A CDN or edge firewall wrote the page: it could not get a good answer from the site's
        // server. A platform's own error is the application it runs for the owner.
        Some(BoxKind::Cdn | BoxKind::Waf | BoxKind::Platform) => Side::Origin,
        // The site's own gateway answered for the application behind it.
        Some(BoxKind::LoadBalancer | BoxKind::Proxy | BoxKind::WebServer) if gateway_kind => {
            Side::OriginUpstream
        }
        None if matches!(kind, Kind::BadGateway | Kind::GatewayTimeout) => Side::OriginUpstream,
        _ => Side::Origin,
    }
}

fn fixer_of(kind: Kind, side: Side, headers: &Headers<'_>) -> Fixer {
    let platform_waking = headers
        .get("x-render-routing")
        .is_some_and(|v| v.contains("hibernate-wake-error"));
    match side {
        Side::VisitorDevice => Fixer::Visitor,
        Side::VisitorNetwork => Fixer::VisitorNetwork,
        Side::CdnEdge => Fixer::Cdn,
        _ if platform_waking => Fixer::HostingProvider,
        Side::Unknown if kind == Kind::ConnectionTimedOut => Fixer::VisitorNetwork,
        Side::Origin | Side::OriginUpstream | Side::Unknown => Fixer::SiteOwner,
    }
}

fn is_usually_temporary(kind: Kind, failure: Failure) -> bool {
    match kind {
        Kind::OriginTls | Kind::OriginDns | Kind::DnsFailure | Kind::ProxyFailure => false,
        // 501 Not Implemented and 505 HTTP Version Not Supported do not pass by themselves.
        Kind::ServerError => !matches!(failure, Failure::Http { status: 501 | 505 }),
        _ => true,
    }
}

fn stack_hints(headers: &Headers<'_>, page: Option<&Page>) -> Vec<StackHint> {
    let powered = headers
        .get("x-powered-by")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let link = headers.get("link").unwrap_or_default().to_ascii_lowercase();
    let wordpress =
        link.contains("wp-json") || page.is_some_and(|p| WORDPRESS_PATHS.iter().any(|m| p.has(m)));
    let mut hints = Vec::new();
    if wordpress {
        hints.push(StackHint::WordPress);
    }
    if wordpress || powered.contains("php") {
        hints.push(StackHint::Php);
    }
    if powered.contains("express") || powered.contains("next.js") || powered.contains("node") {
        hints.push(StackHint::NodeJs);
    }
    hints
}
