//! Diagnosis of CDN and platform errors, from fixtures written after each provider's documented
//! markers (`shared/design/fingerprints.md`), and of network errors.

use gateway_doctor::diagnosis::fingerprint::Generator;
use gateway_doctor::diagnosis::references::ReferenceKind as Ref;
use gateway_doctor::diagnosis::retry_after::RetryAfter;
use gateway_doctor::diagnosis::{diagnose, Diagnosis, Fixer, Kind, Side, StackHint};
use gateway_doctor::failure::{Failure, NetError};
use gateway_doctor::incident::Incident;

fn http(status: u16, headers: &[(&str, &str)], page: Option<&str>) -> Diagnosis {
    let incident = Incident {
        url: "https://shop.example/cart".into(),
        host: "shop.example".into(),
        failure: Failure::Http { status },
        status_line: None,
        server_ip: Some("203.0.113.7".into()),
        error_name: None,
        method: "GET".into(),
        at_ms: 1_795_600_000_000.0,
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
    };
    let full = diagnose(&incident);
    // What session storage keeps of the page must tell the same story.
    let stored = diagnose(&Incident {
        page_excerpt: page.map(gateway_doctor::page_excerpt::compact),
        ..incident
    });
    assert_eq!(format!("{full:?}"), format!("{stored:?}"), "compacted page");
    full
}

fn reference(d: &Diagnosis, kind: Ref) -> Option<&str> {
    d.references
        .iter()
        .find(|r| r.kind == kind)
        .map(|r| r.value.as_str())
}

const CF_HEADERS: &[(&str, &str)] = &[("server", "cloudflare"), ("cf-ray", "8f1c2a3b4c5d6e7f-FRA")];

fn cloudflare_page(code: u16, failing_box: &str) -> String {
    let status_box = |id: &str| {
        let class = if id == failing_box {
            "cf-status-item cf-error-source"
        } else {
            "cf-status-item"
        };
        format!("<div id=\"cf-{id}-status\" class=\"{class}\"><span>{id}</span></div>")
    };
    format!(
        "<!DOCTYPE html><html><head><title>shop.example | {code}: Bad gateway</title></head><body>\
         <div id=\"cf-error-details\"><h1>Bad gateway</h1>{}{}{}\
         <p>Cloudflare Ray ID: <strong class=\"font-semibold\">8f1c2a3b4c5d6e7f</strong></p></div></body></html>",
        status_box("browser"),
        status_box("cloudflare"),
        status_box("host")
    )
}

#[test]
fn cloudflare_names_the_failing_box_and_the_ray_id() {
    let host_down = http(502, CF_HEADERS, Some(&cloudflare_page(502, "host")));
    assert_eq!(host_down.kind, Kind::BadGateway);
    assert_eq!(host_down.generator, Some(Generator::Cloudflare));
    assert_eq!(host_down.side, Side::Origin);
    assert_eq!(host_down.fixer, Fixer::SiteOwner);
    assert_eq!(
        reference(&host_down, Ref::CloudflareRayId),
        Some("8f1c2a3b4c5d6e7f")
    );
    assert_eq!(
        reference(&host_down, Ref::CloudflareDataCenter),
        Some("FRA")
    );

    let edge_down = http(502, CF_HEADERS, Some(&cloudflare_page(502, "cloudflare")));
    assert_eq!(edge_down.side, Side::CdnEdge);
    assert_eq!(edge_down.fixer, Fixer::Cdn);
}

#[test]
fn cloudflare_52x_codes_from_headers_alone() {
    for (status, kind, temporary) in [
        (520, Kind::OriginBadAnswer, true),
        (521, Kind::OriginDown, true),
        (522, Kind::OriginConnectTimeout, true),
        (523, Kind::OriginUnreachable, true),
        (524, Kind::OriginTooSlow, true),
        (525, Kind::OriginTls, false),
        (526, Kind::OriginTls, false),
        (530, Kind::OriginDns, false),
    ] {
        let d = http(status, CF_HEADERS, None);
        assert_eq!(d.kind, kind, "{status}");
        assert_eq!(d.generator, Some(Generator::Cloudflare), "{status}");
        assert_eq!(d.side, Side::Origin, "{status}");
        assert_eq!(d.fixer, Fixer::SiteOwner, "{status}");
        assert_eq!(d.likely_temporary, temporary, "{status}");
    }
}

#[test]
fn an_unbranded_502_behind_cloudflare_came_from_the_origin_gateway() {
    let page = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
    let d = http(502, CF_HEADERS, Some(page));
    assert_eq!(d.generator, Some(Generator::Nginx));
    assert_eq!(d.edge, Some(Generator::Cloudflare));
    assert_eq!(d.side, Side::OriginUpstream);
    assert_eq!(d.fixer, Fixer::SiteOwner);
}

#[test]
fn cdn_and_platform_fixtures() {
    struct Case<'a> {
        status: u16,
        headers: &'a [(&'a str, &'a str)],
        page: Option<&'a str>,
        kind: Kind,
        generator: Generator,
        side: Side,
        fixer: Fixer,
        reference: Option<(Ref, &'a str)>,
    }
    let cases = [
        Case {
            status: 502,
            headers: &[("server", "CloudFront"), ("x-amz-cf-id", "Xk3j9_aBcD-eFgH=="), ("x-amz-cf-pop", "FRA56-P1"), ("x-cache", "Error from cloudfront")],
            page: Some("<H1>502 ERROR</H1><H2>The request could not be satisfied.</H2>Generated by cloudfront (CloudFront)<BR>Request ID: Xk3j9_aBcD-eFgH=="),
            kind: Kind::BadGateway,
            generator: Generator::CloudFront,
            side: Side::Origin,
            fixer: Fixer::SiteOwner,
            reference: Some((Ref::CloudFrontPop, "FRA56-P1")),
        },
        Case {
            status: 503,
            headers: &[("x-served-by", "cache-fra19143-FRA"), ("x-fastly-request-id", "f00dcafe"), ("x-timer", "S1,VS0")],
            page: Some("<title>Fastly error: unknown domain</title> Guru Mediation: first byte timeout"),
            kind: Kind::GatewayTimeout,
            generator: Generator::Fastly,
            side: Side::Origin,
            fixer: Fixer::SiteOwner,
            reference: Some((Ref::FastlyPop, "FRA")),
        },
        Case {
            status: 503,
            headers: &[("x-varnish", "32770"), ("via", "1.1 varnish (Varnish/7.1)"), ("retry-after", "5")],
            page: Some("<title>503 Backend fetch failed</title><h1>Error 503 Backend fetch failed</h1><h3>Guru Meditation:</h3><p>XID: 32770</p>"),
            kind: Kind::BadGateway,
            generator: Generator::Varnish,
            side: Side::OriginUpstream,
            fixer: Fixer::SiteOwner,
            reference: Some((Ref::VarnishXid, "32770")),
        },
        Case {
            status: 503,
            headers: &[("server", "AkamaiGHost")],
            page: Some("<H1>Service Unavailable</H1>Reference&#32;&#35;18&#46;5f3c1002&#46;1700000000&#46;2b1c3d4 <P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;5f3c1002"),
            kind: Kind::ServiceUnavailable,
            generator: Generator::Akamai,
            side: Side::Origin,
            fixer: Fixer::SiteOwner,
            reference: Some((Ref::AkamaiReference, "18.5f3c1002.1700000000.2b1c3d4")),
        },
        Case {
            status: 502,
            headers: &[("server", "Sucuri/Cloudproxy"), ("x-sucuri-id", "15014")],
            page: Some("<title>Sucuri WebSite Firewall - Bad Gateway</title>"),
            kind: Kind::BadGateway,
            generator: Generator::Sucuri,
            side: Side::Origin,
            fixer: Fixer::SiteOwner,
            reference: Some((Ref::SucuriId, "15014")),
        },
        Case {
            status: 503,
            headers: &[("via", "1.1 vegur"), ("server", "Cowboy")],
            page: Some("<iframe src=\"//www.herokucdn.com/error-pages/application-error.html\"></iframe>"),
            kind: Kind::ServiceUnavailable,
            generator: Generator::Heroku,
            side: Side::Origin,
            fixer: Fixer::SiteOwner,
            reference: None,
        },
        Case {
            status: 504,
            headers: &[("server", "Vercel"), ("x-vercel-id", "fra1::abcde-1700000000000-0123456789ab"), ("x-vercel-error", "FUNCTION_INVOCATION_TIMEOUT")],
            page: None,
            kind: Kind::GatewayTimeout,
            generator: Generator::Vercel,
            side: Side::Origin,
            fixer: Fixer::SiteOwner,
            reference: Some((Ref::VercelErrorCode, "FUNCTION_INVOCATION_TIMEOUT")),
        },
        Case {
            status: 502,
            headers: &[("x-vercel-error", "NO_RESPONSE_FROM_FUNCTION")],
            page: None,
            kind: Kind::BadGateway,
            generator: Generator::Vercel,
            side: Side::Origin,
            fixer: Fixer::SiteOwner,
            reference: None,
        },
        Case {
            status: 502,
            headers: &[("server", "Netlify"), ("x-nf-request-id", "01HXYZ")],
            page: None,
            kind: Kind::BadGateway,
            generator: Generator::Netlify,
            side: Side::Origin,
            fixer: Fixer::SiteOwner,
            reference: Some((Ref::NetlifyRequestId, "01HXYZ")),
        },
        Case {
            status: 503,
            headers: &[("rndr-id", "abc-123"), ("x-render-routing", "hibernate-wake-error")],
            page: None,
            kind: Kind::ServiceUnavailable,
            generator: Generator::Render,
            side: Side::Origin,
            fixer: Fixer::HostingProvider,
            reference: Some((Ref::RenderRequestId, "abc-123")),
        },
        Case {
            status: 502,
            headers: &[("server", "Fly/2a3b4c5 (2026-11-01)"), ("fly-request-id", "01J-fra")],
            page: None,
            kind: Kind::BadGateway,
            generator: Generator::FlyIo,
            side: Side::Origin,
            fixer: Fixer::SiteOwner,
            reference: Some((Ref::FlyRequestId, "01J-fra")),
        },
    ];
    for case in cases {
        let d = http(case.status, case.headers, case.page);
        let what = format!("{:?} {}", case.generator, case.status);
        assert_eq!(d.kind, case.kind, "{what}");
        assert_eq!(d.generator, Some(case.generator), "{what}");
        assert_eq!(d.side, case.side, "{what}");
        assert_eq!(d.fixer, case.fixer, "{what}");
        if let Some((kind, value)) = case.reference {
            assert_eq!(
                reference(&d, kind),
                Some(value),
                "{what}: {:?}",
                d.references
            );
        }
        assert!(!d.clues.is_empty(), "{what}: no evidence given");
    }
}

#[test]
fn retry_after_maintenance_and_stack_hints() {
    let d = http(
        503,
        &[
            ("retry-after", "Wed, 25 Nov 2026 10:00:00 GMT"),
            ("x-powered-by", "PHP/8.2.7"),
        ],
        Some("<title>Briefly unavailable for scheduled maintenance</title> /wp-content/themes/x"),
    );
    assert_eq!(d.kind, Kind::Maintenance);
    assert_eq!(
        d.retry_after,
        Some(RetryAfter::At {
            epoch_seconds: 1_795_600_800
        })
    );
    assert!(d.likely_temporary);
    assert_eq!(d.stack, vec![StackHint::WordPress, StackHint::Php]);

    let node = http(500, &[("x-powered-by", "Express")], None);
    assert_eq!(node.kind, Kind::InternalServerError);
    assert_eq!(node.stack, vec![StackHint::NodeJs]);
    assert_eq!(node.side, Side::Origin);

    // Apache's stock 503 mentions "maintenance downtime" for any cause: not a maintenance page.
    let apache = http(503, &[("server", "Apache/2.4")], Some("The server is temporarily unable to service your request due to maintenance downtime or capacity problems."));
    assert_eq!(apache.kind, Kind::ServiceUnavailable);
}

#[test]
fn an_unknown_gateway_still_gets_the_kind_and_side() {
    let d = http(504, &[], None);
    assert_eq!(d.kind, Kind::GatewayTimeout);
    assert_eq!(d.generator, None);
    assert_eq!(d.side, Side::OriginUpstream);
    let d = http(501, &[], None);
    assert_eq!(d.kind, Kind::ServerError);
    assert!(!d.likely_temporary);
}

#[test]
fn network_errors_point_at_the_visitor_or_the_site() {
    for (error, kind, side, fixer) in [
        (
            NetError::NameNotResolved,
            Kind::DnsFailure,
            Side::VisitorNetwork,
            Fixer::VisitorNetwork,
        ),
        (
            NetError::ConnectionRefused,
            Kind::ConnectionRefused,
            Side::Origin,
            Fixer::SiteOwner,
        ),
        (
            NetError::ConnectionReset,
            Kind::ConnectionDropped,
            Side::Unknown,
            Fixer::SiteOwner,
        ),
        (
            NetError::ConnectionTimedOut,
            Kind::ConnectionTimedOut,
            Side::Unknown,
            Fixer::VisitorNetwork,
        ),
        (
            NetError::InternetDisconnected,
            Kind::Offline,
            Side::VisitorDevice,
            Fixer::Visitor,
        ),
        (
            NetError::ProxyFailed,
            Kind::ProxyFailure,
            Side::VisitorNetwork,
            Fixer::VisitorNetwork,
        ),
    ] {
        let d = diagnose(&Incident {
            url: "http://a.example/".into(),
            host: "a.example".into(),
            failure: Failure::Network { error },
            status_line: None,
            server_ip: None,
            error_name: None,
            method: "GET".into(),
            at_ms: 0.0,
            headers: Vec::new(),
            page_excerpt: None,
            from_cache: false,
            url_hash: None,
            latest_at_ms: 0.0,
            retry_stopped: None,
            verdict: None,
        });
        assert_eq!((d.kind, d.side, d.fixer), (kind, side, fixer), "{error:?}");
    }
}
