//! The service under abuse, on 127.0.0.1 and other loopback addresses (each one a client):
//! idle connections, a DNS server that never answers, clients over their limits, malformed
//! requests; and what it does with names, ports, proxies and SIGTERM.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn six_hundred_idle_connections_do_not_shut_out_another_client() {
    let svc = service(|_| {});
    let t = target(Some(OK));
    let mut idle = Vec::new();
    for _ in 0..600 {
        // Connected and silent: no request head, ever.
        match TcpStream::connect_timeout(&svc.addr(), Duration::from_secs(2)) {
            Ok(stream) => idle.push(stream),
            Err(e) => panic!("connect {}: {e}", idle.len()),
        }
    }
    let started = Instant::now();
    let reply = get_from(
        ip("127.0.0.2"),
        svc.addr(),
        &format!("/api/v1/check?{}", t.query()),
    );
    let took = started.elapsed();
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["up"], true);
    assert!(took < Duration::from_secs(2), "{took:?}");
    // Its metrics show the connections it closed at once.
    let metrics = get_from(ip("127.0.0.3"), svc.addr(), "/metrics").body;
    let refused = metrics
        .lines()
        .find_map(|l| l.strip_prefix("gd_connections_refused_total "))
        .unwrap();
    assert!(refused.parse::<u64>().unwrap() >= 500, "{refused}");
    // Those over the cap were told why before being closed.
    let mut last = idle.pop().unwrap();
    last.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut said = Vec::new();
    std::io::Read::read_to_end(&mut last, &mut said).unwrap();
    let said = parse_reply(&said);
    assert_eq!(said.status, 429);
    assert_eq!(said.header("Retry-After"), Some("1"));
    assert_eq!(said.body, "too many connections\n");
    drop(idle);
}

/// A DNS server on 127.0.0.1 (UDP and TCP on one port) that reads and never answers.
fn silent_dns() -> SocketAddr {
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = tcp.local_addr().unwrap();
    let udp = UdpSocket::bind(addr).unwrap();
    std::thread::spawn(move || {
        let _tcp = tcp; // accepted by the kernel, never read
        let mut buf = [0u8; 1500];
        while udp.recv_from(&mut buf).is_ok() {}
    });
    addr
}

#[test]
fn a_resolver_that_never_answers_does_not_starve_other_checks() {
    let dns = silent_dns();
    let svc = service(|c| {
        c.timeout_ms = 600;
        c.resolvers = vec![dns];
    });
    let addr = svc.addr();
    let t = target(Some(OK));
    // 80 clients (more than the 64 lookup slots) each ask for a name nobody will answer.
    let storm: Vec<_> = (1..=80u8)
        .map(|i| {
            std::thread::spawn(move || {
                let started = Instant::now();
                let reply = get_from(
                    IpAddr::from([127, 0, 1, i]),
                    addr,
                    &format!("/api/v1/check?host=n{i}.example&scheme=http"),
                );
                (reply, started.elapsed())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    // Meanwhile, a check that needs no lookup is answered at once.
    let started = Instant::now();
    let reply = get_from(
        ip("127.0.0.3"),
        addr,
        &format!("/api/v1/check?{}", t.query()),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["up"], true);
    // (Starved, it would wait for a lookup slot or get 503: it needs no lookup at all.)
    assert!(started.elapsed() < Duration::from_millis(1500));
    let mut dns_errors = 0;
    for handle in storm {
        let (reply, took) = handle.join().unwrap();
        // Each lookup ends with its check's budget (600 ms): no answer waits much past it.
        assert!(took < Duration::from_secs(3), "{took:?}");
        match reply.status {
            200 => {
                assert_eq!(reply.json()["error"], "dns");
                dns_errors += 1;
            }
            503 => assert_eq!(reply.header("Retry-After"), Some("5")),
            other => panic!("{other}: {}", reply.body),
        }
    }
    assert!(dns_errors >= 60, "{dns_errors}");
    // The slots are free again once the budget is spent.
    let reply = get_from(
        ip("127.0.0.4"),
        addr,
        "/api/v1/check?host=late.example&scheme=http",
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["error"], "dns");
}

/// A DNS server that answers every A question with 127.0.0.1 (and others with no record),
/// and remembers the names asked.
fn loopback_dns() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = udp.local_addr().unwrap();
    let names = Arc::new(Mutex::new(Vec::new()));
    let seen = names.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while let Ok((n, from)) = udp.recv_from(&mut buf) {
            let q = &buf[..n];
            if n < 12 {
                continue;
            }
            let mut i = 12;
            let mut name = String::new();
            while i < n && q[i] != 0 {
                let len = usize::from(q[i]);
                name.push_str(&String::from_utf8_lossy(&q[i + 1..(i + 1 + len).min(n)]));
                name.push('.');
                i += 1 + len;
            }
            let end = i + 5; // the zero byte, type, class
            if end > n {
                continue;
            }
            let qtype = u16::from_be_bytes([q[i + 1], q[i + 2]]);
            seen.lock().unwrap().push(name);
            let a = qtype == 1;
            let mut answer = vec![q[0], q[1], 0x81, 0x80, 0, 1, 0, u8::from(a), 0, 0, 0, 0];
            answer.extend_from_slice(&q[12..end]);
            if a {
                answer.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 127, 0, 0, 1]);
            }
            let _ = udp.send_to(&answer, from);
        }
    });
    (addr, names)
}

#[test]
fn names_are_looked_up_fully_qualified_and_every_address_vetted() {
    let (dns, names) = loopback_dns();
    let t = target(Some(OK));
    let svc = service(|c| c.resolvers = vec![dns]);
    let reply = check(
        svc.addr(),
        &format!("host=intranet&port={}&scheme=http", t.addr.port()),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let v = reply.json();
    assert_eq!(
        (v["up"].clone(), v["address"].clone()),
        (true.into(), "127.0.0.1".into())
    );
    // A single label is asked as is, with no search domain appended.
    let asked = names.lock().unwrap().clone();
    assert!(!asked.is_empty());
    assert!(asked.iter().all(|n| n == "intranet."), "{asked:?}");

    // Without --allow-private, a public-looking name that resolves to loopback is refused.
    let strict = common::service(|c| {
        c.allow_private = false;
        c.resolvers = vec![dns];
    });
    let reply = check(strict.addr(), "host=rebind.example&scheme=http");
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(t.hits(), 1);
}

#[test]
fn one_client_with_too_many_checks_at_once_gets_429() {
    let svc = service(|c| c.timeout_ms = 1500);
    let silent = target(None);
    let addr = svc.addr();
    let query = silent.query();
    let askers: Vec<_> = (0..12)
        .map(|_| {
            let query = query.clone();
            std::thread::spawn(move || check(addr, &query))
        })
        .collect();
    let replies: Vec<Reply> = askers.into_iter().map(|h| h.join().unwrap()).collect();
    let limited: Vec<&Reply> = replies.iter().filter(|r| r.status == 429).collect();
    assert_eq!(
        limited.len(),
        4,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for reply in limited {
        assert_eq!(reply.header("Retry-After"), Some("1"));
        assert!(reply.json()["error"].is_string());
    }
    assert_eq!(silent.hits(), 8);
}

#[test]
fn behind_a_trusted_proxy_each_visitor_has_its_own_bucket() {
    let svc = service(|c| {
        c.rate_per_minute = 2;
        c.trusted_proxies = vec!["127.0.0.5/32".parse().unwrap()];
    });
    let t = target(Some(OK));
    let via = |source: &str, xff: &str| {
        let req = format!(
            "GET /api/v1/check?{} HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: {xff}\r\n\r\n",
            t.query()
        );
        raw_from(ip(source), svc.addr(), req.as_bytes()).status
    };
    // Two visitors through the proxy: two buckets of 2.
    assert_eq!(via("127.0.0.5", "198.51.100.1"), 200);
    assert_eq!(via("127.0.0.5", "198.51.100.1"), 200);
    assert_eq!(via("127.0.0.5", "198.51.100.1"), 429);
    assert_eq!(via("127.0.0.5", "203.0.113.1, 198.51.100.2"), 200);
    // A visitor forging the left part of the header is still itself.
    assert_eq!(via("127.0.0.5", "198.51.100.2, 198.51.100.1"), 429);
    // A client that is not the proxy cannot pick its bucket with the header.
    assert_eq!(via("127.0.0.6", "198.51.100.9"), 200);
    assert_eq!(via("127.0.0.6", "198.51.100.10"), 200);
    let reply = raw_from(
        ip("127.0.0.6"),
        svc.addr(),
        format!(
            "GET /api/v1/check?{} HTTP/1.1\r\nX-Forwarded-For: 198.51.100.11\r\n\r\n",
            t.query()
        )
        .as_bytes(),
    );
    assert_eq!(reply.status, 429);
    let retry: u64 = reply.header("Retry-After").unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
}

#[test]
fn malformed_oversized_and_odd_requests_get_clear_4xx() {
    let svc = service(|_| {});
    let addr = svc.addr();
    let send = |bytes: &[u8]| raw_from(localhost(), addr, bytes).status;
    let mut huge = b"GET / HTTP/1.1\r\nX-Filler: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 9000));
    huge.extend_from_slice(b"\r\n\r\n");
    assert_eq!(send(&huge), 431);
    let mut many = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..150 {
        many.extend_from_slice(format!("X-{i}: y\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    assert_eq!(send(&many), 431);
    let long_line = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(10_000));
    assert!(matches!(send(long_line.as_bytes()), 414 | 431), "long line");
    for (request, want) in [
        (&b"GET /api/v1/check?host=%ff HTTP/1.1\r\n\r\n"[..], 400),
        (b"GET /api/v1/check?host=%zz HTTP/1.1\r\n\r\n", 400),
        (b"GET /%zz HTTP/1.1\r\n\r\n", 404),
        (b"get / HTTP/1.1\r\n\r\n", 400),
        (b"BREW /api/v1/check?host=example.com HTTP/1.1\r\n\r\n", 405),
        (b"OPTIONS * HTTP/1.1\r\n\r\n", 400),
        (b"GET http://example.com/ HTTP/1.1\r\n\r\n", 400),
        (
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            400,
        ),
        (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n", 400),
    ] {
        assert_eq!(send(request), want, "{}", String::from_utf8_lossy(request));
    }
}

#[test]
fn ports_outside_the_allow_list_are_refused_before_any_connection() {
    let t = target(Some(OK));
    let svc = service(|c| c.ports = Some(gateway_doctor_www::config::Ports::List(vec![80, 443])));
    let reply = check(svc.addr(), &t.query());
    assert_eq!(reply.status, 403);
    assert!(
        reply.json()["error"].as_str().unwrap().contains("80, 443"),
        "{}",
        reply.body
    );
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(t.hits(), 0);
}

#[test]
fn health_readiness_and_metrics() {
    let svc = service(|_| {});
    let t = target(Some(OK));
    assert_eq!(get(svc.addr(), "/healthz").status, 200);
    assert_eq!(get(svc.addr(), "/readyz").status, 200);
    let health = get(svc.addr(), "/api/v1/health").json();
    assert_eq!(
        (health["ok"].clone(), health["redis"].clone()),
        (true.into(), "off".into())
    );
    assert_eq!(check(svc.addr(), &t.query()).status, 200);
    assert_eq!(check(svc.addr(), &t.query()).json()["cached"], true);
    let reply = get(svc.addr(), "/metrics");
    assert_eq!(reply.status, 200);
    assert!(reply
        .header("Content-Type")
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    for line in [
        "gd_checks_total{result=\"up\"} ",
        "gd_cache_hits_total ",
        "gd_refusals_total{reason=\"private\"} ",
        "gd_rate_limited_total ",
        "gd_check_duration_seconds_bucket{le=\"+Inf\"} ",
        "gd_check_duration_seconds_count ",
        "gd_redis_up 0",
    ] {
        assert!(reply.body.contains(line), "{line} in\n{}", reply.body);
    }
    // Nothing about visitors or targets.
    assert!(!reply.body.contains("127.0.0.1"));
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits() {
    let silent = target(None);
    let mut child = Command::new(env!("CARGO_BIN_EXE_gateway-doctor-www"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--allow-private",
            "--timeout-ms",
            "1500",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr: SocketAddr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap()
        .parse()
        .unwrap();
    let query = silent.query();
    let in_flight = std::thread::spawn(move || check(addr, &query));
    assert!(eventually(Duration::from_secs(2), || silent.hits() == 1));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let reply = in_flight.join().unwrap();
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["error"], "timeout");
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err());
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("event=stop"), "{stderr}");
    assert!(
        !stderr.contains("127.0.0.1:"),
        "no addresses in the log: {stderr}"
    );
    let _ = std::io::stderr().flush();
}

/// The end-to-end tests start the binary with exactly these flags and check servers on
/// random loopback ports: `--allow-private` still means any port.
#[test]
fn the_end_to_end_tests_flags_still_check_any_local_port() {
    let t = target(Some(OK));
    let mut child = Command::new(env!("CARGO_BIN_EXE_gateway-doctor-www"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--allow-private",
            "--cache-seconds",
            "0",
            "--rate-per-minute",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr: SocketAddr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap()
        .parse()
        .unwrap();
    let first = check(addr, &t.query());
    let second = check(addr, &t.query());
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(first.status, 200, "{}", first.body);
    let v = first.json();
    assert_eq!(
        (v["up"].clone(), v["status"].clone()),
        (true.into(), 200.into())
    );
    assert_eq!(second.json()["cached"], false);
    assert_eq!(t.hits(), 2);
}
