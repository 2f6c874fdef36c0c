//! Sync throughput, printing figures (not a test):
//!
//! ```sh
//! cargo run --release -p appointment-sync --example bench_sync            # 120,000 appointments
//! cargo run --release -p appointment-sync --example bench_sync -- 300000
//! ```
//!
//! Starts `cerner-mock` in this process on 127.0.0.1:0 with one tenant holding N synthetic
//! appointments over eight locations, syncs them all into a fresh SQLite store (200 a page, rate
//! limits off), and prints appointments per second for the first run and for an unchanged re-run.

#![allow(clippy::print_stdout)]

use std::time::Instant;

use appointment_sync::config::SyncConfig;
use appointment_sync::progress::Progress;
use cerner_mock::clock::DEFAULT_MANUAL_START;
use cerner_mock::{Clock, MockServer, Profile, ServerConfig};
use serde_json::json;

const TENANT: &str = "bench-tenant";

fn profile(appointments: u64) -> Profile {
    let text = format!(
        r#"
[limits]
enabled = false
[[tenants]]
id = "{TENANT}"
[tenants.synthetic]
seed = 11
appointments = {appointments}
patients = {patients}
practitioners = 100
slots = 1000
encounters = 1000
days_before = 60
days_after = 60
locations = ["1001:A", "1002:B", "1003:C", "1004:D", "1005:E", "1006:F", "1007:G", "1008:H"]
[[accounts]]
client_id = "bench"
secret = "secret"
scopes = ["system/Appointment.read"]
approved_tenants = ["{TENANT}"]
"#,
        patients = (appointments / 20).max(100),
    );
    Profile::from_toml(&text, std::path::Path::new(".")).unwrap_or_else(|e| panic!("benchmark profile: {e}"))
}

#[tokio::main]
async fn main() {
    let appointments: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(120_000);
    let mut config = ServerConfig::new(profile(appointments));
    config.clock = Clock::manual(DEFAULT_MANUAL_START);
    let server = MockServer::start(config).await.unwrap_or_else(|e| panic!("start: {e}"));
    let dir = std::env::temp_dir().join(format!("appointment-sync-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let job = json!({
        "client_id": "bench", "client_secret": "secret", "scopes": "system/Appointment.read",
        "tenants": [{ "id": TENANT, "fhir_base": format!("{}/dstu2/{TENANT}/", server.origin()),
                      "locations": ["1001", "1002", "1003", "1004", "1005", "1006", "1007", "1008"] }],
        "window": { "start": "2025-11-01", "end": "2026-03-10" },
        "output": dir.join("out.ndjson"), "state_dir": dir,
    });
    for label in ["first run", "unchanged re-run"] {
        let mut config = SyncConfig::from_job(&job.to_string(), "bench").unwrap_or_else(|e| panic!("{e}"));
        config.limits.page_size = 200;
        let started = Instant::now();
        let summary = appointment_sync::run::run(config, Progress::Log).await.unwrap_or_else(|e| panic!("{e}"));
        let seconds = started.elapsed().as_secs_f64();
        let report = &summary.tenants[0];
        let total = report.inserted + report.updated + report.unchanged;
        println!(
            "{label:17} {total} appointments in {seconds:.2} s = {:.0} appointments/s ({} pages, exit {})",
            total as f64 / seconds,
            report.pages,
            summary.exit_code()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
