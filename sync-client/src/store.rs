//! The local store: an embedded SQLite database (rusqlite, bundled, WAL) holding the appointments
//! the sync engine pulled, keyed by (tenant, id) as FHIR DSTU2 ids are only unique within one
//! server's base URL; the sync runs; and the state each tenant carries between runs.
//!
//! Each page of a search is saved in one transaction, so a crash loses at most the page in
//! flight and a re-run completes the work with no duplicates. A record never replaces a newer
//! `meta.versionId`, because Cerner may serve an appointment again on a later page while paging
//! (DSTU2 Pagination › Concurrency).
//!
//! # Layout
//! - `schema`: connection settings and the versioned schema (`PRAGMA user_version`).
//! - `page`: saving a page of appointments and marking the ones that vanished from a window.
//! - `read`: reading the appointments back and exporting them as NDJSON.

use std::fmt;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// The column list every read of a whole appointment uses, in the order `read::stored_from_row` expects.
macro_rules! columns {
    () => {
        "tenant, id, version_id, last_updated, start, status, locations, raw, vanished_at"
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
mod page;
mod read;
mod schema;
#[cfg(test)]
mod tests;

/// One appointment as the sync engine saw it on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentRecord {
    pub id: String,
    /// `meta.versionId` ("0", "1", …): compared numerically when both sides parse as `u64`, else as strings.
    pub version_id: String,
    pub last_updated: Option<String>,
    /// The FHIR instant as received (any offset); windows compare on its UTC value.
    pub start: Option<String>,
    pub status: String,
    /// Location ids from the participant actors.
    pub locations: Vec<String>,
    /// The resource's compact JSON.
    pub raw: String,
}

/// A sync run, as numbered by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunId(pub i64);

/// What saving one page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageOutcome {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// Per-tenant state kept between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantState {
    /// RFC 3339 end time of the last complete sync.
    pub last_success: Option<String>,
    /// RFC 3339: do not call this tenant before then (long `Retry-After`).
    pub deferred_until: Option<String>,
    /// "synced" | "deferred" | "rejected" | "failed".
    pub last_outcome: Option<String>,
    pub message: Option<String>,
}

/// One appointment as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAppointment {
    pub tenant: String,
    pub id: String,
    pub version_id: String,
    pub last_updated: Option<String>,
    pub start: Option<String>,
    pub status: String,
    pub locations: Vec<String>,
    pub raw: String,
    /// Set when a complete sync of a window no longer returned it; cleared when it is seen again.
    pub vanished_at: Option<String>,
}

/// Why the store could not do what was asked. Messages are one line and carry their cause, so
/// they are not repeated by a `source()` chain.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store at {}: {cause}", path.display())]
    Open { path: PathBuf, cause: rusqlite::Error },
    #[error("store schema version {found} is newer than this client ({supported})")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("store schema version {0} is not one this client knows")]
    SchemaUnknown(i64),
    #[error("sync run {0} does not exist in the store")]
    UnknownRun(i64),
    #[error("window bound {0:?} is not an ISO date or date-time")]
    InvalidWindow(String),
    #[error("cannot encode the locations of appointment {id} as JSON: {cause}")]
    EncodeLocations { id: String, cause: serde_json::Error },
    #[error("stored appointment {tenant}/{id} holds a raw resource that is not JSON: {cause}")]
    InvalidRaw { tenant: String, id: String, cause: serde_json::Error },
    #[error("cannot write the export: {0}")]
    Write(std::io::Error),
    #[error("store query failed: {0}")]
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(cause: rusqlite::Error) -> Self {
        Self::Sqlite(cause)
    }
}

/// The store: one SQLite connection. Not `Sync`; the sync engine owns it (or wraps it in a mutex).
pub struct Store {
    conn: Connection,
    /// `None` for an in-memory store.
    path: Option<PathBuf>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating the file, not its directory) and migrates the store at `path`: WAL mode,
    /// foreign keys on, a 5 s busy timeout, schema version 1.
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
        let conn = opened.map_err(as_open)?;
        schema::configure(&conn, path.is_some()).map_err(as_open)?;
        let mut store = Self { conn, path };
        schema::migrate(&mut store.conn).map_err(|e| match e {
            StoreError::Sqlite(cause) => as_open(cause),
            other => other,
        })?;
        Ok(store)
    }

    /// Records the start of a sync run; its id marks every appointment the run sees.
    pub fn begin_run(&mut self, started_at: &str) -> Result<RunId, StoreError> {
        self.conn.execute("INSERT INTO sync_runs (started_at) VALUES (?1)", params![started_at])?;
        Ok(RunId(self.conn.last_insert_rowid()))
    }

    /// Records the end of a run with the summary the engine printed (JSON text, stored as given).
    pub fn finish_run(&mut self, run: RunId, finished_at: &str, summary_json: &str) -> Result<(), StoreError> {
        let changed = self.conn.execute(
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
        let mut stmt = self.conn.prepare_cached(
            "SELECT last_success, deferred_until, last_outcome, message FROM tenant_state WHERE tenant = ?1",
        )?;
        let state = stmt
            .query_row(params![tenant], |row| {
                Ok(TenantState {
                    last_success: row.get(0)?,
                    deferred_until: row.get(1)?,
                    last_outcome: row.get(2)?,
                    message: row.get(3)?,
                })
            })
            .optional()?;
        Ok(state)
    }

    /// Replaces a tenant's state as a whole (fields set to `None` are cleared).
    pub fn set_tenant_state(&mut self, tenant: &str, state: &TenantState) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO tenant_state (tenant, last_success, deferred_until, last_outcome, message)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (tenant) DO UPDATE SET last_success = excluded.last_success,
               deferred_until = excluded.deferred_until, last_outcome = excluded.last_outcome,
               message = excluded.message",
            params![tenant, state.last_success, state.deferred_until, state.last_outcome, state.message],
        )?;
        Ok(())
    }

    /// Opens an IMMEDIATE transaction: it takes the write lock up front, so a second writer waits
    /// out the busy timeout instead of failing with SQLITE_BUSY when a read turns into a write.
    fn write_transaction(&mut self) -> Result<rusqlite::Transaction<'_>, StoreError> {
        Ok(self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
    }
}
