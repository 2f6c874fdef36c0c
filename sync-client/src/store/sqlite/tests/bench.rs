//! Save rate of `save_page` on a file store. Run in a release build:
//! `cargo test -p appointment-sync --release --lib store::sqlite::tests::bench -- --ignored --nocapture`

use std::time::Instant;

use time::macros::datetime;

use super::super::{AppointmentRecord, SqliteStore};
use super::{T1, TempDb};

const APPOINTMENTS: usize = 100_000;

/// A synthetic appointment about the size of a Cerner one (~1.1 kB of JSON). With `in_order`,
/// starts rise with `n` as Cerner returns them (sorted by start); otherwise they are scattered,
/// the worst case for the (tenant, start) index.
fn synthetic(n: usize, version: u32, in_order: bool) -> AppointmentRecord {
    let id = format!("{}", 40_000_000 + n);
    let minute = if in_order { n } else { n * 7919 % APPOINTMENTS };
    let start = format!("2026-12-{:02}T{:02}:{:02}:00.000Z", minute / 3600 % 28 + 1, minute / 60 % 24, minute % 60);
    let padding = "x".repeat(900);
    AppointmentRecord {
        raw: format!(
            r#"{{"resourceType":"Appointment","id":"{id}","meta":{{"versionId":"{version}"}},"status":"booked","start":"{start}","comment":"{padding}"}}"#
        ),
        id,
        version_id: version.to_string(),
        last_updated: Some("2026-11-27T10:00:00.000Z".into()),
        start: Some(start),
        status: "booked".into(),
        locations: vec![format!("{}", 21_304_876 + n % 7)],
        fhir_version: crate::fhir_version::FhirVersion::Dstu2,
    }
}

/// Saves all appointments in pages of `page_size` and returns rows per second.
fn save_all(store: &SqliteStore, version: u32, page_size: usize, in_order: bool) -> f64 {
    let records: Vec<_> = (0..APPOINTMENTS).map(|n| synthetic(n, version, in_order)).collect();
    let run = store.begin_run(datetime!(2026-11-28 00:00:00 UTC)).unwrap();
    let started = Instant::now();
    for page in records.chunks(page_size) {
        store.save_page(run, T1, page).unwrap();
    }
    APPOINTMENTS as f64 / started.elapsed().as_secs_f64()
}

#[test]
#[ignore = "benchmark: run in a release build with --ignored --nocapture"]
fn save_page_rate_over_100k_appointments() {
    for (in_order, page_size) in [(true, 50), (true, 1000), (false, 50)] {
        let db = TempDb::new("bench");
        let store = SqliteStore::open(&db.0).unwrap();
        let insert = save_all(&store, 1, page_size, in_order);
        let unchanged = save_all(&store, 1, page_size, in_order);
        let update = save_all(&store, 2, page_size, in_order);
        assert_eq!(store.count(None).unwrap(), APPOINTMENTS as u64);
        let order = if in_order { "starts in order" } else { "starts scattered" };
        eprintln!(
            "save_page, {order}, pages of {page_size}: insert {insert:.0} rows/s, unchanged {unchanged:.0} rows/s, update {update:.0} rows/s"
        );
    }
}
