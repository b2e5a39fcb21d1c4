//! Gateway Doctor's "is this host up from here?" checker: a small HTTP service that serves
//! the project's static pages and `GET /api/v1/check?host=...`.
//!
//! [`start`] binds and serves on a tokio runtime of its own; the binary in `main.rs` only
//! parses flags, prints `listening on http://ADDR` and waits for SIGTERM.

mod api;
mod cache;
mod check;
mod client_ip;
pub mod config;
mod limit;
mod metrics;
mod query;
mod rate;
mod request;
mod server;
mod static_files;
mod store;
mod target;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket};
use tokio::runtime::Runtime;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use check::USER_AGENT;
pub use config::Config;

/// The pure parsers of what clients and probed servers send, public only for the fuzz targets
/// and their corpus replay (`fuzz/`, `tests/fuzz_corpus.rs`): not an API to build on.
#[doc(hidden)]
pub mod parsers {
    pub use crate::api::parse_params;
    pub use crate::query::{parse_query, percent_decode};
    pub use crate::request::{parse_request, read_head, Request, Response, MAX_REQUEST_HEAD};
    pub use crate::target::{parse_port, Host, Scheme};
}

/// A started service. Dropping it stops it too.
pub struct Running {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    runtime: Option<Runtime>,
}

/// One line of the service's log, to stderr: `key=value` pairs, never a visitor's address or
/// a checked host.
pub(crate) fn log(level: &str, event: &str, message: &str) {
    eprintln!("gateway-doctor-www level={level} event={event} msg={message:?}");
}

/// Binds `config.listen` (port 0 picks a free port) and serves until stopped.
pub fn start(config: Config) -> Result<Running, String> {
    let static_root = config
        .static_dir
        .canonicalize()
        .ok()
        .filter(|p| p.is_dir())
        .ok_or_else(|| format!("static folder {} not found", config.static_dir.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("gd-www")
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    let app = runtime.block_on(async { api::App::new(&config, static_root) })?;
    let app = Arc::new(app);
    let listener = runtime
        .block_on(bind(config.listen))
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let (stop, stopped) = watch::channel(false);
    {
        // Expired answers and idle rate counters are dropped within seconds, even when no
        // requests come in (the privacy page promises it).
        let (app, mut stopped) = (app.clone(), stopped.clone());
        runtime.spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(5)) => app.store.prune(),
                    _ = stopped.changed() => return,
                }
            }
        });
    }
    if config.redis.is_some() {
        let (store, stopped) = (app.store.clone(), stopped.clone());
        runtime.spawn(async move { store.keep_connected(stopped).await });
    }
    let server = runtime.spawn(server::serve(listener, app, stopped));
    log(
        "info",
        "start",
        if config.redis.is_some() {
            "serving; shared store: redis"
        } else {
            "serving; store: in memory"
        },
    );
    Ok(Running {
        addr,
        stop,
        server: Some(server),
        runtime: Some(runtime),
    })
}

async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

impl Running {
    /// The bound address, with the real port when 0 was asked for.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until the process ends.
    pub fn wait(mut self) {
        if let (Some(runtime), Some(server)) = (self.runtime.as_ref(), self.server.take()) {
            let _ = runtime.block_on(server);
        }
    }

    /// Serves until SIGTERM or SIGINT, then stops gracefully: no new connections, and the
    /// requests in flight get a few seconds to finish.
    pub fn wait_for_signal(mut self) {
        if let (Some(runtime), Some(server)) = (self.runtime.as_ref(), self.server.as_mut()) {
            runtime.block_on(async {
                #[cfg(unix)]
                {
                    use tokio::signal::unix::{signal, SignalKind};
                    let (Ok(mut term), Ok(mut int)) = (
                        signal(SignalKind::terminate()),
                        signal(SignalKind::interrupt()),
                    ) else {
                        let _ = server.await;
                        return;
                    };
                    tokio::select! {
                        _ = term.recv() => log("info", "stop", "SIGTERM: finishing requests in flight"),
                        _ = int.recv() => log("info", "stop", "SIGINT: finishing requests in flight"),
                        _ = &mut *server => {}
                    }
                }
                #[cfg(not(unix))]
                {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = &mut *server => {}
                    }
                }
            });
        }
        self.shut_down();
    }

    /// Stops accepting, lets requests in flight finish (up to 10 s) and closes the listener.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        let _ = self.stop.send(true);
        let Some(runtime) = self.runtime.take() else {
            return;
        };
        if let Some(server) = self.server.take() {
            if !server.is_finished() {
                let _ = runtime.block_on(async {
                    tokio::time::timeout(Duration::from_secs(11), server).await
                });
            }
        }
        runtime.shutdown_timeout(Duration::from_secs(1));
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shut_down();
    }
}
