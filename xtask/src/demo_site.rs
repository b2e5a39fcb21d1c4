//! The demo site: static pages from `www/demo`, and a small reverse proxy under `/shop/` whose
//! upstream is down, so its pages fail with a genuine 502 Bad Gateway.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

pub struct DemoSite {
    pub base: String,
}

/// Starts the site on a free loopback port, serving in background threads until the process ends.
pub fn start(pages: PathBuf) -> Result<DemoSite, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("demo site: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    // An upstream port with nothing listening: the gateway's connection is refused.
    let dead_upstream = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?;
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let pages = pages.clone();
            thread::spawn(move || {
                let _ = serve(stream, &pages, dead_upstream);
            });
        }
    });
    Ok(DemoSite {
        base: format!("http://127.0.0.1:{port}"),
    })
}

fn serve(
    mut stream: TcpStream,
    pages: &std::path::Path,
    upstream: std::net::SocketAddr,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Drain the headers (bounded) so the browser sees a clean answer.
    let mut line = String::new();
    for _ in 0..100 {
        line.clear();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let (status, content_type, body) = if path.starts_with("/shop/") {
        proxy(upstream)
    } else {
        static_page(pages, path)
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nServer: gateway-doctor-demo\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(&body)?;
    stream.flush()
}

/// What a reverse proxy does: try the upstream, and answer 502 when it cannot be reached.
fn proxy(upstream: std::net::SocketAddr) -> (&'static str, &'static str, Vec<u8>) {
    match TcpStream::connect_timeout(&upstream, Duration::from_secs(2)) {
        Ok(_) => ("200 OK", "text/plain", b"The upstream came back.".to_vec()),
        Err(_) => (
            "502 Bad Gateway",
            "text/html",
            b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>gateway-doctor-demo</center></body></html>".to_vec(),
        ),
    }
}

fn static_page(pages: &std::path::Path, path: &str) -> (&'static str, &'static str, Vec<u8>) {
    let name = match path.trim_start_matches('/') {
        "" => "index.html",
        name => name,
    };
    let safe = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && !name.starts_with('.');
    match safe.then(|| std::fs::read(pages.join(name))) {
        Some(Ok(body)) => ("200 OK", "text/html; charset=utf-8", body),
        _ => ("404 Not Found", "text/plain", b"Not found".to_vec()),
    }
}
