//! `appointment-sync run --worker`: one of several processes, on one machine or many, sharing the
//! tenants of a round through leases in a PostgreSQL store ([`crate::store::postgres::lease`]).
//!
//! A worker joins (or opens) the round of its window, then runs up to `concurrency` claim loops.
//! Each loop claims a tenant, syncs it exactly as `run` does (one request at a time, pages saved
//! one transaction each) while a heartbeat renews the lease, and completes it with its outcome,
//! marking its vanished appointments in the same owner-checked transaction. If the heartbeat finds
//! the lease gone, or cannot renew it for two thirds of its lifetime (each renewal is bounded by a
//! timeout, so a hung database cannot hold it up), the sync is dropped mid-flight: another worker owns the tenant now, and per-tenant politeness (one
//! request at a time) must hold across workers. The heartbeat is stopped on every way out of a
//! tenant's sync, a panic included, so a dead task never keeps a tenant leased. The worker returns when every tenant of the round
//! is done, waiting meanwhile for the leases of others to end (one of them may have died).
//!
//! Tokens are not shared between workers: each worker signs in to a tenant when it claims it. A
//! token is a secret, and keeping it in the database would put it at rest where every worker's
//! account can read it; one extra token request per tenant and round is cheaper than that risk.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use tokio::sync::Notify;

use crate::config::{SyncConfig, TenantConfig};
use crate::progress::Progress;
use crate::run::{RunError, RunSummary, WorkerInfo, deferred_report, open_output, rfc3339, state_after};
use crate::store::postgres::lease::{Claim, RoundId, Vanish};
use crate::store::{PgStore, StoreError, StoreLocation, SyncStore};
use crate::tenant::{Outcome, Shared, TenantReport, store_window, sync_pages};

/// How a worker holds its leases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerOptions {
    /// How long a lease lasts without renewal: how soon another worker takes over a dead one's
    /// tenant. The heartbeat renews it every third of this.
    pub lease_ttl: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self { lease_ttl: Duration::from_secs(30) }
    }
}

/// A worker's name in the store: host, process and a random suffix, so restarts differ.
fn worker_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".to_owned());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}:{}:{}", std::process::id(), &suffix[..8])
}

/// Runs this process as a worker of the configured PostgreSQL store until the round is done.
pub async fn run_worker(
    config: SyncConfig,
    progress: Progress,
    options: WorkerOptions,
) -> Result<RunSummary, RunError> {
    let target = match &config.store {
        StoreLocation::Postgres(target) => target.clone(),
        StoreLocation::Sqlite(path) => return Err(RunError::WorkerNeedsPostgres(path.display().to_string())),
    };
    crate::redact::remember_credentials(&config.credentials);
    let store = Arc::new(PgStore::connect(&target).await?);
    let worker = worker_id();
    let output = open_output(&config)?;
    let started = OffsetDateTime::now_utc();
    let run = store.begin_run(started).await?;
    let tenants: Vec<String> = config.tenants.iter().map(|t| t.id.to_string()).collect();
    let (start, end) = (config.window.start.to_string(), config.window.end.to_string());
    let round = store.join_round(&start, &end, &tenants, options.lease_ttl).await?;
    tracing::info!(%worker, round = round.0, tenants = tenants.len(), "worker joined the round");
    let config = Arc::new(config);
    let shared = Arc::new(Shared::new(config.clone(), store.clone(), output, run, progress)?);
    let cx = Arc::new(Worker { shared, worker: worker.clone(), round, tenants, options, reports: Mutex::default() });
    let mut loops = tokio::task::JoinSet::new();
    for _ in 0..config.limits.concurrency.max(1) {
        let cx = cx.clone();
        loops.spawn(async move { cx.claim_loop().await });
    }
    let mut first_error = None;
    while let Some(done) = loops.join_next().await {
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            // Its tenant's lease is no longer renewed: another loop or worker takes it over.
            Err(e) => tracing::error!("a claim loop ended abnormally: {e}"),
        }
    }
    if let Some(e) = first_error {
        return Err(e.into());
    }
    let mut reports = std::mem::take(&mut *cx.reports.lock().unwrap_or_else(PoisonError::into_inner));
    reports.sort_by_key(|r| config.tenants.iter().position(|t| t.id == r.tenant).unwrap_or(usize::MAX));
    let finished = OffsetDateTime::now_utc();
    let summary = RunSummary {
        run: run.0,
        started_at: started,
        finished_at: finished,
        worker: Some(WorkerInfo { id: worker, round: round.0 }),
        tenants: reports,
    };
    store.finish_run(run, finished, &serde_json::to_string(&summary).unwrap_or_default()).await?;
    Ok(summary)
}

struct Worker {
    shared: Arc<Shared<PgStore>>,
    worker: String,
    round: RoundId,
    tenants: Vec<String>,
    options: WorkerOptions,
    reports: Mutex<Vec<TenantReport>>,
}

impl Worker {
    fn store(&self) -> &PgStore {
        &self.shared.store
    }

    fn report(&self, mut report: TenantReport) {
        report.outcome = std::mem::replace(&mut report.outcome, Outcome::Synced).redacted();
        self.shared.progress.finish(&report);
        self.reports.lock().unwrap_or_else(PoisonError::into_inner).push(report);
    }

    /// How often to look again while other workers hold the remaining leases.
    fn poll(&self) -> Duration {
        (self.options.lease_ttl / 4).clamp(Duration::from_millis(100), Duration::from_secs(2))
    }

    async fn claim_loop(&self) -> Result<(), StoreError> {
        loop {
            match self.store().claim(self.round, &self.worker, &self.tenants, self.options.lease_ttl).await? {
                Claim::Lease { tenant, attempt } => {
                    let Some(config) = self.shared.config.tenants.iter().find(|t| t.id == tenant) else { continue };
                    tracing::info!(worker = %self.worker, %tenant, attempt, "leased");
                    self.sync_leased(config).await?;
                }
                Claim::Deferred { tenant, until } => {
                    tracing::info!(%tenant, until = %rfc3339(until), "deferred by an earlier run; not called before then");
                    self.report(deferred_report(&tenant, until));
                }
                Claim::Wait => tokio::time::sleep(self.poll()).await,
                Claim::Done => return Ok(()),
            }
        }
    }

    /// Syncs a leased tenant under a heartbeat and completes the lease with its outcome.
    async fn sync_leased(&self, tenant: &TenantConfig) -> Result<(), StoreError> {
        let lost = Arc::new(Notify::new());
        let heartbeat = Heartbeat::start(
            self.shared.store.clone(),
            self.round,
            tenant.id.to_string(),
            self.worker.clone(),
            self.options.lease_ttl,
            lost.clone(),
        );
        let synced = tokio::select! {
            report = sync_pages(&self.shared, tenant) => Some(report),
            () = lost.notified() => None,
        };
        drop(heartbeat);
        let Some(mut report) = synced else {
            tracing::warn!(worker = %self.worker, tenant = %tenant.id, "lease lost; another worker owns the tenant now");
            self.report(lease_lost(&tenant.id));
            return Ok(());
        };
        let finished = OffsetDateTime::now_utc();
        let state = state_after(&report, finished);
        let outcome = report.outcome.kind();
        let vanish = match report.outcome {
            Outcome::Synced => {
                Some(Vanish { run: self.shared.run, window: store_window(&self.shared.config)?, at: finished })
            }
            _ => None,
        };
        let completed =
            self.store().complete(self.round, &tenant.id, &self.worker, outcome, &state, vanish.as_ref()).await?;
        if let Some(marked) = completed {
            report.vanished = marked;
            self.report(report);
        } else {
            tracing::warn!(worker = %self.worker, tenant = %tenant.id, "lease lost before completion; its outcome is the new owner's to record");
            self.report(lease_lost(&tenant.id));
        }
        Ok(())
    }
}

/// The heartbeat task, aborted when this is dropped: on return, on error and on unwinding alike.
pub(crate) struct Heartbeat(tokio::task::JoinHandle<()>);

impl Heartbeat {
    pub(crate) fn start(
        store: Arc<PgStore>,
        round: RoundId,
        tenant: String,
        worker: String,
        ttl: Duration,
        lost: Arc<Notify>,
    ) -> Self {
        Self(tokio::spawn(heartbeat(store, round, tenant, worker, ttl, lost)))
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn lease_lost(tenant: &str) -> TenantReport {
    let reason = "lease lost: another worker took the tenant over".to_owned();
    TenantReport::new(tenant, Outcome::Failed { reason, request_id: None })
}

/// Renews the lease every third of its lifetime; signals `lost` when the store says the lease
/// is gone, or when no renewal succeeded for two thirds of the lifetime (the store unreachable,
/// or hung: each renewal is given only the time left until then).
pub(crate) async fn heartbeat(
    store: Arc<PgStore>,
    round: RoundId,
    tenant: String,
    worker: String,
    ttl: Duration,
    lost: Arc<Notify>,
) {
    let allowance = ttl * 2 / 3;
    let mut last_ok = Instant::now();
    loop {
        tokio::time::sleep(ttl / 3).await;
        let left = allowance.saturating_sub(last_ok.elapsed()).max(Duration::from_millis(50));
        match tokio::time::timeout(left, store.renew(round, &tenant, &worker, ttl)).await {
            Ok(Ok(true)) => last_ok = Instant::now(),
            Ok(Ok(false)) => break,
            Ok(Err(e)) => tracing::warn!(%tenant, "cannot renew the lease: {e}"),
            Err(_) => tracing::warn!(%tenant, "renewing the lease did not finish in {}ms", left.as_millis()),
        }
        if last_ok.elapsed() >= allowance {
            break;
        }
    }
    lost.notify_one();
}
