//! Command-line flags.

use std::net::SocketAddr;
use std::path::PathBuf;

pub const USAGE: &str = "\
Usage: gateway-doctor-www [--listen ADDR:PORT] [--static DIR] [--allow-private]
                          [--cache-seconds N] [--rate-per-minute N] [--timeout-ms N]

  --listen ADDR:PORT     where to listen (default 127.0.0.1:8787; port 0 picks a free one)
  --static DIR           folder of the static pages (default: the crate's static/)
  --allow-private        also check loopback, private and link-local targets (tests only)
  --cache-seconds N      keep answers this long, 0 to 86400 (default 30; 0 = no cache)
  --rate-per-minute N    checks a client IP may ask a minute, 0 to 100000 (default 30;
                         0 = unlimited)
  --timeout-ms N         budget of one check, name lookup included, 50 to 60000
                         (default 5000)
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
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Command::Run(config))
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
        ]);
        let want = Config {
            listen: "[::1]:0".parse().unwrap(),
            static_dir: PathBuf::from("/tmp/site"),
            allow_private: true,
            cache_seconds: 0,
            rate_per_minute: 5,
            timeout_ms: 250,
        };
        assert_eq!(got, Ok(Command::Run(want)));
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
        assert_eq!(parse(&["-V"]), Ok(Command::Version));
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
        ];
        for (args, want) in table {
            match parse(args) {
                Err(message) => assert!(message.contains(want), "{args:?}: {message}"),
                Ok(cmd) => panic!("{args:?} accepted: {cmd:?}"),
            }
        }
    }
}
