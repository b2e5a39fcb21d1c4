//! What each check will do for a failed page, decided before anything is sent: which request,
//! to whom, or why not. The browser layer only carries the plan out.

use super::providers::Provider;
use super::record::{skip, CheckId};
use super::scope::{is_address_literal, may_tell};
use crate::diagnosis::fingerprint::Generator;
use crate::failure::Failure;
use crate::incident::{host_of, Incident};
use crate::settings::{Settings, DEFAULT_DOH_RESOLVER};
use crate::status::report::StatusApi;
use crate::status::SITE_STATUS_ENDPOINTS;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Not run; the reason is a message key from `record::skip`.
    Skip(&'static str),
    /// The failed page again, past every cache, following no redirect; after `wait_ms` when the
    /// site asked for time with `Retry-After`.
    Refetch { with_cookies: bool, wait_ms: u64 },
    /// The down-for-everyone provider, at this request URL.
    Ask { provider: Provider, url: String },
    /// Firefox's own resolver, past its cache.
    ResolveWithBrowser,
    /// A DNS-over-HTTPS resolver (its base URL).
    ResolveOverHttps { resolver: String },
    /// The connectivity address; `portal`: read its answer for a network's sign-in page.
    Reach { url: String, portal: bool },
    /// The CDN's edge at the failed site's origin, apart from the site: Cloudflare's trace, or
    /// an asset its cache may hold. No cookies, no redirect followed.
    AskEdge {
        url: String,
        cdn: &'static str,
        trace: bool,
    },
    /// A provider's status feed.
    ReadCdnStatus {
        url: String,
        api: StatusApi,
        source: &'static str,
        page: Option<&'static str>,
        component: Option<String>,
    },
    /// The site's own status page: its API paths at `base` (scheme, host and port), tried in
    /// `SITE_STATUS_ENDPOINTS` order until one answers.
    ReadSiteStatus { base: String },
}

/// Whether the failure is the site answering in a way no recheck can change: a redirect loop, a
/// TLS handshake or certificate the browser refused, a bot challenge or block. Refetching would
/// meet the same answer (or, for a loop, an opaque redirect that looks like success), an outside
/// checker would only report the site up, and the visitor is plainly online. Those checks are
/// skipped as `skip::GATEWAY_ANSWERED`: the site's server answered.
pub fn is_not_an_outage(incident: &Incident) -> bool {
    use crate::failure::NetError;
    match incident.failure {
        Failure::Network { error } => matches!(
            error,
            NetError::TooManyRedirects | NetError::TlsHandshake | NetError::Certificate
        ),
        Failure::Http { .. } => crate::diagnosis::protection_of(incident).is_some(),
    }
}

/// The longest a refetch waits for a site's `Retry-After`; a site that asks for longer is not
/// refetched at all (auto-retry, which honours it too, brings the page back).
pub const MAX_REFETCH_WAIT_MS: u64 = 30_000;

/// The plan for `check` at `now_ms`. `has_dns_api`: the browser has its own resolver (Firefox).
pub fn plan(
    check: CheckId,
    incident: &Incident,
    settings: &Settings,
    has_dns_api: bool,
    now_ms: f64,
) -> Plan {
    let host = incident.host.as_str();
    let wait_ms = retry_after_wait_ms(incident, now_ms);
    match check {
        CheckId::Fresh | CheckId::Stranger | CheckId::Checker | CheckId::Connectivity
            if is_not_an_outage(incident) =>
        {
            Plan::Skip(skip::GATEWAY_ANSWERED)
        }
        CheckId::Fresh | CheckId::Stranger if !settings.refetch_page => {
            Plan::Skip(skip::TURNED_OFF)
        }
        // Only a plain GET is sent again: a form is never re-sent.
        CheckId::Fresh | CheckId::Stranger if !incident.method.eq_ignore_ascii_case("GET") => {
            Plan::Skip(skip::NOT_GET)
        }
        // The site asked for time: every request to it waits, the checks' too.
        CheckId::Fresh | CheckId::Stranger if wait_ms > MAX_REFETCH_WAIT_MS => {
            Plan::Skip(skip::RETRY_AFTER)
        }
        CheckId::Fresh => Plan::Refetch {
            with_cookies: true,
            wait_ms,
        },
        CheckId::Stranger => Plan::Refetch {
            with_cookies: false,
            wait_ms,
        },
        // The visitor's rule: no outside service hears of this site.
        CheckId::Checker if settings.rules_for(host).no_outside => Plan::Skip(skip::SITE_RULE),
        CheckId::Checker => match settings.provider() {
            None => Plan::Skip(skip::TURNED_OFF),
            // A site on the visitor's own network: an outside checker neither can nor may see it.
            Some(provider) if !may_tell(&provider_host(&provider), host) => {
                Plan::Skip(skip::PRIVATE_HOST)
            }
            Some(provider) => match provider.check_url(&incident.url) {
                Some(url) => Plan::Ask { provider, url },
                None => Plan::Skip(skip::ADDRESS_LITERAL),
            },
        },
        CheckId::Dns if !settings.check_dns => Plan::Skip(skip::TURNED_OFF),
        CheckId::Dns if is_address_literal(host) || host.is_empty() => {
            Plan::Skip(skip::ADDRESS_LITERAL)
        }
        // The browser's own resolver is the visitor's own: any name may go there.
        CheckId::Dns if settings.dns_resolver.is_empty() && has_dns_api => Plan::ResolveWithBrowser,
        CheckId::Dns if settings.rules_for(host).no_outside => Plan::Skip(skip::SITE_RULE),
        CheckId::Dns => {
            let resolver = if settings.dns_resolver.is_empty() {
                DEFAULT_DOH_RESOLVER.to_string()
            } else {
                settings.dns_resolver.clone()
            };
            if may_tell(host_of(&resolver), host) {
                Plan::ResolveOverHttps { resolver }
            } else {
                Plan::Skip(skip::PRIVATE_HOST)
            }
        }
        // The site's gateway answered: the visitor is online.
        CheckId::Connectivity if matches!(incident.failure, Failure::Http { .. }) => {
            Plan::Skip(skip::GATEWAY_ANSWERED)
        }
        CheckId::Connectivity if settings.connectivity_url.is_empty() => {
            Plan::Skip(skip::TURNED_OFF)
        }
        CheckId::Connectivity => Plan::Reach {
            url: settings.connectivity_url.clone(),
            portal: settings.check_portal,
        },
        CheckId::Proxy => Plan::Skip(skip::NOT_ASKED),
        CheckId::Edge | CheckId::CdnStatus | CheckId::SiteStatus if is_not_an_outage(incident) => {
            Plan::Skip(skip::GATEWAY_ANSWERED)
        }
        CheckId::Edge if !settings.check_edge => Plan::Skip(skip::TURNED_OFF),
        CheckId::Edge => plan_edge(incident),
        CheckId::CdnStatus if !settings.check_cdn_status => Plan::Skip(skip::TURNED_OFF),
        CheckId::CdnStatus => plan_cdn_status(incident, settings),
        CheckId::SiteStatus if !settings.check_site_status => Plan::Skip(skip::TURNED_OFF),
        CheckId::SiteStatus => plan_site_status(incident),
    }
}

/// The CDN in front of the site, when the failure came through one: the box that wrote the
/// error if it is a CDN, or the CDN that passed another box's error on.
fn cdn_of(diagnosis: &crate::diagnosis::Diagnosis) -> Option<Generator> {
    diagnosis
        .generator
        .filter(|g| g.is_edge())
        .or(diagnosis.edge)
}

/// Whether the box is Cloudflare's (its edge serves `/cdn-cgi/trace` on every proxied host).
fn is_cloudflare(generator: Generator) -> bool {
    generator.vendor() == "Cloudflare"
}

fn plan_edge(incident: &Incident) -> Plan {
    // Only a server error that came through a CDN leaves the edge to ask apart.
    if !matches!(incident.failure, Failure::Http { status } if status >= 500) {
        return Plan::Skip(skip::NO_CDN);
    }
    let diagnosis = crate::diagnosis::diagnose(incident);
    let (Some(cdn), Some(origin)) = (cdn_of(&diagnosis), written_origin(&incident.url)) else {
        return Plan::Skip(skip::NO_CDN);
    };
    let trace = is_cloudflare(cdn);
    let path = if trace {
        "/cdn-cgi/trace"
    } else {
        "/favicon.ico"
    };
    Plan::AskEdge {
        url: format!("{origin}{path}"),
        cdn: cdn.name(),
        trace,
    }
}

/// The URL's origin as a visitor writes it: the scheme's default port left out.
fn written_origin(url: &str) -> Option<String> {
    let origin = crate::retry::origin_of(url)?;
    Some(
        origin
            .strip_suffix(":443")
            .filter(|_| origin.starts_with("https://"))
            .or_else(|| {
                origin
                    .strip_suffix(":80")
                    .filter(|_| origin.starts_with("http://"))
            })
            .unwrap_or(&origin)
            .to_string(),
    )
}

fn plan_cdn_status(incident: &Incident, settings: &Settings) -> Plan {
    let diagnosis = crate::diagnosis::diagnose(incident);
    // The box that failed, or the CDN it came through: whichever publishes a feed.
    let with_feed = [diagnosis.generator, cdn_of(&diagnosis)]
        .into_iter()
        .flatten()
        .find_map(|g| g.status_feed().map(|feed| (g, feed)));
    let Some((generator, (feed, api))) = with_feed else {
        return Plan::Skip(skip::NO_STATUS_FEED);
    };
    let (url, api) = if settings.status_feed_url.is_empty() {
        (feed.to_string(), api)
    } else {
        (settings.status_feed_url.clone(), StatusApi::Statuspage)
    };
    // Cloudflare lists each data centre as a component: the ray id names the one used.
    let component = diagnosis
        .references
        .iter()
        .find(|r| r.kind == crate::diagnosis::references::ReferenceKind::CloudflareDataCenter)
        .filter(|_| is_cloudflare(generator))
        .map(|r| crate::status::colo::colo_component_needle(&r.value));
    Plan::ReadCdnStatus {
        url,
        api,
        source: generator.vendor(),
        page: generator.status_page(),
        component,
    }
}

fn plan_site_status(incident: &Incident) -> Plan {
    if is_address_literal(&incident.host) || incident.host.is_empty() {
        return Plan::Skip(skip::ADDRESS_LITERAL);
    }
    // A status page the error page itself links to comes first: the site named it.
    let linked = incident
        .page_excerpt
        .as_deref()
        .and_then(|page| crate::status::site::status_link_in_page(page, &incident.host))
        .and_then(|link| written_origin(&link));
    // The site's own scheme and port: on the open web, https on 443.
    let guessed = || {
        let status_host = crate::status::site::status_host(&incident.host)?;
        let origin = written_origin(&incident.url)?;
        let (scheme, authority) = origin.split_once("://")?;
        Some(match authority.rsplit_once(':') {
            Some((_, port)) if !port.contains(']') => format!("{scheme}://{status_host}:{port}"),
            _ => format!("{scheme}://{status_host}"),
        })
    };
    match linked.or_else(guessed) {
        Some(base) => Plan::ReadSiteStatus { base },
        None => Plan::Skip(skip::NO_STATUS_PAGE),
    }
}

/// How long from `now_ms` the site's `Retry-After` (counted from the answer that carried it)
/// still holds.
fn retry_after_wait_ms(incident: &Incident, now_ms: f64) -> u64 {
    let Some(retry_after) = incident.retry_after() else {
        return 0;
    };
    let answered_ms = incident.last_seen_ms();
    let until_ms = answered_ms + retry_after.wait_seconds(answered_ms) as f64 * 1000.0;
    (until_ms - now_ms).max(0.0).min(u64::MAX as f64) as u64
}

/// The host a provider's requests go to.
fn provider_host(provider: &Provider) -> String {
    host_of(&provider.url("example.com")).to_string()
}

/// What the report says was sent, in a few words.
pub fn describe(plan: &Plan, incident: &Incident) -> String {
    match plan {
        Plan::Skip(_) => String::new(),
        Plan::Refetch {
            with_cookies,
            wait_ms,
        } => {
            let cookies = if *with_cookies { "" } else { "no cookies, " };
            let waited = if *wait_ms > 0 {
                format!(
                    ", after the site's Retry-After ({} s)",
                    wait_ms.div_ceil(1000)
                )
            } else {
                String::new()
            };
            format!(
                "GET {} ({cookies}cache bypassed, no redirects{waited})",
                incident.url
            )
        }
        Plan::Ask { url, .. } => format!("GET {url}"),
        Plan::ResolveWithBrowser => {
            format!("DNS lookup of {} (Firefox, cache bypassed)", incident.host)
        }
        Plan::ResolveOverHttps { resolver } => {
            format!("DNS over HTTPS for {} via {resolver}", incident.host)
        }
        Plan::Reach { url, .. } => format!("GET {url}"),
        Plan::AskEdge { url, .. } => format!("GET {url} (no cookies, no redirects)"),
        Plan::ReadCdnStatus { url, .. } => format!("GET {url}"),
        Plan::ReadSiteStatus { base } => {
            format!(
                "GET {base}{} (no cookies, no redirects)",
                SITE_STATUS_ENDPOINTS[0].0
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failure::NetError;
    use crate::settings::CheckerChoice;

    fn incident(url: &str, failure: Failure) -> Incident {
        Incident {
            url: url.into(),
            url_hash: crate::incident::url_hash(url),
            latest_at_ms: 0.0,
            retry_stopped: None,
            verdict: None,
            host: host_of(url).into(),
            failure,
            status_line: None,
            server_ip: None,
            error_name: None,
            method: "GET".into(),
            at_ms: 1.0,
            headers: Vec::new(),
            page_excerpt: None,
            from_cache: false,
        }
    }

    const HTTP502: Failure = Failure::Http { status: 502 };
    const REFUSED: Failure = Failure::Network {
        error: NetError::ConnectionRefused,
    };

    #[test]
    fn a_site_rule_keeps_outside_services_from_hearing_of_the_site() {
        let mut settings = Settings::default();
        settings.site_rules.set(
            "shop.example",
            true,
            crate::rules::RuleFlags {
                no_outside: true,
                ..Default::default()
            },
        );
        let failed = incident("https://www.shop.example:8443/cart", REFUSED);
        for check in [CheckId::Checker, CheckId::Dns] {
            assert_eq!(
                plan(check, &failed, &settings, false, 2.0),
                Plan::Skip(skip::SITE_RULE),
                "{check:?}"
            );
        }
        // The site itself is still asked again; other sites are checked as ever.
        assert!(matches!(
            plan(CheckId::Fresh, &failed, &settings, false, 2.0),
            Plan::Refetch { .. }
        ));
        let other = incident("https://other.example/", REFUSED);
        assert!(matches!(
            plan(CheckId::Checker, &other, &settings, false, 2.0),
            Plan::Ask { .. }
        ));
    }

    #[test]
    fn private_hosts_never_reach_public_services() {
        let defaults = Settings::default();
        for url in [
            "http://printer.local./",
            "http://intranet/wiki",
            "http://[::ffff:10.0.0.1]/",
            "http://build.internal/",
            "http://nas.home.arpa:5000/",
            "http://router.lan/",
            "http://192.168.1.1/",
        ] {
            let i = incident(url, HTTP502);
            for has_dns_api in [false, true] {
                let checker = plan(CheckId::Checker, &i, &defaults, has_dns_api, 1.0);
                assert_eq!(checker, Plan::Skip(skip::PRIVATE_HOST), "{url}");
                let dns = plan(CheckId::Dns, &i, &defaults, has_dns_api, 1.0);
                assert!(
                    matches!(dns, Plan::Skip(_) | Plan::ResolveWithBrowser),
                    "{url}: {dns:?}"
                );
            }
            let isitup = Settings {
                checker: CheckerChoice::IsItUp,
                ..Settings::default()
            };
            assert_eq!(
                plan(CheckId::Checker, &i, &isitup, false, 1.0),
                Plan::Skip(skip::PRIVATE_HOST),
                "{url}"
            );
            // A resolver the visitor picked on the internet hears nothing either.
            let public_resolver = Settings {
                dns_resolver: "https://dns.example.net/dns-query".into(),
                ..Settings::default()
            };
            let dns = plan(CheckId::Dns, &i, &public_resolver, true, 1.0);
            assert!(matches!(dns, Plan::Skip(_)), "{url}: {dns:?}");
        }
    }

    #[test]
    fn services_on_the_visitors_own_network_may_hear_private_names() {
        let own = Settings {
            checker: CheckerChoice::Own,
            checker_url: "http://127.0.0.1:8080".into(),
            dns_resolver: "http://192.168.1.1/dns-query".into(),
            ..Settings::default()
        };
        let i = incident("http://printer.local./status", HTTP502);
        assert!(matches!(
            plan(CheckId::Checker, &i, &own, false, 1.0),
            Plan::Ask { .. }
        ));
        assert!(matches!(
            plan(CheckId::Dns, &i, &own, false, 1.0),
            Plan::ResolveOverHttps { .. }
        ));
        let public_own = Settings {
            checker_url: "https://checker.example.net".into(),
            ..own
        };
        assert_eq!(
            plan(CheckId::Checker, &i, &public_own, false, 1.0),
            Plan::Skip(skip::PRIVATE_HOST)
        );
    }

    #[test]
    fn public_sites_get_every_check() {
        let i = incident("https://shop.example.com/cart?id=1", HTTP502);
        let s = Settings::default();
        assert_eq!(
            plan(CheckId::Fresh, &i, &s, false, 1.0),
            Plan::Refetch {
                with_cookies: true,
                wait_ms: 0
            }
        );
        assert_eq!(
            plan(CheckId::Stranger, &i, &s, false, 1.0),
            Plan::Refetch {
                with_cookies: false,
                wait_ms: 0
            }
        );
        assert!(matches!(
            plan(CheckId::Checker, &i, &s, false, 1.0),
            Plan::Ask { .. }
        ));
        assert_eq!(
            plan(CheckId::Dns, &i, &s, false, 1.0),
            Plan::ResolveOverHttps {
                resolver: DEFAULT_DOH_RESOLVER.into()
            }
        );
        assert_eq!(
            plan(CheckId::Dns, &i, &s, true, 1.0),
            Plan::ResolveWithBrowser
        );
        assert_eq!(
            plan(CheckId::Connectivity, &i, &s, false, 1.0),
            Plan::Skip(skip::GATEWAY_ANSWERED)
        );
        let refused = incident("https://shop.example.com/", REFUSED);
        assert!(matches!(
            plan(CheckId::Connectivity, &refused, &s, false, 1.0),
            Plan::Reach { .. }
        ));
    }

    #[test]
    fn a_retry_after_holds_for_the_refetches_too() {
        let mut i = incident("https://shop.example.com/", Failure::Http { status: 503 });
        i.at_ms = 100_000.0;
        i.headers = vec![("Retry-After".into(), "5".into())];
        let s = Settings::default();
        for (now, expected) in [
            (
                100_100.0,
                Plan::Refetch {
                    with_cookies: true,
                    wait_ms: 4_900,
                },
            ),
            (
                104_000.0,
                Plan::Refetch {
                    with_cookies: true,
                    wait_ms: 1_000,
                },
            ),
            (
                106_000.0,
                Plan::Refetch {
                    with_cookies: true,
                    wait_ms: 0,
                },
            ),
        ] {
            assert_eq!(plan(CheckId::Fresh, &i, &s, false, now), expected, "{now}");
        }
        i.headers = vec![("retry-after".into(), "3600".into())];
        assert_eq!(
            plan(CheckId::Stranger, &i, &s, false, 100_100.0),
            Plan::Skip(skip::RETRY_AFTER)
        );
        // A date in the past, or garbage, holds nothing.
        i.headers = vec![("Retry-After".into(), "Thu, 01 Jan 1970 00:00:00 GMT".into())];
        assert!(matches!(
            plan(CheckId::Fresh, &i, &s, false, 100_100.0),
            Plan::Refetch { wait_ms: 0, .. }
        ));
        i.headers = vec![("Retry-After".into(), "soon".into())];
        assert!(matches!(
            plan(CheckId::Fresh, &i, &s, false, 100_100.0),
            Plan::Refetch { wait_ms: 0, .. }
        ));
    }

    #[test]
    fn refetches_can_be_turned_off_and_never_resend_a_form() {
        let i = incident("https://shop.example.com/", HTTP502);
        let off = Settings {
            refetch_page: false,
            ..Settings::default()
        };
        for check in [CheckId::Fresh, CheckId::Stranger] {
            assert_eq!(
                plan(check, &i, &off, false, 1.0),
                Plan::Skip(skip::TURNED_OFF)
            );
            let post = Incident {
                method: "POST".into(),
                ..i.clone()
            };
            assert_eq!(
                plan(check, &post, &Settings::default(), false, 1.0),
                Plan::Skip(skip::NOT_GET)
            );
        }
    }

    fn through_cloudflare(url: &str, status: u16) -> Incident {
        Incident {
            headers: vec![
                ("server".into(), "cloudflare".into()),
                ("cf-ray".into(), "8f1c2a3b4c5d6e7f-FRA".into()),
            ],
            ..incident(url, Failure::Http { status })
        }
    }

    #[test]
    fn the_edge_is_asked_apart_only_when_a_cdn_passed_on_a_server_error() {
        let s = Settings::default();
        let cf = through_cloudflare("https://shop.example.com:8443/cart?id=1", 522);
        assert_eq!(
            plan(CheckId::Edge, &cf, &s, false, 1.0),
            Plan::AskEdge {
                url: "https://shop.example.com:8443/cdn-cgi/trace".into(),
                cdn: "Cloudflare",
                trace: true,
            }
        );
        let fastly = Incident {
            headers: vec![
                ("x-served-by".into(), "cache-fra19123-FRA".into()),
                ("via".into(), "1.1 varnish".into()),
                ("x-cache".into(), "MISS".into()),
                ("x-fastly-request-id".into(), "abc".into()),
            ],
            ..incident("https://shop.example.com/", HTTP502)
        };
        if let Plan::AskEdge { url, trace, .. } = plan(CheckId::Edge, &fastly, &s, false, 1.0) {
            assert_eq!(url, "https://shop.example.com/favicon.ico");
            assert!(!trace);
        }
        let plain = incident("https://shop.example.com/", HTTP502);
        assert_eq!(
            plan(CheckId::Edge, &plain, &s, false, 1.0),
            Plan::Skip(skip::NO_CDN)
        );
        let refused = through_cloudflare("https://shop.example.com/", 522);
        let refused = Incident {
            failure: REFUSED,
            ..refused
        };
        assert_eq!(
            plan(CheckId::Edge, &refused, &s, false, 1.0),
            Plan::Skip(skip::NO_CDN)
        );
        let off = Settings {
            check_edge: false,
            ..Settings::default()
        };
        assert_eq!(
            plan(CheckId::Edge, &cf, &off, false, 1.0),
            Plan::Skip(skip::TURNED_OFF)
        );
    }

    #[test]
    fn the_cdn_status_feed_is_its_own_or_the_visitors_and_names_the_data_centre() {
        let cf = through_cloudflare("https://shop.example.com/", 522);
        let s = Settings::default();
        assert_eq!(
            plan(CheckId::CdnStatus, &cf, &s, false, 1.0),
            Plan::ReadCdnStatus {
                url: "https://www.cloudflarestatus.com/api/v2/summary.json".into(),
                api: StatusApi::Statuspage,
                source: "Cloudflare",
                page: Some("https://www.cloudflarestatus.com/"),
                component: Some("(FRA)".into()),
            }
        );
        let mirror = Settings {
            status_feed_url: "http://127.0.0.1:8080/feed.json".into(),
            ..Settings::default()
        };
        assert!(matches!(
            plan(CheckId::CdnStatus, &cf, &mirror, false, 1.0),
            Plan::ReadCdnStatus { url, .. } if url == "http://127.0.0.1:8080/feed.json"
        ));
        let nginx = incident("https://shop.example.com/", HTTP502);
        assert_eq!(
            plan(CheckId::CdnStatus, &nginx, &s, false, 1.0),
            Plan::Skip(skip::NO_STATUS_FEED)
        );
        let off = Settings {
            check_cdn_status: false,
            ..Settings::default()
        };
        assert_eq!(
            plan(CheckId::CdnStatus, &cf, &off, false, 1.0),
            Plan::Skip(skip::TURNED_OFF)
        );
    }

    #[test]
    fn the_sites_status_host_is_its_own_domain_never_a_third_party() {
        let s = Settings::default();
        let site = |url: &str| plan(CheckId::SiteStatus, &incident(url, HTTP502), &s, false, 1.0);
        let base = |b: &str| Plan::ReadSiteStatus { base: b.into() };
        assert_eq!(
            site("https://shop.example.com/cart"),
            base("https://status.example.com")
        );
        assert_eq!(
            site("http://www.gd-shop.test:8080/cart"),
            base("http://status.gd-shop.test:8080")
        );
        assert_eq!(
            site("https://www.example.co.uk/"),
            base("https://status.example.co.uk")
        );
        for third_party in ["https://alice.github.io/", "https://shop.herokuapp.com/"] {
            assert_eq!(
                site(third_party),
                Plan::Skip(skip::NO_STATUS_PAGE),
                "{third_party}"
            );
        }
        assert_eq!(
            site("http://127.0.0.1:8080/"),
            Plan::Skip(skip::ADDRESS_LITERAL)
        );
        // A status page the error page links to comes first.
        let linked = Incident {
            page_excerpt: Some(
                r#"<p>See <a href="https://status.example.com/incidents/42">our status page</a></p>"#
                    .into(),
            ),
            ..incident("https://www.example.com/", HTTP502)
        };
        assert_eq!(
            plan(CheckId::SiteStatus, &linked, &s, false, 1.0),
            base("https://status.example.com")
        );
        let off = Settings {
            check_site_status: false,
            ..Settings::default()
        };
        assert_eq!(
            plan(
                CheckId::SiteStatus,
                &incident("https://shop.example.com/", HTTP502),
                &off,
                false,
                1.0
            ),
            Plan::Skip(skip::TURNED_OFF)
        );
    }

    #[test]
    fn the_connection_check_reads_for_a_sign_in_page_unless_turned_off() {
        let refused = incident("https://shop.example.com/", REFUSED);
        let s = Settings::default();
        assert_eq!(
            plan(CheckId::Connectivity, &refused, &s, false, 1.0),
            Plan::Reach {
                url: "http://cp.cloudflare.com/generate_204".into(),
                portal: true
            }
        );
        let off = Settings {
            check_portal: false,
            ..Settings::default()
        };
        assert!(matches!(
            plan(CheckId::Connectivity, &refused, &off, false, 1.0),
            Plan::Reach { portal: false, .. }
        ));
    }
}
