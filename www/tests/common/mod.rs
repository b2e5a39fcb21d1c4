//! Helpers of the abuse and scale-out tests: the service, raw HTTP from a chosen loopback
//! address, and little loopback targets. Nothing leaves the machine.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use gateway_doctor_www::{start, Config, Running};
use serde_json::Value;

pub fn service(tweak: impl FnOnce(&mut Config)) -> Running {
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        allow_private: true,
        timeout_ms: 2000,
        rate_per_minute: 0,
        ..Config::default()
    };
    tweak(&mut config);
    start(config).unwrap()
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// A connection to `addr` from the loopback address `source` (any of 127/8 on Linux), so one
/// test can be many clients.
pub fn connect_from(source: IpAddr, addr: SocketAddr) -> TcpStream {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let stream = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(source, 0)).unwrap();
        socket.connect(addr).await.unwrap()
    });
    let stream = stream.into_std().unwrap();
    stream.set_nonblocking(false).unwrap();
    stream
}

/// Sends `request` as is from `source` and reads the whole reply.
pub fn raw_from(source: IpAddr, addr: SocketAddr, request: &[u8]) -> Reply {
    let mut stream = connect_from(source, addr);
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    parse_reply(&bytes)
}

pub fn parse_reply(bytes: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap_or("")
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_string(),
    }
}

pub fn localhost() -> IpAddr {
    IpAddr::from([127, 0, 0, 1])
}

pub fn get_from(source: IpAddr, addr: SocketAddr, target: &str) -> Reply {
    let req = format!("GET {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    raw_from(source, addr, req.as_bytes())
}

pub fn get(addr: SocketAddr, target: &str) -> Reply {
    get_from(localhost(), addr, target)
}

pub fn check(addr: SocketAddr, query: &str) -> Reply {
    get(addr, &format!("/api/v1/check?{query}"))
}

/// A loopback target that answers every request with `reply` (or, with None, never answers),
/// counting connections.
pub struct Target {
    pub addr: SocketAddr,
    hits: Arc<AtomicUsize>,
}

impl Target {
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    pub fn query(&self) -> String {
        format!("host=127.0.0.1&port={}&scheme=http", self.addr.port())
    }
}

pub const OK: &str = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

pub fn target(reply: Option<&'static str>) -> Target {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            h.fetch_add(1, Ordering::SeqCst);
            let Some(reply) = reply else {
                held.push(stream);
                continue;
            };
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
                    match stream.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => break,
                    }
                }
                let _ = stream.write_all(reply.as_bytes());
            });
        }
    });
    Target { addr, hits }
}

/// Polls `f` every 50 ms until it is true or `within` has passed.
pub fn eventually(within: Duration, mut f: impl FnMut() -> bool) -> bool {
    let until = std::time::Instant::now() + within;
    loop {
        if f() {
            return true;
        }
        if std::time::Instant::now() >= until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
