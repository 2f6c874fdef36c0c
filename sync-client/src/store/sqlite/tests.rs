//! Tests of what only the SQLite store has: the file, WAL mode, the schema guard, the query plan;
//! and an ignored save-rate benchmark. The behaviour both stores share is `store::suite`.

mod bench;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use time::macros::datetime;

use super::*;

use crate::store::suite::{IN_WINDOW, T1, record};

/// A store file under the temp dir, removed (with its WAL and shared-memory files) on drop.
#[derive(Debug)]
struct TempDb(PathBuf);

impl TempDb {
    fn new(name: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Self(std::env::temp_dir().join(format!("appointment-sync-store-{}-{name}-{n}.sqlite", std::process::id())))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

#[test]
fn a_reopened_file_keeps_its_data_in_wal_mode() {
    let db = TempDb::new("reopen");
    {
        let store = SqliteStore::open(&db.0).unwrap();
        let mode: String = store.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = store.conn().query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 1);
        let run = store.begin_run(datetime!(2026-11-28 00:00:00 UTC)).unwrap();
        store.save_page(run, T1, &[record("a", "1", IN_WINDOW)]).unwrap();
        store.finish_run(run, datetime!(2026-11-28 00:01:00 UTC), r#"{"ok":true}"#).unwrap();
    }
    let store = SqliteStore::open(&db.0).unwrap();
    assert_eq!(store.appointments(None).unwrap()[0].raw, record("a", "1", None).raw);
    let summary: String = store.conn().query_row("SELECT summary FROM sync_runs", [], |r| r.get(0)).unwrap();
    assert_eq!(summary, r#"{"ok":true}"#);
    assert!(format!("{store:?}").contains("reopen"));
}

#[test]
fn a_store_with_a_newer_schema_is_refused_with_a_clear_error() {
    let db = TempDb::new("newer");
    drop(SqliteStore::open(&db.0).unwrap());
    Connection::open(&db.0).unwrap().pragma_update(None, "user_version", 2).unwrap();
    let err = SqliteStore::open(&db.0).unwrap_err();
    assert!(matches!(err, StoreError::SchemaTooNew { found: 2, supported: 1 }));
    assert_eq!(err.to_string(), "store schema version 2 is newer than this client (1)");
}

#[test]
fn a_path_that_cannot_be_opened_names_the_path() {
    let missing = std::env::temp_dir().join("appointment-sync-no-such-dir").join("store.sqlite");
    let err = SqliteStore::open(&missing).unwrap_err();
    assert!(err.to_string().starts_with("cannot open the store at "), "{err}");
    assert!(err.to_string().contains("appointment-sync-no-such-dir"), "{err}");
}

#[test]
fn mark_vanished_narrows_its_scan_with_the_tenant_start_index() {
    let store = SqliteStore::open_in_memory().unwrap();
    let conn = store.conn();
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", page::MARK_VANISHED)).unwrap();
    let plan: Vec<String> =
        stmt.query_map([rusqlite::types::Null; 5], |r| r.get(3)).unwrap().collect::<Result<_, _>>().unwrap();
    assert!(
        plan.iter().any(|step| step.contains("appointments_tenant_start (tenant=? AND start>? AND start<?)")),
        "{plan:?}"
    );
}
