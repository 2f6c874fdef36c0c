//! Store tests: counts, version order, tenant identity, atomicity, persistence, schema guard,
//! vanished rows, tenant state, export; a property test and an ignored save-rate benchmark.

mod bench;
mod property;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use super::*;

const T1: &str = "ec2458f2-1e24-41c8-b71b-0e701af7583d";
const T2: &str = "0b8a0111-e8e6-4c26-a91c-5069cbc6b1ca";

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

fn record(id: &str, version: &str, start: Option<&str>) -> AppointmentRecord {
    AppointmentRecord {
        id: id.into(),
        version_id: version.into(),
        last_updated: Some(format!("2026-11-27T10:00:0{}Z", version.len())),
        start: start.map(Into::into),
        status: "booked".into(),
        locations: vec!["21304876".into(), "4048128".into()],
        raw: format!(r#"{{"resourceType":"Appointment","id":"{id}","meta":{{"versionId":"{version}"}}}}"#),
    }
}

const IN_WINDOW: Option<&str> = Some("2026-11-30T09:00:00.000Z");

#[test]
fn a_page_counts_inserted_updated_and_unchanged_records() {
    let mut store = Store::open_in_memory().unwrap();
    let run = store.begin_run("2026-11-28T00:00:00Z").unwrap();
    let first = [record("a", "1", IN_WINDOW), record("b", "1", IN_WINDOW), record("c", "1", IN_WINDOW)];
    let (outcome, rows) = store.save_page(run, T1, &first).unwrap();
    assert_eq!(outcome, PageOutcome { inserted: 3, updated: 0, unchanged: 0 });
    assert_eq!(rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["a", "b", "c"]);

    let mut b_new_raw = record("b", "1", IN_WINDOW);
    b_new_raw.raw = r#"{"changed":true}"#.into();
    let second = [record("a", "2", IN_WINDOW), b_new_raw, record("c", "0", IN_WINDOW), record("d", "5", None)];
    let (outcome, rows) = store.save_page(run, T1, &second).unwrap();
    assert_eq!(outcome, PageOutcome { inserted: 1, updated: 1, unchanged: 2 });
    assert_eq!(rows[0].version_id, "2");
    assert_eq!(rows[1].raw, record("b", "1", None).raw, "an equal version keeps the stored raw");
    assert_eq!(rows[2].version_id, "1", "older version leaves the stored row");
    assert_eq!(store.count(Some(T1)).unwrap(), 4);
}

#[test]
fn an_older_version_never_overwrites_a_newer_one_compared_numerically() {
    let mut store = Store::open_in_memory().unwrap();
    let run = store.begin_run("2026-11-28T00:00:00Z").unwrap();
    store.save_page(run, T1, &[record("a", "10", IN_WINDOW)]).unwrap();
    let (outcome, rows) = store.save_page(run, T1, &[record("a", "9", IN_WINDOW)]).unwrap();
    assert_eq!(outcome.unchanged, 1);
    assert_eq!(rows[0].version_id, "10");
    let (outcome, _) = store.save_page(run, T1, &[record("a", "11", IN_WINDOW)]).unwrap();
    assert_eq!(outcome.updated, 1);
    assert_eq!(store.appointments(None).unwrap()[0].version_id, "11");
    assert_eq!(page::compare_versions("b", "a"), std::cmp::Ordering::Greater, "non-numeric falls back to text");
}

#[test]
fn an_id_repeated_within_a_page_reports_the_newest_row_for_both() {
    let mut store = Store::open_in_memory().unwrap();
    let run = store.begin_run("2026-11-28T00:00:00Z").unwrap();
    let page = [record("a", "3", IN_WINDOW), record("b", "1", None), record("a", "4", IN_WINDOW)];
    let (outcome, rows) = store.save_page(run, T1, &page).unwrap();
    assert_eq!(outcome, PageOutcome { inserted: 2, updated: 1, unchanged: 0 });
    assert_eq!((rows[0].version_id.as_str(), rows[2].version_id.as_str()), ("4", "4"));
}

#[test]
fn the_same_id_in_two_tenants_is_two_rows() {
    let mut store = Store::open_in_memory().unwrap();
    let run = store.begin_run("2026-11-28T00:00:00Z").unwrap();
    store.save_page(run, T1, &[record("4817", "1", IN_WINDOW)]).unwrap();
    let (outcome, _) = store.save_page(run, T2, &[record("4817", "0", IN_WINDOW)]).unwrap();
    assert_eq!(outcome.inserted, 1);
    let rows = store.appointments(None).unwrap();
    assert_eq!(rows.len(), 2);
    let tenants: Vec<_> = rows.iter().map(|r| (r.tenant.as_str(), r.version_id.as_str())).collect();
    assert!(tenants.contains(&(T1, "1")) && tenants.contains(&(T2, "0")));
    assert_eq!((store.count(Some(T1)).unwrap(), store.count(Some(T2)).unwrap()), (1, 1));
}

#[test]
fn a_page_that_fails_midway_stores_nothing_of_that_page() {
    let mut store = Store::open_in_memory().unwrap();
    let run1 = store.begin_run("2026-11-28T00:00:00Z").unwrap();
    store.save_page(run1, T1, &[record("x", "1", IN_WINDOW)]).unwrap();
    let before = store.appointments(None).unwrap();

    let run2 = store.begin_run("2026-11-29T00:00:00Z").unwrap();
    // An empty id breaks the CHECK constraint only after "a" was inserted and "x" updated.
    let page =
        [record("a", "1", IN_WINDOW), record("x", "2", IN_WINDOW), record("", "1", None), record("d", "1", None)];
    let err = store.save_page(run2, T1, &page).unwrap_err();
    assert!(matches!(err, StoreError::Sqlite(_)), "{err}");
    assert_eq!(store.appointments(None).unwrap(), before, "the page was rolled back as a whole");
    assert_eq!(store.mark_vanished(run1, T1, "2026-11-28", "2026-12-05", "now").unwrap(), 0, "x still seen by run1");

    let (outcome, _) = store.save_page(run2, T1, &page[..2]).unwrap();
    assert_eq!(outcome, PageOutcome { inserted: 1, updated: 1, unchanged: 0 }, "the store is usable after a failure");
}

#[test]
fn a_page_for_an_unknown_run_is_refused() {
    let mut store = Store::open_in_memory().unwrap();
    assert!(store.save_page(RunId(42), T1, &[record("a", "1", None)]).is_err());
    assert_eq!(store.count(None).unwrap(), 0);
    assert!(matches!(store.finish_run(RunId(42), "t", "{}"), Err(StoreError::UnknownRun(42))));
}

#[test]
fn a_reopened_file_keeps_its_data_in_wal_mode() {
    let db = TempDb::new("reopen");
    {
        let mut store = Store::open(&db.0).unwrap();
        let mode: String = store.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = store.conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 1);
        let run = store.begin_run("2026-11-28T00:00:00Z").unwrap();
        store.save_page(run, T1, &[record("a", "1", IN_WINDOW)]).unwrap();
        store.finish_run(run, "2026-11-28T00:01:00Z", r#"{"ok":true}"#).unwrap();
    }
    let store = Store::open(&db.0).unwrap();
    assert_eq!(store.appointments(None).unwrap()[0].raw, record("a", "1", None).raw);
    let summary: String = store.conn.query_row("SELECT summary FROM sync_runs", [], |r| r.get(0)).unwrap();
    assert_eq!(summary, r#"{"ok":true}"#);
    assert!(format!("{store:?}").contains("reopen"));
}

#[test]
fn a_store_with_a_newer_schema_is_refused_with_a_clear_error() {
    let db = TempDb::new("newer");
    drop(Store::open(&db.0).unwrap());
    Connection::open(&db.0).unwrap().pragma_update(None, "user_version", 2).unwrap();
    let err = Store::open(&db.0).unwrap_err();
    assert!(matches!(err, StoreError::SchemaTooNew { found: 2, supported: 1 }));
    assert_eq!(err.to_string(), "store schema version 2 is newer than this client (1)");
}

#[test]
fn a_path_that_cannot_be_opened_names_the_path() {
    let missing = std::env::temp_dir().join("appointment-sync-no-such-dir").join("store.sqlite");
    let err = Store::open(&missing).unwrap_err();
    assert!(err.to_string().starts_with("cannot open the store at "), "{err}");
    assert!(err.to_string().contains("appointment-sync-no-such-dir"), "{err}");
}

#[test]
fn mark_vanished_marks_only_unseen_rows_in_the_window_and_a_later_sighting_clears_it() {
    let mut store = Store::open_in_memory().unwrap();
    let run1 = store.begin_run("2026-11-28T00:00:00Z").unwrap();
    let page = [
        record("seen", "1", IN_WINDOW),
        record("gone", "1", Some("2026-12-04T23:59:59Z")),
        record("later", "1", Some("2026-12-10T09:00:00Z")),
        record("undated", "1", None),
        // 2026-12-05T04:30Z and 2026-11-27T23:00Z in UTC: outside the window despite their local dates.
        record("late-offset", "1", Some("2026-12-04T23:30:00-05:00")),
        record("early-offset", "1", Some("2026-11-28T01:00:00+02:00")),
        // 2026-11-28T01:00Z and 2026-12-04T20:00Z in UTC: inside the window despite their local dates.
        record("gone-west", "1", Some("2026-11-27T20:00:00-05:00")),
        record("gone-east", "1", Some("2026-12-05T10:00:00+14:00")),
    ];
    store.save_page(run1, T1, &page).unwrap();
    store.save_page(run1, T2, &[record("gone", "1", IN_WINDOW)]).unwrap();

    let run2 = store.begin_run("2026-11-29T00:00:00Z").unwrap();
    store.save_page(run2, T1, &[record("seen", "1", IN_WINDOW)]).unwrap();
    assert_eq!(store.mark_vanished(run2, T1, "2026-11-28", "2026-12-05", "2026-11-29T00:05:00Z").unwrap(), 3);
    assert_eq!(store.mark_vanished(run2, T1, "2026-11-28", "2026-12-05", "2026-11-29T00:09:00Z").unwrap(), 0);
    let vanished: Vec<_> = store
        .appointments(None)
        .unwrap()
        .into_iter()
        .filter_map(|r| r.vanished_at.map(|at| (r.tenant, r.id, at)))
        .collect();
    let at = "2026-11-29T00:05:00Z".to_string();
    let expected = ["gone-west", "gone-east", "gone"].map(|id| (T1.to_string(), id.to_string(), at.clone()));
    assert_eq!(vanished, expected, "ordered by UTC start; the second call kept the first time");

    let run3 = store.begin_run("2026-11-30T00:00:00Z").unwrap();
    let (_, rows) = store.save_page(run3, T1, &[record("gone", "1", Some("2026-12-04T23:59:59Z"))]).unwrap();
    assert_eq!(rows[0].vanished_at, None);
    let still_vanished: Vec<_> =
        store.appointments(None).unwrap().into_iter().filter(|r| r.vanished_at.is_some()).map(|r| r.id).collect();
    assert_eq!(still_vanished, ["gone-west", "gone-east"]);
}

#[test]
fn mark_vanished_narrows_its_scan_with_the_tenant_start_index() {
    let store = Store::open_in_memory().unwrap();
    let mut stmt = store.conn.prepare(&format!("EXPLAIN QUERY PLAN {}", page::MARK_VANISHED)).unwrap();
    let plan: Vec<String> =
        stmt.query_map([rusqlite::types::Null; 5], |r| r.get(3)).unwrap().collect::<Result<_, _>>().unwrap();
    assert!(
        plan.iter().any(|step| step.contains("appointments_tenant_start (tenant=? AND start>? AND start<?)")),
        "{plan:?}"
    );
}

#[test]
fn mark_vanished_refuses_a_bound_that_is_not_a_date() {
    let mut store = Store::open_in_memory().unwrap();
    let run = store.begin_run("2026-11-28T00:00:00Z").unwrap();
    let err = store.mark_vanished(run, T1, "2026", "2026-12-05", "now").unwrap_err();
    assert!(matches!(err, StoreError::InvalidWindow(ref b) if b == "2026"), "{err}");
}

#[test]
fn tenant_state_round_trips_and_is_replaced_as_a_whole() {
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(store.tenant_state(T1).unwrap(), None);
    let deferred = TenantState {
        last_success: Some("2026-11-27T00:10:00Z".into()),
        deferred_until: Some("2026-11-28T03:00:00Z".into()),
        last_outcome: Some("deferred".into()),
        message: Some("Retry-After 7200 s exceeds the 600 s maximum".into()),
    };
    store.set_tenant_state(T1, &deferred).unwrap();
    assert_eq!(store.tenant_state(T1).unwrap(), Some(deferred));
    let synced = TenantState {
        last_success: Some("2026-11-29T00:10:00Z".into()),
        last_outcome: Some("synced".into()),
        ..TenantState::default()
    };
    store.set_tenant_state(T1, &synced).unwrap();
    assert_eq!(store.tenant_state(T1).unwrap(), Some(synced));
    assert_eq!(store.tenant_state(T2).unwrap(), None);
}

#[test]
fn export_ndjson_writes_one_parsable_line_per_appointment() {
    let mut store = Store::open_in_memory().unwrap();
    let run = store.begin_run("2026-11-28T00:00:00Z").unwrap();
    let mut pretty = record("b", "1", Some("2026-12-01T08:00:00Z"));
    pretty.raw = "{\n  \"resourceType\": \"Appointment\",\n  \"id\": \"b\"\n}".into();
    store.save_page(run, T1, &[record("a", "1", IN_WINDOW), pretty.clone(), record("z", "1", None)]).unwrap();
    store.save_page(run, T2, &[record("a", "3", IN_WINDOW)]).unwrap();
    let run2 = store.begin_run("2026-11-29T00:00:00Z").unwrap();
    store.mark_vanished(run2, T2, "2026-11-28", "2026-12-05", "2026-11-29T00:05:00Z").unwrap();

    let mut out = Vec::new();
    assert_eq!(store.export_ndjson(&mut out).unwrap(), 4);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let stored = store.appointments(None).unwrap();
    assert_eq!(lines.len(), stored.len());
    for (line, row) in lines.iter().zip(&stored) {
        assert_eq!(line["tenant"], row.tenant.as_str());
        assert_eq!(line["resource"], serde_json::from_str::<serde_json::Value>(&row.raw).unwrap());
        assert_eq!(line.get("vanished_at").and_then(|v| v.as_str()), row.vanished_at.as_deref());
    }
    assert_eq!(stored.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["a", "z", "a", "b"], "tenant, start, id");
    assert!(
        text.contains(&format!(r#"{{"tenant":"{T1}","resource":{}}}"#, record("a", "1", None).raw)),
        "raw kept verbatim"
    );
}

#[test]
fn export_ndjson_reports_a_raw_resource_that_is_not_json() {
    let mut store = Store::open_in_memory().unwrap();
    let run = store.begin_run("2026-11-28T00:00:00Z").unwrap();
    let mut broken = record("a", "1", None);
    broken.raw = "{not json".into();
    store.save_page(run, T1, &[broken]).unwrap();
    let err = store.export_ndjson(&mut Vec::new()).unwrap_err();
    assert!(err.to_string().starts_with(&format!("stored appointment {T1}/a holds a raw resource")), "{err}");
}
