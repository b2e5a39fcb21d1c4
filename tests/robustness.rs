//! Property tests: any headers and any page bytes are diagnosed without a panic, with bounded
//! output, and only a bounded prefix of the page is ever scanned.

use gateway_doctor::diagnosis::diagnose;
use gateway_doctor::diagnosis::page::MAX_SCAN;
use gateway_doctor::failure::Failure;
use gateway_doctor::incident::Incident;
use gateway_doctor::view::incident::incident_view;

/// A small deterministic generator (xorshift64*), so every run checks the same cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    /// Mostly the interesting pieces (markers, separators, entities), sometimes random bytes.
    fn text(&mut self, max: usize) -> String {
        const PIECES: &[&str] = &[
            "cf-ray",
            "server",
            "cloudflare",
            "Ray ID:",
            "XID:",
            "Reference #",
            "&#",
            "&#x",
            ";",
            "&amp",
            "<",
            ">",
            "<title",
            "</title>",
            "id=\"cf-host-status\"",
            "cf-error-source",
            "-",
            "--",
            ":",
            "nginx",
            "<center>",
            "Guru Meditation",
            "Request ID:",
            "é",
            "\u{202e}",
            "\u{0}",
            "\r\n",
            "  ",
            "9999999999999999999999",
            "GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "wp-content",
        ];
        let len = self.below(max + 1);
        let mut out = String::new();
        while out.len() < len {
            if self.below(4) == 0 {
                let bytes: Vec<u8> = (0..self.below(16)).map(|_| self.next() as u8).collect();
                out.push_str(&String::from_utf8_lossy(&bytes));
            } else {
                out.push_str(self.pick(PIECES));
            }
        }
        out
    }
}

const HEADER_NAMES: &[&str] = &[
    "server",
    "Server",
    "cf-ray",
    "via",
    "x-varnish",
    "x-served-by",
    "x-amz-cf-id",
    "x-amz-cf-pop",
    "retry-after",
    "x-vercel-error",
    "x-vercel-id",
    "x-powered-by",
    "link",
    "x-render-routing",
    "fly-request-id",
    "x-sucuri-id",
    "x-nf-request-id",
    "rndr-id",
    "x-fastly-request-id",
    "",
];

#[test]
fn any_headers_and_page_bytes_are_diagnosed_without_panic_and_with_bounded_output() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..3000 {
        let headers = (0..rng.below(12))
            .map(|_| (rng.pick(HEADER_NAMES).to_string(), rng.text(300)))
            .collect();
        let status = 500 + rng.below(100) as u16;
        let incident = Incident {
            url: format!("http://{}/", rng.text(40)),
            host: rng.text(40),
            failure: Failure::Http { status },
            status_line: Some(rng.text(80)),
            server_ip: Some(rng.text(20)),
            error_name: None,
            method: rng.text(6),
            at_ms: rng.next() as f64,
            headers,
            page_excerpt: (rng.below(3) > 0)
                .then(|| rng.text(if round % 100 == 0 { 200_000 } else { 4_000 })),
            from_cache: false,
            url_hash: None,
            latest_at_ms: 0.0,
            retry_stopped: None,
            verdict: None,
        };
        let diagnosis = diagnose(&incident);
        for reference in &diagnosis.references {
            assert!(reference.value.len() <= 96, "{reference:?}");
            assert!(
                reference.value.chars().all(|c| c.is_ascii_graphic()),
                "{reference:?}"
            );
        }
        assert!(diagnosis.clues.iter().all(|c| c.detail.len() <= 200));
        assert!(diagnosis.page_title.as_ref().is_none_or(|t| t.len() <= 200));
        let view = incident_view(&incident);
        assert!(!view.steps.is_empty());
    }
}

#[test]
fn only_a_bounded_prefix_of_a_huge_page_is_scanned() {
    let filler = "x".repeat(MAX_SCAN);
    let huge = format!(
        "{filler}<center>nginx</center> Cloudflare Ray ID: abc {}",
        "y".repeat(10_000_000)
    );
    let incident = Incident {
        url: "http://a/".into(),
        host: "a".into(),
        failure: Failure::Http { status: 502 },
        status_line: None,
        server_ip: None,
        error_name: None,
        method: "GET".into(),
        at_ms: 0.0,
        headers: Vec::new(),
        page_excerpt: Some(huge),
        from_cache: false,
        url_hash: None,
        latest_at_ms: 0.0,
        retry_stopped: None,
        verdict: None,
    };
    let d = diagnose(&incident);
    assert_eq!(d.generator, None, "a marker past the scan limit was seen");
    assert!(d.references.is_empty());
    let mut near = incident.clone();
    near.page_excerpt = Some("<center>nginx</center>".into());
    assert!(diagnose(&near).generator.is_some());
}
