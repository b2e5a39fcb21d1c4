//! Gateway Doctor's "is this host up from here?" checker: a small HTTP service that serves
//! the project's static pages and `GET /api/v1/check?host=...`.
//!
//! [`start`] binds and serves on background threads; the binary in `main.rs` only parses
//! flags and prints `listening on http://ADDR`.

mod api;
mod cache;
mod check;
pub mod config;
mod deadline;
mod query;
mod rate;
mod server;
mod static_files;
mod target;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use check::USER_AGENT;
pub use config::Config;

/// The pure parsers of what clients and probed servers send, public only for the fuzz targets
/// and their corpus replay (`fuzz/`, `tests/fuzz_corpus.rs`): not an API to build on.
#[doc(hidden)]
pub mod parsers {
    pub use crate::api::parse_params;
    pub use crate::check::{final_status, Head, MAX_RESPONSE_HEAD};
    pub use crate::query::{parse_query, percent_decode};
    pub use crate::server::{parse_request, read_head, Request, Response, MAX_REQUEST_HEAD};
    pub use crate::target::{parse_port, Host, Scheme};
}

/// A started service. Dropping it stops the listener too.
pub struct Running {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

/// Binds `config.listen` (port 0 picks a free port) and serves until stopped.
pub fn start(config: Config) -> Result<Running, String> {
    let static_root = config
        .static_dir
        .canonicalize()
        .ok()
        .filter(|p| p.is_dir())
        .ok_or_else(|| format!("static folder {} not found", config.static_dir.display()))?;
    let listener = TcpListener::bind(config.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let app = Arc::new(api::App::new(&config, static_root));
    let stop = Arc::new(AtomicBool::new(false));
    {
        // Expired answers and idle rate counters are dropped within seconds, even when no
        // requests come in (the privacy page promises it).
        let (app, stop) = (app.clone(), stop.clone());
        std::thread::Builder::new()
            .name("janitor".into())
            .spawn(move || {
                let mut ticks = 0u32;
                while !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(500));
                    ticks = ticks.wrapping_add(1);
                    if ticks % 10 == 0 {
                        app.prune();
                    }
                }
            })
            .map_err(|e| format!("cannot start: {e}"))?;
    }
    let accept = {
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("accept".into())
            .spawn(move || server::serve(listener, app, stop))
            .map_err(|e| format!("cannot start: {e}"))?
    };
    Ok(Running {
        addr,
        stop,
        accept: Some(accept),
    })
}

impl Running {
    /// The bound address, with the real port when 0 was asked for.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until the process ends.
    pub fn wait(mut self) {
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }

    /// Stops accepting and waits for the listener to close. Requests in flight finish on
    /// their own threads.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        let Some(accept) = self.accept.take() else {
            return;
        };
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept() with a connection of our own.
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let woke = TcpStream::connect_timeout(
            &SocketAddr::new(ip, self.addr.port()),
            Duration::from_secs(2),
        );
        if woke.is_ok() {
            let _ = accept.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shut_down();
    }
}
