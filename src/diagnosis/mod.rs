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
    /// The site sends the browser round in a circle of redirects.
    RedirectLoop,
    /// HTTP/2 or HTTP/3 broke down between the browser and the server (or a proxy on the way).
    ProtocolError,
    /// The answer was cut off before its announced end.
    Truncated,
    /// The encrypted connection could not be set up.
    TlsHandshake,
    /// The browser refused the site's certificate and shows its own warning.
    Certificate,
    /// The site is up: its bot protection is checking this browser (a challenge page).
    BotChallenge,
    /// The site is up: its firewall refuses this browser or address.
    BotBlock,
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
    /// The site's own bot protection, judging this browser: the site itself is up.
    SiteProtection,
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
    if let Some(kind) = protection_kind(headers, page) {
        return kind;
    }
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
    markers.extend(CHALLENGE_MARKERS);
    markers.extend(BLOCK_MARKERS);
    markers.push(ACCESS_DENIED);
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

/// The bot protection's verdict on an HTTP failure (`Kind::BotChallenge` or `Kind::BotBlock`),
/// from the headers and the page read so far; `None` for network failures and outages.
pub fn protection_of(incident: &Incident) -> Option<Kind> {
    if !matches!(incident.failure, Failure::Http { .. }) {
        return None;
    }
    // Indexed for the protection's own markers only: the background asks this of every read
    // page, and its module carries no fingerprint tables.
    let page = incident
        .page_excerpt
        .as_deref()
        .map(|raw| Page::new(raw, protection_markers()));
    protection_kind(&Headers(&incident.headers), page.as_ref())
}

/// The page markers `protection_kind` looks for.
fn protection_markers() -> Vec<&'static str> {
    let mut markers: Vec<&'static str> = CHALLENGE_MARKERS.to_vec();
    markers.extend(BLOCK_MARKERS);
    markers.push(ACCESS_DENIED);
    markers.extend(ACCESS_DENIED_BY);
    markers
}

/// The badge for an incident: `BOT` when a bot protection answered (whatever its status), else
/// the failure's own code.
pub fn badge_text(incident: &Incident) -> String {
    badge_with(protection_of(incident), incident.failure)
}

/// The badge once the bot protection (if any) is known.
pub fn badge_with(protection: Option<Kind>, failure: Failure) -> String {
    match protection {
        Some(Kind::BotBlock) => "BLK".to_string(),
        Some(_) => "BOT".to_string(),
        None => failure.badge_text(),
    }
}

/// Whether a bot protection answered instead of the site: headers first, then the page.
///
/// Headers:
/// - `cf-mitigated: challenge`: Cloudflare marks every challenge response so with this header
///   (developers.cloudflare.com/cloudflare-challenges/challenge-types/challenge-pages/detect-response/).
/// - `x-amzn-waf-action: challenge` or `captcha`: AWS WAF's challenge and CAPTCHA interstitials
///   (docs.aws.amazon.com/waf/latest/developerguide/waf-captcha-and-challenge-how-it-works.html).
///
/// Page markers are in `CHALLENGE_MARKERS` and `BLOCK_MARKERS`, each with its source.
pub fn protection_kind(headers: &Headers<'_>, page: Option<&Page>) -> Option<Kind> {
    let header_is = |name: &str, values: &[&str]| {
        headers
            .get(name)
            .is_some_and(|v| values.iter().any(|w| v.trim().eq_ignore_ascii_case(w)))
    };
    if header_is("cf-mitigated", &["challenge"])
        || header_is("x-amzn-waf-action", &["challenge", "captcha"])
    {
        return Some(Kind::BotChallenge);
    }
    let page = page?;
    if CHALLENGE_MARKERS.iter().any(|m| page.has(m)) {
        return Some(Kind::BotChallenge);
    }
    if BLOCK_MARKERS.iter().any(|m| page.has(m))
        || (page.has(ACCESS_DENIED) && ACCESS_DENIED_BY.iter().any(|m| page.has(m)))
    {
        return Some(Kind::BotBlock);
    }
    None
}

/// Words and script paths only a bot challenge page carries (never a generic phrase alone: an
/// outage page may well say "just a moment").
pub const CHALLENGE_MARKERS: [&str; 6] = [
    // Cloudflare managed / JS challenge: the page loads /cdn-cgi/challenge-platform/... and sets
    // window._cf_chl_opt (captured "Just a moment..." pages, e.g. FlareSolverr and
    // cloudscraper issue threads quoting the HTML).
    "/cdn-cgi/challenge-platform/",
    "_cf_chl_opt",
    // DDoS-Guard's browser check page ("Checking your browser before accessing", script
    // /.well-known/ddos-guard/check), as quoted in scraper issue threads.
    "/.well-known/ddos-guard/",
    // Imperva (Incapsula) bot check: the page loads /_Incapsula_Resource?... (lower-cased here).
    "/_incapsula_resource",
    // AWS WAF challenge interstitial: its script is served from *.token.awswaf.com and the page
    // calls AwsWafIntegration.
    "awswafintegration",
    // Akamai Bot Manager's challenge loads its sensor from /_sec/cp_challenge/.
    "/_sec/cp_challenge/",
];

/// Words of a firewall's block page, each enough alone.
pub const BLOCK_MARKERS: [&str; 2] = [
    // Cloudflare's WAF block page (the "Attention Required!" page of 1020 and other custom-rule
    // blocks) headlines "Sorry, you have been blocked" (captures quoted in scraper projects).
    "sorry, you have been blocked",
    // Imperva's block page: "Request unsuccessful. Incapsula incident ID: ...".
    "request unsuccessful. incapsula incident id",
];

/// "Access denied" is generic; beside the footer of Cloudflare's 1xxx pages ("Cloudflare Ray
/// ID", error 1020 "Access denied") or Akamai's reference link (errors.edgesuite.net, on its
/// "Access Denied ... Reference #18..." page) it is that firewall's refusal.
const ACCESS_DENIED: &str = "access denied";
const ACCESS_DENIED_BY: [&str; 2] = ["cloudflare ray id", "errors.edgesuite.net"];

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
        NetError::TooManyRedirects => Kind::RedirectLoop,
        NetError::ProtocolError => Kind::ProtocolError,
        NetError::Truncated => Kind::Truncated,
        NetError::TlsHandshake => Kind::TlsHandshake,
        NetError::Certificate => Kind::Certificate,
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
            Kind::ConnectionRefused
            | Kind::RedirectLoop
            | Kind::TlsHandshake
            | Kind::Certificate => Side::Origin,
            _ => Side::Unknown,
        };
    }
    if matches!(kind, Kind::BotChallenge | Kind::BotBlock) {
        return Side::SiteProtection;
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
        Side::VisitorDevice | Side::SiteProtection => Fixer::Visitor,
        Side::VisitorNetwork => Fixer::VisitorNetwork,
        Side::CdnEdge => Fixer::Cdn,
        _ if platform_waking => Fixer::HostingProvider,
        Side::Unknown if kind == Kind::ConnectionTimedOut => Fixer::VisitorNetwork,
        Side::Origin | Side::OriginUpstream | Side::Unknown => Fixer::SiteOwner,
    }
}

fn is_usually_temporary(kind: Kind, failure: Failure) -> bool {
    match kind {
        Kind::OriginTls
        | Kind::OriginDns
        | Kind::DnsFailure
        | Kind::ProxyFailure
        | Kind::RedirectLoop
        | Kind::Truncated
        | Kind::TlsHandshake
        | Kind::Certificate
        | Kind::BotChallenge
        | Kind::BotBlock => false,
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
