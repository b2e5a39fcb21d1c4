//! "If this is your site": the owner's checklist, tailored by the diagnosis. It names the box that
//! wrote the error page and lists that box's usual causes first, then the site's software, then
//! the checks that apply to any gateway.

use crate::diagnosis::catalogue::Check;
use crate::diagnosis::fingerprint::Generator;
use crate::diagnosis::{Diagnosis, Kind, Side, StackHint};
use crate::view::advice::stack_key;
use crate::view::msg::Msg;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerChecklist {
    /// Names the box that wrote the error page, when it is known.
    pub heading: Option<Msg>,
    /// Most likely causes first; empty when the fault is on the visitor's side.
    pub items: Vec<Msg>,
}

/// What the checks' verdict tells the owner before the checklist, when it narrows things down.
pub fn verdict_note(kind: crate::checks::verdict::VerdictKind) -> Option<Msg> {
    use crate::checks::verdict::VerdictKind::*;
    Some(Msg::new(match kind {
        OriginDown => "ownerOriginDown",
        CdnIncident => "ownerCdnIncident",
        SiteIncident | SiteMaintenance => "ownerStatusPageSaysSo",
        SignInToNetwork => "ownerVisitorNetworkSignIn",
        _ => return None,
    }))
}

pub fn owner_checklist(diagnosis: &Diagnosis) -> OwnerChecklist {
    // The visitor's own device or connection failed: nothing on the site to check. A name that
    // does not resolve stays: the owner's domain may have lapsed.
    let visitor_fault = diagnosis.side == Side::VisitorDevice
        || matches!(diagnosis.kind, Kind::Offline | Kind::ProxyFailure);
    if visitor_fault {
        return OwnerChecklist {
            heading: None,
            items: Vec::new(),
        };
    }
    let heading = match (diagnosis.generator, diagnosis.edge) {
        (Some(generator), Some(edge)) => Some(Msg::with(
            "ownerBoxBehind",
            vec![generator.name().to_string(), edge.name().to_string()],
        )),
        (Some(generator), None) => Some(Msg::with("ownerBox", vec![generator.name().to_string()])),
        (None, _) => None,
    };
    let mut items = Checklist::default();
    // The site is up: its own protection turned this browser away. Its rules are the one thing to
    // look at; the outage checks (upstream, origin, CDN incident) do not apply.
    if matches!(diagnosis.kind, Kind::BotChallenge | Kind::BotBlock) {
        items.key("ownerBotRules");
        if !diagnosis.references.is_empty() {
            items.key("ownerQuoteReferences");
        }
        return OwnerChecklist {
            heading,
            items: items.0,
        };
    }
    match diagnosis.generator {
        Some(Generator::Cloudflare) => cloudflare(diagnosis, &mut items),
        Some(generator) => {
            from_catalogue(generator, diagnosis, &mut items);
            if generator.is_edge() {
                other_cdn(generator, diagnosis.kind, &mut items);
            }
        }
        None => {}
    }
    // A provider that wrote the page may have an incident of its own: its status page says so.
    // (Not the CDN that only passed the site's own error on.)
    if let Some((provider, page)) = diagnosis
        .generator
        .and_then(|g| Some((g, g.status_page()?)))
    {
        items.add(Msg::with(
            "ownerStatusPage",
            vec![provider.name().to_string(), page.to_string()],
        ));
    }
    by_kind(diagnosis.kind, &mut items);
    for hint in &diagnosis.stack {
        items.add(Msg::new(stack_key(*hint)));
    }
    general(diagnosis, &mut items);
    OwnerChecklist {
        heading,
        items: items.0,
    }
}

/// Items in order, each once.
#[derive(Default)]
struct Checklist(Vec<Msg>);

impl Checklist {
    fn add(&mut self, msg: Msg) {
        if !self.0.contains(&msg) {
            self.0.push(msg);
        }
    }

    fn key(&mut self, key: &'static str) {
        self.add(Msg::new(key));
    }

    fn about(&mut self, key: &'static str, product: Generator) {
        self.add(Msg::with(key, vec![product.name().to_string()]));
    }
}

/// Cloudflare's 52x codes each name one link between Cloudflare and the origin.
fn cloudflare(diagnosis: &Diagnosis, items: &mut Checklist) {
    let cf = Generator::Cloudflare;
    if diagnosis.side == Side::CdnEdge {
        items.about("ownerCdnIncident", cf);
        return;
    }
    match diagnosis.kind {
        Kind::OriginBadAnswer => items.key("ownerCfBadAnswer"),
        Kind::OriginDown => {
            items.key("ownerOriginWebServerDown");
            items.about("ownerCdnFirewall", cf);
        }
        Kind::OriginConnectTimeout => {
            items.about("ownerCdnFirewall", cf);
            items.key("ownerOriginOverloaded");
            items.about("ownerCdnOriginAddress", cf);
        }
        Kind::OriginUnreachable => {
            items.about("ownerCdnOriginAddress", cf);
            items.key("ownerOriginRouting");
        }
        Kind::OriginTooSlow => items.key("ownerCfTimeout"),
        Kind::OriginTls => items.key("ownerCfTls"),
        Kind::OriginDns => items.key("ownerCfOriginDns"),
        Kind::CdnError => items.about("ownerCdnIncident", cf),
        _ => {
            items.about("ownerCdnReachOrigin", cf);
            items.about("ownerCdnFirewall", cf);
        }
    }
}

fn other_cdn(cdn: Generator, kind: Kind, items: &mut Checklist) {
    items.about("ownerCdnReachOrigin", cdn);
    if kind == Kind::GatewayTimeout {
        items.about("ownerCdnTimeout", cdn);
    }
    items.about("ownerCdnOriginAddress", cdn);
    items.about("ownerCdnFirewall", cdn);
    items.about("ownerCdnTls", cdn);
}

/// The box's own first checks, as the catalogue lists them for what failed. PHP-FPM is not
/// suggested for a site that runs Node.js.
fn from_catalogue(generator: Generator, diagnosis: &Diagnosis, items: &mut Checklist) {
    let entry = generator.entry();
    let for_kind = match diagnosis.kind {
        Kind::BadGateway => entry.checks_bad_gateway,
        Kind::GatewayTimeout => entry.checks_timeout,
        Kind::ServiceUnavailable => entry.checks_unavailable,
        _ => &[],
    };
    let checks: &[Check] = if for_kind.is_empty() {
        entry.checks
    } else {
        for_kind
    };
    let runs_node = diagnosis.stack.contains(&StackHint::NodeJs);
    for check in checks {
        if runs_node && check.key == "ownerNginxPhpFpm" {
            continue;
        }
        if check.named {
            items.about(check.key, generator);
        } else {
            items.key(check.key);
        }
    }
}

/// Causes that follow from what failed, whoever wrote the page.
fn by_kind(kind: Kind, items: &mut Checklist) {
    match kind {
        Kind::Maintenance => items.key("ownerMaintenance"),
        Kind::InternalServerError | Kind::ServerError => items.key("ownerAppErrorLog"),
        Kind::DnsFailure => items.key("ownerDomainDns"),
        Kind::ConnectionRefused => {
            items.key("ownerOriginWebServerDown");
            items.key("ownerFirewall");
        }
        Kind::ConnectionDropped => items.key("ownerServerCrashing"),
        Kind::RedirectLoop => items.key("ownerRedirectLoop"),
        Kind::ProtocolError | Kind::Truncated => items.key("ownerProxyFraming"),
        Kind::TlsHandshake => items.key("ownerTlsSetup"),
        Kind::Certificate => items.key("ownerCertificate"),
        Kind::ConnectionTimedOut => {
            items.key("ownerFirewall");
            items.key("ownerOriginOverloaded");
        }
        _ => {}
    }
}

/// The checks any gateway failure deserves, after the specific ones.
fn general(diagnosis: &Diagnosis, items: &mut Checklist) {
    let gateway_failure = matches!(
        diagnosis.kind,
        Kind::BadGateway
            | Kind::GatewayTimeout
            | Kind::ServiceUnavailable
            | Kind::OriginBadAnswer
            | Kind::OriginDown
            | Kind::OriginConnectTimeout
            | Kind::OriginTooSlow
    );
    if gateway_failure && diagnosis.side != Side::CdnEdge {
        items.key("ownerUpstreamRunning");
        items.key("ownerReadErrorLog");
        items.key("ownerResources");
        items.key("ownerOriginDns");
        items.key("ownerFirewall");
    }
    if !diagnosis.references.is_empty() {
        items.key("ownerQuoteReferences");
    }
    items.key("ownerAskHost");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::diagnose;
    use crate::failure::{Failure, NetError};
    use crate::incident::Incident;

    fn checklist(failure: Failure, headers: &[(&str, &str)], page: Option<&str>) -> OwnerChecklist {
        owner_checklist(&diagnose(&Incident {
            url: "https://shop.example/".into(),
            host: "shop.example".into(),
            failure,
            status_line: None,
            server_ip: None,
            error_name: None,
            method: "GET".into(),
            at_ms: 1.0,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            page_excerpt: page.map(str::to_string),
            from_cache: false,
            url_hash: None,
            latest_at_ms: 0.0,
            retry_stopped: None,
            verdict: None,
        }))
    }

    fn keys(list: &OwnerChecklist) -> Vec<&'static str> {
        list.items.iter().map(|m| m.key).collect()
    }

    type HeaderList = &'static [(&'static str, &'static str)];

    const CF: HeaderList = &[("server", "cloudflare"), ("cf-ray", "8f1c2a3b4c5d6e7f-FRA")];

    #[test]
    fn the_failing_box_and_its_usual_causes_come_first() {
        let cases: [(u16, HeaderList, &str, &str); 10] = [
            (502, &[("server", "nginx")], "nginx", "ownerNginxUpstream"),
            (
                504,
                &[("server", "nginx/1.25")],
                "nginx",
                "ownerNginxTimeouts",
            ),
            (
                502,
                &[("server", "Apache/2.4")],
                "Apache httpd",
                "ownerApacheProxy",
            ),
            (
                504,
                &[("server", "Apache")],
                "Apache httpd",
                "ownerApacheTimeouts",
            ),
            (
                503,
                &[("server", "haproxy")],
                "HAProxy",
                "ownerHaproxyBackends",
            ),
            (521, CF, "Cloudflare", "ownerOriginWebServerDown"),
            (522, CF, "Cloudflare", "ownerCdnFirewall"),
            (526, CF, "Cloudflare", "ownerCfTls"),
            (530, CF, "Cloudflare", "ownerCfOriginDns"),
            (502, &[("via", "1.1 vegur")], "Heroku", "ownerPlatformLogs"),
        ];
        for (status, headers, boxname, first) in cases {
            let list = checklist(Failure::Http { status }, headers, None);
            let heading = list.heading.as_ref().expect("a heading");
            assert_eq!(heading.args[0], boxname, "{status} {headers:?}");
            assert_eq!(list.items[0].key, first, "{status} {headers:?}");
            assert_eq!(*keys(&list).last().expect("items"), "ownerAskHost");
        }
    }

    #[test]
    fn stack_hints_add_their_causes() {
        let wordpress = checklist(
            Failure::Http { status: 502 },
            &[
                ("server", "nginx"),
                ("link", "<https://shop.example/wp-json/>"),
            ],
            None,
        );
        let k = keys(&wordpress);
        assert!(
            k.contains(&"stackWordPress") && k.contains(&"ownerNginxPhpFpm"),
            "{k:?}"
        );
        let node = checklist(
            Failure::Http { status: 502 },
            &[("server", "nginx"), ("x-powered-by", "Express")],
            None,
        );
        let k = keys(&node);
        assert!(
            k.contains(&"stackNodeJs") && !k.contains(&"ownerNginxPhpFpm"),
            "{k:?}"
        );
    }

    #[test]
    fn cdn_behind_names_both_boxes_and_references() {
        let list = checklist(
            Failure::Http { status: 502 },
            &[("server", "nginx"), ("x-amz-cf-id", "abc123")],
            Some("<html><center>nginx</center></html>"),
        );
        let heading = list.heading.clone().expect("heading");
        assert_eq!(heading.key, "ownerBoxBehind");
        assert_eq!(heading.args, ["nginx", "Amazon CloudFront"]);
        assert!(keys(&list).contains(&"ownerQuoteReferences"));
    }

    #[test]
    fn other_cdns_and_edge_incidents() {
        let fastly = checklist(
            Failure::Http { status: 504 },
            &[("x-fastly-request-id", "x1")],
            None,
        );
        assert_eq!(
            keys(&fastly)[..3],
            [
                "ownerCdnReachOrigin",
                "ownerCdnTimeout",
                "ownerCdnOriginAddress"
            ]
        );
        assert_eq!(fastly.items[0].args, ["Fastly"]);
        let edge_page = "<div id=\"cf-error-details\"><div id=\"cf-cloudflare-status\" \
                         class=\"cf-error-source\"></div></div>";
        let edge = checklist(Failure::Http { status: 502 }, CF, Some(edge_page));
        assert_eq!(keys(&edge)[0], "ownerCdnIncident");
        assert!(!keys(&edge).contains(&"ownerUpstreamRunning"));
    }

    #[test]
    fn catalogue_boxes_bring_their_own_checks_and_status_page() {
        let envoy = checklist(
            Failure::Http { status: 503 },
            &[("server", "envoy")],
            Some("no healthy upstream"),
        );
        assert_eq!(keys(&envoy)[0], "ownerEnvoyUpstream");
        assert!(!keys(&envoy).contains(&"ownerStatusPage"));

        let cloud_run = checklist(
            Failure::Http { status: 504 },
            &[("server", "Google Frontend")],
            Some("upstream request timeout"),
        );
        assert_eq!(
            cloud_run.heading.as_ref().map(|h| h.args.clone()),
            Some(vec!["Google Cloud Run or App Engine".to_string()])
        );
        assert_eq!(keys(&cloud_run)[0], "ownerCloudRunLogs");
        let status = cloud_run
            .items
            .iter()
            .find(|m| m.key == "ownerStatusPage")
            .expect("status page");
        assert_eq!(status.args[1], "https://status.cloud.google.com/");

        let heroku = checklist(Failure::Http { status: 503 }, &[("via", "1.1 vegur")], None);
        assert_eq!(
            keys(&heroku)[..2],
            ["ownerPlatformLogs", "ownerHerokuCodes"]
        );
        assert_eq!(heroku.items[0].args, ["Heroku"]);

        // The CDN that only passed the origin's page on brings no status page.
        let behind = checklist(
            Failure::Http { status: 502 },
            CF,
            Some("<hr><center>nginx</center>"),
        );
        assert_eq!(keys(&behind)[0], "ownerNginxUpstream");
        assert!(!keys(&behind).contains(&"ownerStatusPage"));
    }

    #[test]
    fn unknown_boxes_get_the_general_list_and_visitor_faults_none() {
        let plain = checklist(Failure::Http { status: 502 }, &[], None);
        assert_eq!(plain.heading, None);
        assert_eq!(keys(&plain)[0], "ownerUpstreamRunning");
        let offline = checklist(
            Failure::Network {
                error: NetError::InternetDisconnected,
            },
            &[],
            None,
        );
        assert!(offline.items.is_empty() && offline.heading.is_none());
        // A name that resolves nowhere may be the owner's lapsed domain.
        let dns = checklist(
            Failure::Network {
                error: NetError::NameNotResolved,
            },
            &[],
            None,
        );
        assert_eq!(keys(&dns)[0], "ownerDomainDns");
        let refused = checklist(
            Failure::Network {
                error: NetError::ConnectionRefused,
            },
            &[],
            None,
        );
        assert_eq!(keys(&refused)[0], "ownerOriginWebServerDown");
        let maintenance = checklist(
            Failure::Http { status: 503 },
            &[],
            Some("<h1>Down for maintenance</h1>"),
        );
        assert_eq!(keys(&maintenance)[0], "ownerMaintenance");
    }
}
