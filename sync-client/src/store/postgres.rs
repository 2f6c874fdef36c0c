//! The PostgreSQL store: the same tables and semantics as the SQLite one, in a database that
//! several `appointment-sync` processes share. Connections come from a small deadpool pool over
//! tokio-postgres.
//!
//! Differences that do not change behaviour:
//! - A start's UTC text is computed by the client ([`utc_text`](super::utc_text)) and stored beside
//!   it (`start_utc`), where SQLite computes it in SQL.
//! - Text keys use the "C" collation, so ids and tenants sort bytewise as in SQLite.
//! - Saving a page takes a transaction-scoped advisory lock on the tenant, so two processes
//!   never interleave their pages of one tenant.
//!
//! # Layout
//! - `connection`: [`PgTarget`], the database a URL names, shown without its password; TLS set-up;
//!   the driver's errors as one line.
//! - `schema`: the versioned schema (`appointment_sync_schema`), created and migrated under an
//!   advisory lock so that workers starting together migrate once.
//! - `page`: saving a page and marking vanished appointments.
//! - `read`: reading back, counting, exporting.
//! - [`lease`]: the rounds and tenant leases of `run --worker`.

use std::fmt;
use std::io::Write;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};

use time::OffsetDateTime;

use super::{
    AppointmentRecord, PageOutcome, RunId, StoreError, StoredAppointment, SyncStore, TenantState, Window, instant_text,
};

mod connection;
pub mod lease;
mod page;
mod read;
mod schema;

pub use connection::{PgTarget, PgTargetError};
use connection::{describe_error, tls};

/// The PostgreSQL store: a pool of connections to one database.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    target: PgTarget,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore").field("target", &self.target).finish_non_exhaustive()
    }
}

/// Connections a store keeps open: enough for a worker's concurrent tenants and its heartbeats.
const POOL_SIZE: usize = 8;
/// The longest wait for a pooled connection, or for a new one to be made.
const POOL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl PgStore {
    /// Connects, then creates or migrates the schema. Fails with the database named (never its
    /// password) when the server cannot be reached or refuses the account.
    pub async fn connect(target: &PgTarget) -> Result<Self, StoreError> {
        let tls = tls().map_err(|cause| StoreError::Connect { target: target.to_string(), cause })?;
        let manager = Manager::from_config(
            (*target.config).clone(),
            tls,
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        // Bounded waits: a worker whose database hangs must give up its tenant within the lease.
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(POOL_TIMEOUT))
            .create_timeout(Some(POOL_TIMEOUT))
            .recycle_timeout(Some(POOL_TIMEOUT))
            .build()
            .map_err(|e| StoreError::Connect { target: target.to_string(), cause: e.to_string() })?;
        let store = Self { pool, target: target.clone() };
        let mut client = store.client().await?;
        schema::migrate(&mut client).await?;
        Ok(store)
    }

    /// A pooled connection; a failure to get one names the database.
    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(|e| {
            let cause = match &e {
                deadpool_postgres::PoolError::Backend(inner) => describe_error(inner),
                other => other.to_string(),
            };
            StoreError::Connect { target: self.target.to_string(), cause }
        })
    }

    /// The server and database this store connects to (its `Display` never shows the password).
    pub fn target(&self) -> &PgTarget {
        &self.target
    }
}

impl SyncStore for PgStore {
    async fn begin_run(&self, started_at: OffsetDateTime) -> Result<RunId, StoreError> {
        let started_at = instant_text(started_at)?;
        let client = self.client().await?;
        let row =
            client.query_one("INSERT INTO sync_runs (started_at) VALUES ($1) RETURNING id", &[&started_at]).await?;
        Ok(RunId(row.get(0)))
    }

    async fn finish_run(&self, run: RunId, finished_at: OffsetDateTime, summary_json: &str) -> Result<(), StoreError> {
        let finished_at = instant_text(finished_at)?;
        let client = self.client().await?;
        let changed = client
            .execute(
                "UPDATE sync_runs SET finished_at = $2, summary = $3 WHERE id = $1",
                &[&run.0, &finished_at, &summary_json],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::UnknownRun(run.0));
        }
        Ok(())
    }

    async fn tenant_state(&self, tenant: &str) -> Result<Option<TenantState>, StoreError> {
        let client = self.client().await?;
        read::tenant_state(&client, tenant).await
    }

    async fn set_tenant_state(&self, tenant: &str, state: &TenantState) -> Result<(), StoreError> {
        let client = self.client().await?;
        read::set_tenant_state(&client, tenant, state).await
    }

    async fn save_page(
        &self,
        run: RunId,
        tenant: &str,
        page: &[AppointmentRecord],
    ) -> Result<(PageOutcome, Vec<StoredAppointment>), StoreError> {
        let mut client = self.client().await?;
        page::save_page(&mut client, run, tenant, page).await
    }

    async fn mark_vanished(
        &self,
        run: RunId,
        tenant: &str,
        window: &Window,
        at: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let client = self.client().await?;
        page::mark_vanished(&client, run, tenant, window, at).await
    }

    async fn appointments(&self, tenant: Option<&str>) -> Result<Vec<StoredAppointment>, StoreError> {
        let client = self.client().await?;
        read::appointments(&client, tenant).await
    }

    async fn count(&self, tenant: Option<&str>) -> Result<u64, StoreError> {
        let client = self.client().await?;
        read::count(&client, tenant).await
    }

    async fn export_ndjson(&self, out: &mut (dyn Write + Send)) -> Result<u64, StoreError> {
        let client = self.client().await?;
        read::export_ndjson(&client, out).await
    }
}

#[cfg(test)]
mod tests;
