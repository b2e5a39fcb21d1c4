//! Throughput of the checker for cached answers, on 127.0.0.1: one instance, two instances on
//! one Redis behind nginx, and nginx serving the same JSON as a static file, each under the
//! same load (concurrent clients, one request per connection, each client on its own loopback
//! address). Run by `cargo xtask bench --only checker`, or by hand:
//!
//! ```sh
//! cargo build --release -p gateway-doctor-www --bins --examples
//! target/release/examples/bench target/release/gateway-doctor-www [SECONDS] [CLIENTS]
//! ```
//!
//! Needs nginx and redis-server (Debian's nginx-light and redis-server). Prints one row per
//! setup: requests a second, median and 99th percentile latency.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A child process killed (with its process group) when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        // Asked first (nginx's master then reaps its worker), then the whole group, killed.
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .stderr(Stdio::null())
            .status();
        let until = Instant::now() + Duration::from_secs(3);
        while Instant::now() < until && matches!(self.0.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(command: &mut Command) -> Guard {
    use std::os::unix::process::CommandExt;
    let child = command
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    Guard(child)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(addr: SocketAddr) {
    let until = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(Instant::now() < until, "nothing listens on {addr}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts the checker binary and reads its `listening on` line.
fn checker(bin: &Path, extra: &[&str]) -> (Guard, SocketAddr) {
    let mut child = Command::new(bin);
    child
        .args([
            "--listen",
            "127.0.0.1:0",
            "--allow-private",
            "--rate-per-minute",
            "0",
            "--cache-seconds",
            "3600",
        ])
        .args(extra)
        .stdout(Stdio::piped());
    let mut guard = spawn(&mut child);
    let mut line = String::new();
    BufReader::new(guard.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("{line:?}"))
        .parse()
        .unwrap();
    (guard, addr)
}

/// nginx with `server_block` inside `http {}`, in a folder of its own.
fn nginx(dir: &Path, server_block: &str) -> Guard {
    std::fs::create_dir_all(dir).unwrap();
    let d = dir.display();
    let conf = format!(
        "daemon off;\nuser root;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 4096; }}\n\
         http {{\n access_log off;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n\
         {server_block}\n}}\n"
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("nginx is missing (apt-get install nginx-light)");
    spawn(Command::new(nginx).arg("-c").arg(&path).arg("-p").arg(dir))
}

/// The target every check asks about: answers 200 to anything.
fn target() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        }
    });
    addr
}

fn get(addr: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

struct Figures {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: usize,
}

/// `clients` loops, each on its own loopback address, asking `path` over a new connection
/// each time, for `seconds`.
fn load(addr: SocketAddr, path: &str, clients: u8, seconds: u64) -> Figures {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n");
    let (latencies, errors, took) = runtime.block_on(async move {
        let started = Instant::now();
        let until = started + Duration::from_secs(seconds);
        let tasks: Vec<_> = (0..clients)
            .map(|i| {
                let request = request.clone();
                tokio::spawn(async move {
                    let source = SocketAddr::new(IpAddr::from([127, 0, 3, i + 1]), 0);
                    let mut latencies = Vec::new();
                    let mut errors = 0;
                    let mut reply = Vec::with_capacity(1024);
                    while Instant::now() < until {
                        let one = Instant::now();
                        let ok = async {
                            let socket = tokio::net::TcpSocket::new_v4()?;
                            socket.bind(source)?;
                            let mut stream = socket.connect(addr).await?;
                            stream.write_all(request.as_bytes()).await?;
                            reply.clear();
                            stream.read_to_end(&mut reply).await?;
                            Ok::<bool, std::io::Error>(reply.starts_with(b"HTTP/1.1 200"))
                        }
                        .await;
                        match ok {
                            Ok(true) => latencies.push(one.elapsed()),
                            _ => errors += 1,
                        }
                    }
                    (latencies, errors)
                })
            })
            .collect();
        let mut all = Vec::new();
        let mut errors = 0;
        for task in tasks {
            let (latencies, e) = task.await.unwrap();
            all.extend(latencies);
            errors += e;
        }
        (all, errors, started.elapsed())
    });
    let mut latencies = latencies;
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    Figures {
        per_second: latencies.len() as f64 / took.as_secs_f64(),
        p50_ms: at(0.5),
        p99_ms: at(0.99),
        errors,
    }
}

fn row(name: &str, f: &Figures) {
    println!(
        "{name:<44} {:>8.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms{}",
        f.per_second,
        f.p50_ms,
        f.p99_ms,
        if f.errors > 0 {
            format!("   ({} failed)", f.errors)
        } else {
            String::new()
        }
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let bin = PathBuf::from(
        args.next()
            .expect("usage: bench CHECKER_BINARY [SECONDS] [CLIENTS]"),
    );
    let seconds: u64 = args.next().map_or(5, |s| s.parse().expect("SECONDS"));
    let clients: u8 = args.next().map_or(64, |s| s.parse().expect("CLIENTS"));
    assert!(
        Path::new("/usr/bin/redis-server").exists(),
        "redis-server is missing (apt-get install redis-server)"
    );
    let dir = std::env::temp_dir().join(format!("gd-checker-bench-{}", std::process::id()));
    let target = target();
    let path = format!(
        "/api/v1/check?host=127.0.0.1&port={}&scheme=http",
        target.port()
    );
    println!(
        "\nchecker, cached answers, {clients} concurrent clients, one request per connection, \
         {seconds} s each, everything on 127.0.0.1"
    );

    // One instance.
    let (_one, one) = checker(&bin, &[]);
    let answer = get(one, &path);
    let body = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    assert!(body.contains("\"up\":true"), "{answer}");
    row("checker, 1 instance", &load(one, &path, clients, seconds));

    // Two instances on one Redis, behind nginx.
    let redis_port = free_port();
    let _redis = spawn(
        Command::new("/usr/bin/redis-server")
            .args(["--port", &redis_port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null()),
    );
    wait_for(SocketAddr::from(([127, 0, 0, 1], redis_port)));
    let redis = format!("redis://127.0.0.1:{redis_port}");
    let shared = ["--redis", redis.as_str(), "--trusted-proxy", "127.0.0.1"];
    let (_a, a) = checker(&bin, &shared);
    let (_b, b) = checker(&bin, &shared);
    let until = Instant::now() + Duration::from_secs(10);
    while !(get(a, "/readyz").contains(" 200 ") && get(b, "/readyz").contains(" 200 ")) {
        assert!(Instant::now() < until, "the instances did not reach Redis");
        std::thread::sleep(Duration::from_millis(100));
    }
    let lb_port = free_port();
    let _lb = nginx(
        &dir.join("lb"),
        &format!(
            "upstream checker {{ server {a}; server {b}; }}\n\
             server {{ listen 127.0.0.1:{lb_port}; location / {{ proxy_pass http://checker; \
             proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; }} }}"
        ),
    );
    let lb = SocketAddr::from(([127, 0, 0, 1], lb_port));
    wait_for(lb);
    let warm = get(lb, &path);
    assert!(warm.contains("\"up\":true"), "{warm}");
    // The other instance has it from Redis.
    assert!(get(lb, &path).contains("\"cached\":true"));
    row(
        "checker, 2 instances + Redis behind nginx",
        &load(lb, &path, clients, seconds),
    );

    // nginx serving the same JSON from a file.
    let site = dir.join("site");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join("answer.json"), &body).unwrap();
    let static_port = free_port();
    let _static = nginx(
        &dir.join("static"),
        &format!(
            "server {{ listen 127.0.0.1:{static_port}; root {}; \
             location / {{ default_type application/json; }} }}",
            site.display()
        ),
    );
    let st = SocketAddr::from(([127, 0, 0, 1], static_port));
    wait_for(st);
    row(
        "nginx, the same JSON as a static file",
        &load(st, "/answer.json", clients, seconds),
    );
    let _ = std::fs::remove_dir_all(&dir);
}
