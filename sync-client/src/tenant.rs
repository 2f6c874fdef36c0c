//! One tenant's sync: sign in (which tells the tenant's FHIR version), then for each chunk of
//! locations search the window by that version's rules ([`FhirVersion::search_url`]) with its
//! media type, following `next` links and only `next` links,
//! one request at a time. Each page is stored in one transaction before the next is asked for.
//! 401 → one new token and one retry; 429 → wait `Retry-After` (at least a floor), or defer the
//! tenant when the wait is longer than allowed or it keeps answering 429 ([`crate::guard`]); 403 or
//! a refused sign-in → the tenant is reported as rejected. Whatever goes wrong inside a tenant's
//! sync, a panic included, ends as that tenant's outcome: a tenant is never dropped. A sync that
//! takes longer than `tenant_time_budget` is stopped and the tenant failed, and only appointments
//! whose start lies in the window are stored ([`StartWindow`]).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt;
use time::OffsetDateTime;
use url::Url;

use crate::auth::{AuthError, TenantAuth};
use crate::capability::Offer;
use crate::config::{SyncConfig, TenantConfig};
use crate::fhir_version::FhirVersion;
use crate::guard::{Paging, Throttle, ThrottleStep};
use crate::http::{Auth, Effort, Failure, Http};
use crate::output::Output;
use crate::page::Page;
use crate::progress::Progress;
use crate::store::{RunId, StoreError, SyncStore, Window};

mod errors;
mod report;
mod window;
use errors::{Request, auth_stop, failed, failed_with, forbidden, stop_on};
pub use errors::{r4_base, shown_url};
pub use report::{Outcome, TenantReport};
pub use window::StartWindow;

/// What every tenant's sync shares.
#[derive(Debug)]
pub struct Shared<S> {
    /// The validated configuration of the run.
    pub config: Arc<SyncConfig>,
    /// The HTTP client every tenant's requests go through.
    pub http: Http,
    /// Where appointments and tenant state are stored.
    pub store: Arc<S>,
    /// The NDJSON output (contract v1) every stored page is appended to, when one is configured.
    pub output: Option<Arc<Mutex<Output>>>,
    /// The store's run every tenant's appointments are recorded under.
    pub run: RunId,
    /// Bars or log lines for each tenant's pages.
    pub progress: Arc<Progress>,
}

impl<S> Shared<S> {
    /// Builds the HTTP client from the configuration's limits and bundles the rest.
    pub fn new(
        config: Arc<SyncConfig>,
        store: Arc<S>,
        output: Option<Arc<Mutex<Output>>>,
        run: RunId,
        progress: Progress,
    ) -> Result<Self, crate::http::BuildError> {
        Ok(Self { http: Http::new(&config.limits)?, config, store, output, run, progress: Arc::new(progress) })
    }
}

/// Why a tenant's sync stopped early: how it ended.
type Stop = Outcome;

struct Sync<'a, S> {
    shared: &'a Shared<S>,
    tenant: &'a TenantConfig,
    auth: TenantAuth,
    effort: Effort,
    paging: Paging,
    throttle: Throttle,
    window: StartWindow,
    /// The configured locations no appointment has named yet (warned about once at the end).
    silent: std::collections::BTreeSet<String>,
    report: TenantReport,
}

/// Syncs one tenant's window and, when every page was read, marks what it no longer returned as
/// vanished (`run`; a worker marks them in its owner-checked completion instead).
pub async fn sync_tenant<S: SyncStore>(shared: &Shared<S>, tenant: &TenantConfig) -> TenantReport {
    let mut report = sync_pages(shared, tenant).await;
    if report.outcome == Outcome::Synced {
        let marked = match store_window(&shared.config) {
            Ok(window) => shared.store.mark_vanished(shared.run, &tenant.id, &window, OffsetDateTime::now_utc()).await,
            Err(e) => Err(e),
        };
        match marked {
            Ok(marked) => report.vanished = marked,
            Err(e) => report.outcome = failed(e.to_string()),
        }
    }
    report
}

/// The configured window as the store's `mark_vanished` takes it.
pub fn store_window(config: &SyncConfig) -> Result<Window, StoreError> {
    Window::from_dates(config.window.start, config.window.end)
}

/// Reads and stores every page of a tenant's window; marks nothing vanished. A panic inside the
/// sync is caught and reported as the tenant's failure.
pub async fn sync_pages<S: SyncStore>(shared: &Shared<S>, tenant: &TenantConfig) -> TenantReport {
    let report = TenantReport::new(&tenant.id, Outcome::Synced);
    let limits = &shared.config.limits;
    let paging = Paging::new(&tenant.fhir_base, limits.max_pages);
    let throttle = Throttle::new(limits);
    let window = StartWindow::new(shared.config.window.start, shared.config.window.end);
    let (auth, effort) = (TenantAuth::new(), Effort::default());
    let silent = tenant.locations.iter().cloned().collect();
    let mut sync = Sync { shared, tenant, auth, effort, paging, throttle, window, silent, report };
    // Every log line of the tenant's sync names it, whatever module writes it.
    let span = tracing::error_span!("tenant", tenant = %tenant.id);
    let budget = limits.tenant_time_budget;
    let guarded = tracing::Instrument::instrument(std::panic::AssertUnwindSafe(sync.run()).catch_unwind(), span);
    let outcome = match tokio::time::timeout(budget, guarded).await {
        Err(_) => {
            let reason = format!(
                "the sync did not finish within tenant_time_budget ({}s); the server is too slow or its pages never end",
                budget.as_secs()
            );
            tracing::warn!(tenant = %tenant.id, "{reason}");
            failed(reason)
        }
        Ok(Ok(Ok(()))) => Outcome::Synced,
        Ok(Ok(Err(outcome))) => outcome,
        Ok(Err(panic)) => {
            let reason = format!("the sync of this tenant panicked: {}", panic_message(panic.as_ref()));
            tracing::error!(tenant = %tenant.id, "{reason}");
            failed(reason)
        }
    };
    sync.report.outcome = outcome.redacted();
    sync.report.requests = sync.effort.requests;
    sync.report.retries = sync.effort.retries;
    sync.report.tokens = sync.auth.tokens_requested;
    sync.report
}

/// A panic's message, when it carries text.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

impl<S: SyncStore> Sync<'_, S> {
    async fn run(&mut self) -> Result<(), Stop> {
        let version = self.discover().await?;
        self.report.fhir_version = Some(version);
        // The tenant's own metadata says what it serves: nothing it does not offer is asked for.
        let with_count = match self.auth.offer() {
            Some(Err(lacks)) => {
                return Err(failed_with(
                    &format!("tenant {}: {lacks}; no Appointment search was sent", self.tenant.id),
                    None,
                ));
            }
            Some(Ok(Offer::Listed { count })) => *count,
            Some(Ok(Offer::Unstated)) | None => true,
        };
        let config = &self.shared.config;
        let page_size = if with_count { config.limits.page_size } else { 0 };
        for chunk in self.tenant.locations.chunks(config.limits.location_chunk.max(1)) {
            self.paging.start_group();
            let mut url = version
                .search_url(&self.tenant.fhir_base, chunk, &config.window, page_size)
                .map_err(|e| failed(e.to_string()))?;
            loop {
                self.paging.admit(&url).map_err(|reason| failed_with(&reason.to_string(), None))?;
                let (body, request_id) = self.fetch(version, &url).await?;
                match self.save(version, &body, request_id.as_deref()).await? {
                    Some(next) => url = next,
                    None => break,
                }
            }
        }
        for location in &self.silent {
            tracing::warn!(tenant = %self.tenant.id, location = %location, "location {location} returned no appointment in the window; is its id right?");
        }
        Ok(())
    }

    /// The token URL and FHIR version from the metadata, waiting out 429s as any other request does.
    async fn discover(&mut self) -> Result<FhirVersion, Stop> {
        let (base, trusted) = (&self.tenant.fhir_base, &self.shared.config.trusted_token_hosts);
        let metadata = base.join("metadata").unwrap_or_else(|_| base.clone());
        loop {
            match self.auth.discover_with(&self.shared.http, base, trusted, &mut self.effort).await {
                Ok(_) => {
                    return self.auth.version().ok_or_else(|| failed("discovery ended without a FHIR version"));
                }
                Err(AuthError::Http(Failure::Throttled { retry_after, request_id })) => {
                    self.wait(retry_after, request_id).await?;
                }
                Err(e) => {
                    let request = Request { method: "GET", url: &metadata };
                    return Err(auth_stop(e, self.tenant, &self.shared.config, request));
                }
            }
        }
    }

    /// One page: with a fresh token, one refresh on 401, waiting out short 429s.
    async fn fetch(&mut self, version: FhirVersion, url: &Url) -> Result<(Bytes, Option<String>), Stop> {
        let mut refreshed = false;
        loop {
            let token = self.token().await?;
            let (http, accept) = (&self.shared.http, version.media_type());
            match http.get_bytes_accepting(url, accept, Auth::Bearer(token.expose()), &mut self.effort).await {
                Ok(page) => {
                    self.throttle.answered();
                    return Ok(page);
                }
                Err(Failure::InvalidToken { request_id }) if !refreshed => {
                    tracing::info!(tenant = %self.tenant.id, request_id = request_id.as_deref().unwrap_or("-"), "token refused; requesting a new one");
                    self.auth.invalidate();
                    refreshed = true;
                }
                Err(Failure::Throttled { retry_after, request_id }) => self.wait(retry_after, request_id).await?,
                Err(Failure::Forbidden { message, .. }) => return Err(forbidden(&message, Some(version), self.tenant)),
                Err(failure) => return Err(stop_on(failure, Request { method: "GET", url })),
            }
        }
    }

    async fn token(&mut self) -> Result<crate::secret::Secret, Stop> {
        let config = &self.shared.config;
        let scopes = config.scopes.join(" ");
        loop {
            let result = self
                .auth
                .token(&self.shared.http, &config.credentials, &scopes, config.limits.refresh_margin, &mut self.effort)
                .await;
            match result {
                Ok(token) => return Ok(token),
                Err(AuthError::Http(Failure::Throttled { retry_after, request_id })) => {
                    self.wait(retry_after, request_id).await?;
                }
                Err(e) => {
                    let url = self.auth.token_url().cloned().unwrap_or_else(|| self.tenant.fhir_base.clone());
                    return Err(auth_stop(e, self.tenant, config, Request { method: "POST", url: &url }));
                }
            }
        }
    }

    /// Waits out a 429 (at least the floor), or defers the tenant when the wait is longer than
    /// allowed or the tenant keeps answering 429.
    async fn wait(&mut self, retry_after: Option<Duration>, request_id: Option<String>) -> Result<(), Stop> {
        let request_id = request_id.as_deref().unwrap_or("-");
        match self.throttle.on_429(retry_after, OffsetDateTime::now_utc()) {
            ThrottleStep::Wait(wait) => {
                tracing::info!(tenant = %self.tenant.id, seconds = wait.as_secs_f64(), request_id, "rate limited; waiting");
                self.report.waits += 1;
                tokio::time::sleep(wait).await;
                Ok(())
            }
            ThrottleStep::Defer { until, reason } => {
                let shown = crate::run::rfc3339(until);
                tracing::warn!(tenant = %self.tenant.id, until = %shown, request_id, "{reason}; deferring the tenant");
                Err(Outcome::Deferred { until, reason })
            }
        }
    }

    /// Stores a page and returns its `next` link (checked by [`Paging::admit`] before it is used).
    async fn save(&mut self, version: FhirVersion, body: &[u8], request_id: Option<&str>) -> Result<Option<Url>, Stop> {
        let Page { mut records, next, outcomes } =
            Page::parse_bounded(body, version, self.shared.config.limits.max_page_entries)
                .map_err(|e| failed_with(&e.0, request_id))?;
        self.report.outside_window += self.window.keep_inside(&mut records);
        if !self.silent.is_empty() {
            for record in &records {
                for location in &record.locations {
                    self.silent.remove(location);
                }
            }
        }
        for text in outcomes {
            tracing::warn!(tenant = %self.tenant.id, request_id = request_id.unwrap_or("-"), "the server's OperationOutcome: {text}");
        }
        let store = &self.shared.store;
        let outcome = match &self.shared.output {
            Some(output) => {
                let (outcome, stored) = store
                    .save_page(self.shared.run, &self.tenant.id, &records)
                    .await
                    .map_err(|e| failed(e.to_string()))?;
                let mut output = output.lock().unwrap_or_else(PoisonError::into_inner);
                output
                    .write_page(&self.tenant.id, &stored)
                    .map_err(|e| failed(format!("cannot write the output: {e}")))?;
                outcome
            }
            None => store
                .save_page_counted(self.shared.run, &self.tenant.id, &records)
                .await
                .map_err(|e| failed(e.to_string()))?,
        };
        self.report.pages += 1;
        self.report.inserted += outcome.inserted;
        self.report.updated += outcome.updated;
        self.report.unchanged += outcome.unchanged;
        let total = self.report.inserted + self.report.updated + self.report.unchanged;
        self.shared.progress.page(&self.tenant.id, total);
        Ok(next)
    }
}

/// The first search of a location group in `version`'s terms ([`FhirVersion::search_url`]).
pub fn search_url(
    version: FhirVersion,
    base: &Url,
    locations: &[String],
    config: &SyncConfig,
) -> Result<Url, url::ParseError> {
    version.search_url(base, locations, &config.window, config.limits.page_size)
}
