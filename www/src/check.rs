//! The outbound probe: resolve once, connect to an already-vetted address, send one HEAD
//! (or GET after a 405/501) for `/` with hyper's HTTP/1 client over that connection, and read
//! no more than the head of the answer. hyper's low-level connection API opens nothing itself
//! and follows no redirect; the body is never read, and no more than 16 KB ever is.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::Bytes;

use hickory_resolver::config::{
    LookupIpStrategy, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::xfer::Protocol;
use hickory_resolver::TokioResolver;
use http_body_util::Empty;
use hyper::client::conn::http1;
use hyper::{header, Method};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

use crate::limit::Shed;
use crate::target::{Host, Scheme};

pub const USER_AGENT: &str = concat!("GatewayDoctorChecker/", env!("CARGO_PKG_VERSION"));

/// The most bytes read from a target: its answer's head (after any 1xx interim heads) must
/// have come whole within them.
pub const MAX_RESPONSE_HEAD: usize = 16 * 1024;

/// Header lines accepted in an answer's head (hyper's default is 100; a status is what counts).
const MAX_RESPONSE_HEADERS: usize = 1000;

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
    slots: Shed,
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
            slots: Shed::new(MAX_LOOKUPS),
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
        let lookup = tokio::time::timeout_at(deadline, self.resolver.lookup_ip(name));
        match self.slots.run(lookup).await {
            None => Err(ResolveError::Busy),
            Some(Ok(Ok(found))) => {
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
    let mut result = exchange(scheme, host, stream, Method::HEAD, &authority, deadline).await;
    if matches!(result, Ok(405 | 501)) {
        // Some servers refuse HEAD: ask again with GET, on a new connection to the same address.
        result = match timeout_at(deadline, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => {
                exchange(scheme, host, stream, Method::GET, &authority, deadline).await
            }
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
    method: Method,
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

/// Sends the request with hyper's HTTP/1 client over `stream` (already connected to a vetted
/// address: hyper connects to nothing itself) and returns the final status. At most
/// `MAX_RESPONSE_HEAD` bytes are read; the body is never read, redirects are not followed.
async fn request<S>(stream: S, method: Method, authority: &str) -> Result<u16, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let read = Arc::new(AtomicUsize::new(0));
    let io = TokioIo::new(Bounded {
        inner: stream,
        read: read.clone(),
    });
    // Only what a status needs: no path beyond "/", no query, no cookies.
    let req = hyper::Request::builder()
        .method(method)
        .uri("/")
        .header(header::HOST, authority)
        .header(header::USER_AGENT, USER_AGENT)
        .header(header::ACCEPT, "*/*")
        .header(header::CONNECTION, "close")
        .body(Empty::<Bytes>::new())
        .map_err(|_| Failure::Network)?;
    let (mut sender, conn) = http1::Builder::new()
        // The head must fit in this (hyper's floor is 8 KB); `Bounded` cuts the reads there too.
        .max_buf_size(MAX_RESPONSE_HEAD)
        .max_headers(MAX_RESPONSE_HEADERS)
        // Only the status matters: a sloppy header line is no reason to call a server down.
        .ignore_invalid_headers_in_responses(true)
        .allow_spaces_after_header_name_in_responses(true)
        .allow_obsolete_multiline_headers_in_responses(true)
        .title_case_headers(true)
        .handshake::<_, Empty<Bytes>>(io)
        .await
        .map_err(|e| failure(&e, 0))?;
    // The connection is driven here, not spawned: dropping this future (at the deadline, or
    // once the head is in) closes the socket, and nothing reads on in the background.
    let answer = sender.send_request(req);
    tokio::pin!(conn, answer);
    let answer = tokio::select! {
        answer = &mut answer => answer,
        done = &mut conn => match done {
            // hyper hands a connection error to the request in flight; only one it could not
            // hand over comes out here.
            Err(e) => return Err(failure(&e, read.load(Ordering::Relaxed))),
            Ok(()) => answer.await,
        },
    };
    match answer {
        // hyper skips 1xx interim answers (not 101) itself; 600-999 is no HTTP status.
        Ok(response) => match response.status().as_u16() {
            status @ 100..=599 => Ok(status),
            _ => Err(Failure::BadResponse),
        },
        Err(e) => Err(failure(&e, read.load(Ordering::Relaxed))),
    }
}

/// What a hyper error means for the check, knowing how many bytes of answer had come.
fn failure(e: &hyper::Error, read: usize) -> Failure {
    let nothing_or_bad = if read == 0 {
        Failure::Empty
    } else {
        Failure::BadResponse
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            return match io.kind() {
                io::ErrorKind::UnexpectedEof => nothing_or_bad,
                _ => Failure::from_io(io),
            };
        }
        source = cause.source();
    }
    if e.is_parse() || e.is_parse_status() || e.is_parse_too_large() {
        Failure::BadResponse
    } else {
        // Closed before a whole head (or before a byte), or a connection hyper gave up on.
        nothing_or_bad
    }
}

/// The target's stream, read at most `MAX_RESPONSE_HEAD` bytes in all: past that it reads as
/// closed, so no answer can make the check read on. Counts what came, to tell an empty answer
/// from a cut one.
struct Bounded<S> {
    inner: S,
    read: Arc<AtomicUsize>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Bounded<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let room = MAX_RESPONSE_HEAD.saturating_sub(self.read.load(Ordering::Relaxed));
        if room == 0 {
            return Poll::Ready(Ok(()));
        }
        let n = if buf.remaining() <= room {
            let before = buf.filled().len();
            ready!(Pin::new(&mut self.inner).poll_read(cx, buf))?;
            buf.filled().len() - before
        } else {
            // Read into a smaller buffer of our own rather than past the limit.
            let mut scratch = vec![0u8; room];
            let mut small = ReadBuf::new(&mut scratch);
            ready!(Pin::new(&mut self.inner).poll_read(cx, &mut small))?;
            buf.put_slice(small.filled());
            small.filled().len()
        };
        self.read.fetch_add(n, Ordering::Relaxed);
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Bounded<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(feature = "tls")]
mod tls {
    use std::io;
    use std::sync::{Arc, OnceLock};

    use hyper::Method;
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
        method: Method,
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
    use hyper::Method;
    use tokio::net::TcpStream;

    /// Built without TLS: the API refuses scheme=https before getting here.
    pub(super) async fn request(
        _sock: TcpStream,
        _host: &Host,
        _method: Method,
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

    /// What `request` makes of `answer`, written by a peer that then closes its side.
    fn answer(method: Method, answer: &[u8]) -> (Result<u16, Failure>, String) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (ours, mut theirs) = tokio::io::duplex(64 * 1024);
            let answer = answer.to_vec();
            let peer = tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if theirs.read(&mut byte).await.unwrap_or(0) == 0 {
                        break;
                    }
                    head.push(byte[0]);
                }
                // Written in pieces, as TCP may deliver it.
                for piece in answer.chunks(7) {
                    if theirs.write_all(piece).await.is_err() {
                        break;
                    }
                }
                let _ = theirs.shutdown().await;
                // Keep the pipe open until the client is done.
                let _ = theirs.read_to_end(&mut Vec::new()).await;
                String::from_utf8_lossy(&head).into_owned()
            });
            let result = tokio::time::timeout(
                Duration::from_secs(5),
                request(ours, method, "example.com:8080"),
            )
            .await
            .unwrap_or(Err(Failure::Timeout));
            (result, peer.await.unwrap_or_default())
        })
    }

    #[test]
    fn the_request_is_a_bare_head_with_title_case_headers() {
        let (status, sent) = answer(Method::HEAD, b"HTTP/1.1 200 OK\r\n\r\n");
        assert_eq!(status, Ok(200));
        let want = format!(
            "HEAD / HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: {USER_AGENT}\r\n\
             Accept: */*\r\nConnection: close\r\n\r\n"
        );
        assert_eq!(sent, want);
        let (_, sent) = answer(Method::GET, b"HTTP/1.1 200 OK\r\n\r\n");
        assert!(sent.starts_with("GET / HTTP/1.1\r\n"), "{sent}");
    }

    #[test]
    fn answers_and_what_they_mean() {
        let big = format!(
            "HTTP/1.1 200 OK\r\nX: {}\r\n\r\n",
            "a".repeat(MAX_RESPONSE_HEAD)
        );
        let endless = format!("HTTP/1.1 200 OK\r\n{}", "X-A: b\r\n".repeat(4000));
        let table: &[(&[u8], Result<u16, Failure>)] = &[
            (b"HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", Ok(200)),
            (b"HTTP/1.0 404 Not Found\n\n", Ok(404)),
            (b"HTTP/1.1 204\r\n\r\n", Ok(204)),
            (
                b"HTTP/1.1 301 Moved\r\nLocation: http://a/\r\n\r\n",
                Ok(301),
            ),
            (
                b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 U\r\n\r\n",
                Ok(503),
            ),
            (
                b"HTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\nHTTP/1.1 502 B\r\n\r\n",
                Ok(502),
            ),
            (b"HTTP/1.1 101 Switching\r\n\r\n", Ok(101)),
            // A sloppy header line does not hide the status.
            (b"HTTP/1.1 200 OK\r\nBad Header\r\nX : y\r\n\r\n", Ok(200)),
            (b"HTTP/1.1 600 x\r\n\r\n", Err(Failure::BadResponse)),
            (b"HTTP/1.1 OK\r\n\r\n", Err(Failure::BadResponse)),
            (b"\x16\x03\x01\x00", Err(Failure::BadResponse)),
            (b"SSH-2.0-OpenSSH\r\n", Err(Failure::BadResponse)),
            (b"HTTP/1.1 200 OK\r\n", Err(Failure::BadResponse)),
            (b"HTTP/1.1 100 Continue\r\n\r\n", Err(Failure::BadResponse)),
            (b"", Err(Failure::Empty)),
            (big.as_bytes(), Err(Failure::BadResponse)),
            (endless.as_bytes(), Err(Failure::BadResponse)),
        ];
        for (bytes, want) in table {
            let (got, _) = answer(Method::HEAD, bytes);
            let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(60)]);
            assert_eq!(got, *want, "{shown:?}");
        }
    }

    /// A GET's answer is taken at its head: a body that never ends is not waited for.
    #[test]
    fn the_body_is_not_read() {
        let (got, _) = answer(
            Method::GET,
            b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\nxx",
        );
        assert_eq!(got, Ok(200));
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
