//! Connection settings and the versioned schema. The version lives in `PRAGMA user_version` so a
//! client never writes into a store laid out by a newer release it does not understand.

use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// The schema version this client writes and understands.
pub(super) const SCHEMA_VERSION: i64 = 2;

/// Version 1. The CHECKs and foreign keys make a malformed record (empty tenant or id, unknown
/// run) fail its whole page instead of leaving a row no later run could match.
pub(super) const SCHEMA_V1: &str = "
CREATE TABLE sync_runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    summary     TEXT
);
CREATE TABLE appointments (
    tenant         TEXT NOT NULL CHECK (length(tenant) > 0),
    id             TEXT NOT NULL CHECK (length(id) > 0),
    version_id     TEXT NOT NULL,
    last_updated   TEXT,
    start          TEXT,
    status         TEXT NOT NULL,
    locations      TEXT NOT NULL DEFAULT '[]',
    raw            TEXT NOT NULL,
    first_seen_run INTEGER NOT NULL REFERENCES sync_runs (id),
    last_seen_run  INTEGER NOT NULL REFERENCES sync_runs (id),
    vanished_at    TEXT,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX appointments_tenant_start ON appointments (tenant, start);
CREATE TABLE tenant_state (
    tenant         TEXT PRIMARY KEY NOT NULL,
    last_success   TEXT,
    deferred_until TEXT,
    last_outcome   TEXT,
    message        TEXT
);
";

/// Version 2: the FHIR version each row's raw resource is in. Rows of a version 1 store came from
/// DSTU2 servers, the only version that client spoke.
const SCHEMA_V2: &str = "
ALTER TABLE appointments ADD COLUMN fhir_version TEXT NOT NULL DEFAULT 'DSTU2'
    CHECK (fhir_version IN ('DSTU2', 'R4'));
";

/// The steps from each version to the next: `STEPS[n]` takes version `n` to `n + 1`.
const STEPS: [&str; 2] = [SCHEMA_V1, SCHEMA_V2];

/// The page size of a new store file: 16 KiB pages hold ten stored appointments of the usual size
/// (a raw resource of about 1.5 KB) where 4 KiB pages hold two, and a page's commit writes a fifth
/// of the log frames (one system call each) that 4 KiB pages need.
const PAGE_SIZE: i64 = 16_384;

/// Per-connection settings. WAL lets readers (an export) run while a sync writes; `synchronous =
/// NORMAL` is safe in WAL (a killed process loses no committed page; only a power cut may lose
/// the last pages, which the next run fetches again) and avoids an fsync per page.
pub(super) fn configure(conn: &Connection, on_disk: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    // Takes effect only on a new, empty file (an existing store keeps its page size).
    conn.pragma_update(None, "page_size", PAGE_SIZE)?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if on_disk && !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(journal_mode = %mode, "the store's file system refused WAL mode; using the mode it allows");
    }
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768;")
}

/// Brings the schema to [`SCHEMA_VERSION`] one step at a time in one transaction, refusing stores
/// written by a newer client. The version is checked again inside the write transaction, as
/// another process may have migrated the schema between the first look and the lock.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    if check_version(user_version(conn)?)? {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = user_version(&tx)?;
    if !check_version(found)? {
        for step in STEPS.iter().skip(usize::try_from(found).unwrap_or(0)) {
            tx.execute_batch(step)?;
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    tx.commit()?;
    Ok(())
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// `Ok(true)` when the schema is current, `Ok(false)` when it must be migrated (0: empty).
fn check_version(found: i64) -> Result<bool, StoreError> {
    match found {
        SCHEMA_VERSION => Ok(true),
        v if (0..SCHEMA_VERSION).contains(&v) => Ok(false),
        v if v > SCHEMA_VERSION => Err(StoreError::SchemaTooNew { found: v, supported: SCHEMA_VERSION }),
        v => Err(StoreError::SchemaUnknown(v)),
    }
}
