//! Real gateways from Debian started on 127.0.0.1 in front of a dead, a silent and a hanging-up
//! upstream, so tests diagnose the pages the real software writes: nginx, Apache httpd with
//! mod_proxy, HAProxy, Varnish, Squid (as an accelerator), lighttpd (mod_proxy), Apache Traffic
//! Server, H2O and Caddy; and Tomcat 10, which proxies nothing, with JSPs whose backend is one
//! of those upstreams. Each server runs from its own minimal config in a temporary folder, in its
//! own process group, and is stopped with that whole group (master, workers, children) when
//! dropped.

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

/// A port nothing listens on now and that this process has not handed out before: the gateways
/// start in parallel, and the kernel may give a port it just handed out (and got back unbound)
/// to the next caller too, so that two gateways would race for it.
pub fn free_port() -> u16 {
    static HANDED_OUT: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
        if !handed_out.contains(&port) {
            handed_out.push(port);
            return port;
        }
    }
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
            panic!("{name} is not installed: `cargo xtask test` installs it (GATEWAYS in xtask/src/tools.rs)")
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
    // What it says on the way out lands in its folder, quoted when it does not start.
    let log = std::fs::File::create(dir.join("console.log")).expect("console log");
    let child = cmd
        .stdout(log.try_clone().expect("console log"))
        .stderr(log)
        // Its own process group: stopping the group reaches every worker and child it forks.
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("start {name}: {e}"));
    let mut gateway = Gateway {
        name,
        port,
        child,
        dir,
    };
    // Tomcat's JVM takes seconds on a busy machine.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !answers_http(port) {
        let exited = gateway.child.try_wait().ok().flatten();
        if exited.is_some() || Instant::now() >= deadline {
            let said = std::fs::read_to_string(gateway.dir.join("console.log")).unwrap_or_default();
            let tail: String = said
                .lines()
                .rev()
                .take(20)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n");
            match exited {
                Some(status) => {
                    panic!("{name} exited ({status}) before listening on {port}:\n{tail}")
                }
                None => panic!("{name} did not start listening on {port}:\n{tail}"),
            }
        }
        thread::sleep(Duration::from_millis(20));
    }
    gateway
}

/// Whether the gateway answers a request. An open port is not enough: in one fresh CI run Apache
/// accepted its first requests and then reset them. A gateway that holds the request without
/// answering (up to 2 s) has read it, and counts as up.
fn answers_http(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    if stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .is_err()
        || write!(
            stream,
            "GET /gd-ready HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n"
        )
        .is_err()
    {
        return false;
    }
    let mut first = [0u8; 1];
    match stream.read(&mut first) {
        Ok(read) => read > 0,
        Err(e) => matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

pub fn nginx(up: &Upstreams) -> Gateway {
    let bin = program("nginx");
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
    let mut cmd = Command::new(bin);
    cmd.arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .arg("-e")
        .arg(dir.join("error.log"));
    spawn("nginx", port, dir, &mut cmd)
}

pub fn apache(up: &Upstreams) -> Gateway {
    let bin = program("apache2");
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
    let mut cmd = Command::new(bin);
    cmd.arg("-f")
        .arg(dir.join("httpd.conf"))
        .arg("-DFOREGROUND");
    spawn("apache", port, dir, &mut cmd)
}

pub fn haproxy(up: &Upstreams) -> Gateway {
    let bin = program("haproxy");
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
    let mut cmd = Command::new(bin);
    cmd.arg("-f").arg(dir.join("haproxy.cfg")).arg("-db");
    spawn("haproxy", port, dir, &mut cmd)
}

/// Varnish, with its own working folder and no jail (it stays the user that started it).
pub fn varnish(up: &Upstreams) -> Gateway {
    let bin = program("varnishd");
    let dir = temp_dir("varnish");
    let port = free_port();
    let backend = |name: &str, port: u16| {
        format!(
            "backend {name} {{ .host = \"127.0.0.1\"; .port = \"{port}\"; \
             .connect_timeout = 1s; .first_byte_timeout = 1s; .between_bytes_timeout = 1s; }}\n"
        )
    };
    let vcl = format!(
        "vcl 4.1;\n{}{}{}sub vcl_recv {{
  if (req.url ~ \"^/slow/\") {{ set req.backend_hint = slow; }}
  elsif (req.url ~ \"^/hangup/\") {{ set req.backend_hint = hangup; }}
  else {{ set req.backend_hint = dead; }}
}}
",
        backend("dead", up.dead),
        backend("slow", up.silent),
        backend("hangup", up.hangup)
    );
    std::fs::write(dir.join("default.vcl"), vcl).expect("write vcl");
    let mut cmd = Command::new(bin);
    cmd.arg("-F")
        .arg("-j")
        .arg("none")
        .arg("-a")
        .arg(format!("127.0.0.1:{port}"))
        .arg("-T")
        .arg("none")
        .arg("-n")
        .arg(dir.join("work"))
        .arg("-f")
        .arg(dir.join("default.vcl"))
        .args(["-s", "malloc,16m", "-l", "2m"]);
    spawn("varnish", port, dir, &mut cmd)
}

/// Squid as a reverse proxy (accelerator) with one origin peer per upstream.
pub fn squid(up: &Upstreams) -> Gateway {
    let bin = program("squid");
    let dir = temp_dir("squid");
    let port = free_port();
    let d = dir.display();
    let peer = |name: &str, port: u16| {
        format!(
            "cache_peer 127.0.0.1 parent {port} 0 no-query no-digest originserver name={name}
acl {name}_path urlpath_regex ^/{name}/
cache_peer_access {name} allow {name}_path
cache_peer_access {name} deny all
"
        )
    };
    let conf = format!(
        "http_port 127.0.0.1:{port} accel defaultsite=shop.example
visible_hostname gw.example
pid_filename {d}/squid.pid
cache_log {d}/cache.log
access_log none
cache_store_log none
coredump_dir {d}
cache deny all
http_access allow all
never_direct allow all
connect_timeout 1 seconds
read_timeout 1 seconds
forward_timeout 2 seconds
connect_retries 0
shutdown_lifetime 0 seconds
pinger_enable off
{}{}{}",
        peer("dead", up.dead),
        peer("slow", up.silent),
        peer("hangup", up.hangup)
    );
    // Squid drops to its own user (proxy) after start: it must still write its logs here. No
    // pinger: that helper starts its own session, out of reach of the group's stop.
    open_to_all(&dir);
    std::fs::write(dir.join("squid.conf"), conf).expect("write conf");
    let mut cmd = Command::new(bin);
    cmd.arg("-N").arg("-f").arg(dir.join("squid.conf"));
    spawn("squid", port, dir, &mut cmd)
}

pub fn lighttpd(up: &Upstreams) -> Gateway {
    let bin = program("lighttpd");
    let dir = temp_dir("lighttpd");
    let port = free_port();
    let d = dir.display();
    let route = |name: &str, port: u16| {
        format!(
            "$HTTP[\"url\"] =~ \"^/{name}/\" {{ proxy.server = ( \"\" => ( ( \"host\" => \"127.0.0.1\", \"port\" => {port}, \"connect-timeout\" => 1, \"read-timeout\" => 1 ) ) ) }}\n"
        )
    };
    let conf = format!(
        "server.modules = ( \"mod_proxy\" )
server.bind = \"127.0.0.1\"
server.port = {port}
server.document-root = \"{d}\"
server.errorlog = \"{d}/error.log\"
server.pid-file = \"{d}/lighttpd.pid\"
{}{}{}",
        route("dead", up.dead),
        route("slow", up.silent),
        route("hangup", up.hangup)
    );
    std::fs::write(dir.join("lighttpd.conf"), conf).expect("write conf");
    let mut cmd = Command::new(bin);
    cmd.arg("-D").arg("-f").arg(dir.join("lighttpd.conf"));
    spawn("lighttpd", port, dir, &mut cmd)
}

/// Apache Traffic Server from a copy of Debian's configuration, with its records, remap rules
/// and run-time state in its own folder (environment overrides point it there).
pub fn traffic_server(up: &Upstreams) -> Gateway {
    let bin = program("traffic_server");
    let dir = temp_dir("trafficserver");
    let port = free_port();
    let etc = dir.join("etc");
    for sub in ["etc", "run", "log", "cache"] {
        std::fs::create_dir_all(dir.join(sub)).expect("ats dirs");
    }
    for file in [
        "cache.config",
        "hosting.config",
        "ip_allow.yaml",
        "logging.yaml",
        "parent.config",
        "plugin.config",
        "sni.yaml",
        "socks.config",
        "splitdns.config",
        "ssl_multicert.config",
        "strategies.yaml",
        "volume.config",
    ] {
        let _ = std::fs::copy(Path::new("/etc/trafficserver").join(file), etc.join(file));
    }
    let d = dir.display();
    let records = format!(
        "CONFIG proxy.config.http.server_ports STRING 127.0.0.1:{port}
CONFIG proxy.config.admin.user_id STRING #-1
CONFIG proxy.config.local_state_dir STRING {d}/run
CONFIG proxy.config.log.logfile_dir STRING {d}/log
CONFIG proxy.config.body_factory.template_sets_dir STRING /etc/trafficserver/body_factory
CONFIG proxy.config.url_remap.remap_required INT 1
CONFIG proxy.config.http.connect_attempts_max_retries INT 0
CONFIG proxy.config.http.connect_attempts_max_retries_down_server INT 0
CONFIG proxy.config.http.connect_attempts_timeout INT 1
CONFIG proxy.config.http.transaction_no_activity_timeout_out INT 1
CONFIG proxy.config.diags.debug.enabled INT 0
CONFIG proxy.config.http.cache.http INT 0
CONFIG proxy.config.task_threads INT 1
CONFIG proxy.config.exec_thread.autoconfig INT 0
CONFIG proxy.config.exec_thread.limit INT 1
CONFIG proxy.config.accept_threads INT 0
"
    );
    std::fs::write(etc.join("records.config"), records).expect("write records");
    let remap = format!(
        "map http://shop.example/dead/ http://127.0.0.1:{}/dead/
map http://shop.example/slow/ http://127.0.0.1:{}/slow/
map http://shop.example/hangup/ http://127.0.0.1:{}/hangup/
",
        up.dead, up.silent, up.hangup
    );
    std::fs::write(etc.join("remap.config"), remap).expect("write remap");
    std::fs::write(etc.join("storage.config"), "").expect("write storage");
    let mut cmd = Command::new(bin);
    cmd.env("PROXY_CONFIG_CONFIG_DIR", &etc)
        .env("PROXY_CONFIG_LOCAL_STATE_DIR", dir.join("run"))
        .env("PROXY_CONFIG_LOG_LOGFILE_DIR", dir.join("log"));
    spawn("trafficserver", port, dir, &mut cmd)
}

pub fn h2o(up: &Upstreams) -> Gateway {
    let bin = program("h2o");
    let dir = temp_dir("h2o");
    let port = free_port();
    let d = dir.display();
    // Started as root, H2O switches to nobody unless told otherwise, and nobody cannot use
    // this folder.
    let user = if running_as_root() {
        "user: root\n"
    } else {
        ""
    };
    let conf = format!(
        "listen:
  host: 127.0.0.1
  port: {port}
{user}pid-file: {d}/h2o.pid
error-log: {d}/error.log
proxy.timeout.io: 1000
hosts:
  default:
    paths:
      /dead/:
        proxy.reverse.url: http://127.0.0.1:{}/
      /slow/:
        proxy.reverse.url: http://127.0.0.1:{}/
      /hangup/:
        proxy.reverse.url: http://127.0.0.1:{}/
",
        up.dead, up.silent, up.hangup
    );
    std::fs::write(dir.join("h2o.conf"), conf).expect("write conf");
    let mut cmd = Command::new(bin);
    cmd.arg("-c").arg(dir.join("h2o.conf"));
    spawn("h2o", port, dir, &mut cmd)
}

/// Caddy from a Caddyfile, without its admin endpoint (a fixed port) or automatic HTTPS, its
/// data and config folders (HOME, XDG_*) in its own folder.
pub fn caddy(up: &Upstreams) -> Gateway {
    let bin = program("caddy");
    let dir = temp_dir("caddy");
    let port = free_port();
    let conf = format!(
        "{{
  admin off
  auto_https off
}}
http://:{port} {{
  bind 127.0.0.1
  handle /dead/* {{
    reverse_proxy 127.0.0.1:{}
  }}
  handle /slow/* {{
    reverse_proxy 127.0.0.1:{} {{
      transport http {{
        dial_timeout 1s
        response_header_timeout 1s
      }}
    }}
  }}
  handle /hangup/* {{
    reverse_proxy 127.0.0.1:{}
  }}
}}
",
        up.dead, up.silent, up.hangup
    );
    std::fs::write(dir.join("Caddyfile"), conf).expect("write conf");
    let mut cmd = Command::new(bin);
    cmd.arg("run")
        .arg("--config")
        .arg(dir.join("Caddyfile"))
        .arg("--adapter")
        .arg("caddyfile")
        .env("HOME", &dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"));
    spawn("caddy", port, dir, &mut cmd)
}

/// Tomcat 10 from Debian's installation (CATALINA_HOME) with its own CATALINA_BASE here: an
/// application whose pages fail because the service behind them does. Tomcat proxies nothing,
/// so its own pages are the application's: a JSP that cannot reach its dead backend (500) and one
/// that answers 503 when its silent backend times out.
pub fn tomcat(up: &Upstreams) -> Gateway {
    let home = Path::new("/usr/share/tomcat10");
    assert!(
        home.join("bin/bootstrap.jar").is_file(),
        "Tomcat 10 is not installed: `cargo xtask test` installs tomcat10-common (GATEWAYS in xtask/src/tools.rs)"
    );
    // Debian's default-jre-headless, which tomcat10-common depends on.
    let java = Path::new("/usr/bin/java");
    assert!(
        java.is_file(),
        "no java: `cargo xtask test` installs tomcat10-common, which brings it"
    );
    let dir = temp_dir("tomcat");
    let port = free_port();
    for sub in [
        "conf",
        "logs",
        "temp",
        "work",
        "webapps/ROOT/dead",
        "webapps/ROOT/slow",
    ] {
        std::fs::create_dir_all(dir.join(sub)).expect("tomcat dirs");
    }
    let server = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<Server port=\"-1\" shutdown=\"SHUTDOWN\">
  <Service name=\"Catalina\">
    <Connector address=\"127.0.0.1\" port=\"{port}\" protocol=\"HTTP/1.1\" connectionTimeout=\"5000\"/>
    <Engine name=\"Catalina\" defaultHost=\"localhost\">
      <Host name=\"localhost\" appBase=\"webapps\" unpackWARs=\"false\" autoDeploy=\"false\"/>
    </Engine>
  </Service>
</Server>
"
    );
    std::fs::write(dir.join("conf/server.xml"), server).expect("write server.xml");
    // Only the JSP servlet: Debian's web.xml comes with the tomcat10 package, whose system
    // service is not needed here.
    std::fs::write(
        dir.join("conf/web.xml"),
        "<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"6.0\">
  <servlet><servlet-name>jsp</servlet-name>\
<servlet-class>org.apache.jasper.servlet.JspServlet</servlet-class></servlet>
  <servlet-mapping><servlet-name>jsp</servlet-name><url-pattern>*.jsp</url-pattern></servlet-mapping>
</web-app>
",
    )
    .expect("write web.xml");
    std::fs::write(
        dir.join("conf/context.xml"),
        "<Context><JarScanner scanClassPath=\"false\" scanManifest=\"false\"/></Context>\n",
    )
    .expect("write context.xml");
    std::fs::write(
        dir.join("webapps/ROOT/dead/cart.jsp"),
        format!(
            "<% new java.net.Socket(\"127.0.0.1\", {}).close(); %>\n",
            up.dead
        ),
    )
    .expect("write jsp");
    std::fs::write(
        dir.join("webapps/ROOT/slow/cart.jsp"),
        format!(
            "<% try (java.net.Socket s = new java.net.Socket(\"127.0.0.1\", {})) {{
  s.setSoTimeout(1000); s.getInputStream().read();
}} catch (java.net.SocketTimeoutException e) {{
  response.sendError(503); return;
}} %>\n",
            up.silent
        ),
    )
    .expect("write jsp");
    let mut cmd = Command::new(java);
    cmd.arg("-XX:TieredStopAtLevel=1")
        .arg("-XX:+UseSerialGC")
        .arg("-Xss512k")
        .arg("-cp")
        .arg(format!(
            "{0}/bin/bootstrap.jar:{0}/bin/tomcat-juli.jar",
            home.display()
        ))
        .arg(format!("-Dcatalina.home={}", home.display()))
        .arg(format!("-Dcatalina.base={}", dir.display()))
        .arg(format!("-Djava.io.tmpdir={}", dir.join("temp").display()))
        .arg("-Dtomcat.util.scan.StandardJarScanFilter.jarsToSkip=*.jar")
        .arg("org.apache.catalina.startup.Bootstrap")
        .arg("start");
    spawn("tomcat", port, dir, &mut cmd)
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the process's effective user.
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn open_to_all(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
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
