//! Fuzz targets over the checker service (`gateway-doctor-www`): the request a client sends,
//! and the host, port and query of a check. (The answer a probed server sends back is read by
//! hyper's client.) Also compiled into `www/tests/fuzz_corpus.rs`.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr};

use gateway_doctor_www::parsers::{
    parse_params, parse_port, parse_query, parse_request, percent_decode, read_head, Host,
    MAX_REQUEST_HEAD,
};

/// Hands out the input a few bytes at a time, as TCP may deliver it.
struct Pieces<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// What the server makes of a connection's bytes.
#[derive(Debug, PartialEq, Eq)]
enum Served {
    /// Closed (or timed out) before a whole head: no answer.
    Nothing,
    /// Answered with this error status.
    Refused(u16),
    Request {
        head: Vec<u8>,
        method: String,
        path: String,
        query: Option<String>,
    },
}

fn serve(data: &[u8], step: usize) -> Served {
    let head = match read_head(&mut Pieces { data, step }) {
        Ok(head) => head,
        Err(None) => return Served::Nothing,
        Err(Some(response)) => return Served::Refused(response.status),
    };
    assert!(
        data.starts_with(&head),
        "the head is not a prefix of what came"
    );
    assert!(head.ends_with(b"\n\n") || head.ends_with(b"\r\n\r\n"));
    let peer = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    match parse_request(&head, peer) {
        Ok(request) => Served::Request {
            head,
            method: request.method,
            path: request.path,
            query: request.query,
        },
        Err(response) => Served::Refused(response.status),
    }
}

/// The bytes a client sends the checker. However they arrive, they are read the same; an
/// accepted request line is clean (upper-case method, an origin-form path, no fragment, no
/// space or control byte).
pub fn request(data: &[u8]) {
    let whole = serve(data, usize::MAX);
    for step in [1, 5, 64] {
        assert_eq!(serve(data, step), whole, "read {step} bytes at a time");
    }
    match whole {
        Served::Nothing => {}
        Served::Refused(status) => assert!(matches!(status, 400 | 431), "{status}"),
        Served::Request {
            head,
            method,
            path,
            query,
        } => {
            assert!(head.len() <= MAX_REQUEST_HEAD);
            assert!(!method.is_empty() && method.bytes().all(|b| b.is_ascii_uppercase()));
            assert!(path.starts_with('/') && !path.contains('?'), "{path:?}");
            for part in [Some(&path), query.as_ref()].into_iter().flatten() {
                assert!(
                    !part.bytes().any(|b| b <= b' ' || b == 0x7f || b == b'#'),
                    "{part:?}"
                );
            }
        }
    }
}

/// What a check names: the input as a `host=` value, a `port=` value and a whole query.
/// Whatever is accepted is shown in a form that reads back the same.
pub fn host(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(host) = Host::parse(&text) {
        if let Host::Name(name) = &host {
            assert!(!name.is_empty() && name.len() <= 253, "{name:?}");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b)),
                "{name:?}"
            );
        }
        assert_eq!(Host::parse(&host.to_string()), Ok(host));
    }
    if let Ok(port) = parse_port(&text) {
        assert!(port >= 1);
        assert_eq!(parse_port(&port.to_string()), Ok(port));
    }
    for plus_is_space in [false, true] {
        if let Some(decoded) = percent_decode(&text, plus_is_space) {
            let encoded = encode(&decoded);
            assert_eq!(percent_decode(&encoded, plus_is_space), Some(decoded));
        }
    }
    if let Some(pairs) = parse_query(&text) {
        let again: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        assert_eq!(parse_query(&again.join("&")), Some(pairs));
    }
    if let Ok((scheme, host, port)) = parse_params(&text) {
        let again = format!(
            "scheme={}&host={}&port={port}",
            scheme.as_str(),
            encode(&host.to_string())
        );
        assert_eq!(parse_params(&again), Ok((scheme, host, port)), "{again}");
    }
}

/// Every byte but RFC 3986's unreserved characters, percent-encoded.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
