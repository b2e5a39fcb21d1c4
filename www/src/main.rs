//! `gateway-doctor-www`: flags in, one `listening on http://ADDR` line out, then serve until
//! SIGTERM or SIGINT.

use std::io::Write;
use std::process::ExitCode;

use gateway_doctor_www::config::{parse_args, Command, USAGE};

fn main() -> ExitCode {
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(mut config)) => {
            if config.redis.is_none() {
                config.redis = std::env::var("REDIS_URL")
                    .ok()
                    .filter(|url| !url.is_empty());
            }
            config
        }
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("gateway-doctor-www {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("gateway-doctor-www: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match gateway_doctor_www::start(config) {
        Ok(running) => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "listening on http://{}", running.addr());
            let _ = out.flush();
            drop(out);
            running.wait_for_signal();
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("gateway-doctor-www: {message}");
            ExitCode::FAILURE
        }
    }
}
