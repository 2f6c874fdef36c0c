//! Property tests of the suite: any sequence of pages leaves exactly one row per (tenant, id),
//! holding the highest version seen, in both stores; and the client's UTC reading of a start
//! agrees with SQLite's, so both stores draw window edges at the same instants.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, OnceLock};

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use time::macros::datetime;

use super::{postgres, sqlite};
use crate::store::{AppointmentRecord, PgStore, SyncStore, utc_text};

/// One runtime for every case, so the PostgreSQL pool's connections outlive a case.
static RUNTIME: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Runtime::new().expect("a tokio runtime"));
static POSTGRES: OnceLock<Option<PgStore>> = OnceLock::new();
static CASE: AtomicU64 = AtomicU64::new(0);

/// A record whose every field is a function of (tenant, id, version), so the stored row for the
/// highest version is known exactly.
fn versioned(tenant: &str, id: u8, version: u64) -> AppointmentRecord {
    AppointmentRecord {
        id: format!("id-{id}"),
        version_id: version.to_string().into(),
        last_updated: Some(format!("2026-11-{:02}T00:00:00Z", version % 28 + 1)),
        start: Some(format!("2026-12-{:02}T{:02}:00:00Z", id % 28 + 1, version % 24)),
        status: if version.is_multiple_of(3) { "cancelled" } else { "booked" }.into(),
        locations: vec![format!("loc-{}", version % 4)],
        raw: format!(r#"{{"tenant":"{tenant}","id":"id-{id}","v":{version}}}"#),
        fhir_version: crate::fhir_version::FhirVersion::Dstu2,
    }
}

/// Pages of (tenant index, [(id, version)]); versions cross 9 → 10 so text order would be wrong.
fn pages() -> impl Strategy<Value = Vec<(usize, Vec<(u8, u64)>)>> {
    let page = (0..2usize, prop::collection::vec((0u8..6, 0u64..25), 0..12));
    prop::collection::vec(page, 1..10)
}

/// Runs one case on `store`, under tenant names of its own (the PostgreSQL store is shared).
fn check(store: &impl SyncStore, pages: &[(usize, Vec<(u8, u64)>)], runs_per_page: usize) -> Result<(), TestCaseError> {
    let case = CASE.fetch_add(1, Ordering::Relaxed);
    let tenants = [format!("tenant-a-{case}"), format!("tenant-b-{case}")];
    RUNTIME.block_on(async {
        let mut model: BTreeMap<(usize, String), u64> = BTreeMap::new();
        let mut run = store.begin_run(datetime!(2026-11-28 00:00:00 UTC)).await.unwrap();
        for (n, (tenant, entries)) in pages.iter().enumerate() {
            if n % runs_per_page == 0 {
                run = store.begin_run(datetime!(2026-11-28 00:00:00 UTC)).await.unwrap();
            }
            let name = &tenants[*tenant];
            let page: Vec<_> = entries.iter().map(|&(id, v)| versioned(name, id, v)).collect();
            let (outcome, rows) = store.save_page(run, name, &page).await.unwrap();
            prop_assert_eq!(outcome.inserted + outcome.updated + outcome.unchanged, page.len() as u64);
            for &(id, v) in entries {
                let max = model.entry((*tenant, format!("id-{id}"))).or_insert(v);
                *max = (*max).max(v);
            }
            for row in rows {
                prop_assert_eq!(&row.version_id, &model[&(*tenant, row.id.clone())].to_string());
            }
        }
        let mut stored = Vec::new();
        for name in &tenants {
            stored.extend(store.appointments(Some(name)).await.unwrap());
        }
        prop_assert_eq!(stored.len(), model.len());
        for row in stored {
            let tenant = tenants.iter().position(|t| *t == row.tenant).unwrap();
            let max = model[&(tenant, row.id.clone())];
            let id: u8 = row.id.trim_start_matches("id-").parse().unwrap();
            let expected = versioned(&row.tenant, id, max);
            prop_assert_eq!(
                (row.version_id, row.last_updated, row.start, row.status, row.locations, row.raw),
                (
                    expected.version_id,
                    expected.last_updated,
                    expected.start,
                    expected.status,
                    expected.locations,
                    expected.raw
                )
            );
        }
        Ok(())
    })
}

proptest! {
    #[test]
    fn sqlite_keeps_one_row_per_key_with_the_max_version(pages in pages(), runs_per_page in 1usize..4) {
        check(&sqlite(), &pages, runs_per_page)?;
    }
}

/// Saves `pages` (as [`check`] names them) into two fresh SQLite stores, one page at a time with
/// `save_page` into the first and `save_page_counted` into the second: the counts of every page
/// and the rows left must be the same.
fn counted_matches_full(pages: &[(usize, Vec<(u8, u64)>)], runs_per_page: usize) -> Result<(), TestCaseError> {
    let (full, counted) = (sqlite(), sqlite());
    let tenants = ["tenant-a", "tenant-b"];
    RUNTIME.block_on(async {
        let at = datetime!(2026-11-28 00:00:00 UTC);
        let (mut run_full, mut run_counted) =
            (SyncStore::begin_run(&full, at).await.unwrap(), SyncStore::begin_run(&counted, at).await.unwrap());
        for (n, (tenant, entries)) in pages.iter().enumerate() {
            if n % runs_per_page == 0 {
                (run_full, run_counted) =
                    (SyncStore::begin_run(&full, at).await.unwrap(), SyncStore::begin_run(&counted, at).await.unwrap());
            }
            let page: Vec<_> = entries.iter().map(|&(id, v)| versioned(tenants[*tenant], id, v)).collect();
            let (expected, _) = SyncStore::save_page(&full, run_full, tenants[*tenant], &page).await.unwrap();
            let outcome = SyncStore::save_page_counted(&counted, run_counted, tenants[*tenant], &page).await.unwrap();
            prop_assert_eq!(
                (outcome.inserted, outcome.updated, outcome.unchanged),
                (expected.inserted, expected.updated, expected.unchanged),
                "page {}",
                n
            );
        }
        prop_assert_eq!(
            SyncStore::appointments(&counted, None).await.unwrap(),
            SyncStore::appointments(&full, None).await.unwrap()
        );
        Ok(())
    })
}

proptest! {
    #[test]
    fn sqlite_counted_saves_match_full_saves(pages in pages(), runs_per_page in 1usize..4) {
        counted_matches_full(&pages, runs_per_page)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn postgres_keeps_one_row_per_key_with_the_max_version(pages in pages(), runs_per_page in 1usize..4) {
        if let Some(store) = POSTGRES.get_or_init(|| RUNTIME.block_on(postgres())) {
            check(store, &pages, runs_per_page)?;
        }
    }
}

/// ISO dates and date-times in the forms FHIR servers write: date only, or a time with seconds,
/// optional milliseconds, and `Z`, an offset or none.
fn instants() -> impl Strategy<Value = String> {
    let date = (1970i32..2100, 1u8..=12, 1u8..=28);
    let time = (0u8..24, 0u8..60, 0u8..60, prop::option::of(0u16..1000));
    let zone = prop_oneof![
        Just(String::new()),
        Just("Z".to_owned()),
        (-14i8..=14, prop::sample::select(vec![0u8, 30, 45]))
            .prop_map(|(h, m)| { format!("{}{:02}:{m:02}", if h < 0 { '-' } else { '+' }, h.unsigned_abs()) })
    ];
    (date, prop::option::of((time, zone))).prop_map(|((y, mo, d), clock)| match clock {
        None => format!("{y:04}-{mo:02}-{d:02}"),
        Some(((h, mi, s, ms), zone)) => {
            let fraction = ms.map(|ms| format!(".{ms:03}")).unwrap_or_default();
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{fraction}{zone}")
        }
    })
}

proptest! {
    #[test]
    fn the_clients_utc_reading_agrees_with_sqlite(text in instants()) {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let sqlite: Option<String> =
            conn.query_row("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ?1)", [&text], |r| r.get(0)).unwrap();
        let ours = utc_text(&text).map(|t| format!("{}Z", &t[..23]));
        prop_assert_eq!(ours, sqlite, "{}", text);
    }
}

#[test]
fn utc_text_refuses_what_is_not_an_iso_date() {
    for text in ["", "2026", "2026-13-01", "2026-02-30", "2026-01-05T25:00", "2026-01-05Tnoon", "2026-01-05T10:00:00+1"]
    {
        assert_eq!(utc_text(text), None, "{text}");
    }
    assert_eq!(utc_text("2026-01-05").as_deref(), Some("2026-01-05T00:00:00.000000Z"));
    assert_eq!(utc_text("2026-01-05T10:00:00.1234567-05:00").as_deref(), Some("2026-01-05T15:00:00.123456Z"));
}

#[test]
fn dates_at_the_edges_of_the_calendar_never_panic() {
    // Year 10000 in UTC, and year -1: outside what either store compares on.
    assert_eq!(crate::store::utc_instant("9999-12-31T23:00:00-05:00"), None);
    assert_eq!(utc_text("9999-12-31T23:00:00-05:00"), None);
    assert_eq!(utc_text("0000-01-01T00:30:00+01:00"), None);
    assert_eq!(utc_text("9999-12-31T23:59:59.999999Z").as_deref(), Some("9999-12-31T23:59:59.999999Z"));
}

proptest! {
    #[test]
    fn any_offset_on_any_date_reads_or_is_refused_without_panicking(
        year in 0u32..=9999, day in 1u32..=28, hour in 0u32..=23, offset_hours in 0u32..=99, minus in any::<bool>()
    ) {
        let sign = if minus { '-' } else { '+' };
        let text = format!("{year:04}-12-{day:02}T{hour:02}:00:00{sign}{offset_hours:02}:00");
        let _ = utc_text(&text);
    }
}
