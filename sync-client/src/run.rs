//! A sync run: every configured tenant, a bounded number at a time, each independent of the others
//! (one tenant's failure never stops another's sync). Tenants deferred by an earlier run are not
//! called before their time. The run and each tenant's state are recorded in the store.

use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::Semaphore;

use crate::config::SyncConfig;
use crate::output::Output;
use crate::progress::Progress;
use crate::store::{PgStore, SqliteStore, StoreError, StoreLocation, SyncStore, TenantState};
use crate::tenant::{Outcome, Shared, TenantReport, panic_message, sync_tenant};

/// What a run did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunSummary {
    /// The store's number of this run (its `sync_runs` row).
    pub run: i64,
    /// When the run started (RFC 3339 in JSON).
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When the last tenant finished (RFC 3339 in JSON).
    #[serde(with = "time::serde::rfc3339")]
    pub finished_at: OffsetDateTime,
    /// In `run --worker`: this worker and its round.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker: Option<WorkerInfo>,
    /// One report per tenant this run (or this worker) took on.
    pub tenants: Vec<TenantReport>,
}

/// Who ran a worker's share of a round.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WorkerInfo {
    /// The worker's name in the store: host, process id and a random suffix.
    pub id: String,
    /// The round (its `RoundId`) the worker took tenants from.
    pub round: i64,
}

impl RunSummary {
    /// Contract v1: 0 when every tenant synced, 1 when some tenant failed or was deferred.
    pub fn exit_code(&self) -> u8 {
        if self.tenants.iter().all(|t| t.outcome == Outcome::Synced) { 0 } else { 1 }
    }
}

/// The run could not happen at all (as opposed to a tenant failing).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The store could not be opened or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The `--output` file could not be created or opened.
    #[error("cannot create or open {path}: {source}")]
    Output {
        /// The `--output` path as given.
        path: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The HTTP client could not be built (e.g. no TLS roots).
    #[error(transparent)]
    Http(#[from] crate::http::BuildError),
    /// `run --worker` was given a SQLite store; the value is the file's path.
    #[error("--worker needs a PostgreSQL store (--store postgres://…, or [store] url); {0} is a SQLite file")]
    WorkerNeedsPostgres(String),
}

/// An instant as the human summary and the log show it (RFC 3339).
pub fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// Opens the configured store (a SQLite file, created with its directory, or a PostgreSQL
/// database, migrated) and runs every tenant's sync into it.
pub async fn run(config: SyncConfig, progress: Progress) -> Result<RunSummary, RunError> {
    match config.store.clone() {
        StoreLocation::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|source| RunError::Output { path: dir.display().to_string(), source })?;
            }
            run_with(Arc::new(SqliteStore::open(&path)?), config, progress).await
        }
        StoreLocation::Postgres(target) => run_with(Arc::new(PgStore::connect(&target).await?), config, progress).await,
    }
}

/// Runs every tenant's sync into `store`, a bounded number at a time.
pub async fn run_with<S: SyncStore>(
    store: Arc<S>,
    config: SyncConfig,
    progress: Progress,
) -> Result<RunSummary, RunError> {
    crate::redact::remember_credentials(&config.credentials);
    let output = open_output(&config)?;
    let started = OffsetDateTime::now_utc();
    let run = store.begin_run(started).await?;
    let deferred = deferred_tenants(&*store, &config).await?;
    let config = Arc::new(config);
    let shared = Arc::new(Shared::new(config.clone(), store.clone(), output, run, progress)?);
    let semaphore = Arc::new(Semaphore::new(config.limits.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut spawned = std::collections::HashMap::new();
    for (index, tenant) in config.tenants.iter().enumerate() {
        if let Some(report) = deferred.iter().find(|r| r.tenant == tenant.id) {
            shared.progress.finish(report);
            continue;
        }
        let (shared, semaphore, tenant) = (shared.clone(), semaphore.clone(), tenant.clone());
        let task = tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            let report = sync_tenant(&shared, &tenant).await;
            shared.progress.finish(&report);
            (index, report)
        });
        spawned.insert(task.id(), index);
    }
    let mut reports: Vec<(usize, TenantReport)> = Vec::new();
    while let Some(done) = tasks.join_next_with_id().await {
        match done {
            Ok((_, done)) => reports.push(done),
            // A task that died (a panic outside the tenant's own sync): its tenant failed.
            Err(error) => {
                let Some(&index) = spawned.get(&error.id()) else { continue };
                let reason = match error.try_into_panic() {
                    Ok(panic) => format!("the task of this tenant panicked: {}", panic_message(panic.as_ref())),
                    Err(error) => format!("the task of this tenant ended abnormally: {error}"),
                };
                let report = TenantReport::new(&config.tenants[index].id, Outcome::Failed { reason, request_id: None });
                shared.progress.finish(&report);
                reports.push((index, report));
            }
        }
    }
    for report in deferred {
        let index = config.tenants.iter().position(|t| t.id == report.tenant).unwrap_or(usize::MAX);
        reports.push((index, report));
    }
    reports.sort_by_key(|(index, _)| *index);
    for (_, report) in &mut reports {
        report.outcome = std::mem::replace(&mut report.outcome, Outcome::Synced).redacted();
    }
    let finished = OffsetDateTime::now_utc();
    let summary = RunSummary {
        run: run.0,
        started_at: started,
        finished_at: finished,
        worker: None,
        tenants: reports.into_iter().map(|(_, r)| r).collect(),
    };
    for report in &summary.tenants {
        let mut state = state_after(report, summary.finished_at);
        if state.last_success.is_none() {
            state.last_success = store.tenant_state(&report.tenant).await?.and_then(|previous| previous.last_success);
        }
        store.set_tenant_state(&report.tenant, &state).await?;
    }
    store.finish_run(run, finished, &serde_json::to_string(&summary).unwrap_or_default()).await?;
    Ok(summary)
}

/// The NDJSON output of contract v1, shared by every tenant task.
pub(crate) fn open_output(config: &SyncConfig) -> Result<Option<Arc<Mutex<Output>>>, RunError> {
    let Some(path) = &config.output else { return Ok(None) };
    let output = Output::open(path).map_err(|source| RunError::Output { path: path.display().to_string(), source })?;
    Ok(Some(Arc::new(Mutex::new(output))))
}

/// Tenants an earlier run deferred whose time has not come: reported, not called.
async fn deferred_tenants<S: SyncStore>(store: &S, config: &SyncConfig) -> Result<Vec<TenantReport>, StoreError> {
    let now = OffsetDateTime::now_utc();
    let mut deferred = Vec::new();
    for tenant in &config.tenants {
        let until = store.tenant_state(&tenant.id).await?.and_then(|s| s.deferred_until);
        let Some(until) = until.filter(|until| *until > now) else { continue };
        tracing::info!(tenant = %tenant.id, until = %rfc3339(until), "deferred by an earlier run; not called before then");
        deferred.push(deferred_report(&tenant.id, until));
    }
    Ok(deferred)
}

/// The report of a tenant not called because an earlier run was told to wait until `until`.
pub(crate) fn deferred_report(tenant: &str, until: OffsetDateTime) -> TenantReport {
    let reason = "deferred by an earlier run (Retry-After)".to_owned();
    TenantReport::new(tenant, Outcome::Deferred { until, reason })
}

/// The state a tenant is left in by its report (`last_success` only when it synced).
pub(crate) fn state_after(report: &TenantReport, finished_at: OffsetDateTime) -> TenantState {
    let (message, deferred_until) = match &report.outcome {
        Outcome::Synced => (None, None),
        Outcome::Deferred { until, reason } => (Some(reason.clone()), Some(*until)),
        Outcome::Rejected { reason } | Outcome::Failed { reason, .. } => (Some(reason.clone()), None),
    };
    TenantState {
        last_success: (report.outcome == Outcome::Synced).then_some(finished_at),
        deferred_until,
        last_outcome: Some(report.outcome.kind()),
        message,
    }
}
