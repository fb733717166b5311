//! The connection loop: HTTP/1.1 with a header timeout (which also bounds idle
//! keep-alive connections: the timer runs whenever a connection waits for the
//! next request head), `TCP_NODELAY`, and a cap on concurrent connections.
//!
//! Slow or stalled clients cannot starve the server: past a quarter of the cap
//! new connections get [`PRESSURE_HEADER_TIMEOUT`] to send their headers, and
//! at the cap the server stops accepting (the kernel queues the rest) instead
//! of running out of file descriptors.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

/// Default time a client has to send a request's headers.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Header timeout of new connections while over a quarter of the cap is in use.
pub const PRESSURE_HEADER_TIMEOUT: Duration = Duration::from_secs(1);
/// Default cap on concurrent connections: well under the common 1,024 file
/// descriptors, leaving room for upstream connections and open files.
pub const DEFAULT_MAX_CONNECTIONS: usize = 768;

/// Largest request head (request line and headers) read.
pub const MAX_HEAD_BYTES: usize = 64 << 10;

/// Connection limits (`quantumstate serve` flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub header_timeout: Duration,
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Serve `router` on `listener` until `shutdown` completes, then let open
/// connections finish their requests.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let max = limits.max_connections.max(1);
    let permits = Arc::new(Semaphore::new(max));
    let (close_tx, close_rx) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors, or the peer gave up: wait, do not spin.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Every asset on a reused connection would otherwise wait for a delayed ACK.
        let _ = stream.set_nodelay(true);
        let in_use = max - permits.available_permits();
        let header_timeout = if in_use > max / 4 {
            limits.header_timeout.min(PRESSURE_HEADER_TIMEOUT)
        } else {
            limits.header_timeout
        };
        let service = TowerToHyperService::new(router.clone());
        let mut close = close_rx.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                // Request line and headers: 64 KiB at most (431 beyond).
                .max_header_size(MAX_HEAD_BYTES)
                .keep_alive(true);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = close.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(permit);
        });
    }
    drop(close_rx);
    let _ = close_tx.send(());
    close_tx.closed().await;
    Ok(())
}

/// Serve `router` on a free loopback port in this runtime with `limits`
/// (tests and benchmarks); returns its base URL.
pub async fn spawn_loopback(router: Router, limits: Limits) -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(serve(listener, router, limits, std::future::pending()));
    Ok(format!("http://{addr}"))
}
