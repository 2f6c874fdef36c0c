//! Serving: the accept loop (HTTP/1.1 on hyper, so a fault rule can reset a connection), and
//! [`MockServer`], a running emulator that tests and the harness start on `127.0.0.1:0`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::ConnectInfo;
use axum::extract::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;
use tower::ServiceExt;
use url::Url;

use crate::app::{AppState, StateError, StateOptions, build_router};
use crate::clock::Clock;
use crate::faults::apply::ResetConnection;
use crate::profile::Profile;
use crate::store::LoadOptions;

/// How to start an emulator.
#[derive(Debug)]
pub struct ServerConfig {
    /// The profile to serve.
    pub profile: Profile,
    /// The address to listen on; loopback unless `--bind` says otherwise.
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Overrides the profile's `public_origin`.
    pub public_origin: Option<Url>,
    /// The emulator's clock: the real one, or a manual one tests and `--manual-clock` move.
    pub clock: Clock,
    /// Synthetic data overrides (`--synthetic`); replaces `options.load`.
    pub load: LoadOptions,
    /// The journal sink and the admin token.
    pub options: StateOptions,
    /// Connection cap and header timeout.
    pub limits: ConnectionLimits,
}

/// What protects the server from clients that hold connections: a cap on open connections (past
/// it, a new connection gets `503` and is closed) and a time limit for sending request headers (a
/// slow-loris connection is closed instead of holding a task forever).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Open connections served at once; a connection past it gets `503` and is closed.
    pub max_connections: usize,
    /// Time a connection has to send its request headers before it is closed.
    pub header_read_timeout: std::time::Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self { max_connections: 4096, header_read_timeout: std::time::Duration::from_secs(10) }
    }
}

impl ServerConfig {
    /// `profile` on `127.0.0.1:0` with the real clock.
    pub fn new(profile: Profile) -> Self {
        Self {
            profile,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            public_origin: None,
            clock: Clock::system(),
            load: LoadOptions::default(),
            options: StateOptions::default(),
            limits: ConnectionLimits::default(),
        }
    }
}

/// Why an emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's reason (in use, not permitted).
        source: std::io::Error,
    },
    /// The profile's data, keys or fault rules.
    #[error(transparent)]
    State(#[from] StateError),
    /// The task loading the data panicked or was cancelled.
    #[error("loading the data stopped unexpectedly")]
    LoadAborted,
}

/// A running emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl MockServer {
    /// Binds, loads the data, then serves in a background task.
    pub async fn start(config: ServerConfig) -> Result<Self, StartError> {
        let addr = SocketAddr::new(config.bind, config.port);
        let listener = TcpListener::bind(addr).await.map_err(|source| StartError::Bind { addr, source })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind { addr, source })?;
        let origin =
            config.public_origin.or_else(|| config.profile.public_origin.clone()).unwrap_or_else(|| origin_of(addr));
        let (profile, clock) = (config.profile, config.clock);
        let limits = config.limits;
        let mut options = config.options;
        options.load = config.load;
        // Loading a large synthetic data set takes seconds of CPU: keep it off the async workers.
        let state = tokio::task::spawn_blocking(move || AppState::new(profile, &origin, clock, options))
            .await
            .map_err(|_| StartError::LoadAborted)??;
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(serve_with(listener, build_router(state.clone()), limits, async {
            let _ = rx.await;
        }));
        Ok(Self { addr, state, shutdown: Some(tx), task: Some(task) })
    }

    /// The address the server listens on (with the port picked when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The public origin, without a trailing slash.
    pub fn origin(&self) -> &str {
        self.state.origin()
    }

    /// The running emulator's state: its store, journal, faults and clock, for tests and tools.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops accepting connections and waits for the accept loop to end.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.join().await
    }

    /// Serves until the server fails (otherwise until the process ends).
    pub async fn wait(mut self) -> std::io::Result<()> {
        self.join().await
    }

    async fn join(&mut self) -> std::io::Result<()> {
        match self.task.take() {
            Some(task) => task.await.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            None => Ok(()),
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// `http://{addr}`, with IPv6 in brackets. Bound to every interface (`0.0.0.0`, `::`, as in a
/// container), the origin names the loopback address of that family instead: links to
/// `http://0.0.0.0:8080` lead nowhere.
fn origin_of(addr: SocketAddr) -> Url {
    let addr = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(std::net::Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    };
    #[allow(clippy::expect_used)]
    Url::parse(&format!("http://{addr}")).expect("a socket address is a valid URL host")
}

/// Serves `router` on `listener` until `shutdown` resolves, with the default connection limits.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, router, ConnectionLimits::default(), shutdown).await
}

/// Serves `router` on `listener` until `shutdown` resolves. Each connection knows its peer
/// (`ConnectInfo`) and can be reset by a fault rule.
pub async fn serve_with(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let open = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // A failed accept (e.g. out of file descriptors) is not the end of the server.
                Err(e) => { tracing::warn!(error = %e, "accept failed"); continue; }
            },
            () = &mut shutdown => return Ok(()),
        };
        match open.clone().try_acquire_owned() {
            Ok(permit) => {
                let router = router.clone();
                tokio::spawn(async move {
                    connection(stream, peer, router, limits.header_read_timeout).await;
                    drop(permit);
                });
            }
            Err(_) => {
                tracing::warn!(%peer, max = limits.max_connections, "too many connections; refusing one");
                tokio::spawn(refuse(stream));
            }
        }
    }
}

/// A clean refusal past the connection cap: `503` with `Retry-After`, then close.
async fn refuse(mut stream: TcpStream) {
    use tokio::io::AsyncWriteExt;
    let answer =
        b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    let _ = stream.write_all(answer).await;
    let _ = stream.shutdown().await;
}

async fn connection(stream: TcpStream, peer: SocketAddr, router: Router, header_read_timeout: std::time::Duration) {
    let _ = stream.set_nodelay(true);
    let reset = Arc::new(Notify::new());
    let resetting = Arc::new(AtomicBool::new(false));
    let io = TokioIo::new(ResettableStream { inner: stream, reset: resetting.clone() });
    let signal = reset.clone();
    let service = tower::service_fn(move |mut request: Request<hyper::body::Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let (router, signal) = (router.clone(), signal.clone());
        async move {
            let response = router.oneshot(request.map(axum::body::Body::new)).await?;
            if response.extensions().get::<ResetConnection>().is_some() {
                signal.notify_one();
                std::future::pending::<()>().await;
            }
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).keep_alive(true).header_read_timeout(header_read_timeout);
    let conn = builder.serve_connection(io, TowerToHyperService::new(service));
    tokio::select! {
        result = conn => if let Err(e) = result { tracing::debug!(error = %e, %peer, "connection ended") },
        () = reset.notified() => {
            resetting.store(true, Ordering::Relaxed);
            tracing::debug!(%peer, "connection reset by a fault rule");
        }
    }
}

/// A TCP stream that closes with a reset (`SO_LINGER` 0) when a fault rule asked for one.
struct ResettableStream {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        if self.reset.load(Ordering::Relaxed) {
            // A zero linger never blocks: the kernel drops the socket and sends RST.
            let _ = socket2::SockRef::from(&self.inner).set_linger(Some(std::time::Duration::ZERO));
        }
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    /// Passed through, so hyper writes a response's head and body in one `writev` instead of first
    /// copying the body into its own buffer.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_to_every_interface_the_origin_names_loopback() {
        let origin = |addr: &str| origin_of(addr.parse().unwrap()).as_str().to_owned();
        assert_eq!(origin("0.0.0.0:8080"), "http://127.0.0.1:8080/");
        assert_eq!(origin("[::]:8080"), "http://[::1]:8080/");
        assert_eq!(origin("127.0.0.1:9"), "http://127.0.0.1:9/");
    }
}
