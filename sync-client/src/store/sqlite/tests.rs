//! Tests of what only the SQLite store has: the file, WAL mode, the schema guard, the query plan;
//! and an ignored save-rate benchmark. The behaviour both stores share is `store::suite`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use time::macros::datetime;

use super::*;

use crate::fhir_version::FhirVersion;
use crate::store::suite::{IN_WINDOW, T1, record};
use serde_json::json;

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
    Connection::open(&db.0).unwrap().pragma_update(None, "user_version", 3).unwrap();
    let err = SqliteStore::open(&db.0).unwrap_err();
    assert!(matches!(err, StoreError::SchemaTooNew { found: 3, supported: 2 }));
    assert_eq!(err.to_string(), "store schema version 3 is newer than this client (2)");
}

/// A store written by the client that spoke DSTU2 only (schema version 1, laid out here as that
/// client did) keeps its rows, now marked DSTU2, and takes R4 rows beside them.
#[test]
fn a_version_1_store_is_migrated_and_its_rows_read_as_dstu2() {
    let db = TempDb::new("v1");
    {
        let conn = Connection::open(&db.0).unwrap();
        conn.execute_batch(schema::SCHEMA_V1).unwrap();
        conn.execute_batch(
            "INSERT INTO sync_runs (id, started_at) VALUES (1, '2026-01-01T00:00:00Z');
             INSERT INTO appointments (tenant, id, version_id, status, raw, first_seen_run, last_seen_run)
             VALUES ('t', 'a', '1', 'booked', '{\"resourceType\":\"Appointment\",\"id\":\"a\"}', 1, 1);
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let store = SqliteStore::open(&db.0).unwrap();
    let version: i64 = store.conn().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 2);
    let rows = store.appointments(None).unwrap();
    assert_eq!((rows[0].id.as_str(), rows[0].fhir_version), ("a", FhirVersion::Dstu2));
    let run = store.begin_run(datetime!(2026-01-02 00:00:00 UTC)).unwrap();
    let mut r4 = record("b", "1", IN_WINDOW);
    r4.fhir_version = FhirVersion::R4;
    store.save_page(run, "t", &[r4]).unwrap();
    let mut out = Vec::new();
    store.export_ndjson(&mut out).unwrap();
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let versions: Vec<_> = lines.iter().map(|l| (l["resource"]["id"].clone(), l["fhir_version"].clone())).collect();
    assert_eq!(versions, [(json!("a"), json!("DSTU2")), (json!("b"), json!("R4"))]);
    let err = store.conn().execute("UPDATE appointments SET fhir_version = 'STU3'", []).unwrap_err();
    assert!(err.to_string().contains("CHECK"), "{err}");
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

/// Instants are typed in the code and RFC 3339 text in the store, as earlier versions wrote them:
/// a state written as text by an earlier client reads back as the same instants.
#[test]
fn tenant_state_written_as_text_by_an_earlier_client_reads_as_instants() {
    let db = TempDb::new("instants");
    let store = SqliteStore::open(&db.0).unwrap();
    store
        .conn()
        .execute(
            "INSERT INTO tenant_state (tenant, last_success, deferred_until, last_outcome, message)
             VALUES ('t', '2026-11-29T00:05:00Z', '2026-11-28T03:00:00.123456789Z', 'deferred', 'wait')",
            [],
        )
        .unwrap();
    let state = store.tenant_state("t").unwrap().unwrap();
    assert_eq!(state.last_success, Some(datetime!(2026-11-29 00:05:00 UTC)));
    assert_eq!(state.deferred_until, Some(datetime!(2026-11-28 03:00:00.123_456_789 UTC)));
    store.conn().execute("UPDATE tenant_state SET deferred_until = 'soon'", []).unwrap();
    assert!(matches!(store.tenant_state("t"), Err(StoreError::InvalidInstant(text)) if text == "soon"));
}

#[test]
fn pages_checkpointed_in_the_background_are_all_in_the_file_and_the_log_is_gone_after_drop() {
    let db = TempDb::new("checkpoint");
    let mut wal = db.0.clone().into_os_string();
    wal.push("-wal");
    {
        let store = SqliteStore::open(&db.0).unwrap();
        assert!(store.checkpointer.is_some(), "a store file in WAL mode checkpoints in the background");
        let backstop: i64 = store.conn().query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0)).unwrap();
        assert_eq!(backstop, i64::from(checkpoint::WRITER_BACKSTOP_PAGES));
        let run = store.begin_run(datetime!(2026-11-28 00:00:00 UTC)).unwrap();
        for page in 0..40 {
            let records: Vec<_> = (0..25).map(|n| record(&format!("{page}-{n}"), "1", IN_WINDOW)).collect();
            store.save_page_counted(run, T1, &records).unwrap();
        }
        assert!(Path::new(&wal).exists(), "the log is in use while the store is open");
    }
    assert!(!Path::new(&wal).exists(), "the last connection to close removes the log");
    let store = SqliteStore::open(&db.0).unwrap();
    assert_eq!(store.count(None).unwrap(), 1_000);
}
