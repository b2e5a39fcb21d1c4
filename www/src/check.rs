//! The outbound probe: resolve once, connect to an already-vetted address, send one HEAD
//! (or GET after a 405/501) for `/`, and read no more than the status line of the answer.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use crate::deadline::DeadlineStream;
use crate::target::{Host, Scheme};

pub const USER_AGENT: &str = concat!("GatewayDoctorChecker/", env!("CARGO_PKG_VERSION"));

/// The most bytes read from a target before its final status line must have been seen.
pub const MAX_RESPONSE_HEAD: usize = 16 * 1024;

/// Name lookups running at once (a lookup that outlives its check keeps its thread).
const MAX_LOOKUPS: usize = 64;

/// Addresses tried, in resolver order, before giving up.
const MAX_ADDRESSES: usize = 4;

/// Why a check found the target down, as the short machine code the API returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The name did not resolve (or not in time).
    Dns,
    Refused,
    Timeout,
    Reset,
    /// No route to the host or network.
    Unreachable,
    /// The connection closed before any byte of an answer.
    Empty,
    /// TLS handshake failed, including an untrusted or mismatched certificate.
    Tls,
    /// Bytes came back, but not an HTTP/1.x status line within the size limit.
    BadResponse,
    /// Anything else the network stack reported.
    Network,
}

impl Failure {
    pub fn code(self) -> &'static str {
        match self {
            Failure::Dns => "dns",
            Failure::Refused => "refused",
            Failure::Timeout => "timeout",
            Failure::Reset => "reset",
            Failure::Unreachable => "unreachable",
            Failure::Empty => "empty",
            Failure::Tls => "tls",
            Failure::BadResponse => "bad_response",
            Failure::Network => "network",
        }
    }

    fn from_io(e: &io::Error) -> Failure {
        use io::ErrorKind as K;
        match e.kind() {
            K::ConnectionRefused => Failure::Refused,
            K::TimedOut | K::WouldBlock => Failure::Timeout,
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => Failure::Reset,
            K::HostUnreachable | K::NetworkUnreachable | K::AddrNotAvailable => {
                Failure::Unreachable
            }
            K::UnexpectedEof => Failure::Empty,
            K::InvalidData => Failure::Tls,
            _ => Failure::Network,
        }
    }
}

#[derive(Debug)]
pub enum ResolveError {
    Failed(Failure),
    /// Too many lookups in flight: try again shortly.
    Busy,
}

/// Every address `host` resolves to, looked up once. IP literals are not looked up.
pub fn resolve(host: &Host, port: u16, deadline: Instant) -> Result<Vec<SocketAddr>, ResolveError> {
    static LOOKUPS: AtomicUsize = AtomicUsize::new(0);
    let name = match host {
        Host::Ip(ip) => return Ok(vec![SocketAddr::new(*ip, port)]),
        Host::Name(name) => name.clone(),
    };
    if LOOKUPS.fetch_add(1, Ordering::SeqCst) >= MAX_LOOKUPS {
        LOOKUPS.fetch_sub(1, Ordering::SeqCst);
        return Err(ResolveError::Busy);
    }
    // The system resolver has no timeout of its own: run it on a thread and stop waiting at
    // the deadline.
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("lookup".into())
        .spawn(move || {
            let found = (name.as_str(), port)
                .to_socket_addrs()
                .map(|addrs| addrs.collect::<Vec<_>>());
            LOOKUPS.fetch_sub(1, Ordering::SeqCst);
            let _ = tx.send(found);
        });
    if spawned.is_err() {
        LOOKUPS.fetch_sub(1, Ordering::SeqCst);
        return Err(ResolveError::Busy);
    }
    let wait = deadline.saturating_duration_since(Instant::now());
    match rx.recv_timeout(wait) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        _ => Err(ResolveError::Failed(Failure::Dns)),
    }
}

/// What one probe saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The final HTTP status, when one came back.
    pub status: Option<u16>,
    /// The address the last connection attempt went to.
    pub address: Option<IpAddr>,
    pub failure: Option<Failure>,
}

/// Probes `scheme://host:port/` through `addrs` (already vetted by the caller), finishing
/// by `deadline` whatever the target does.
pub fn probe(
    scheme: Scheme,
    host: &Host,
    port: u16,
    addrs: &[SocketAddr],
    deadline: Instant,
) -> Outcome {
    let authority = host.authority(port, scheme);
    let (stream, address) = match connect(addrs, deadline) {
        Ok(found) => found,
        Err((failure, address)) => {
            return Outcome {
                status: None,
                address,
                failure: Some(failure),
            }
        }
    };
    let mut result = exchange(scheme, host, stream, "HEAD", &authority, deadline);
    if matches!(result, Ok(405 | 501)) {
        // Some servers refuse HEAD: ask again with GET, on a new connection to the same address.
        result = match TcpStream::connect_timeout(&address, left(deadline)) {
            Ok(stream) => exchange(scheme, host, stream, "GET", &authority, deadline),
            Err(e) => Err(Failure::from_io(&e)),
        };
    }
    match result {
        Ok(status) => Outcome {
            status: Some(status),
            address: Some(address.ip()),
            failure: None,
        },
        Err(failure) => Outcome {
            status: None,
            address: Some(address.ip()),
            failure: Some(failure),
        },
    }
}

fn left(deadline: Instant) -> std::time::Duration {
    deadline
        .saturating_duration_since(Instant::now())
        .max(std::time::Duration::from_millis(1))
}

fn connect(
    addrs: &[SocketAddr],
    deadline: Instant,
) -> Result<(TcpStream, SocketAddr), (Failure, Option<IpAddr>)> {
    let mut last = (Failure::Dns, None);
    for addr in addrs.iter().take(MAX_ADDRESSES) {
        if Instant::now() >= deadline {
            return Err((Failure::Timeout, last.1));
        }
        match TcpStream::connect_timeout(addr, left(deadline)) {
            Ok(stream) => return Ok((stream, *addr)),
            Err(e) => last = (Failure::from_io(&e), Some(addr.ip())),
        }
    }
    Err(last)
}

fn exchange(
    scheme: Scheme,
    host: &Host,
    stream: TcpStream,
    method: &str,
    authority: &str,
    deadline: Instant,
) -> Result<u16, Failure> {
    let _ = stream.set_nodelay(true);
    let stream = DeadlineStream::new(stream, deadline);
    match scheme {
        Scheme::Http => request(stream, method, authority),
        Scheme::Https => tls::request(stream, host, method, authority),
    }
}

/// Sends the request and reads up to the final status line.
fn request<S: Read + Write>(mut stream: S, method: &str, authority: &str) -> Result<u16, Failure> {
    // Only what a status needs: no path beyond "/", no query, no cookies.
    let head = format!(
        "{method} / HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: {USER_AGENT}\r\n\
         Accept: */*\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.flush())
        .map_err(|e| Failure::from_io(&e))?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let room = MAX_RESPONSE_HEAD - buf.len();
        let want = room.min(chunk.len());
        let n = match stream.read(&mut chunk[..want]) {
            Ok(0) if buf.is_empty() => return Err(Failure::Empty),
            Ok(0) => return Err(Failure::BadResponse),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && !buf.is_empty() => {
                return Err(Failure::BadResponse)
            }
            Err(e) => return Err(Failure::from_io(&e)),
        };
        buf.extend_from_slice(&chunk[..n]);
        match final_status(&buf) {
            Head::Status(status) => return Ok(status),
            Head::Bad => return Err(Failure::BadResponse),
            Head::NeedMore if buf.len() >= MAX_RESPONSE_HEAD => return Err(Failure::BadResponse),
            Head::NeedMore => {}
        }
    }
}

/// What the bytes of an answer received so far say.
#[derive(Debug, PartialEq, Eq)]
pub enum Head {
    NeedMore,
    Status(u16),
    Bad,
}

/// The final (non-1xx) status in what has arrived so far, skipping interim responses.
pub fn final_status(mut rest: &[u8]) -> Head {
    loop {
        let Some(eol) = rest.iter().position(|&b| b == b'\n') else {
            let prefix = &b"HTTP/"[..rest.len().min(5)];
            return if rest.starts_with(prefix) {
                Head::NeedMore
            } else {
                Head::Bad
            };
        };
        let Some(status) = parse_status_line(&rest[..eol]) else {
            return Head::Bad;
        };
        if status >= 200 || status == 101 {
            return Head::Status(status);
        }
        // 100 Continue, 103 Early Hints...: skip that head and read the next. The head ends at
        // its first blank line, CRLF or bare LF, whichever comes first, so the verdict does not
        // depend on how the answer was split into reads.
        let crlf = rest
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|i| i + 4);
        let lf = rest.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
        let end = crlf.into_iter().chain(lf).min();
        match end {
            Some(end) => rest = &rest[end..],
            None => return Head::NeedMore,
        }
    }
}

/// `HTTP/1.1 200 OK` → 200. Accepts a bare `HTTP/1.0 200` and a missing `\r`.
fn parse_status_line(line: &[u8]) -> Option<u16> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let rest = line.strip_prefix(b"HTTP/")?;
    let [major, b'.', minor, b' ', d1, d2, d3, tail @ ..] = rest else {
        return None;
    };
    if !(major.is_ascii_digit() && minor.is_ascii_digit()) {
        return None;
    }
    if !tail.is_empty() && tail[0] != b' ' {
        return None;
    }
    let digits = [*d1, *d2, *d3];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let status = digits
        .iter()
        .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    (100..=599).contains(&status).then_some(status)
}

#[cfg(feature = "tls")]
mod tls {
    use std::io;
    use std::sync::{Arc, OnceLock};

    use rustls::pki_types::ServerName;
    use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

    use super::Failure;
    use crate::deadline::DeadlineStream;
    use crate::target::Host;

    fn config() -> Result<Arc<ClientConfig>, Failure> {
        static CONFIG: OnceLock<Option<Arc<ClientConfig>>> = OnceLock::new();
        CONFIG
            .get_or_init(|| {
                let roots =
                    RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                let mut config = ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .ok()?
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                config.alpn_protocols = vec![b"http/1.1".to_vec()];
                Some(Arc::new(config))
            })
            .clone()
            .ok_or(Failure::Tls)
    }

    pub(super) fn request(
        mut sock: DeadlineStream,
        host: &Host,
        method: &str,
        authority: &str,
    ) -> Result<u16, Failure> {
        let name = match host {
            Host::Name(name) => ServerName::try_from(name.clone()).map_err(|_| Failure::Tls)?,
            Host::Ip(ip) => ServerName::IpAddress((*ip).into()),
        };
        let mut conn = ClientConnection::new(config()?, name).map_err(|_| Failure::Tls)?;
        while conn.is_handshaking() {
            if let Err(e) = conn.complete_io(&mut sock) {
                return Err(match e.kind() {
                    // Closed mid-handshake, or not TLS at all.
                    io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData => Failure::Tls,
                    _ => Failure::from_io(&e),
                });
            }
        }
        super::request(StreamOwned::new(conn, sock), method, authority)
    }
}

#[cfg(not(feature = "tls"))]
mod tls {
    use super::Failure;
    use crate::deadline::DeadlineStream;
    use crate::target::Host;

    /// Built without TLS: the API refuses scheme=https before getting here.
    pub(super) fn request(
        _sock: DeadlineStream,
        _host: &Host,
        _method: &str,
        _authority: &str,
    ) -> Result<u16, Failure> {
        Err(Failure::Tls)
    }
}

/// Whether this build can check https targets.
pub const TLS: bool = cfg!(feature = "tls");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        let table: &[(&[u8], Option<u16>)] = &[
            (b"HTTP/1.1 200 OK", Some(200)),
            (b"HTTP/1.0 502 Bad Gateway\r", Some(502)),
            (b"HTTP/1.1 204", Some(204)),
            (b"HTTP/1.1 599 x", Some(599)),
            (b"HTTP/1.1 600 x", None),
            (b"HTTP/1.1 099 x", None),
            (b"HTTP/1.1 20 OK", None),
            (b"HTTP/1.1 2000", None),
            (b"HTTP/1.1  200", None),
            (b"HTTP/x.1 200", None),
            (b"http/1.1 200", None),
            (b"SSH-2.0-OpenSSH", None),
            (b"", None),
        ];
        for (line, want) in table {
            assert_eq!(
                parse_status_line(line),
                *want,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn final_status_skips_interim_heads_and_spots_garbage_early() {
        assert_eq!(
            final_status(b"HTTP/1.1 200 OK\r\nServer: x"),
            Head::Status(200)
        );
        assert_eq!(
            final_status(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 U\r\n"),
            Head::Status(503)
        );
        assert_eq!(
            final_status(b"HTTP/1.1 103 Early Hints\r\nLink: x\r\n"),
            Head::NeedMore
        );
        assert_eq!(
            final_status(b"HTTP/1.1 101 Switching\r\n"),
            Head::Status(101)
        );
        assert_eq!(final_status(b"HTT"), Head::NeedMore);
        assert_eq!(final_status(b"HTTP/1.1 2"), Head::NeedMore);
        assert_eq!(final_status(b"\x16\x03\x01"), Head::Bad);
        assert_eq!(final_status(b"hello"), Head::Bad);
        assert_eq!(final_status(b"HTTP/1.1 OK\r\n"), Head::Bad);
    }

    /// Found by fuzzing: an interim head ending in a bare-LF blank line was skipped to a later
    /// CRLF one instead, so the verdict depended on how the answer was split into reads.
    #[test]
    fn an_interim_head_ends_at_its_first_blank_line() {
        let answer = b"HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\r\n\r\n";
        assert_eq!(final_status(answer), Head::Status(200));
        assert_eq!(final_status(&answer[..40]), Head::Status(200));
    }

    #[test]
    fn io_errors_map_to_codes() {
        use io::ErrorKind as K;
        let table = [
            (K::ConnectionRefused, "refused"),
            (K::TimedOut, "timeout"),
            (K::WouldBlock, "timeout"),
            (K::ConnectionReset, "reset"),
            (K::BrokenPipe, "reset"),
            (K::HostUnreachable, "unreachable"),
            (K::UnexpectedEof, "empty"),
            (K::InvalidData, "tls"),
            (K::Other, "network"),
        ];
        for (kind, code) in table {
            assert_eq!(
                Failure::from_io(&io::Error::from(kind)).code(),
                code,
                "{kind:?}"
            );
        }
    }
}
