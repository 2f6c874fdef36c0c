//! A sync run: every configured tenant, a bounded number at a time, each independent of the others
//! (one tenant's failure never stops another's sync). Tenants deferred by an earlier run are not
//! called before their time. The run and each tenant's state are recorded in the store.

use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::Semaphore;

use crate::config::SyncConfig;
use crate::http::Http;
use crate::output::Output;
use crate::progress::Progress;
use crate::store::{Store, StoreError, TenantState};
use crate::tenant::{Outcome, Shared, TenantReport, sync_tenant};

/// What a run did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunSummary {
    pub run: i64,
    pub started_at: String,
    pub finished_at: String,
    pub tenants: Vec<TenantReport>,
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
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot create or open {path}: {source}")]
    Output { path: String, source: std::io::Error },
    #[error(transparent)]
    Http(#[from] crate::http::BuildError),
}

fn now() -> String {
    OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default()
}

pub async fn run(config: SyncConfig, progress: Progress) -> Result<RunSummary, RunError> {
    if let Some(dir) = config.store_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| RunError::Output { path: dir.display().to_string(), source })?;
    }
    let mut store = Store::open(&config.store_path)?;
    let output = match &config.output {
        Some(path) => Some(Arc::new(Mutex::new(
            Output::open(path).map_err(|source| RunError::Output { path: path.display().to_string(), source })?,
        ))),
        None => None,
    };
    let started_at = now();
    let run = store.begin_run(&started_at)?;
    let deferred = deferred_tenants(&store, &config)?;
    let config = Arc::new(config);
    let shared = Arc::new(Shared {
        http: Http::new(&config.limits)?,
        config: config.clone(),
        store: Arc::new(Mutex::new(store)),
        output,
        run,
        progress: Arc::new(progress),
    });
    let semaphore = Arc::new(Semaphore::new(config.limits.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, tenant) in config.tenants.iter().enumerate() {
        if let Some(report) = deferred.iter().find(|r| r.tenant == tenant.id) {
            shared.progress.finish(report);
            continue;
        }
        let (shared, semaphore, tenant) = (shared.clone(), semaphore.clone(), tenant.clone());
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            let report = sync_tenant(&shared, &tenant).await;
            shared.progress.finish(&report);
            (index, report)
        });
    }
    let mut reports: Vec<(usize, TenantReport)> = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Ok(done) = done {
            reports.push(done);
        }
    }
    for report in deferred {
        let index = config.tenants.iter().position(|t| t.id == report.tenant).unwrap_or(usize::MAX);
        reports.push((index, report));
    }
    reports.sort_by_key(|(index, _)| *index);
    let summary = RunSummary {
        run: run.0,
        started_at,
        finished_at: now(),
        tenants: reports.into_iter().map(|(_, r)| r).collect(),
    };
    let mut store = shared.store.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    for report in &summary.tenants {
        let mut state = state_after(report, &summary.finished_at);
        if state.last_success.is_none() {
            state.last_success = store.tenant_state(&report.tenant)?.and_then(|previous| previous.last_success);
        }
        store.set_tenant_state(&report.tenant, &state)?;
    }
    store.finish_run(run, &summary.finished_at, &serde_json::to_string(&summary).unwrap_or_default())?;
    Ok(summary)
}

/// Tenants an earlier run deferred whose time has not come: reported, not called.
fn deferred_tenants(store: &Store, config: &SyncConfig) -> Result<Vec<TenantReport>, StoreError> {
    let now = OffsetDateTime::now_utc();
    let mut deferred = Vec::new();
    for tenant in &config.tenants {
        let until = store.tenant_state(&tenant.id)?.and_then(|s| s.deferred_until);
        let Some(until) = until.filter(|u| OffsetDateTime::parse(u, &Rfc3339).is_ok_and(|u| u > now)) else { continue };
        tracing::info!(tenant = %tenant.id, %until, "deferred by an earlier run; not called before then");
        let reason = "deferred by an earlier run (Retry-After)".to_owned();
        deferred.push(TenantReport::new(&tenant.id, Outcome::Deferred { until, reason }));
    }
    Ok(deferred)
}

fn state_after(report: &TenantReport, finished_at: &str) -> TenantState {
    let (outcome, message, deferred_until) = match &report.outcome {
        Outcome::Synced => ("synced", None, None),
        Outcome::Deferred { until, reason } => ("deferred", Some(reason.clone()), Some(until.clone())),
        Outcome::Rejected { reason } => ("rejected", Some(reason.clone()), None),
        Outcome::Failed { reason, .. } => ("failed", Some(reason.clone()), None),
    };
    TenantState {
        last_success: (report.outcome == Outcome::Synced).then(|| finished_at.to_owned()),
        deferred_until,
        last_outcome: Some(outcome.to_owned()),
        message,
    }
}
