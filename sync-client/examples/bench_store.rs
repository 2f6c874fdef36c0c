//! Save rate of the SQLite store, printing figures (not a test):
//!
//! ```sh
//! cargo run --release -p appointment-sync --example bench_store
//! ```
//!
//! Saves 100,000 synthetic appointments (about 1.1 kB of JSON each) into a fresh file store three
//! times — new rows, the same rows unchanged, every row at a newer version — with starts in
//! Cerner's order (sorted by start) in pages of 50 and of 1,000, and with starts scattered (the
//! worst case for the (tenant, start) index) in pages of 50, and prints rows per second.

#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use appointment_sync::fhir_version::FhirVersion;
use appointment_sync::store::{AppointmentRecord, SqliteStore};
use time::macros::datetime;

const APPOINTMENTS: usize = 100_000;
const TENANT: &str = "bench-store";

/// A synthetic appointment about the size of a Cerner one. With `in_order`, starts rise with `n`.
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
        version_id: version.to_string().into(),
        last_updated: Some("2026-11-27T10:00:00.000Z".into()),
        start: Some(start),
        status: "booked".into(),
        locations: vec![format!("{}", 21_304_876 + n % 7)],
        fhir_version: FhirVersion::Dstu2,
    }
}

/// Saves every appointment in pages of `page_size`; rows per second.
fn save_all(store: &SqliteStore, version: u32, page_size: usize, in_order: bool) -> Result<f64> {
    let records: Vec<_> = (0..APPOINTMENTS).map(|n| synthetic(n, version, in_order)).collect();
    let run = store.begin_run(datetime!(2026-11-28 00:00:00 UTC))?;
    let started = Instant::now();
    for page in records.chunks(page_size) {
        store.save_page(run, TENANT, page)?;
    }
    Ok(APPOINTMENTS as f64 / started.elapsed().as_secs_f64())
}

/// A store file removed when the run ends.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

fn main() -> Result<()> {
    for (in_order, page_size) in [(true, 50), (true, 1000), (false, 50)] {
        let file = TempFile(std::env::temp_dir().join(format!("bench-store-{}-{page_size}.db", std::process::id())));
        let store = SqliteStore::open(&file.0)?;
        let insert = save_all(&store, 1, page_size, in_order)?;
        let unchanged = save_all(&store, 1, page_size, in_order)?;
        let update = save_all(&store, 2, page_size, in_order)?;
        anyhow::ensure!(store.count(None)? == APPOINTMENTS as u64, "every appointment stored once");
        let order = if in_order { "starts in order" } else { "starts scattered" };
        println!(
            "save_page, {order}, pages of {page_size}: insert {insert:.0} rows/s, unchanged {unchanged:.0} rows/s, update {update:.0} rows/s"
        );
    }
    Ok(())
}
