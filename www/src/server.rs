//! HTTP/1.1 on tokio with hyper: a bounded head read within a time limit (hyper's own), one
//! request per connection, a whole-request time limit (tower's timeout layer), and caps on
//! connections, in all and per client, so one client holding idle connections cannot shut
//! others out.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tower::{BoxError, ServiceBuilder};

use crate::api::App;
use crate::metrics::Metrics;
use crate::rate::client_key;
use crate::request::{parse_request, Response, MAX_REQUEST_HEAD};

/// Time a client has to send its whole request head.
const READ_BUDGET: Duration = Duration::from_secs(10);
/// Time a connection may last in all, past the request's own budget (taking the answer).
const WRITE_BUDGET: Duration = Duration::from_secs(10);
/// Connections open at once, from all clients; more are closed straight away.
///
/// These caps are counted here at accept, by hand, not by a tower layer: a tower service sees
/// requests, after hyper has taken the connection and read a head, and its concurrency limit
/// is one count for everyone. A connection over its client's share must be turned away before
/// any of that, and the count is per client.
const MAX_CONNECTIONS: usize = 4096;
/// Connections open at once from one client (IPv4 address or IPv6 /64), unless it is a
/// trusted proxy; more are closed straight away.
const MAX_CONNECTIONS_PER_CLIENT: usize = 32;
/// The whole answer to a connection over the caps.
const TOO_MANY_CONNECTIONS: &[u8] = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\n\
    Content-Type: text/plain; charset=utf-8\r\nContent-Length: 21\r\nConnection: close\r\n\r\n\
    too many connections\n";
/// How long requests in flight get to finish after shutdown was asked for.
const GRACE: Duration = Duration::from_secs(10);

struct Connections {
    metrics: Arc<Metrics>,
    total: AtomicUsize,
    per_client: Mutex<HashMap<IpAddr, usize>>,
    idle: Notify,
}

struct Admitted {
    conns: Arc<Connections>,
    key: Option<IpAddr>,
}

impl Connections {
    fn admit(self: &Arc<Self>, peer: IpAddr, trusted: bool) -> Option<Admitted> {
        if self.total.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            self.total.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        let key = (!trusted).then(|| client_key(peer));
        if let Some(key) = key {
            let mut map = self.per_client.lock().unwrap_or_else(|e| e.into_inner());
            let n = map.entry(key).or_insert(0);
            if *n >= MAX_CONNECTIONS_PER_CLIENT {
                drop(map);
                self.total.fetch_sub(1, Ordering::SeqCst);
                return None;
            }
            *n += 1;
        }
        self.metrics.open.fetch_add(1, Ordering::Relaxed);
        Some(Admitted {
            conns: self.clone(),
            key,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            let mut map = self
                .conns
                .per_client
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if let Some(n) = map.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    map.remove(&key);
                }
            }
        }
        self.conns.metrics.open.fetch_sub(1, Ordering::Relaxed);
        if self.conns.total.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.conns.idle.notify_waiters();
        }
    }
}

/// Accepts until `shutdown` turns true, then lets open connections finish (up to `GRACE`).
pub async fn serve(listener: TcpListener, app: Arc<App>, mut shutdown: watch::Receiver<bool>) {
    let conns = Arc::new(Connections {
        metrics: app.metrics.clone(),
        total: AtomicUsize::new(0),
        per_client: Mutex::new(HashMap::new()),
        idle: Notify::new(),
    });
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => break,
        };
        let (stream, peer) = match accepted {
            Ok(found) => found,
            Err(_) => {
                // Out of descriptors or similar: don't spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let trusted = app.client_ip.is_trusted(peer.ip());
        let Some(admitted) = conns.admit(peer.ip(), trusted) else {
            app.metrics.connections_refused.inc();
            // Said in one write that cannot wait (the socket's buffer is empty), then closed.
            let _ = stream.try_write(TOO_MANY_CONNECTIONS);
            continue;
        };
        let app = app.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let _admitted = admitted;
            let _ = stream.set_nodelay(true);
            let budget = app.request_budget() + READ_BUDGET + WRITE_BUDGET;
            let service = ServiceBuilder::new()
                .map_result(or_too_slow)
                .timeout(app.request_budget())
                .service_fn(move |req| {
                    let app = app.clone();
                    async move { Ok::<_, Infallible>(answer(&app, req, peer.ip()).await) }
                });
            let service = TowerToHyperService::new(service);
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(READ_BUDGET)
                .keep_alive(false)
                .max_buf_size(MAX_REQUEST_HEAD)
                .max_headers(100)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            let whole = tokio::time::sleep(budget);
            tokio::pin!(whole);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = &mut whole => {}
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(GRACE, conn).await;
                }
            }
        });
    }
    drop(listener);
    let wait = async {
        while conns.total.load(Ordering::SeqCst) > 0 {
            let idle = conns.idle.notified();
            if conns.total.load(Ordering::SeqCst) == 0 {
                break;
            }
            let _ = tokio::time::timeout(Duration::from_millis(100), idle).await;
        }
    };
    let _ = tokio::time::timeout(GRACE, wait).await;
}

/// One request: the client (the peer, or who a trusted proxy forwarded for), the request
/// line's rules, and the app's answer (within the request budget: the timeout layer).
async fn answer(
    app: &App,
    req: hyper::Request<Incoming>,
    peer: IpAddr,
) -> hyper::Response<Full<Bytes>> {
    let client = app.client_ip.client(peer, req.headers());
    let line = format!("{} {} {:?}\r\n\r\n", req.method(), req.uri(), req.version());
    let request = match parse_request(line.as_bytes(), client) {
        Ok(request) => request,
        Err(response) => return to_hyper(response, false),
    };
    let head_only = request.method == "HEAD";
    to_hyper(app.handle(&request).await, head_only)
}

/// The only error the timeout layer's inner service gives is the timeout's: it becomes the
/// 503 the client sees.
fn or_too_slow(answered: Result<Answer, BoxError>) -> Result<Answer, BoxError> {
    Ok(answered.unwrap_or_else(|_| {
        let response =
            crate::api::json_error(503, "busy: try again shortly").header("Retry-After", "5");
        to_hyper(response, false)
    }))
}

type Answer = hyper::Response<Full<Bytes>>;

fn to_hyper(response: Response, head_only: bool) -> Answer {
    let length = response.body.len();
    let body = if head_only {
        Bytes::new()
    } else {
        Bytes::from(response.body)
    };
    let mut builder = hyper::Response::builder().status(response.status);
    for (name, value) in &response.headers {
        builder = builder.header(*name, value.as_str());
    }
    builder
        .header("Content-Length", length.to_string())
        .header("Connection", "close")
        .body(Full::new(body))
        .unwrap_or_else(|_| {
            let mut fallback = hyper::Response::new(Full::new(Bytes::new()));
            *fallback.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
            fallback
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    /// A request over its budget gets the same 503 as before the timeout was tower's.
    #[tokio::test]
    async fn a_request_over_its_budget_gets_a_503_with_retry_after() {
        let slow = ServiceBuilder::new()
            .map_result(or_too_slow)
            .timeout(Duration::from_millis(10))
            .service_fn(|()| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                Ok::<_, Infallible>(to_hyper(Response::text(200, "late"), false))
            });
        let answer = slow.oneshot(()).await.unwrap();
        assert_eq!(answer.status(), 503);
        assert_eq!(answer.headers()["retry-after"], "5");
        assert_eq!(answer.headers()["content-type"], "application/json");
        let body = http_body_util::BodyExt::collect(answer.into_body())
            .await
            .unwrap()
            .to_bytes();
        assert_eq!(&body[..], br#"{"error":"busy: try again shortly"}"#);
    }
}
