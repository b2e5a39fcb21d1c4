//! Diagnosis of the error pages that real gateways from Debian (nginx, Apache httpd with
//! mod_proxy, HAProxy, Varnish, Squid, lighttpd, Apache Traffic Server, H2O, Caddy) write when
//! their upstream is dead, silent or hangs up, and of Tomcat's own pages when the application's
//! backend fails: generated here, never hand-written.
// Starts real gateway processes: native only.
#![cfg(unix)]
#![allow(clippy::expect_used)]

mod support;

use gateway_doctor::diagnosis::fingerprint::Generator;
use gateway_doctor::diagnosis::{diagnose, Fixer, Kind, Side};
use gateway_doctor::failure::Failure;
use gateway_doctor::incident::Incident;
use std::thread;
use support::gateways::{self, Captured, Gateway, Upstreams};

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
        retry_stopped: None,
        verdict: None,
    }
}

/// How each gateway is recognised.
struct Known {
    name: &'static str,
    start: fn(&Upstreams) -> Gateway,
    generator: Generator,
    /// Its headers name it (HAProxy's and Tomcat 10's carry no Server header).
    by_headers: bool,
    /// Its pages have a <title> (HAProxy's have none, H2O's are plain text, Caddy's empty).
    titled: bool,
}

/// Slowest to start first: every one starts at once, but a JVM on two busy cores still takes
/// the longest.
const KNOWN: &[Known] = &[
    Known {
        name: "tomcat",
        start: gateways::tomcat,
        generator: Generator::Tomcat,
        by_headers: false,
        titled: true,
    },
    Known {
        name: "trafficserver",
        start: gateways::traffic_server,
        generator: Generator::TrafficServer,
        by_headers: true,
        titled: true,
    },
    Known {
        name: "varnish",
        start: gateways::varnish,
        generator: Generator::Varnish,
        by_headers: true,
        titled: true,
    },
    Known {
        name: "squid",
        start: gateways::squid,
        generator: Generator::Squid,
        by_headers: true,
        titled: true,
    },
    Known {
        name: "nginx",
        start: gateways::nginx,
        generator: Generator::Nginx,
        by_headers: true,
        titled: true,
    },
    Known {
        name: "apache",
        start: gateways::apache,
        generator: Generator::Apache,
        by_headers: true,
        titled: true,
    },
    Known {
        name: "haproxy",
        start: gateways::haproxy,
        generator: Generator::HaProxy,
        by_headers: false,
        titled: false,
    },
    Known {
        name: "lighttpd",
        start: gateways::lighttpd,
        generator: Generator::Lighttpd,
        by_headers: true,
        titled: true,
    },
    Known {
        name: "h2o",
        start: gateways::h2o,
        generator: Generator::H2o,
        by_headers: true,
        titled: false,
    },
    Known {
        name: "caddy",
        start: gateways::caddy,
        generator: Generator::Caddy,
        by_headers: true,
        titled: false,
    },
];

/// One request and what its answer is diagnosed as.
struct Case {
    gateway: &'static str,
    path: &'static str,
    status: u16,
    kind: Kind,
    /// Where the status line and headers alone put it, when that differs from the whole page.
    headers_kind: Option<Kind>,
    side: Side,
}

const fn case(gateway: &'static str, path: &'static str, status: u16, kind: Kind) -> Case {
    Case {
        gateway,
        path,
        status,
        kind,
        headers_kind: None,
        side: Side::OriginUpstream,
    }
}

/// What each gateway answers, as shipped. Apache answers a refused upstream with 503
/// ("temporarily unable to service") and a read timeout with 502 ("Error reading from remote
/// server"); HAProxy calls a backend with no usable server a 503. Varnish says "503 Backend fetch
/// failed" whatever went wrong: its page reads as a bad gateway, its status line alone as
/// unavailable. Squid's accelerator answers a dead peer with 502 ERR_READ_ERROR, a silent one
/// with 504 ERR_READ_TIMEOUT, a hang-up with 502 ERR_ZERO_SIZE_OBJECT. lighttpd answers a
/// hang-up with a bare 500 (its own error: the site's server). Traffic Server's reason phrases
/// say what happened ("Connection refused", "Connection Timed Out", "Malformed Server Response
/// Status"). H2O says "502 Gateway Error" each time, its plain-text body naming the cause; Caddy
/// sends no body at all. Tomcat proxies nothing: its pages are the application's, here a JSP
/// whose backend is dead (an uncaught exception: 500, the site's own error) and one that
/// answers 503 when its backend does not answer in time.
const CASES: &[Case] = &[
    case("nginx", "/dead/cart", 502, Kind::BadGateway),
    case("nginx", "/slow/cart", 504, Kind::GatewayTimeout),
    case("nginx", "/hangup/cart", 502, Kind::BadGateway),
    case("apache", "/dead/cart", 503, Kind::ServiceUnavailable),
    case("apache", "/slow/cart", 502, Kind::BadGateway),
    case("apache", "/hangup/cart", 502, Kind::BadGateway),
    case("haproxy", "/dead/cart", 503, Kind::ServiceUnavailable),
    case("haproxy", "/slow/cart", 504, Kind::GatewayTimeout),
    case("haproxy", "/hangup/cart", 502, Kind::BadGateway),
    Case {
        headers_kind: Some(Kind::ServiceUnavailable),
        ..case("varnish", "/dead/cart", 503, Kind::BadGateway)
    },
    Case {
        headers_kind: Some(Kind::ServiceUnavailable),
        ..case("varnish", "/slow/cart", 503, Kind::BadGateway)
    },
    Case {
        headers_kind: Some(Kind::ServiceUnavailable),
        ..case("varnish", "/hangup/cart", 503, Kind::BadGateway)
    },
    case("squid", "/dead/cart", 502, Kind::BadGateway),
    case("squid", "/slow/cart", 504, Kind::GatewayTimeout),
    case("squid", "/hangup/cart", 502, Kind::BadGateway),
    case("lighttpd", "/dead/cart", 503, Kind::ServiceUnavailable),
    case("lighttpd", "/slow/cart", 504, Kind::GatewayTimeout),
    Case {
        side: Side::Origin,
        ..case("lighttpd", "/hangup/cart", 500, Kind::InternalServerError)
    },
    case("trafficserver", "/dead/cart", 502, Kind::BadGateway),
    case("trafficserver", "/slow/cart", 504, Kind::GatewayTimeout),
    case("trafficserver", "/hangup/cart", 502, Kind::BadGateway),
    case("h2o", "/dead/cart", 502, Kind::BadGateway),
    case("h2o", "/slow/cart", 502, Kind::BadGateway),
    case("h2o", "/hangup/cart", 502, Kind::BadGateway),
    case("caddy", "/dead/cart", 502, Kind::BadGateway),
    case("caddy", "/slow/cart", 504, Kind::GatewayTimeout),
    case("caddy", "/hangup/cart", 502, Kind::BadGateway),
    Case {
        side: Side::Origin,
        ..case("tomcat", "/dead/cart.jsp", 500, Kind::InternalServerError)
    },
    case("tomcat", "/slow/cart.jsp", 503, Kind::ServiceUnavailable),
];

/// Starts the gateway and asks it every one of its cases, all at once; the gateway is stopped
/// (on drop) even when this panics.
fn run(known: &Known, upstreams: &Upstreams) -> (Gateway, Vec<(&'static Case, Captured)>) {
    let gateway = (known.start)(upstreams);
    assert_eq!(gateway.name, known.name);
    let answers = thread::scope(|scope| {
        let asked: Vec<_> = CASES
            .iter()
            .filter(|c| c.gateway == known.name)
            .map(|c| (c, scope.spawn(|| gateways::get(gateway.port, c.path))))
            .collect();
        asked
            .into_iter()
            .map(|(c, answer)| {
                let captured = answer
                    .join()
                    .unwrap_or_else(|panic| panic!("GET {}: {}", c.path, panic_text(&*panic)));
                (c, captured)
            })
            .collect()
    });
    (gateway, answers)
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
        .unwrap_or_default()
}

#[test]
fn pages_from_real_gateways_name_the_gateway_and_the_failure() {
    let upstreams = Upstreams::start();
    // All at once: one after the other, they would take the sum of their start-ups and of
    // their upstreams' timeouts.
    let results: Vec<_> = thread::scope(|scope| {
        let handles: Vec<_> = KNOWN
            .iter()
            .map(|known| (known, scope.spawn(|| run(known, &upstreams))))
            .collect();
        handles
            .into_iter()
            .map(|(known, h)| (known, h.join()))
            .collect()
    });
    let mut running = Vec::new();
    let mut failed = Vec::new();
    for (known, result) in results {
        match result {
            Ok((gateway, answers)) => running.push((known, gateway, answers)),
            Err(panic) => failed.push(format!("{}: {}", known.name, panic_text(&*panic))),
        }
    }
    // Stopped together too: Squid and Tomcat take a moment each.
    let stop_all = |running: Vec<(&Known, Gateway, _)>| {
        thread::scope(|scope| {
            for (_, gateway, _) in running {
                scope.spawn(move || drop(gateway));
            }
        });
    };
    if !failed.is_empty() {
        stop_all(running);
        panic!("gateways that did not answer:\n{}", failed.join("\n"));
    }

    let mut checked = 0;
    for (known, gateway, answers) in &running {
        for (case, captured) in answers {
            let what = format!("{} {}", gateway.name, case.path);
            assert_eq!(captured.status, case.status, "{what}: {}", captured.body);

            let full = diagnose(&incident(captured, true));
            // What session storage keeps of the page tells the same story.
            let mut compacted = incident(captured, true);
            compacted.page_excerpt = Some(gateway_doctor::page_excerpt::compact(&captured.body));
            assert_eq!(
                format!("{full:?}"),
                format!("{:?}", diagnose(&compacted)),
                "{what}"
            );
            assert_eq!(full.kind, case.kind, "{what}");
            assert_eq!(
                full.generator,
                Some(known.generator),
                "{what}: {}",
                captured.body
            );
            assert_eq!(full.side, case.side, "{what}");
            assert_eq!(full.fixer, Fixer::SiteOwner, "{what}");
            assert!(full.likely_temporary, "{what}");
            assert_eq!(full.page_title.is_some(), known.titled, "{what}");

            // Without the page (Chromium before it is read), the headers still carry the kind.
            let headers_only = diagnose(&incident(captured, false));
            let kind = case.headers_kind.unwrap_or(case.kind);
            assert_eq!(headers_only.kind, kind, "{what} (headers only)");
            let expected = known.by_headers.then_some(known.generator);
            assert_eq!(headers_only.generator, expected, "{what} (headers only)");
            checked += 1;
        }
    }
    stop_all(running);
    assert_eq!(checked, CASES.len());
}
