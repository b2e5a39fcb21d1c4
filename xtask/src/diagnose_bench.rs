//! Native timing of the diagnosis on a 64 KB error page: the worst case, where no marker is
//! found early and every search runs over the whole scanned prefix.

use gateway_doctor::diagnosis::diagnose;
use gateway_doctor::failure::Failure;
use gateway_doctor::incident::{HeaderDetails, Incident, RequestDetails};
use std::hint::black_box;
use std::time::Instant;

pub struct Figures {
    pub median_us: f64,
    pub worst_us: f64,
    pub runs: usize,
}

pub fn run() -> Figures {
    let padding = "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n".repeat(1100);
    let page =
        format!("<html><head><title>502 Bad Gateway</title></head><body>{padding}</body></html>");
    let page = page[..64 * 1024].to_string();
    let headers = [
        ("server", "cloudflare"),
        ("cf-ray", "8f1c2a3b4c5d6e7f-FRA"),
        ("content-type", "text/html"),
    ]
    .map(|(name, value)| (name.to_string(), value.to_string()));
    let incident = incident_for(502, &headers, Some(page));
    for _ in 0..50 {
        black_box(diagnose(black_box(&incident)));
    }
    let runs = 500;
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            black_box(diagnose(black_box(&incident)));
            started.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    Figures {
        median_us: times[runs / 2],
        worst_us: times[runs - 1],
        runs,
    }
}

#[path = "../../tests/fixtures/reader.rs"]
mod reader;

/// The catalogue over the project's own fixtures (`tests/boxes.rs` fails on any miss; the bench
/// prints the figures).
pub struct Coverage {
    pub boxes: usize,
    pub boxes_with_fixture: usize,
    pub fixtures: usize,
    pub named: usize,
    pub wrong: Vec<String>,
    pub unnamed: Vec<String>,
    pub references: usize,
    pub references_found: usize,
}

pub fn coverage(root: &std::path::Path) -> Result<Coverage, String> {
    use gateway_doctor::diagnosis::fingerprint::Generator;
    let fixtures = reader::read_all(&root.join("tests/fixtures/boxes"))?;
    let mut coverage = Coverage {
        boxes: Generator::ALL.len(),
        boxes_with_fixture: Generator::ALL
            .into_iter()
            .filter(|g| fixtures.iter().any(|f| f.get("box") == Some(g.id())))
            .count(),
        fixtures: fixtures.len(),
        named: 0,
        wrong: Vec::new(),
        unnamed: Vec::new(),
        references: 0,
        references_found: 0,
    };
    for fixture in &fixtures {
        let body = (!fixture.body.is_empty()).then(|| fixture.body.clone());
        let diagnosis = diagnose(&incident_for(fixture.status, &fixture.headers, body));
        let named = diagnosis.generator.map_or("none", |g| g.id());
        match fixture.get("box") {
            Some(expected) if expected == named => coverage.named += 1,
            Some(_) if named == "none" => coverage.unnamed.push(fixture.name.clone()),
            _ => coverage.wrong.push(format!("{} ({named})", fixture.name)),
        }
        for reference in fixture.all("ref") {
            coverage.references += 1;
            let value = reference.split_once('=').map_or("", |(_, v)| v);
            if diagnosis.references.iter().any(|r| r.value == value) {
                coverage.references_found += 1;
            }
        }
    }
    Ok(coverage)
}

/// The incident the browser layer would make of this answer (`Incident::from_details`).
fn incident_for(status: u16, headers: &[(String, String)], page: Option<String>) -> Incident {
    let details = RequestDetails {
        url: "https://shop.example/cart".into(),
        method: Some("GET".into()),
        status_code: Some(status),
        response_headers: Some(
            headers
                .iter()
                .map(|(name, value)| HeaderDetails {
                    name: name.clone(),
                    value: Some(value.clone()),
                })
                .collect(),
        ),
        ..RequestDetails::default()
    };
    Incident {
        page_excerpt: page,
        ..Incident::from_details(&details, Failure::Http { status })
    }
}
