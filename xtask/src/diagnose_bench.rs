//! Native timing of the diagnosis on a 64 KB error page: the worst case, where no marker is
//! found early and every search runs over the whole scanned prefix.

use gateway_doctor::diagnosis::diagnose;
use gateway_doctor::failure::Failure;
use gateway_doctor::incident::Incident;
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
    let incident = Incident {
        url: "https://shop.example/cart".into(),
        host: "shop.example".into(),
        failure: Failure::Http { status: 502 },
        status_line: Some("HTTP/1.1 502 Bad Gateway".into()),
        server_ip: Some("203.0.113.7".into()),
        error_name: None,
        method: "GET".into(),
        at_ms: 0.0,
        headers: vec![
            ("server".into(), "cloudflare".into()),
            ("cf-ray".into(), "8f1c2a3b4c5d6e7f-FRA".into()),
            ("content-type".into(), "text/html".into()),
        ],
        page_excerpt: Some(page),
        from_cache: false,
        url_hash: None,
        latest_at_ms: 0.0,
        retry_stopped: None,
    };
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

/// How much of the catalogue the fixtures cover: boxes named, fixtures, boxes with a fixture.
pub struct Coverage {
    pub boxes: usize,
    pub fixtures: usize,
    pub boxes_with_fixture: usize,
}

/// Reads the `# box:` line of every fixture in `tests/fixtures/boxes` (`tests/boxes.rs` checks
/// that each is named right; this only counts).
pub fn coverage(root: &std::path::Path) -> std::io::Result<Coverage> {
    use gateway_doctor::diagnosis::fingerprint::Generator;
    let mut fixtures = 0;
    let mut covered = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(root.join("tests/fixtures/boxes"))? {
        let text = std::fs::read_to_string(entry?.path())?;
        fixtures += 1;
        for line in text.lines().take_while(|l| l.starts_with('#')) {
            if let Some(id) = line.strip_prefix("# box:") {
                covered.insert(id.trim().to_string());
            }
        }
    }
    let boxes = Generator::ALL.len();
    let boxes_with_fixture = Generator::ALL
        .into_iter()
        .filter(|g| covered.contains(g.id()))
        .count();
    Ok(Coverage {
        boxes,
        fixtures,
        boxes_with_fixture,
    })
}
