//! The store: where the sync engine keeps the appointments it pulled, keyed by (tenant, id) as FHIR
//! ids are only unique within one server's base URL; the sync runs; and the state each tenant
//! carries between runs. A tenant's DSTU2 and R4 bases serve the same appointments under the same
//! ids, so there is one row per (tenant, id) whatever the version: the raw resource as the server
//! sent it, and the FHIR version it was sent in (`DSTU2` or `R4`, schema version 2).
//!
//! One trait, [`SyncStore`], two implementations:
//! - [`SqliteStore`]: an embedded SQLite file (rusqlite, bundled, WAL), the default.
//! - [`PgStore`]: a PostgreSQL database (tokio-postgres with a deadpool pool), for several
//!   processes at once; it also holds the tenant leases of `run --worker` ([`postgres::lease`]).
//!
//! Both keep the same semantics, checked by one test suite run against both (`store::suite`):
//! - Each page of a search is saved in one transaction, so a crash loses at most the page in
//!   flight and a re-run completes the work with no duplicates.
//! - A record never replaces a newer `meta.versionId`, because Cerner may serve an appointment
//!   again on a later page while paging (DSTU2 Pagination › Concurrency). A record of the same
//!   `versionId` in another FHIR version replaces the row (a tenant moved from DSTU2 to R4 gets
//!   R4 rows on its next sync); see `record::replaces`.
//! - Starts and window bounds compare as UTC instants whatever offset they were written with.
//! - The schema is created and migrated by the client and carries a version; a store laid out by
//!   a newer client is refused.
//!
//! # Layout
//! - `record`: the records, rows, run ids, page counts and tenant states, and which version wins.
//! - `types`: the window a complete sync covered, recorded instants, a tenant's last outcome.
//! - `instant`: FHIR instants read as UTC ([`utc_instant`], [`utc_text`]).
//! - `error`: [`StoreError`]; `location`: [`StoreLocation`], a file or a database.
//! - `export`: the NDJSON export line both stores write.
//! - [`sqlite`] and [`postgres`]: the two implementations; `suite`: the tests both must pass.

use std::fmt;
use std::future::Future;
use std::io::Write;

use time::OffsetDateTime;

mod error;
mod export;
mod instant;
mod location;
pub mod postgres;
mod record;
pub mod sqlite;
#[cfg(test)]
mod suite;
mod types;

pub use error::StoreError;
pub(crate) use export::export_row;
pub use instant::{utc_instant, utc_text};
pub use location::{StoreLocation, StoreLocationError};
pub use postgres::{PgStore, PgTarget};
// The version order, which the shared suite checks on its own.
#[cfg(test)]
pub(crate) use record::compare_versions;
pub use record::{AppointmentRecord, PageOutcome, RunId, StoredAppointment, TenantState, VersionId};
pub(crate) use record::{in_page_order, replaces, replaces_version, stored_fhir_version};
pub use sqlite::SqliteStore;
pub use types::{OutcomeKind, Window};
pub(crate) use types::{instant_text, optional_instant_text, stored_instant, stored_outcome};

/// What the sync engine needs of a store. Every method is one atomic step: a failed call leaves
/// the store as it was.
pub trait SyncStore: fmt::Debug + Send + Sync + 'static {
    /// Records the start of a sync run; its id marks every appointment the run sees.
    fn begin_run(&self, started_at: OffsetDateTime) -> impl Future<Output = Result<RunId, StoreError>> + Send;

    /// Records the end of a run with the summary the engine printed (JSON text, stored as given).
    fn finish_run(
        &self,
        run: RunId,
        finished_at: OffsetDateTime,
        summary_json: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The state a tenant was left in by earlier runs, if any run recorded one.
    fn tenant_state(&self, tenant: &str) -> impl Future<Output = Result<Option<TenantState>, StoreError>> + Send;

    /// Replaces a tenant's state as a whole (fields set to `None` are cleared).
    fn set_tenant_state(
        &self,
        tenant: &str,
        state: &TenantState,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Upserts one page of a tenant's appointments in ONE transaction: a record is inserted if
    /// new, replaces the stored row if its version is newer, and is otherwise left as stored (an
    /// equal version counts as unchanged even if its raw differs). Every record of the page gets
    /// `last_seen_run = run` and its `vanished_at` cleared. Returns the counts and, for each
    /// record in page order, the row as stored after the page (the newest version wins, also
    /// when an id repeats within the page). On error nothing of the page is stored.
    fn save_page(
        &self,
        run: RunId,
        tenant: &str,
        page: &[AppointmentRecord],
    ) -> impl Future<Output = Result<(PageOutcome, Vec<StoredAppointment>), StoreError>> + Send;

    /// [`SyncStore::save_page`] when the caller needs only the counts: the same writes, without
    /// reading the stored rows back (the sync does this unless an `--output` file wants the rows).
    fn save_page_counted(
        &self,
        run: RunId,
        tenant: &str,
        page: &[AppointmentRecord],
    ) -> impl Future<Output = Result<PageOutcome, StoreError>> + Send {
        async move { self.save_page(run, tenant, page).await.map(|(outcome, _)| outcome) }
    }

    /// After a COMPLETE sync of a tenant's window, marks the rows of that tenant whose start lies
    /// in `window` and that `run` did not see: `vanished_at = at`, unless it
    /// is already set (so it keeps the first time they went missing). Rows without a start are
    /// never marked. Returns how many rows were marked.
    fn mark_vanished(
        &self,
        run: RunId,
        tenant: &str,
        window: &Window,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Every stored appointment (vanished ones included), of one tenant or of all, ordered by
    /// tenant, start (as a UTC instant; rows without a start first), raw start, id.
    fn appointments(
        &self,
        tenant: Option<&str>,
    ) -> impl Future<Output = Result<Vec<StoredAppointment>, StoreError>> + Send;

    /// How many appointments are stored (vanished ones included), of one tenant or of all.
    fn count(&self, tenant: Option<&str>) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Writes one JSON line per stored appointment, in [`SyncStore::appointments`] order:
    /// `{"tenant": "...", "fhir_version": "DSTU2"|"R4", "resource": <raw JSON>, "vanished_at": "..."}`,
    /// `vanished_at` omitted when unset. The raw resource is written as stored when it is compact, so the export is
    /// byte-faithful to what the server sent. Streams rows, so memory stays flat on large stores.
    /// Returns the number of lines written.
    fn export_ndjson(&self, out: &mut (dyn Write + Send)) -> impl Future<Output = Result<u64, StoreError>> + Send;
}
