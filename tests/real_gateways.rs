//! Diagnosis of the error pages that real nginx, Apache httpd (mod_proxy) and HAProxy write when
//! their upstream is dead, silent or speaks hangup: generated here, never hand-written.
// Starts real gateway processes: native only.
#![cfg(unix)]
#![allow(clippy::expect_used)]

mod support;

use gateway_doctor::diagnosis::fingerprint::Generator;
use gateway_doctor::diagnosis::{diagnose, Fixer, Kind, Side};
use gateway_doctor::failure::Failure;
use gateway_doctor::incident::Incident;
use support::gateways::{self, Captured, Upstreams};

fn incident(captured: &Captured, with_page: bool) -> Incident {
    Incident {
        url: "http://shop.example/dead/cart".into(),
        host: "shop.example".into(),
        failure: Failure::Http {
            status: captured.status,
        },
        status_line: Some(captured.status_line.clone()),
        server_ip: Some("127.0.0.1".into()),
        error_name: None,
        method: "GET".into(),
        at_ms: 0.0,
        headers: captured.headers.clone(),
        page_excerpt: with_page.then(|| captured.body.clone()),
        from_cache: false,
        url_hash: None,
        latest_at_ms: 0.0,
    }
}

/// What each gateway answers, as shipped: Apache answers a refused upstream with 503
/// ("temporarily unable to service") and a read timeout with 502 ("Error reading from remote
/// server"); HAProxy calls a backend with no usable server a 503.
const CASES: &[(&str, &str, u16, Kind)] = &[
    ("nginx", "/dead/cart", 502, Kind::BadGateway),
    ("nginx", "/slow/cart", 504, Kind::GatewayTimeout),
    ("nginx", "/hangup/cart", 502, Kind::BadGateway),
    ("apache", "/dead/cart", 503, Kind::ServiceUnavailable),
    ("apache", "/slow/cart", 502, Kind::BadGateway),
    ("apache", "/hangup/cart", 502, Kind::BadGateway),
    ("haproxy", "/dead/cart", 503, Kind::ServiceUnavailable),
    ("haproxy", "/slow/cart", 504, Kind::GatewayTimeout),
    ("haproxy", "/hangup/cart", 502, Kind::BadGateway),
];

#[test]
fn pages_from_real_gateways_name_the_gateway_and_the_failure() {
    let upstreams = Upstreams::start();
    let running = [
        (gateways::nginx(&upstreams), Generator::Nginx, true),
        (gateways::apache(&upstreams), Generator::Apache, true),
        // HAProxy sends no Server header: only its page names it.
        (gateways::haproxy(&upstreams), Generator::HaProxy, false),
    ];
    let mut checked = 0;
    for (gateway, generator, named_by_headers) in &running {
        for (_, path, status, kind) in CASES.iter().filter(|c| c.0 == gateway.name) {
            let captured = gateways::get(gateway.port, path);
            let what = format!("{} {path}", gateway.name);
            assert_eq!(captured.status, *status, "{what}: {}", captured.body);

            let full = diagnose(&incident(&captured, true));
            // What session storage keeps of the page tells the same story.
            let mut compacted = incident(&captured, true);
            compacted.page_excerpt = Some(gateway_doctor::page_excerpt::compact(&captured.body));
            assert_eq!(
                format!("{full:?}"),
                format!("{:?}", diagnose(&compacted)),
                "{what}"
            );
            assert_eq!(full.kind, *kind, "{what}");
            assert_eq!(
                full.generator,
                Some(*generator),
                "{what}: {}",
                captured.body
            );
            assert_eq!(full.side, Side::OriginUpstream, "{what}");
            assert_eq!(full.fixer, Fixer::SiteOwner, "{what}");
            assert!(full.likely_temporary, "{what}");
            // HAProxy's stock pages have no <title>.
            let titled = *generator != Generator::HaProxy;
            assert_eq!(full.page_title.is_some(), titled, "{what}");

            // Without the page (Chromium before it is read), the headers still carry the kind.
            let headers_only = diagnose(&incident(&captured, false));
            assert_eq!(headers_only.kind, *kind, "{what} (headers only)");
            let expected = named_by_headers.then_some(*generator);
            assert_eq!(headers_only.generator, expected, "{what} (headers only)");
            checked += 1;
        }
    }
    assert_eq!(checked, CASES.len());
}
