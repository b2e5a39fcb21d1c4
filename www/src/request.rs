//! What the service makes of a request, and what it answers, apart from the sockets: the
//! request line's rules (also applied to what hyper parsed, in `server.rs`) and the fuzzed
//! head reader.

use std::io::Read;
use std::net::IpAddr;

/// Largest request head accepted (request line plus headers).
pub const MAX_REQUEST_HEAD: usize = 8 * 1024;

#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// The path as sent, still percent-encoded, without the query.
    pub path: String,
    /// The raw query string, without `?`.
    pub query: Option<String>,
    /// The client: the connection's peer, or the address a trusted proxy forwarded for.
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

/// The request head, up to and including the blank line. Err(None): nothing to answer.
/// (The server reads heads with hyper, bounded to the same size; this reader is the fuzz
/// targets' model of it.)
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
