//! The outbound probe: resolve once, connect to an already-vetted address, send one HEAD
//! (or GET after a 405/501) for `/`, and read no more than the status line of the answer.
//! The request is written by hand and the answer read by the fuzzed `final_status`: no HTTP
//! client library, so nothing follows redirects, decodes bodies or reads past 16 KB.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{
    LookupIpStrategy, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::xfer::Protocol;
use hickory_resolver::TokioResolver;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::time::{timeout_at, Instant};

use crate::target::{Host, Scheme};

pub const USER_AGENT: &str = concat!("GatewayDoctorChecker/", env!("CARGO_PKG_VERSION"));

/// The most bytes read from a target before its final status line must have been seen.
pub const MAX_RESPONSE_HEAD: usize = 16 * 1024;

/// Name lookups running at once (each ends by its check's deadline).
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

    pub fn from_io(e: &io::Error) -> Failure {
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

/// Name lookups with a hard deadline: hickory's async resolver, asked for the name with a
/// trailing dot (a fully qualified name: no search domains), its future dropped at the
/// deadline, so a DNS server that never answers holds a lookup slot no longer than the check.
pub struct Lookup {
    resolver: TokioResolver,
    slots: Arc<Semaphore>,
}

impl Lookup {
    /// The system's DNS servers (`/etc/resolv.conf`), or `servers` when given.
    pub fn new(servers: &[SocketAddr], timeout: Duration) -> Result<Lookup, String> {
        let (config, mut opts) = if servers.is_empty() {
            hickory_resolver::system_conf::read_system_conf()
                .map_err(|e| format!("cannot read the system's DNS configuration: {e}"))?
        } else {
            let mut config = ResolverConfig::new();
            for server in servers {
                config.add_name_server(NameServerConfig::new(*server, Protocol::Udp));
                config.add_name_server(NameServerConfig::new(*server, Protocol::Tcp));
            }
            (config, ResolverOpts::default())
        };
        opts.timeout = timeout;
        opts.attempts = 1;
        opts.ndots = 0;
        opts.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
        opts.use_hosts_file = ResolveHosts::Always;
        // No answers kept: every check looks its name up anew (what the visitor's own
        // resolver would do), and no looked-up name outlives its check (the privacy page).
        opts.cache_size = 0;
        let resolver =
            TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
                .with_options(opts)
                .build();
        Ok(Lookup {
            resolver,
            slots: Arc::new(Semaphore::new(MAX_LOOKUPS)),
        })
    }

    /// Every address `host` resolves to, looked up once. IP literals are not looked up.
    pub async fn resolve(
        &self,
        host: &Host,
        port: u16,
        deadline: Instant,
    ) -> Result<Vec<SocketAddr>, ResolveError> {
        let name = match host {
            Host::Ip(ip) => return Ok(vec![SocketAddr::new(*ip, port)]),
            Host::Name(name) => format!("{name}."),
        };
        let Ok(_slot) = self.slots.clone().try_acquire_owned() else {
            return Err(ResolveError::Busy);
        };
        match tokio::time::timeout_at(deadline, self.resolver.lookup_ip(name)).await {
            Ok(Ok(found)) => {
                let addrs: Vec<SocketAddr> =
                    found.iter().map(|ip| SocketAddr::new(ip, port)).collect();
                if addrs.is_empty() {
                    Err(ResolveError::Failed(Failure::Dns))
                } else {
                    Ok(addrs)
                }
            }
            _ => Err(ResolveError::Failed(Failure::Dns)),
        }
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
pub async fn probe(
    scheme: Scheme,
    host: &Host,
    port: u16,
    addrs: &[SocketAddr],
    deadline: Instant,
) -> Outcome {
    let authority = host.authority(port, scheme);
    let (stream, address) = match connect(addrs, deadline).await {
        Ok(found) => found,
        Err((failure, address)) => {
            return Outcome {
                status: None,
                address,
                failure: Some(failure),
            }
        }
    };
    let mut result = exchange(scheme, host, stream, "HEAD", &authority, deadline).await;
    if matches!(result, Ok(405 | 501)) {
        // Some servers refuse HEAD: ask again with GET, on a new connection to the same address.
        result = match timeout_at(deadline, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => exchange(scheme, host, stream, "GET", &authority, deadline).await,
            Ok(Err(e)) => Err(Failure::from_io(&e)),
            Err(_) => Err(Failure::Timeout),
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

async fn connect(
    addrs: &[SocketAddr],
    deadline: Instant,
) -> Result<(TcpStream, SocketAddr), (Failure, Option<IpAddr>)> {
    let mut last = (Failure::Dns, None);
    for addr in addrs.iter().take(MAX_ADDRESSES) {
        if Instant::now() >= deadline {
            return Err((Failure::Timeout, last.1));
        }
        match timeout_at(deadline, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => return Ok((stream, *addr)),
            Ok(Err(e)) => last = (Failure::from_io(&e), Some(addr.ip())),
            Err(_) => return Err((Failure::Timeout, Some(addr.ip()))),
        }
    }
    Err(last)
}

/// One request on a fresh connection; the whole exchange, TLS handshake included, ends by
/// `deadline`, so a slow-dripping server cannot stretch it.
async fn exchange(
    scheme: Scheme,
    host: &Host,
    stream: TcpStream,
    method: &str,
    authority: &str,
    deadline: Instant,
) -> Result<u16, Failure> {
    let _ = stream.set_nodelay(true);
    let work = async {
        match scheme {
            Scheme::Http => request(stream, method, authority).await,
            Scheme::Https => tls::request(stream, host, method, authority).await,
        }
    };
    timeout_at(deadline, work)
        .await
        .unwrap_or(Err(Failure::Timeout))
}

/// Sends the request and reads up to the final status line, at most `MAX_RESPONSE_HEAD` bytes.
async fn request<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    method: &str,
    authority: &str,
) -> Result<u16, Failure> {
    // Only what a status needs: no path beyond "/", no query, no cookies.
    let head = format!(
        "{method} / HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: {USER_AGENT}\r\n\
         Accept: */*\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(|e| Failure::from_io(&e))?;
    stream.flush().await.map_err(|e| Failure::from_io(&e))?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let room = MAX_RESPONSE_HEAD - buf.len();
        let want = room.min(chunk.len());
        let n = match stream.read(&mut chunk[..want]).await {
            Ok(0) if buf.is_empty() => return Err(Failure::Empty),
            Ok(0) => return Err(Failure::BadResponse),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && !buf.is_empty() => {
                return Err(Failure::BadResponse)
            }
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(Failure::Empty),
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
    use rustls::{ClientConfig, RootCertStore};
    use tokio::net::TcpStream;
    use tokio_rustls::TlsConnector;

    use super::Failure;
    use crate::target::Host;

    fn connector() -> Result<TlsConnector, Failure> {
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
            .map(TlsConnector::from)
            .ok_or(Failure::Tls)
    }

    pub(super) async fn request(
        sock: TcpStream,
        host: &Host,
        method: &str,
        authority: &str,
    ) -> Result<u16, Failure> {
        let name = match host {
            Host::Name(name) => ServerName::try_from(name.clone()).map_err(|_| Failure::Tls)?,
            Host::Ip(ip) => ServerName::IpAddress((*ip).into()),
        };
        let stream = connector()?
            .connect(name, sock)
            .await
            .map_err(|e| match e.kind() {
                // Closed mid-handshake, not TLS at all, or a certificate that does not verify.
                io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData => Failure::Tls,
                _ => Failure::from_io(&e),
            })?;
        super::request(stream, method, authority).await
    }
}

#[cfg(not(feature = "tls"))]
mod tls {
    use super::Failure;
    use crate::target::Host;
    use tokio::net::TcpStream;

    /// Built without TLS: the API refuses scheme=https before getting here.
    pub(super) async fn request(
        _sock: TcpStream,
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
