//! The SQLite store: one embedded database file (rusqlite, bundled) in WAL mode, the default.
//!
//! # Layout
//! - `schema`: connection settings and the versioned schema (`PRAGMA user_version`).
//! - `checkpoint`: the write-ahead log's checkpoints, on a thread of their own.
//! - `page`: saving a page of appointments and marking the ones that vanished from a window.
//! - `read`: reading the appointments back and exporting them as NDJSON.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use time::OffsetDateTime;

use super::{
    AppointmentRecord, PageOutcome, RunId, StoreError, StoredAppointment, SyncStore, TenantState, Window, instant_text,
    optional_instant_text, stored_instant, stored_outcome,
};

/// The column list every read of a whole appointment uses, in the order `read::stored_from_row` expects.
macro_rules! columns {
    () => {
        "tenant, id, version_id, last_updated, start, status, locations, raw, vanished_at, fhir_version"
    };
}

/// The UTC date-time text (`YYYY-MM-DDTHH:MM:SS.SSSZ`) of a SQL expression holding an ISO date or
/// instant, or NULL. The GLOB guard matters: SQLite would read a bare year such as `2026` as a
/// Julian day number instead of refusing it.
macro_rules! utc_of {
    ($e:literal) => {
        concat!(
            "(CASE WHEN ",
            $e,
            " GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' THEN strftime('%Y-%m-%dT%H:%M:%fZ', ",
            $e,
            ") END)"
        )
    };
}

// Declared after the macros so that their textual scope reaches the submodules.
mod checkpoint;
mod page;
mod read;
mod schema;
#[cfg(test)]
mod tests;

/// The SQLite store: one connection behind a mutex, so one value serves every tenant task.
pub struct SqliteStore {
    /// Declared before the checkpointer: it closes first, so the checkpointer's connection is the
    /// last and removes the log when the store is dropped.
    conn: Mutex<Connection>,
    /// `None` for an in-memory store, or when the file system refused WAL mode.
    checkpointer: Option<checkpoint::Checkpointer>,
    /// `None` for an in-memory store.
    path: Option<PathBuf>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating the file, not its directory) and migrates the store at `path`: WAL mode,
    /// foreign keys on, a 5 s busy timeout, schema version 2.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let opened = Connection::open(path);
        Self::init(opened, Some(path.to_path_buf()))
    }

    /// An empty store that lives as long as the value: for tests and dry runs.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory(), None)
    }

    /// Configures and migrates a fresh connection, reporting every SQLite failure on the way as
    /// "cannot open the store at PATH" so the user learns which file is at fault.
    fn init(opened: rusqlite::Result<Connection>, path: Option<PathBuf>) -> Result<Self, StoreError> {
        let shown = path.clone().unwrap_or_else(|| PathBuf::from(":memory:"));
        let as_open = |cause| StoreError::Open { path: shown.clone(), cause };
        let mut conn = opened.map_err(as_open)?;
        schema::configure(&conn, path.is_some()).map_err(as_open)?;
        schema::migrate(&mut conn).map_err(|e| match e {
            StoreError::Sqlite(cause) => as_open(cause),
            other => other,
        })?;
        let checkpointer = path.as_deref().and_then(|path| background_checkpoints(&conn, path));
        Ok(Self { conn: Mutex::new(conn), checkpointer, path })
    }

    /// After a page's transaction committed: counts toward the next background checkpoint.
    fn committed(&self) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.committed();
        }
    }

    /// The connection. A panic while it was held cannot leave it mid-transaction (rusqlite rolls
    /// an unfinished transaction back on drop), so a poisoned lock is safe to take over.
    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the start of a sync run; its id marks every appointment the run sees.
    pub fn begin_run(&self, started_at: OffsetDateTime) -> Result<RunId, StoreError> {
        let started_at = instant_text(started_at)?;
        let conn = self.conn();
        conn.execute("INSERT INTO sync_runs (started_at) VALUES (?1)", params![started_at])?;
        Ok(RunId(conn.last_insert_rowid()))
    }

    /// Records the end of a run with the summary the engine printed (JSON text, stored as given).
    pub fn finish_run(&self, run: RunId, finished_at: OffsetDateTime, summary_json: &str) -> Result<(), StoreError> {
        let finished_at = instant_text(finished_at)?;
        let changed = self.conn().execute(
            "UPDATE sync_runs SET finished_at = ?2, summary = ?3 WHERE id = ?1",
            params![run.0, finished_at, summary_json],
        )?;
        if changed == 0 {
            return Err(StoreError::UnknownRun(run.0));
        }
        Ok(())
    }

    /// The state a tenant was left in by earlier runs, if any run recorded one.
    pub fn tenant_state(&self, tenant: &str) -> Result<Option<TenantState>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT last_success, deferred_until, last_outcome, message FROM tenant_state WHERE tenant = ?1",
        )?;
        let state = stmt
            .query_row(params![tenant], |row| {
                let texts: [Option<String>; 4] = [row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?];
                Ok(texts)
            })
            .optional()?;
        state
            .map(|[last_success, deferred_until, outcome, message]| {
                Ok(TenantState {
                    last_success: stored_instant(last_success)?,
                    deferred_until: stored_instant(deferred_until)?,
                    last_outcome: stored_outcome(outcome)?,
                    message,
                })
            })
            .transpose()
    }

    /// Replaces a tenant's state as a whole (fields set to `None` are cleared).
    pub fn set_tenant_state(&self, tenant: &str, state: &TenantState) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO tenant_state (tenant, last_success, deferred_until, last_outcome, message)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (tenant) DO UPDATE SET last_success = excluded.last_success,
               deferred_until = excluded.deferred_until, last_outcome = excluded.last_outcome,
               message = excluded.message",
            params![
                tenant,
                optional_instant_text(state.last_success)?,
                optional_instant_text(state.deferred_until)?,
                state.last_outcome.map(super::OutcomeKind::as_str),
                state.message
            ],
        )?;
        Ok(())
    }
}

/// Starts the checkpoint thread of a store in WAL mode and moves the writer's own automatic
/// checkpoint up to the backstop; `None` (SQLite's defaults kept) when the store is not in WAL
/// mode or the thread cannot start, which only costs speed.
fn background_checkpoints(conn: &Connection, path: &Path) -> Option<checkpoint::Checkpointer> {
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |row| row.get(0)).ok()?;
    if !mode.eq_ignore_ascii_case("wal") {
        return None;
    }
    let checkpointer = checkpoint::Checkpointer::start(path)
        .inspect_err(
            |error| tracing::warn!(%error, "cannot start the store's checkpoint thread; the writer checkpoints"),
        )
        .ok()?;
    conn.pragma_update(None, "wal_autocheckpoint", checkpoint::WRITER_BACKSTOP_PAGES).ok()?;
    Some(checkpointer)
}

/// Opens an IMMEDIATE transaction: it takes the write lock up front, so a second writer waits out
/// the busy timeout instead of failing with SQLITE_BUSY when a read turns into a write.
fn write_transaction(conn: &mut Connection) -> Result<rusqlite::Transaction<'_>, StoreError> {
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}

/// Runs a page's writes where they do not hold up other tenants: on a multi-threaded runtime the
/// worker thread hands its other tasks (fetching and reading other tenants' pages) to another
/// thread while this one waits for the store's lock and writes; elsewhere (a test's
/// single-threaded runtime) inline.
fn on_blocking_thread<T>(write: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(write)
        }
        _ => write(),
    }
}

/// The trait is the inherent API run inline (the page writes on a blocking thread, see
/// [`on_blocking_thread`]): SQLite calls are short and local, and the mutex is never held across
/// an await.
impl SyncStore for SqliteStore {
    async fn begin_run(&self, started_at: OffsetDateTime) -> Result<RunId, StoreError> {
        SqliteStore::begin_run(self, started_at)
    }

    async fn finish_run(&self, run: RunId, finished_at: OffsetDateTime, summary_json: &str) -> Result<(), StoreError> {
        SqliteStore::finish_run(self, run, finished_at, summary_json)
    }

    async fn tenant_state(&self, tenant: &str) -> Result<Option<TenantState>, StoreError> {
        SqliteStore::tenant_state(self, tenant)
    }

    async fn set_tenant_state(&self, tenant: &str, state: &TenantState) -> Result<(), StoreError> {
        SqliteStore::set_tenant_state(self, tenant, state)
    }

    async fn save_page(
        &self,
        run: RunId,
        tenant: &str,
        page: &[AppointmentRecord],
    ) -> Result<(PageOutcome, Vec<StoredAppointment>), StoreError> {
        on_blocking_thread(|| SqliteStore::save_page(self, run, tenant, page))
    }

    async fn save_page_counted(
        &self,
        run: RunId,
        tenant: &str,
        page: &[AppointmentRecord],
    ) -> Result<PageOutcome, StoreError> {
        on_blocking_thread(|| SqliteStore::save_page_counted(self, run, tenant, page))
    }

    async fn mark_vanished(
        &self,
        run: RunId,
        tenant: &str,
        window: &Window,
        at: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        on_blocking_thread(|| SqliteStore::mark_vanished(self, run, tenant, window, at))
    }

    async fn appointments(&self, tenant: Option<&str>) -> Result<Vec<StoredAppointment>, StoreError> {
        SqliteStore::appointments(self, tenant)
    }

    async fn count(&self, tenant: Option<&str>) -> Result<u64, StoreError> {
        SqliteStore::count(self, tenant)
    }

    async fn export_ndjson(&self, out: &mut (dyn Write + Send)) -> Result<u64, StoreError> {
        SqliteStore::export_ndjson(self, out)
    }
}
