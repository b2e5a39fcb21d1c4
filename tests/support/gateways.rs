//! Real gateways from Debian (nginx, Apache httpd with mod_proxy, HAProxy) started on 127.0.0.1
//! in front of a dead, a silent and a hanging-up upstream, so tests diagnose the pages the
//! real software writes. Each server runs from its own config in a temporary folder, in its own
//! process group, and is stopped with that whole group (master, workers, children) when dropped.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The upstreams every gateway is put in front of.
pub struct Upstreams {
    /// A port with nothing listening.
    pub dead: u16,
    /// Accepts and never answers.
    pub silent: u16,
    /// Reads the request, then hangs up without a word.
    pub hangup: u16,
}

impl Upstreams {
    pub fn start() -> Upstreams {
        let dead = free_port();
        let silent = TcpListener::bind("127.0.0.1:0").expect("bind silent upstream");
        let silent_port = silent.local_addr().expect("addr").port();
        thread::spawn(move || {
            let mut held = Vec::new();
            for stream in silent.incoming().flatten() {
                held.push(stream); // keep it open, say nothing
            }
        });
        let hangup = TcpListener::bind("127.0.0.1:0").expect("bind hangup upstream");
        let hangup_port = hangup.local_addr().expect("addr").port();
        thread::spawn(move || {
            for mut stream in hangup.incoming().flatten() {
                let mut buf = [0u8; 4096];
                let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                let _ = stream.read(&mut buf);
            }
        });
        Upstreams {
            dead,
            silent: silent_port,
            hangup: hangup_port,
        }
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A running gateway; its whole process group is stopped, and its folder removed, on drop.
pub struct Gateway {
    pub name: &'static str,
    pub port: u16,
    child: Child,
    dir: PathBuf,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        stop_group(&mut self.child);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// How long a gateway gets to stop on SIGTERM before its group is killed.
const GRACE: Duration = Duration::from_secs(3);

/// Stops a gateway started as the leader of its own process group, and everything it forked
/// (nginx's workers, Apache's children): SIGTERM to the group, up to `GRACE` for the group to
/// be gone, then SIGKILL. Signalling only the leader would orphan the rest, still listening.
fn stop_group(child: &mut Child) {
    let pgid = child.id();
    if signal_group("TERM", pgid).is_none() {
        // No /bin/kill: stop the leader at least.
        let _ = child.kill();
        let _ = child.wait();
        return;
    }
    if !wait_until_gone(child, pgid, GRACE) {
        signal_group("KILL", pgid);
        if !wait_until_gone(child, pgid, Duration::from_secs(2)) {
            eprintln!("warning: process group {pgid} survived SIGKILL");
        }
    }
    let _ = child.wait();
}

/// `kill -SIGNAL -- -PGID`: whether the group took the signal, or None when `kill` cannot run.
fn signal_group(signal: &str, pgid: u32) -> Option<bool> {
    Command::new("/bin/kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(format!("-{pgid}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()
        .map(|status| status.success())
}

/// Waits until no process of the group is left (`kill -0 -- -PGID` fails).
fn wait_until_gone(child: &mut Child, pgid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        // Reap the leader: until then it stays in the group as a zombie.
        let _ = child.try_wait();
        if signal_group("0", pgid) != Some(true) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(50));
    }
}

fn program(name: &str) -> PathBuf {
    ["/usr/sbin", "/usr/bin", "/sbin"]
        .iter()
        .map(|dir| Path::new(dir).join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("{name} is not installed: `cargo xtask test` installs nginx-light, apache2-bin and haproxy")
        })
}

/// A fresh folder for one gateway, named after `cargo xtask test`'s run marker when there is
/// one: a gateway left running holds its log open there, so the run's end finds it even when it
/// wrote over its environment (nginx does).
fn temp_dir(name: &str) -> PathBuf {
    let run = std::env::var("GD_TEST_RUN").map_or_else(|_| String::new(), |m| format!("{m}-"));
    let dir = std::env::temp_dir().join(format!(
        "gd-{name}-{run}{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn spawn(name: &'static str, port: u16, dir: PathBuf, cmd: &mut Command) -> Gateway {
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group: stopping the group reaches every worker and child it forks.
        .process_group(0)
        .spawn()
        .expect("start gateway");
    let gateway = Gateway {
        name,
        port,
        child,
        dir,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{name} did not start listening on {port}"
        );
        thread::sleep(Duration::from_millis(20));
    }
    gateway
}

pub fn nginx(up: &Upstreams) -> Gateway {
    let dir = temp_dir("nginx");
    let port = free_port();
    let d = dir.display();
    let conf = format!(
        "worker_processes 1; daemon off; pid {d}/nginx.pid; error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fcgi;
  uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location /dead/ {{ proxy_pass http://127.0.0.1:{}; }}
    location /slow/ {{ proxy_pass http://127.0.0.1:{}; proxy_read_timeout 1s; }}
    location /hangup/ {{ proxy_pass http://127.0.0.1:{}; }}
  }}
}}
",
        up.dead, up.silent, up.hangup
    );
    std::fs::write(dir.join("nginx.conf"), conf).expect("write conf");
    let mut cmd = Command::new(program("nginx"));
    cmd.arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .arg("-e")
        .arg(dir.join("error.log"));
    spawn("nginx", port, dir, &mut cmd)
}

pub fn apache(up: &Upstreams) -> Gateway {
    let dir = temp_dir("apache");
    let port = free_port();
    let d = dir.display();
    let modules = "/usr/lib/apache2/modules";
    let conf = format!(
        "ServerRoot {d}
PidFile {d}/httpd.pid
DefaultRuntimeDir {d}
Mutex file:{d} default
ErrorLog {d}/error.log
LogLevel crit
Listen 127.0.0.1:{port}
ServerName localhost
User nobody
Group nogroup
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule proxy_module {modules}/mod_proxy.so
LoadModule proxy_http_module {modules}/mod_proxy_http.so
ServerSignature On
ProxyPass /dead/ http://127.0.0.1:{}/ retry=0
ProxyPass /slow/ http://127.0.0.1:{}/ timeout=1 retry=0
ProxyPass /hangup/ http://127.0.0.1:{}/ retry=0
",
        up.dead, up.silent, up.hangup
    );
    std::fs::write(dir.join("httpd.conf"), conf).expect("write conf");
    let mut cmd = Command::new(program("apache2"));
    cmd.arg("-f")
        .arg(dir.join("httpd.conf"))
        .arg("-DFOREGROUND");
    spawn("apache", port, dir, &mut cmd)
}

pub fn haproxy(up: &Upstreams) -> Gateway {
    let dir = temp_dir("haproxy");
    let port = free_port();
    let conf = format!(
        "defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 1s
frontend web
  bind 127.0.0.1:{port}
  use_backend dead if {{ path_beg /dead/ }}
  use_backend slow if {{ path_beg /slow/ }}
  use_backend hangup if {{ path_beg /hangup/ }}
backend dead
  server app 127.0.0.1:{}
backend slow
  server app 127.0.0.1:{}
backend hangup
  server app 127.0.0.1:{}
",
        up.dead, up.silent, up.hangup
    );
    std::fs::write(dir.join("haproxy.cfg"), conf).expect("write conf");
    let mut cmd = Command::new(program("haproxy"));
    cmd.arg("-f").arg(dir.join("haproxy.cfg")).arg("-db");
    spawn("haproxy", port, dir, &mut cmd)
}

/// A raw HTTP/1.1 response: status, headers and body, as the browser would have received it.
pub struct Captured {
    pub status: u16,
    pub status_line: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

pub fn get(port: u16, path: &str) -> Captured {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut stream = TcpStream::connect(addr).expect("connect gateway");
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: gateway-doctor-test\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a response head");
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or_default().to_string();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Captured {
        status,
        status_line,
        headers,
        body: body.to_string(),
    }
}
