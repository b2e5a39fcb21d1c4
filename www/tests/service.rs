//! The service end to end on 127.0.0.1: real sockets, little loopback targets started here.
//! Nothing leaves the machine.

// Helpers outside #[test] functions panic on purpose too.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

mod common;

use common::{parse_reply, Reply};
use gateway_doctor_www::{start, Config, Running, USER_AGENT};
use serde_json::Value;

// ---- the service ----

fn service(allow_private: bool, tweak: impl FnOnce(&mut Config)) -> Running {
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        allow_private,
        timeout_ms: 3000,
        rate_per_minute: 0,
        ..Config::default()
    };
    tweak(&mut config);
    start(config).unwrap()
}

/// Sends `request` as is and reads the whole reply.
fn raw(addr: SocketAddr, request: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    parse_reply(&bytes)
}

fn request(svc: &Running, method: &str, target: &str) -> Reply {
    let req = format!("{method} {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    raw(svc.addr(), req.as_bytes())
}

fn get(svc: &Running, target: &str) -> Reply {
    request(svc, "GET", target)
}

fn check(svc: &Running, query: &str) -> Reply {
    get(svc, &format!("/api/v1/check?{query}"))
}

fn assert_json_headers(reply: &Reply) {
    assert_eq!(reply.header("Content-Type"), Some("application/json"));
    assert_eq!(reply.header("Cache-Control"), Some("no-store"));
    assert_eq!(reply.header("Access-Control-Allow-Origin"), Some("*"));
}

/// A 200 check answer's JSON, with its invariants checked.
fn check_ok(svc: &Running, query: &str) -> Value {
    let reply = check(svc, query);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_json_headers(&reply);
    let v = reply.json();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut want = vec![
        "address",
        "cached",
        "checkedAt",
        "error",
        "host",
        "port",
        "scheme",
        "status",
        "timeMs",
        "up",
    ];
    want.sort_unstable();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, want);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let checked_at = v["checkedAt"].as_u64().unwrap();
    assert!(checked_at <= now && checked_at + 60 > now, "{checked_at}");
    assert!(v["timeMs"].is_u64());
    v
}

// ---- little targets ----

#[derive(Clone, Copy)]
enum Behaviour {
    /// Reads the request, answers with this head.
    Answer(&'static str),
    /// Reads the request, answers 405 to HEAD and 200 to anything else.
    RefuseHead,
    /// Accepts and never answers.
    Silent,
    /// Reads the request, answers bytes that are not HTTP.
    Garbage,
    /// Reads the request, closes without a byte.
    Close,
    /// Writes non-TLS bytes straight away, then reads until the client goes.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    NotTls,
}

struct Target {
    addr: SocketAddr,
    hits: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Target {
    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn port(&self) -> u16 {
        self.addr.port()
    }
}

fn target(behaviour: Behaviour) -> Target {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let (h, r) = (hits.clone(), requests.clone());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            h.fetch_add(1, Ordering::SeqCst);
            if matches!(behaviour, Behaviour::Silent) {
                held.push(stream);
                continue;
            }
            let r = r.clone();
            std::thread::spawn(move || serve_target(&mut stream, behaviour, &r));
        }
    });
    Target {
        addr,
        hits,
        requests,
    }
}

fn serve_target(stream: &mut TcpStream, behaviour: Behaviour, requests: &Mutex<Vec<String>>) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    if let Behaviour::NotTls = behaviour {
        let _ = stream.write_all(b"this is not TLS\r\n\r\n");
        let _ = stream.read_to_end(&mut Vec::new());
        return;
    }
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    requests.lock().unwrap().push(head.clone());
    let reply: &[u8] = match behaviour {
        Behaviour::Answer(reply) => reply.as_bytes(),
        Behaviour::RefuseHead if head.starts_with("HEAD ") => {
            b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"
        }
        Behaviour::RefuseHead => b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        Behaviour::Garbage => b"\x00\x01\x02 garbage, not HTTP\r\n\r\n",
        Behaviour::Close | Behaviour::Silent | Behaviour::NotTls => b"",
    };
    let _ = stream.write_all(reply);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let _ = stream.read_to_end(&mut Vec::new());
}

const OK: &str = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const BAD_GATEWAY: &str = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";

fn http_query(target: &Target) -> String {
    format!("host=127.0.0.1&port={}&scheme=http", target.port())
}

// ---- checks ----

#[test]
fn a_200_target_is_up_and_gets_a_bare_head_request() {
    let svc = service(true, |_| {});
    let t = target(Behaviour::Answer(OK));
    let v = check_ok(&svc, &http_query(&t));
    assert_eq!(v["host"], "127.0.0.1");
    assert_eq!(v["port"], t.port());
    assert_eq!(v["scheme"], "http");
    assert_eq!(v["up"], true);
    assert_eq!(v["status"], 200);
    assert_eq!(v["address"], "127.0.0.1");
    assert_eq!(v["error"], Value::Null);
    assert_eq!(v["cached"], false);
    assert_eq!(t.hits(), 1);
    let sent = t.requests.lock().unwrap()[0].clone();
    assert!(sent.starts_with("HEAD / HTTP/1.1\r\n"), "{sent}");
    assert!(
        sent.contains(&format!("\r\nHost: 127.0.0.1:{}\r\n", t.port())),
        "{sent}"
    );
    assert!(
        sent.contains(&format!("\r\nUser-Agent: {USER_AGENT}\r\n")),
        "{sent}"
    );
    assert_eq!(
        USER_AGENT,
        concat!("GatewayDoctorChecker/", env!("CARGO_PKG_VERSION"))
    );
    assert!(!sent.to_ascii_lowercase().contains("cookie"), "{sent}");
}

#[test]
fn a_502_target_is_down_with_its_status() {
    let svc = service(true, |_| {});
    let t = target(Behaviour::Answer(BAD_GATEWAY));
    let v = check_ok(&svc, &http_query(&t));
    assert_eq!(v["up"], false);
    assert_eq!(v["status"], 502);
    assert_eq!(v["error"], Value::Null);
}

#[test]
fn a_4xx_is_up_and_a_redirect_is_up_and_not_followed() {
    let svc = service(true, |_| {});
    let not_found = target(Behaviour::Answer("HTTP/1.0 404 Not Found\r\n\r\n"));
    let v = check_ok(&svc, &http_query(&not_found));
    assert_eq!(
        (v["up"].clone(), v["status"].clone()),
        (true.into(), 404.into())
    );

    let elsewhere = target(Behaviour::Answer(OK));
    let redirect: &'static str = Box::leak(
        format!(
            "HTTP/1.1 301 Moved Permanently\r\nLocation: http://127.0.0.1:{}/\r\n\r\n",
            elsewhere.port()
        )
        .into_boxed_str(),
    );
    let moved = target(Behaviour::Answer(redirect));
    let v = check_ok(&svc, &http_query(&moved));
    assert_eq!(
        (v["up"].clone(), v["status"].clone()),
        (true.into(), 301.into())
    );
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(elsewhere.hits(), 0);
}

#[test]
fn interim_responses_are_skipped() {
    let svc = service(true, |_| {});
    let t = target(Behaviour::Answer(
        "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 503 Service Unavailable\r\n\r\n",
    ));
    let v = check_ok(&svc, &http_query(&t));
    assert_eq!(
        (v["up"].clone(), v["status"].clone()),
        (false.into(), 503.into())
    );
}

#[test]
fn head_refused_falls_back_to_get() {
    let svc = service(true, |_| {});
    let t = target(Behaviour::RefuseHead);
    let v = check_ok(&svc, &http_query(&t));
    assert_eq!(
        (v["up"].clone(), v["status"].clone()),
        (true.into(), 200.into())
    );
    assert_eq!(t.hits(), 2);
    let requests = t.requests.lock().unwrap().clone();
    assert!(requests[0].starts_with("HEAD / HTTP/1.1\r\n"));
    assert!(requests[1].starts_with("GET / HTTP/1.1\r\n"));
}

#[test]
fn a_closed_port_is_refused() {
    let svc = service(true, |_| {});
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let v = check_ok(&svc, &format!("host=127.0.0.1&port={port}&scheme=http"));
    assert_eq!(v["up"], false);
    assert_eq!(v["status"], Value::Null);
    assert_eq!(v["error"], "refused");
    assert_eq!(v["address"], "127.0.0.1");
}

#[test]
fn a_silent_target_times_out_within_the_budget() {
    let svc = service(true, |c| c.timeout_ms = 300);
    let t = target(Behaviour::Silent);
    let started = Instant::now();
    let v = check_ok(&svc, &http_query(&t));
    let took = started.elapsed();
    assert_eq!(v["up"], false);
    assert_eq!(v["error"], "timeout");
    let time_ms = v["timeMs"].as_u64().unwrap();
    assert!((250..2000).contains(&time_ms), "{time_ms}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(t.hits(), 1);
}

#[test]
fn garbage_is_a_bad_response_and_silence_then_close_is_empty() {
    let svc = service(true, |_| {});
    let t = target(Behaviour::Garbage);
    let v = check_ok(&svc, &http_query(&t));
    assert_eq!(
        (v["up"].clone(), v["error"].clone()),
        (false.into(), "bad_response".into())
    );
    assert_eq!(v["status"], Value::Null);

    let t = target(Behaviour::Close);
    let v = check_ok(&svc, &http_query(&t));
    assert_eq!(
        (v["up"].clone(), v["error"].clone()),
        (false.into(), "empty".into())
    );
}

#[cfg(feature = "tls")]
#[test]
fn https_to_a_server_that_does_not_speak_tls_is_a_tls_error() {
    let svc = service(true, |_| {});
    let t = target(Behaviour::NotTls);
    let v = check_ok(
        &svc,
        &format!("host=127.0.0.1&port={}&scheme=https", t.port()),
    );
    assert_eq!(v["scheme"], "https");
    assert_eq!(
        (v["up"].clone(), v["error"].clone()),
        (false.into(), "tls".into())
    );
    // And scheme defaults to https.
    let v = check_ok(&svc, &format!("host=127.0.0.1&port={}", t.port()));
    assert_eq!(v["scheme"], "https");
}

// ---- policy and validation ----

#[test]
fn private_targets_are_refused_without_allow_private() {
    let svc = service(false, |_| {});
    let t = target(Behaviour::Answer(OK));
    let port = t.port();
    for host in [
        "127.0.0.1",
        "localhost",
        "%3A%3A1",
        "%5B%3A%3A1%5D",
        "%3A%3Affff%3A127.0.0.1",
        "0.0.0.0",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "fd00%3A%3A1",
        "fe80%3A%3A1",
        "224.0.0.1",
    ] {
        let reply = check(&svc, &format!("host={host}&port={port}&scheme=http"));
        assert_eq!(reply.status, 403, "{host}: {}", reply.body);
        assert_json_headers(&reply);
        assert_eq!(
            reply.json(),
            serde_json::json!({"error": "refused: private, loopback or link-local target"})
        );
    }
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(t.hits(), 0);
}

#[test]
fn malformed_requests_get_400() {
    let svc = service(true, |_| {});
    for query in [
        "",
        "host=",
        "port=80",
        "host=http%3A%2F%2Fexample.com",
        "host=example.com%2Fpath",
        "host=user%40example.com",
        "host=exa+mple.com",
        "host=exa%20mple.com",
        "host=example.com%3A80",
        "host=ex_ample.com",
        "host=-example.com",
        "host=%E2%98%83.com",
        "host=%zz",
        "host=127.1",
        "host=example.com&host=example.org",
        "host=example.com&port=0",
        "host=example.com&port=65536",
        "host=example.com&port=http",
        "host=example.com&scheme=ftp",
    ] {
        let reply = check(&svc, query);
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
        assert_json_headers(&reply);
        assert!(reply.json()["error"].is_string(), "{query}");
    }
    let long = format!("host={}.com", "a".repeat(250));
    assert_eq!(check(&svc, &long).status, 400);
}

#[test]
fn api_routes_methods_and_protocol_errors() {
    let svc = service(true, |_| {});
    let reply = get(&svc, "/api/v1/health");
    assert_eq!(reply.status, 200);
    assert_json_headers(&reply);
    assert_eq!(reply.json()["ok"], true);

    for path in [
        "/api",
        "/api/",
        "/api/v1",
        "/api/v2/check",
        "/api/v1/check/x",
    ] {
        let reply = get(&svc, path);
        assert_eq!(reply.status, 404, "{path}");
        assert_json_headers(&reply);
        assert_eq!(reply.json()["error"], "not found");
    }
    for method in ["POST", "PUT", "DELETE", "HEAD", "OPTIONS"] {
        let reply = request(&svc, method, "/api/v1/check?host=example.com");
        assert_eq!(reply.status, 405, "{method}");
        assert_eq!(reply.header("Allow"), Some("GET"));
        assert_json_headers(&reply);
        if method != "HEAD" {
            assert!(reply.json()["error"].is_string());
        }
    }
    let post = raw(
        svc.addr(),
        b"POST /api/v1/check HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert_eq!(post.status, 405);
    assert_eq!(
        raw(svc.addr(), b"GET http://x/ HTTP/1.1\r\n\r\n").status,
        400
    );
    assert_eq!(raw(svc.addr(), b"NONSENSE\r\n\r\n").status, 400);
    let mut huge = b"GET / HTTP/1.1\r\nX-Filler: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 20_000));
    huge.extend_from_slice(b"\r\n\r\n");
    assert_eq!(raw(svc.addr(), &huge).status, 431);
}

// ---- rate limit and cache ----

#[test]
fn the_rate_limit_answers_429_with_retry_after() {
    let svc = service(true, |c| c.rate_per_minute = 3);
    let t = target(Behaviour::Answer(OK));
    for _ in 0..3 {
        assert_eq!(check(&svc, &http_query(&t)).status, 200);
    }
    let reply = check(&svc, &http_query(&t));
    assert_eq!(reply.status, 429, "{}", reply.body);
    assert_json_headers(&reply);
    let retry: u64 = reply.header("Retry-After").unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    assert!(reply.json()["error"].as_str().unwrap().contains("rate"));
    // Static pages are not counted.
    assert_eq!(get(&svc, "/").status, 200);
}

#[test]
fn a_repeat_within_the_cache_time_is_cached_and_does_not_hit_the_target() {
    let svc = service(true, |c| {
        c.cache_seconds = 30;
        c.timeout_ms = 500;
    });
    let t = target(Behaviour::Answer(OK));
    let first = check_ok(&svc, &http_query(&t));
    let second = check_ok(&svc, &http_query(&t));
    assert_eq!(first["cached"], false);
    assert_eq!(second["cached"], true);
    assert_eq!(first["checkedAt"], second["checkedAt"]);
    assert_eq!(first["status"], second["status"]);
    assert_eq!(t.hits(), 1);
    // Same host and port, other scheme: a new check (the plain-HTTP target never answers the
    // TLS hello, so a timeout; or 400 in a build without TLS).
    let other = check(
        &svc,
        &format!("host=127.0.0.1&port={}&scheme=https", t.port()),
    );
    if other.status == 200 {
        assert_eq!(other.json()["cached"], false);
        assert_eq!(t.hits(), 2);
    }
}

#[test]
fn no_cache_when_cache_seconds_is_zero() {
    let svc = service(true, |c| c.cache_seconds = 0);
    let t = target(Behaviour::Answer(OK));
    check_ok(&svc, &http_query(&t));
    let second = check_ok(&svc, &http_query(&t));
    assert_eq!(second["cached"], false);
    assert_eq!(t.hits(), 2);
}

// ---- static pages ----

#[test]
fn static_pages_are_served() {
    let svc = service(false, |_| {});
    for (path, needle) in [
        ("/", "Gateway Doctor"),
        ("/index.html", "Gateway Doctor"),
        ("/privacy.html", "Privacy policy"),
        ("/privacy", "Privacy policy"),
    ] {
        let reply = get(&svc, path);
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(
            reply.header("Content-Type"),
            Some("text/html; charset=utf-8")
        );
        assert!(reply.header("Content-Security-Policy").is_some());
        assert!(reply.body.contains(needle), "{path}");
    }
    let privacy = get(&svc, "/privacy.html").body;
    for promise in ["no telemetry", "in memory", "logs nothing identifying"] {
        assert!(privacy.to_lowercase().contains(promise), "{promise}");
    }
    assert!(get(&svc, "/").body.contains("href=\"/privacy.html\""));
    let head = request(&svc, "HEAD", "/");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert!(
        head.header("Content-Length")
            .unwrap()
            .parse::<usize>()
            .unwrap()
            > 100
    );
    assert_eq!(get(&svc, "/missing.html").status, 404);
    assert_eq!(request(&svc, "POST", "/").status, 405);
}

#[test]
fn path_traversal_is_refused() {
    let svc = service(false, |_| {});
    for path in [
        "/../Cargo.toml",
        "/../../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/%2E%2E/Cargo.toml",
        "/%2e%2e%2fCargo.toml",
        "/..%2fCargo.toml",
        "/..%5cCargo.toml",
        "/.%2e/Cargo.toml",
        "/index.html/../../Cargo.toml",
        "/%2fetc%2fpasswd",
        "//etc/passwd",
        "/../src/lib.rs",
        "/..",
        "/.%2e",
    ] {
        let reply = get(&svc, path);
        assert!(
            matches!(reply.status, 400 | 404),
            "{path}: {}",
            reply.status
        );
        assert!(!reply.body.contains("[package]"), "{path}");
        assert!(!reply.body.contains("root:"), "{path}");
    }
}

#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_static_folder_is_not_followed() {
    let dir = std::env::temp_dir().join(format!("gd-www-static-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<p>inside</p>").unwrap();
    let outside = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    std::os::unix::fs::symlink(outside, dir.join("leak.html")).unwrap();
    let svc = service(false, |c| c.static_dir = dir.clone());
    assert!(get(&svc, "/").body.contains("inside"));
    let reply = get(&svc, "/leak.html");
    assert_eq!(reply.status, 404);
    assert!(!reply.body.contains("[package]"));
    svc.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- the library handle and the binary ----

#[test]
fn start_reports_the_bound_port_and_stop_closes_it() {
    let svc = service(false, |_| {});
    let addr = svc.addr();
    assert_ne!(addr.port(), 0);
    assert_eq!(get(&svc, "/api/v1/health").status, 200);
    svc.stop();
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
    let missing = start(Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        static_dir: "/nonexistent/gateway-doctor".into(),
        ..Config::default()
    });
    assert!(missing.err().unwrap().contains("static folder"));
}

#[test]
fn the_binary_prints_one_listening_line_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gateway-doctor-www"))
        .args(["--listen", "127.0.0.1:0", "--timeout-ms", "1000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let addr = line
        .strip_prefix("listening on http://")
        .and_then(|rest| rest.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("{line:?}"));
    let addr: SocketAddr = addr.parse().unwrap();
    assert_ne!(addr.port(), 0);
    let reply = raw(addr, b"GET /api/v1/health HTTP/1.1\r\n\r\n");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(reply.status, 200);
}

#[test]
fn the_binary_explains_bad_flags() {
    for (args, needle) in [
        (&["--listen", "nowhere"][..], "--listen"),
        (&["--timeout-ms", "0"], "--timeout-ms"),
        (&["--bogus"], "unknown argument"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_gateway-doctor-www"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle) && err.contains("Usage:"), "{err}");
    }
}
