//! Command-line flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use ipnet::IpNet;

pub const USAGE: &str = "\
Usage: gateway-doctor-www [--listen ADDR:PORT] [--static DIR] [--allow-private]
                          [--cache-seconds N] [--rate-per-minute N] [--timeout-ms N]
                          [--ports LIST|any] [--trusted-proxy CIDR]... [--client-header NAME]
                          [--redis URL] [--resolver IP:PORT]...

  --listen ADDR:PORT     where to listen (default 127.0.0.1:8787; port 0 picks a free one)
  --static DIR           folder of the static pages (default: the crate's static/)
  --allow-private        also check loopback, private and link-local targets (tests only)
  --cache-seconds N      keep answers this long, 0 to 86400 (default 30; 0 = no cache)
  --rate-per-minute N    checks a client IP may ask a minute, 0 to 100000 (default 30;
                         0 = unlimited)
  --timeout-ms N         budget of one check, name lookup included, 50 to 60000
                         (default 5000)
  --ports LIST|any       target ports a check may ask for, comma-separated (default
                         80,443,8080,8443; with --allow-private and no --ports: any)
  --trusted-proxy CIDR   a reverse proxy in front (repeatable): only requests from these
                         addresses have their client read from --client-header, from the
                         right, skipping trusted hops
  --client-header NAME   x-forwarded-for (default) or forwarded
  --redis URL            redis://HOST:PORT[/DB]: answers and rate limits shared by every
                         instance on it (default: the REDIS_URL variable, else in memory)
  --resolver IP:PORT     DNS server to ask (repeatable; default: /etc/resolv.conf's)
  -h, --help             this text
  -V, --version          the version";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub listen: SocketAddr,
    pub static_dir: PathBuf,
    pub allow_private: bool,
    pub cache_seconds: u64,
    pub rate_per_minute: u32,
    pub timeout_ms: u64,
    /// Target ports allowed; None: 80, 443, 8080, 8443, or any port with `allow_private`.
    pub ports: Option<Ports>,
    pub trusted_proxies: Vec<IpNet>,
    pub client_header: ClientHeader,
    /// `redis://...`: shared cache and rate limits.
    pub redis: Option<String>,
    /// DNS servers; empty: the system's.
    pub resolvers: Vec<SocketAddr>,
}

/// Ports a check may ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ports {
    Any,
    List(Vec<u16>),
}

/// The ports allowed when `--ports` is not given (and `--allow-private` is not either).
pub const DEFAULT_PORTS: [u16; 4] = [80, 443, 8080, 8443];

impl Config {
    /// Whether a check may ask for `port`.
    pub fn port_allowed(&self, port: u16) -> bool {
        match &self.ports {
            Some(Ports::Any) => true,
            Some(Ports::List(list)) => list.contains(&port),
            None => self.allow_private || DEFAULT_PORTS.contains(&port),
        }
    }
}

/// Which header a trusted proxy names the client in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientHeader {
    #[default]
    XForwardedFor,
    Forwarded,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            static_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("static"),
            allow_private: false,
            cache_seconds: 30,
            rate_per_minute: 30,
            timeout_ms: 5000,
            ports: None,
            trusted_proxies: Vec::new(),
            client_header: ClientHeader::XForwardedFor,
            redis: None,
            resolvers: Vec::new(),
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Run(Config),
    Help,
    Version,
}

/// Parses the flags after the program name. Accepts `--flag value` and `--flag=value`.
pub fn parse_args<I: IntoIterator<Item = String>>(args: I) -> Result<Command, String> {
    let mut config = Config::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match inline.clone().or_else(|| args.next()) {
                Some(v) if !v.is_empty() => Ok(v),
                _ => Err(format!("{name} needs a value")),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--allow-private" => {
                if inline.is_some() {
                    return Err("--allow-private takes no value".into());
                }
                config.allow_private = true;
            }
            "--listen" => {
                let v = value("--listen")?;
                config.listen = v.parse().map_err(|_| {
                    format!("--listen: {v:?} is not an IP address and port such as 127.0.0.1:8787 or [::1]:8787")
                })?;
            }
            "--static" => config.static_dir = PathBuf::from(value("--static")?),
            "--cache-seconds" => {
                config.cache_seconds =
                    number(&value("--cache-seconds")?, "--cache-seconds", 0, 86_400)?
            }
            "--rate-per-minute" => {
                let n = number(
                    &value("--rate-per-minute")?,
                    "--rate-per-minute",
                    0,
                    100_000,
                )?;
                config.rate_per_minute =
                    u32::try_from(n).map_err(|_| "--rate-per-minute: too large".to_string())?;
            }
            "--timeout-ms" => {
                config.timeout_ms = number(&value("--timeout-ms")?, "--timeout-ms", 50, 60_000)?
            }
            "--ports" => config.ports = Some(ports(&value("--ports")?)?),
            "--trusted-proxy" => {
                let v = value("--trusted-proxy")?;
                let net = v
                    .parse::<IpNet>()
                    .or_else(|_| v.parse::<std::net::IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!(
                            "--trusted-proxy: {v:?} is not an address or CIDR such as 10.0.0.0/8"
                        )
                    })?;
                config.trusted_proxies.push(net.trunc());
            }
            "--client-header" => {
                let v = value("--client-header")?;
                config.client_header = match v.to_ascii_lowercase().as_str() {
                    "x-forwarded-for" => ClientHeader::XForwardedFor,
                    "forwarded" => ClientHeader::Forwarded,
                    _ => {
                        return Err(format!(
                            "--client-header: {v:?} is not x-forwarded-for or forwarded"
                        ))
                    }
                };
            }
            "--redis" => {
                let v = value("--redis")?;
                if !(v.starts_with("redis://") || v.starts_with("rediss://")) {
                    return Err(format!("--redis: {v:?} is not a redis:// URL"));
                }
                config.redis = Some(v);
            }
            "--resolver" => {
                let v = value("--resolver")?;
                let addr = v.parse().map_err(|_| {
                    format!("--resolver: {v:?} is not an IP address and port such as 127.0.0.53:53")
                })?;
                config.resolvers.push(addr);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Command::Run(config))
}

fn ports(text: &str) -> Result<Ports, String> {
    if text.eq_ignore_ascii_case("any") {
        return Ok(Ports::Any);
    }
    text.split(',')
        .map(|p| match p.trim().parse::<u16>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!(
                "--ports: {p:?} is not a port from 1 to 65535 (give a comma-separated list, or any)"
            )),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Ports::List)
}

fn number(text: &str, flag: &str, min: u64, max: u64) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "{flag}: {text:?} is not a whole number from {min} to {max}"
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_and_every_flag() {
        assert_eq!(parse(&[]), Ok(Command::Run(Config::default())));
        let got = parse(&[
            "--listen",
            "[::1]:0",
            "--static=/tmp/site",
            "--allow-private",
            "--cache-seconds",
            "0",
            "--rate-per-minute=5",
            "--timeout-ms",
            "250",
            "--ports",
            "80,8080",
            "--trusted-proxy",
            "10.1.2.3/8",
            "--trusted-proxy=2001:db8::1",
            "--client-header",
            "Forwarded",
            "--redis",
            "redis://127.0.0.1:6379",
            "--resolver",
            "127.0.0.1:5353",
        ]);
        let want = Config {
            listen: "[::1]:0".parse().unwrap(),
            static_dir: PathBuf::from("/tmp/site"),
            allow_private: true,
            cache_seconds: 0,
            rate_per_minute: 5,
            timeout_ms: 250,
            ports: Some(Ports::List(vec![80, 8080])),
            trusted_proxies: vec![
                "10.0.0.0/8".parse().unwrap(),
                "2001:db8::1/128".parse().unwrap(),
            ],
            client_header: ClientHeader::Forwarded,
            redis: Some("redis://127.0.0.1:6379".into()),
            resolvers: vec!["127.0.0.1:5353".parse().unwrap()],
        };
        assert_eq!(got, Ok(Command::Run(want)));
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
        assert_eq!(parse(&["-V"]), Ok(Command::Version));
    }

    #[test]
    fn the_port_list() {
        let mut config = Config::default();
        assert!(config.port_allowed(443) && config.port_allowed(8080));
        assert!(!config.port_allowed(22));
        config.allow_private = true;
        assert!(config.port_allowed(22));
        config.ports = Some(Ports::List(vec![443]));
        assert!(!config.port_allowed(22) && !config.port_allowed(80));
        config.ports = Some(Ports::Any);
        assert!(config.port_allowed(22));
        assert_eq!(ports("any"), Ok(Ports::Any));
        assert_eq!(ports("80, 443"), Ok(Ports::List(vec![80, 443])));
    }

    #[test]
    fn bad_flags_say_what_is_wrong() {
        let table: &[(&[&str], &str)] = &[
            (&["--listen"], "--listen needs a value"),
            (
                &["--listen", "localhost:80"],
                "is not an IP address and port",
            ),
            (&["--listen", "127.0.0.1"], "is not an IP address and port"),
            (&["--timeout-ms", "10"], "from 50 to 60000"),
            (&["--timeout-ms", "abc"], "is not a whole number"),
            (&["--cache-seconds", "-1"], "from 0 to 86400"),
            (&["--rate-per-minute", "1e3"], "--rate-per-minute"),
            (&["--static="], "--static needs a value"),
            (&["--allow-private=yes"], "takes no value"),
            (&["--port", "80"], "unknown argument \"--port\""),
            (&["serve"], "unknown argument \"serve\""),
            (&["--ports", "80,0"], "--ports"),
            (&["--ports", "web"], "--ports"),
            (&["--trusted-proxy", "proxy.local"], "--trusted-proxy"),
            (&["--client-header", "x-real-ip"], "--client-header"),
            (&["--redis", "127.0.0.1:6379"], "redis://"),
            (&["--resolver", "127.0.0.1"], "--resolver"),
        ];
        for (args, want) in table {
            match parse(args) {
                Err(message) => assert!(message.contains(want), "{args:?}: {message}"),
                Ok(cmd) => panic!("{args:?} accepted: {cmd:?}"),
            }
        }
    }
}
