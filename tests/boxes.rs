//! Every box of the catalogue against its fixtures (`tests/fixtures/boxes/*.http`): real
//! captures where Debian ships the software, pages rebuilt from the software's own templates or
//! documentation otherwise, each citing its source. A fixture is `# key: value` lines, then the
//! raw response (status line, headers, blank line, body). Each runs whole, body only and headers
//! only; the page also runs compacted as session storage keeps it. Optional keys: `failure` (the
//! diagnosed kind), `ref` (kind=value, repeatable), `edge`, `body-only` and `headers-only` (the
//! box named from that part alone, or "none").
#![allow(clippy::expect_used, clippy::unwrap_used)]

use gateway_doctor::diagnosis::fingerprint::Generator;
use gateway_doctor::diagnosis::{diagnose, Diagnosis};
use gateway_doctor::failure::Failure;
use gateway_doctor::incident::{is_kept_header, Incident};
use gateway_doctor::view::owner::owner_checklist;
use std::collections::BTreeSet;
use std::path::PathBuf;

#[path = "fixtures/reader.rs"]
mod reader;

fn fixtures() -> Vec<reader::Fixture> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/boxes");
    reader::read_all(&dir).expect("fixtures")
}

fn incident(status: u16, headers: &[(String, String)], body: Option<&str>) -> Incident {
    Incident {
        url: "https://shop.example/cart".into(),
        host: "shop.example".into(),
        failure: Failure::Http { status },
        status_line: None,
        server_ip: None,
        error_name: None,
        method: "GET".into(),
        at_ms: 1_795_600_000_000.0,
        headers: headers.to_vec(),
        page_excerpt: body.map(str::to_string),
        from_cache: false,
        url_hash: None,
        latest_at_ms: 0.0,
        retry_stopped: None,
        verdict: None,
    }
}

/// Diagnoses, checking that the compacted page and the stored headers tell the same story.
fn run(status: u16, headers: &[(String, String)], body: Option<&str>, what: &str) -> Diagnosis {
    let full = diagnose(&incident(status, headers, body));
    let compacted = body.map(gateway_doctor::page_excerpt::compact);
    let stored_headers: Vec<(String, String)> = headers
        .iter()
        .filter(|(n, _)| is_kept_header(n))
        .cloned()
        .collect();
    let stored = diagnose(&incident(status, &stored_headers, compacted.as_deref()));
    assert_eq!(
        format!("{full:?}"),
        format!("{stored:?}"),
        "{what}: stored incident differs"
    );
    full
}

fn named(d: &Diagnosis) -> String {
    d.generator
        .map_or("none".to_string(), |g| g.id().to_string())
}

#[test]
fn every_fixture_names_its_box_side_fixer_and_references() {
    let all = fixtures();
    assert!(all.len() >= 40, "only {} fixtures", all.len());
    for f in &all {
        let what = &f.name;
        assert!(
            f.get("source").is_some_and(|s| s.len() > 20),
            "{what}: cite a source"
        );
        let body = (!f.body.is_empty()).then_some(f.body.as_str());
        let d = run(f.status, &f.headers, body, what);
        let expected = f.get("box").expect("box");
        assert_eq!(named(&d), expected, "{what}: {:?}", d.clues);
        if let Some(g) = d.generator {
            assert_eq!(
                Some(format!("{:?}", g.kind()).as_str()),
                f.get("kind"),
                "{what}"
            );
            assert!(!d.clues.is_empty(), "{what}: no evidence given");
            assert!(
                d.clues.iter().all(|c| !c.detail.trim().is_empty()),
                "{what}: an empty clue in {:?}",
                d.clues
            );
        }
        assert_eq!(
            d.edge.map(|g| g.id()),
            f.get("edge"),
            "{what}: edge {:?}",
            d.edge
        );
        assert_eq!(
            Some(format!("{:?}", d.side).as_str()),
            f.get("side"),
            "{what}"
        );
        if let Some(failure) = f.get("failure") {
            assert_eq!(format!("{:?}", d.kind), failure, "{what}");
        }
        assert_eq!(
            Some(format!("{:?}", d.fixer).as_str()),
            f.get("fixer"),
            "{what}"
        );
        for reference in f.all("ref") {
            let (kind, value) = reference.split_once('=').expect("kind=value");
            let found = d.references.iter().find(|r| {
                serde_json::to_value(r.kind).unwrap() == serde_json::Value::String(kind.into())
            });
            assert_eq!(
                found.map(|r| r.value.as_str()),
                Some(value),
                "{what}: {kind} in {:?}",
                d.references
            );
        }
        // The owner's list names the box and ends with the general advice.
        let list = owner_checklist(&d);
        if let Some(g) = d.generator {
            assert!(
                list.heading
                    .as_ref()
                    .is_some_and(|h| h.args.first().map(String::as_str) == Some(g.name())),
                "{what}: {:?}",
                list.heading
            );
        }
        if let Some(expected) = f.get("body-only") {
            let d = run(f.status, &[], body, what);
            assert_eq!(named(&d), expected, "{what} (body only): {:?}", d.clues);
        }
        if let Some(expected) = f.get("headers-only") {
            let d = run(f.status, &f.headers, None, what);
            assert_eq!(named(&d), expected, "{what} (headers only): {:?}", d.clues);
        }
    }
}

#[test]
fn every_box_has_a_fixture_and_the_catalogue_is_sound() {
    let all = fixtures();
    let covered: BTreeSet<&str> = all.iter().filter_map(|f| f.get("box")).collect();
    assert!(Generator::ALL.len() >= 40, "{} boxes", Generator::ALL.len());
    for g in Generator::ALL {
        assert!(covered.contains(g.id()), "no fixture names {}", g.id());
        assert_eq!(Generator::from_id(g.id()), Some(g));
        let entry = g.entry();
        assert!(!entry.name.is_empty() && !entry.vendor.is_empty());
        for marker in entry.headers {
            assert!(
                is_kept_header(marker.name),
                "{}: {} not kept",
                g.id(),
                marker.name
            );
        }
    }
}

/// Every owner checklist key the catalogue uses exists in both locales.
#[test]
fn catalogue_checks_have_english_and_german_texts() {
    for lang in ["en", "de"] {
        let path = format!(
            "{}/extension/_locales/{lang}/messages.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let messages: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for g in Generator::ALL {
            let e = g.entry();
            for check in e
                .checks
                .iter()
                .chain(e.checks_bad_gateway)
                .chain(e.checks_timeout)
                .chain(e.checks_unavailable)
            {
                let text = messages[check.key]["message"].as_str();
                assert!(text.is_some(), "{lang}: {} ({})", check.key, g.id());
                assert_eq!(
                    text.unwrap().contains("$1"),
                    check.named,
                    "{lang}: {} takes the box name exactly when marked (box)",
                    check.key
                );
            }
        }
        assert!(messages["ownerStatusPage"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("$1") && m.contains("$2")));
    }
}

/// No generic phrase names a box by itself, whatever surrounds it, with or without a generic
/// Server-less set of headers: a simple generator over phrases, wrappings and statuses.
#[test]
fn generic_phrases_alone_name_no_box() {
    const PHRASES: &[&str] = &[
        "Bad Gateway",
        "Service Unavailable",
        "Service Temporarily Unavailable",
        "Gateway Timeout",
        "Gateway Time-out",
        "Internal Server Error",
        "502",
        "503",
        "504",
        "500",
        "Error",
        "Server Error",
        "connection failed",
        "Connection refused",
        "upstream",
        "proxy",
        "Request ID: 1234",
        "Reference #1234",
        "XID: 1234",
    ];
    let wrappings: [fn(&str) -> String; 6] = [
        |p| p.to_string(),
        |p| format!("<html><head><title>{p}</title></head><body><h1>{p}</h1></body></html>"),
        |p| format!("<center><h1>{p}</h1></center><hr>"),
        |p| format!("{{\"message\":\"{p}\"}}"),
        |p| format!("<!DOCTYPE html><title>{p}</title><p>{p}."),
        |p| format!("{p}\n\n{p}\n"),
    ];
    let header_sets: [&[(&str, &str)]; 3] = [
        &[],
        &[("content-type", "text/html"), ("x-request-id", "abc")],
        &[("cache-control", "no-store"), ("retry-after", "5")],
    ];
    // A small deterministic generator: pairs of phrases too, in every order.
    let mut inputs = Vec::new();
    for a in PHRASES {
        inputs.push(a.to_string());
        for b in PHRASES {
            inputs.push(format!("{a} {b}"));
        }
    }
    let mut checked = 0;
    for input in &inputs {
        for wrap in wrappings {
            let page = wrap(input);
            for headers in header_sets {
                let headers: Vec<(String, String)> = headers
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_string()))
                    .collect();
                for status in [500, 502, 503, 504] {
                    let d = run(status, &headers, Some(&page), &page);
                    assert_eq!(d.generator, None, "{page:?} named {:?}", d.generator);
                    assert_eq!(d.edge, None, "{page:?}");
                    assert!(d.references.is_empty(), "{page:?}: {:?}", d.references);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 10_000);
}

fn box_of(status: u16, headers: &[(&str, &str)], page: Option<&str>) -> (String, Option<String>) {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let d = run(status, &headers, page, "look-alike");
    (named(&d), d.edge.map(|g| g.id().to_string()))
}

/// What, status, headers, page, the box expected, the edge expected.
type LookAlike = (
    &'static str,
    u16,
    Vec<(&'static str, &'static str)>,
    Option<String>,
    &'static str,
    Option<&'static str>,
);

/// Boxes whose pages or headers look alike are told apart, and a box that passed a page on is
/// the edge, not the writer.
#[test]
fn look_alikes_are_told_apart() {
    let nginx_page = |footer: &str| {
        format!("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>{footer}</center></body></html>")
    };
    let alb_page = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>";
    let cases: Vec<LookAlike> = vec![
        // Fastly's page is Varnish-shaped and its responses say Via: varnish.
        ("fastly page", 503, vec![], Some("<h3>Guru Mediation:</h3><p>Details: cache-fra19143-FRA 1 2</p><p>Varnish cache server</p>".into()), "fastly", None),
        ("fastly headers", 503, vec![("via", "1.1 varnish"), ("x-served-by", "cache-fra19143-FRA")], None, "fastly", None),
        ("varnish page", 503, vec![("via", "1.1 varnish (Varnish/7.1)")], Some("<h3>Guru Meditation:</h3><p>XID: 3</p>".into()), "varnish", None),
        ("openresty", 502, vec![], Some(nginx_page("openresty")), "openresty", None),
        ("nginx", 502, vec![], Some(nginx_page("nginx/1.22.1")), "nginx", None),
        ("openresty header", 502, vec![("server", "openresty")], None, "openresty", None),
        ("pound", 503, vec![], Some("<h1>Service Unavailable</h1><p>The service is not available. Please try again later.</p>".into()), "pound", None),
        ("apache 503", 503, vec![], Some("<p>The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later.</p><hr><address>Apache/2.4.62 (Debian) Server at shop.example Port 80</address>".into()), "apache", None),
        ("alb", 502, vec![("server", "awselb/2.0")], Some(alb_page.into()), "aws_elb", None),
        ("nginx behind alb", 502, vec![("server", "nginx")], Some(nginx_page("nginx")), "nginx", None),
        ("knative", 504, vec![("server", "envoy")], Some("activator request timeout".into()), "knative", None),
        ("envoy", 504, vec![("server", "envoy")], Some("upstream request timeout".into()), "envoy", None),
        ("app gateway", 502, vec![], Some(nginx_page("Microsoft-Azure-Application-Gateway/v2")), "azure_app_gateway", None),
        ("nginx behind cloudflare", 502, vec![("server", "cloudflare"), ("cf-ray", "8f1c2a3b4c5d6e7f-FRA")], Some(nginx_page("nginx")), "nginx", Some("cloudflare")),
        ("heroku behind cloudflare", 503, vec![("cf-ray", "8f1c2a3b4c5d6e7f-FRA"), ("via", "1.1 vegur")], None, "heroku", Some("cloudflare")),
        ("nginx behind cloudfront", 502, vec![("server", "nginx"), ("x-amz-cf-id", "abc"), ("x-cache", "Error from cloudfront")], None, "nginx", Some("cloud_front")),
        ("kong page behind fastly", 502, vec![("x-served-by", "cache-fra19143-FRA"), ("via", "1.1 varnish")], Some("{\"message\":\"An invalid response was received from the upstream server\"}".into()), "kong", Some("fastly")),
        ("tomcat coyote not apache", 503, vec![("server", "Apache-Coyote/1.1")], None, "tomcat", None),
        ("apache httpd", 503, vec![("server", "Apache/2.4.62 (Debian)")], None, "apache", None),
        ("tomcat not apache", 503, vec![], Some("<h1>HTTP Status 503 – Service Unavailable</h1><h3>Apache Tomcat/10.1.16</h3>".into()), "tomcat", None),
        ("cloud run not envoy", 504, vec![("server", "Google Frontend")], Some("upstream request timeout".into()), "cloud_run", None),
    ];
    for (what, status, headers, page, expected, edge) in cases {
        let (generator, found_edge) = box_of(status, &headers, page.as_deref());
        assert_eq!(generator, expected, "{what}");
        assert_eq!(found_edge.as_deref(), edge, "{what}");
    }
}

/// The ids a page carries are read from the page alone too (a browser that could not read the
/// headers): CloudFront's "Request ID:", Fastly's "Details: cache-...", Kong's request_id,
/// Varnish's XID, Akamai's reference and Vercel's plain-text code and id.
#[test]
fn page_references_without_headers() {
    let cases = [
        (
            "cloud_front-502",
            "cloud_front_request_id",
            "Xk3j9_aBcD-eFgH==",
        ),
        (
            "fastly-first-byte-timeout",
            "fastly_cache_node",
            "cache-fra19143-FRA",
        ),
        ("fastly-first-byte-timeout", "fastly_pop", "FRA"),
        ("kong-502", "kong_request_id", "4b5e1c0a2f3d4e5f6a7b8c9d"),
        ("varnish-dead", "varnish_xid", "3"),
        (
            "akamai-503",
            "akamai_reference",
            "18.5f3c1002.1700000000.2b1c3d4",
        ),
        (
            "vercel-504-text",
            "vercel_error_code",
            "FUNCTION_INVOCATION_TIMEOUT",
        ),
        (
            "vercel-504-text",
            "vercel_id",
            "fra1::abcde-1700000000000-0123456789ab",
        ),
        ("cloudflare-522", "cloudflare_ray_id", "8f1c2a3b4c5d6e7f"),
        (
            "imperva-503",
            "imperva_incident_id",
            "1234000560123456789-987654321",
        ),
    ];
    let all = fixtures();
    for (name, kind, value) in cases {
        let f = all.iter().find(|f| f.name == name).expect(name);
        let d = run(f.status, &[], Some(&f.body), name);
        let found = d.references.iter().find(|r| {
            serde_json::to_value(r.kind).unwrap() == serde_json::Value::String(kind.into())
        });
        assert_eq!(
            found.map(|r| r.value.as_str()),
            Some(value),
            "{name}: {:?}",
            d.references
        );
    }
}
