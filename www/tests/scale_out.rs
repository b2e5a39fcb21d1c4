//! Two instances on one Redis (Debian's redis-server, started here on a free loopback port):
//! they share one client's rate limit and one cache entry; with Redis gone both keep
//! answering on their own; with Redis back they share again.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;

const REDIS_SERVER: &str = "/usr/bin/redis-server";

/// A redis-server of this test's own, in its own process group, killed when dropped (also
/// when the test panics).
struct Redis {
    port: u16,
    child: Option<Child>,
}

impl Redis {
    fn start(port: u16) -> Redis {
        assert!(
            Path::new(REDIS_SERVER).exists(),
            "{REDIS_SERVER} is missing: the scale-out tests need Debian's redis-server \
             (apt-get install redis-server; cargo xtask test installs it)"
        );
        let port_arg = port.to_string();
        let child = Command::new(REDIS_SERVER)
            .args([
                "--port",
                &port_arg,
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--loglevel",
                "warning",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {REDIS_SERVER}: {e}"));
        let redis = Redis {
            port,
            child: Some(child),
        };
        assert!(
            eventually(Duration::from_secs(10), || redis.ping()),
            "redis-server did not answer PING on port {port}"
        );
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn ping(&self) -> bool {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        let mut buf = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut buf).is_ok()
            && &buf == b"+PONG\r\n"
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // The whole process group: redis-server and anything it forked.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn ready(addr: SocketAddr) -> bool {
    get(addr, "/readyz").status == 200
}

#[test]
fn two_instances_share_limits_and_answers_and_survive_redis_going_away() {
    let port = free_port();
    let mut redis = Redis::start(port);
    let instance = || {
        service(|c| {
            c.redis = Some(redis.url());
            c.rate_per_minute = 3;
            c.cache_seconds = 60;
            c.timeout_ms = 1000;
        })
    };
    let (a, b) = (instance(), instance());
    let (a, b) = (a.addr(), b.addr());
    for addr in [a, b] {
        assert!(
            eventually(Duration::from_secs(10), || ready(addr)),
            "{addr} not ready"
        );
        assert_eq!(get(addr, "/api/v1/health").json()["redis"], "up");
    }

    // One cache entry: B answers with A's check, and the target is asked once.
    let t = target(Some(OK));
    let first = check(a, &t.query());
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["cached"], false);
    let second = check(b, &t.query()).json();
    assert_eq!(second["cached"], true);
    assert_eq!(second["checkedAt"], first.json()["checkedAt"]);
    assert_eq!(t.hits(), 1);
    // One rate limit: 3 a minute for this client, wherever it asks.
    assert_eq!(check(a, &t.query()).status, 200);
    let limited = check(b, &t.query());
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.header("Retry-After").is_some());
    assert_eq!(check(a, &t.query()).status, 429);

    // Redis goes away: both keep answering, each from its own store, and say so.
    redis.stop();
    let t2 = target(Some(OK));
    for addr in [a, b] {
        let started = std::time::Instant::now();
        let reply = check(addr, &t2.query());
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    for addr in [a, b] {
        assert!(
            eventually(Duration::from_secs(5), || !ready(addr)),
            "{addr} still ready"
        );
        assert_eq!(get(addr, "/readyz").status, 503);
        assert_eq!(get(addr, "/api/v1/health").json()["redis"], "down");
        assert!(get(addr, "/metrics").body.contains("gd_redis_up 0"));
        assert_eq!(check(addr, &t2.query()).status, 200);
    }

    // Redis is back (empty): both reconnect by themselves and share again.
    let _redis = Redis::start(port);
    for addr in [a, b] {
        assert!(
            eventually(Duration::from_secs(15), || ready(addr)),
            "{addr} not ready again"
        );
    }
    let t3 = target(Some(OK));
    assert_eq!(check(a, &t3.query()).json()["cached"], false);
    assert_eq!(check(b, &t3.query()).json()["cached"], true);
    assert_eq!(t3.hits(), 1);
    assert_eq!(check(a, &t3.query()).status, 200);
    assert_eq!(check(b, &t3.query()).status, 429);
}
