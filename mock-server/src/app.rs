//! The shared state of a running emulator and the router that joins every surface.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use tower::ServiceBuilder;
use url::Url;

use crate::clock::Clock;
use crate::faults::{FaultError, Faults};
use crate::fhir::discovery::Prepared as Discovery;
use crate::fhir::paging::PageKeys;
use crate::ids::{Secret, TenantId};
use crate::journal::{Journal, JournalEntry};
use crate::limits::RateLimits;
use crate::oauth::assertion::ReplayCache;
use crate::profile::{Account, Profile};
use crate::store::{LoadError, LoadOptions, Store};
use crate::tokens::{KeyError, TokenKeys};
use crate::{admin, fhir, headers, instrument, oauth};

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
    /// Replaced whole by a reset; readers hold an `Arc` for the length of one request.
    store: RwLock<Arc<Store>>,
    load: LoadOptions,
    page_keys: PageKeys,
    faults: Faults,
    journal: Journal,
    limits: RateLimits,
    /// `(client, tenant)` approvals withdrawn at run time.
    revoked: Mutex<HashSet<(String, String)>>,
    /// Token ids treated as expired before their time.
    expired: Mutex<HashSet<String>>,
    /// Token ids revoked at the revocation endpoint, with their `exp` (pruned once expired).
    revoked_tokens: Mutex<HashMap<String, i64>>,
    admin_token: Option<Secret>,
    discovery: Discovery,
}

/// What a state needs besides the profile, the origin and the clock.
#[derive(Debug, Default)]
pub struct StateOptions {
    /// Synthetic data overrides applied to every tenant as it loads (and reloads on reset).
    pub load: LoadOptions,
    /// Where the journal also streams its entries (`--journal-file`).
    pub journal_sink: Option<tokio::sync::mpsc::UnboundedSender<JournalEntry>>,
    /// When set, the admin API requires `Authorization: Bearer <token>`.
    pub admin_token: Option<Secret>,
}

/// Why the state could not be built from a profile.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The token signing key could not be generated.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A tenant's fixtures or synthetic data could not be loaded.
    #[error("cannot load the data: {0}")]
    Load(#[from] LoadError),
    /// A `[[faults]]` rule of the profile is invalid.
    #[error("a fault rule of the profile: {0}")]
    Fault(#[from] FaultError),
}

impl AppState {
    /// Builds the state, loading every tenant's data around the clock's date.
    pub fn new(profile: Profile, origin: &Url, clock: Clock, options: StateOptions) -> Result<Self, StateError> {
        let store = Store::load(&profile, clock.now().date(), &options.load)?;
        let faults = Faults::default();
        let origin = origin.as_str().trim_end_matches('/').to_owned();
        for rule in &profile.faults {
            faults.add(rule.clone())?;
        }
        Ok(Self(Arc::new(Inner {
            discovery: Discovery::render(&profile, &origin),
            origin,
            keys: TokenKeys::generate()?,
            replay: ReplayCache::default(),
            store: RwLock::new(Arc::new(store)),
            load: options.load,
            page_keys: PageKeys::generate(),
            faults,
            journal: if profile.journal_enabled {
                Journal::new(profile.journal_capacity, options.journal_sink)
            } else {
                Journal::disabled()
            },
            limits: RateLimits::new(&profile.limits, clock.clone())
                .with_tenants(profile.tenants.iter().filter_map(|t| Some((t.id.to_string(), t.limits.clone()?)))),
            revoked: Mutex::default(),
            expired: Mutex::default(),
            revoked_tokens: Mutex::default(),
            admin_token: options.admin_token,
            clock,
            profile,
        })))
    }

    /// Restores the profile's initial state: data, fault rules, approvals, rate limits, the
    /// journal and used assertion ids. The clock and the signing keys stay.
    pub fn reset(&self) -> Result<(), LoadError> {
        let store = Store::load(self.profile(), self.clock().now().date(), &self.0.load)?;
        *self.0.store.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(store);
        self.faults().clear();
        for rule in &self.profile().faults {
            // The profile's rules were valid at start.
            let _: Result<_, FaultError> = self.faults().add(rule.clone());
        }
        self.0.revoked.lock().unwrap_or_else(PoisonError::into_inner).clear();
        self.0.expired.lock().unwrap_or_else(PoisonError::into_inner).clear();
        self.0.revoked_tokens.lock().unwrap_or_else(PoisonError::into_inner).clear();
        self.limits().reset();
        self.journal().clear();
        self.replay_cache().clear();
        Ok(())
    }

    /// The tenants' data as of now; a reset swaps in a fresh store, so hold this only for one request.
    pub fn store(&self) -> Arc<Store> {
        self.0.store.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The key that signs and checks `next` link page tokens.
    pub fn page_keys(&self) -> &PageKeys {
        &self.0.page_keys
    }

    /// The installed fault rules.
    pub fn faults(&self) -> &Faults {
        &self.0.faults
    }

    /// The request journal.
    pub fn journal(&self) -> &Journal {
        &self.0.journal
    }

    /// The per-client and per-tenant rate limiters.
    pub fn limits(&self) -> &RateLimits {
        &self.0.limits
    }

    /// The bearer token the admin API demands (`--admin-token`); `None` admits loopback callers only.
    pub fn admin_token(&self) -> Option<&Secret> {
        self.0.admin_token.as_ref()
    }

    /// The clock's time in Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        i64::try_from(self.clock().now().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
    }

    /// The profile the emulator was started with.
    pub fn profile(&self) -> &Profile {
        &self.0.profile
    }

    /// The public origin, without a trailing slash, e.g. `http://127.0.0.1:8080`.
    pub fn origin(&self) -> &str {
        &self.0.origin
    }

    /// The emulator's clock (system or manual).
    pub fn clock(&self) -> &Clock {
        &self.0.clock
    }

    /// The access-token signing keys.
    pub fn keys(&self) -> &TokenKeys {
        &self.0.keys
    }

    /// The `jti`s of client assertions seen, to refuse replays.
    pub fn replay_cache(&self) -> &ReplayCache {
        &self.0.replay
    }

    /// Whether `tenant` currently approves `account`: in the profile, and not withdrawn since.
    pub fn approves(&self, account: &Account, tenant: &TenantId) -> bool {
        let key = (account.client_id.to_string(), tenant.to_string());
        account.approves(tenant) && !self.0.revoked.lock().unwrap_or_else(PoisonError::into_inner).contains(&key)
    }

    /// The tenant withdraws its approval of `client` from now on.
    pub fn revoke_approval(&self, client: &str, tenant: &str) {
        let key = (client.to_owned(), tenant.to_owned());
        self.0.revoked.lock().unwrap_or_else(PoisonError::into_inner).insert(key);
    }

    /// The token with this id is answered as expired from now on.
    pub fn expire_token(&self, jti: &str) {
        self.0.expired.lock().unwrap_or_else(PoisonError::into_inner).insert(jti.to_owned());
    }

    /// Whether the token with this `jti` was expired early by [`AppState::expire_token`].
    pub fn is_expired_early(&self, jti: &str) -> bool {
        self.0.expired.lock().unwrap_or_else(PoisonError::into_inner).contains(jti)
    }

    /// The token with this id (which expires at `exp`, Unix seconds) is refused from now on.
    /// Tokens already expired are forgotten, so the set holds only tokens that still verify.
    pub fn revoke_token(&self, jti: &str, exp: i64) {
        let now = self.clock().now().unix_timestamp();
        let mut revoked = self.0.revoked_tokens.lock().unwrap_or_else(PoisonError::into_inner);
        revoked.retain(|_, expires| *expires > now);
        revoked.insert(jti.to_owned(), exp);
    }

    /// Whether the token with this id was revoked (RFC 7009) and has not expired since.
    pub fn is_token_revoked(&self, jti: &str) -> bool {
        self.0.revoked_tokens.lock().unwrap_or_else(PoisonError::into_inner).contains_key(jti)
    }

    /// The tenant's SMART token endpoint URL.
    pub fn token_url(&self, tenant: &str) -> String {
        format!("{}{}", self.origin(), oauth::token_path(tenant))
    }

    /// Every tenant's capability statements and SMART configurations on both versions, rendered
    /// at start.
    pub fn discovery(&self) -> &Discovery {
        &self.0.discovery
    }

    /// A tenant's secured FHIR base URL, ending in `/`.
    pub fn fhir_base(&self, tenant: &str) -> String {
        format!("{}{}", self.origin(), fhir::Endpoint::Secured.base_path(fhir::FhirVersion::Dstu2, tenant))
    }
}

/// The whole emulator as one router: each Cerner surface inside the instrument (faults, limits,
/// journal) and its host's headers (`headers`), the admin API beside them. Each surface's stack is
/// applied in one `layer` call (`Router::layer` wraps every route in a boxed service per call), so
/// a request passes one boxed service for its surface's whole stack.
pub fn build_router(state: AppState) -> Router {
    let instrument = from_fn_with_state(state.clone(), instrument::instrument);
    let trace = crate::faults::log::trace_layer();
    let token = oauth::router().layer(
        ServiceBuilder::new()
            .layer(trace.clone())
            .layer(headers::token_cors())
            .layer(headers::token_standard())
            .layer(instrument.clone()),
    );
    // DSTU2 and R4 share the FHIR hosts' headers, CORS and the instrument.
    let fhir = fhir::router().layer(
        ServiceBuilder::new()
            .layer(trace.clone())
            .layer(headers::fhir_standard(state.origin()))
            .layer(headers::fhir_cors())
            .layer(instrument)
            .layer(fhir::negotiate::Negotiate([fhir::dstu2::MEDIA, fhir::r4::MEDIA])),
    );
    // A path no surface knows is answered 404 with an empty body, as before, and still traced.
    let unknown = ServiceBuilder::new()
        .layer(trace.clone())
        .service_fn(|_| async { Ok::<_, std::convert::Infallible>(axum::http::StatusCode::NOT_FOUND.into_response()) });
    Router::new()
        .merge(token)
        .merge(fhir)
        .merge(admin::router(state.clone()).layer(trace))
        .fallback_service(unknown)
        .with_state(state)
}
