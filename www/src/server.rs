//! HTTP/1.1 plumbing: accept, one thread per connection, a bounded request head, one
//! response, close.

use std::io::{Read, Write};
use std::net::{IpAddr, Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::api::App;
use crate::deadline::DeadlineStream;

/// Largest request head accepted (request line plus headers).
pub const MAX_REQUEST_HEAD: usize = 8 * 1024;
/// Time a client has to send its whole request head.
const READ_BUDGET: Duration = Duration::from_secs(10);
/// Time a client has to take the whole response.
const WRITE_BUDGET: Duration = Duration::from_secs(10);
/// Connections handled at once; more are closed straight away.
const MAX_CONNECTIONS: usize = 256;

#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// The path as sent, still percent-encoded, without the query.
    pub path: String,
    /// The raw query string, without `?`.
    pub query: Option<String>,
    pub peer: IpAddr,
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            headers: vec![("Content-Type", content_type.to_string())],
            body: body.into(),
        }
    }

    pub fn text(status: u16, body: &str) -> Self {
        Response::new(status, "text/plain; charset=utf-8", format!("{body}\n"))
            .header("X-Content-Type-Options", "nosniff")
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// Accepts until `stop` is set (the setter then wakes `accept` with a connection).
pub fn serve(listener: TcpListener, app: Arc<App>, stop: Arc<AtomicBool>) {
    let active = Arc::new(AtomicUsize::new(0));
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let stream = match conn {
            Ok(stream) => stream,
            Err(_) => {
                // Out of descriptors or similar: don't spin.
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            continue; // dropped: closed
        }
        let guard = ActiveGuard(active.clone());
        let app = app.clone();
        let spawned = std::thread::Builder::new()
            .name("conn".into())
            .spawn(move || {
                let _guard = guard;
                handle(stream, &app);
            });
        if spawned.is_err() {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

struct ActiveGuard(Arc<AtomicUsize>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn handle(stream: TcpStream, app: &App) {
    let Ok(peer) = stream.peer_addr() else {
        return;
    };
    let _ = stream.set_nodelay(true);
    let Ok(raw) = stream.try_clone() else {
        return;
    };
    let mut stream = DeadlineStream::new(stream, Instant::now() + READ_BUDGET);
    let (response, head_only) = match read_head(&mut stream) {
        Ok(head) => match parse_request(&head, peer.ip()) {
            Ok(request) => (app.handle(&request), request.method == "HEAD"),
            Err(response) => (response, false),
        },
        Err(Some(response)) => (response, false),
        Err(None) => return, // timed out or closed: nobody to answer
    };
    stream.set_deadline(Instant::now() + WRITE_BUDGET);
    if write_response(&mut stream, &response, head_only).is_err() {
        return;
    }
    // Close gently: stop sending, then let the client read everything before the socket
    // goes (closing with unread request bytes would reset the connection).
    let _ = raw.shutdown(Shutdown::Write);
    stream.set_deadline(Instant::now() + Duration::from_millis(500));
    let mut sink = [0u8; 4096];
    let mut drained = 0;
    while drained < 64 * 1024 {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// The request head, up to and including the blank line. Err(None): nothing to answer.
pub fn read_head(stream: &mut impl Read) -> Result<Vec<u8>, Option<Response>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = match stream.read(&mut chunk) {
            Ok(0) => return Err(None),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(None),
        };
        let scan_from = buf.len().saturating_sub(3);
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = head_end(&buf[scan_from..]) {
            buf.truncate(scan_from + end);
            return Ok(buf);
        }
        if buf.len() > MAX_REQUEST_HEAD {
            return Err(Some(Response::text(431, "request head too large")));
        }
    }
}

/// Where the first blank line ends, CRLF or bare LF: the earlier of the two, so the head does
/// not depend on how the bytes were split into reads.
fn head_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    crlf.into_iter().chain(lf).min()
}

/// The request line of a head `read_head` returned: method, path and query, or the error
/// response (400, or 431 for a head over `MAX_REQUEST_HEAD`).
pub fn parse_request(head: &[u8], peer: IpAddr) -> Result<Request, Response> {
    let bad = || Response::text(400, "bad request");
    if head.len() > MAX_REQUEST_HEAD {
        return Err(Response::text(431, "request head too large"));
    }
    let line_end = head.iter().position(|&b| b == b'\n').ok_or_else(bad)?;
    let line = std::str::from_utf8(&head[..line_end]).map_err(|_| bad())?;
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    if !matches!(version, "HTTP/1.0" | "HTTP/1.1")
        || method.is_empty()
        || !method.bytes().all(|b| b.is_ascii_uppercase())
        || !target.starts_with('/')
        || target.bytes().any(|b| b <= b' ' || b == 0x7f)
    {
        return Err(bad());
    }
    let target = target.split('#').next().unwrap_or(target);
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query.to_string())),
        None => (target, None),
    };
    Ok(Request {
        method: method.to_string(),
        path: path.to_string(),
        query,
        peer,
    })
}

fn write_response(
    out: &mut impl Write,
    response: &Response,
    head_only: bool,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        response.body.len()
    ));
    out.write_all(head.as_bytes())?;
    if !head_only {
        out.write_all(&response.body)?;
    }
    out.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> IpAddr {
        IpAddr::from([192, 0, 2, 1])
    }

    #[test]
    fn parses_request_lines() {
        let req = parse_request(
            b"GET /api/v1/check?host=a.b HTTP/1.1\r\nHost: x\r\n\r\n",
            peer(),
        )
        .unwrap();
        assert_eq!(req.method, "GET");
        assert_eq!(req.path, "/api/v1/check");
        assert_eq!(req.query.as_deref(), Some("host=a.b"));
        let req = parse_request(b"HEAD / HTTP/1.0\n\n", peer()).unwrap();
        assert_eq!(
            (req.method.as_str(), req.path.as_str(), req.query),
            ("HEAD", "/", None)
        );
        for bad in [
            &b"GET http://example.com/ HTTP/1.1\r\n\r\n"[..],
            b"GET / HTTP/2\r\n\r\n",
            b"GET /  HTTP/1.1\r\n\r\n",
            b"get / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1 x\r\n\r\n",
            b"GET\r\n\r\n",
            b"GET /\xff HTTP/1.1\r\n\r\n",
            b"GET /a\tb HTTP/1.1\r\n\r\n",
        ] {
            let status = parse_request(bad, peer()).err().map(|r| r.status);
            assert_eq!(status, Some(400), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn head_size_is_bounded() {
        let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
        big.extend(std::iter::repeat_n(b'a', MAX_REQUEST_HEAD));
        let result = read_head(&mut std::io::Cursor::new(big));
        assert_eq!(result.err().flatten().map(|r| r.status), Some(431));
        let result = read_head(&mut std::io::Cursor::new(
            b"GET / HTTP/1.1\r\n\r\nbody".to_vec(),
        ));
        assert_eq!(result.ok().as_deref(), Some(&b"GET / HTTP/1.1\r\n\r\n"[..]));
    }

    /// Found by fuzzing: a later CRLF blank line was preferred to an earlier bare-LF one, so
    /// the head depended on how the bytes were split into reads.
    #[test]
    fn the_head_ends_at_the_first_blank_line() {
        let sent = b"GET / HTTP/1.1\n\nbody\r\n\r\n";
        let whole = read_head(&mut std::io::Cursor::new(sent.to_vec()));
        assert_eq!(whole.ok().as_deref(), Some(&b"GET / HTTP/1.1\n\n"[..]));
        assert_eq!(head_end(b"a\r\n\r\nb\n\n"), Some(5));
        assert_eq!(head_end(b"a\r\n\nb\r\n\r\n"), Some(4));
    }
}
