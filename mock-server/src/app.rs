//! The server: shared state, the router that joins every surface, and a handle to a running
//! emulator that tests and the harness start on `127.0.0.1:0`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_http::trace::TraceLayer;
use url::Url;

use crate::clock::Clock;
use crate::fhir::paging::PageKeys;
use crate::ids::TenantId;
use crate::oauth::assertion::ReplayCache;
use crate::profile::{Account, Profile};
use crate::store::{LoadError, LoadOptions, Store};
use crate::tokens::{KeyError, TokenKeys};
use crate::{admin, fhir, oauth};

/// Everything the handlers share. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    profile: Profile,
    /// Public origin without a trailing slash, e.g. `http://127.0.0.1:8080`.
    origin: String,
    clock: Clock,
    keys: TokenKeys,
    replay: ReplayCache,
    store: Store,
    page_keys: PageKeys,
}

impl AppState {
    /// Builds the state, loading every tenant's data around the clock's date.
    pub fn new(profile: Profile, origin: &Url, clock: Clock, options: &LoadOptions) -> Result<Self, StartError> {
        let store = Store::load(&profile, clock.now().date(), options)?;
        Ok(Self(Arc::new(Inner {
            profile,
            origin: origin.as_str().trim_end_matches('/').to_owned(),
            clock,
            keys: TokenKeys::generate()?,
            replay: ReplayCache::default(),
            store,
            page_keys: PageKeys::generate(),
        })))
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn page_keys(&self) -> &PageKeys {
        &self.0.page_keys
    }

    /// The clock's time in Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        i64::try_from(self.clock().now().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
    }

    pub fn profile(&self) -> &Profile {
        &self.0.profile
    }

    pub fn origin(&self) -> &str {
        &self.0.origin
    }

    pub fn clock(&self) -> &Clock {
        &self.0.clock
    }

    pub fn keys(&self) -> &TokenKeys {
        &self.0.keys
    }

    pub fn replay_cache(&self) -> &ReplayCache {
        &self.0.replay
    }

    /// Whether `tenant` currently approves `account`.
    pub fn approves(&self, account: &Account, tenant: &TenantId) -> bool {
        account.approves(tenant)
    }

    pub fn token_url(&self, tenant: &str) -> String {
        format!("{}{}", self.origin(), oauth::token_path(tenant))
    }

    pub fn authorize_url(&self, tenant: &str) -> String {
        format!("{}/tenants/{tenant}/protocols/oauth2/profiles/smart-v1/personas/provider/authorize", self.origin())
    }

    /// A tenant's secured FHIR base URL, ending in `/`.
    pub fn fhir_base(&self, tenant: &str) -> String {
        format!("{}{}", self.origin(), fhir::Endpoint::Secured.base_path(tenant))
    }
}

/// The whole emulator as one router.
pub fn build_router(state: AppState) -> Router {
    Router::new()
        .merge(oauth::router())
        .merge(fhir::router())
        .merge(admin::router())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}

/// How to start an emulator.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub profile: Profile,
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Overrides the profile's `public_origin`.
    pub public_origin: Option<Url>,
    pub clock: Clock,
    pub load: LoadOptions,
}

impl ServerConfig {
    /// The embedded default profile on `127.0.0.1:0` with the real clock.
    pub fn new(profile: Profile) -> Self {
        Self {
            profile,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            public_origin: None,
            clock: Clock::system(),
            load: LoadOptions::default(),
        }
    }
}

/// Why an emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("cannot load the data: {0}")]
    Load(#[from] LoadError),
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
    /// Binds, then serves in a background task.
    pub async fn start(config: ServerConfig) -> Result<Self, StartError> {
        let addr = SocketAddr::new(config.bind, config.port);
        let listener = TcpListener::bind(addr).await.map_err(|source| StartError::Bind { addr, source })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind { addr, source })?;
        let origin =
            config.public_origin.or_else(|| config.profile.public_origin.clone()).unwrap_or_else(|| origin_of(addr));
        let (profile, clock, load) = (config.profile, config.clock, config.load);
        // Loading a large synthetic data set takes seconds of CPU: keep it off the async workers.
        let state = tokio::task::spawn_blocking(move || AppState::new(profile, &origin, clock, &load))
            .await
            .map_err(|_| StartError::LoadAborted)??;
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(serve(listener, build_router(state.clone()), async {
            let _ = rx.await;
        }));
        Ok(Self { addr, state, shutdown: Some(tx), task: Some(task) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The public origin, without a trailing slash.
    pub fn origin(&self) -> &str {
        self.state.origin()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops accepting connections and waits for the server to finish.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => task.await.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            None => Ok(()),
        }
    }

    /// Serves until the server fails (it runs until the process ends otherwise).
    pub async fn wait(mut self) -> std::io::Result<()> {
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

/// `http://{addr}`, with IPv6 in brackets.
fn origin_of(addr: SocketAddr) -> Url {
    #[allow(clippy::expect_used)]
    Url::parse(&format!("http://{addr}")).expect("a socket address is a valid URL host")
}
