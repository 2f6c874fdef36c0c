//! Sync throughput, printing figures (not a test):
//!
//! ```sh
//! cargo run --release -p appointment-sync --example bench_sync            # 3 tenants, 120,000 appointments
//! cargo run --release -p appointment-sync --example bench_sync -- 300000  # 3 tenants, 300,000 appointments
//! ```
//!
//! Starts `cerner-mock` in this process on 127.0.0.1:0 with three tenants sharing N synthetic
//! appointments over eight locations each, syncs them all into a fresh SQLite store (200 a page,
//! the three tenants at once, rate limits off), and prints appointments per second and the peak
//! resident memory growth for the first run and for an unchanged re-run.

#![allow(clippy::print_stdout)]

use std::time::Instant;

use appointment_sync::config::SyncConfig;
use appointment_sync::progress::Progress;
use cerner_mock::clock::DEFAULT_MANUAL_START;
use cerner_mock::{Clock, MockServer, ServerConfig};
use serde_json::json;
use synthetic::Synthetic;

#[path = "../tests/e2e/synthetic.rs"]
mod synthetic;

const TENANTS: [&str; 3] = ["bench-a", "bench-b", "bench-c"];
/// Three large tenants over eight locations.
fn synthetic(per_tenant: u64) -> Synthetic {
    Synthetic {
        client_id: "bench",
        first_seed: 11,
        appointments: per_tenant,
        patients: (per_tenant / 20).max(100),
        practitioners: 100,
        slots: 1000,
        encounters: 1000,
        days_before: 60,
        days_after: 60,
        locations: &["1001:A", "1002:B", "1003:C", "1004:D", "1005:E", "1006:F", "1007:G", "1008:H"],
    }
}

/// The process's resident memory now and at its peak, in MB (Linux `/proc/self/status`).
fn rss_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[tokio::main]
async fn main() {
    let appointments: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(120_000);
    let per_tenant = appointments.div_ceil(TENANTS.len() as u64);
    let synthetic = synthetic(per_tenant);
    let locations = synthetic.location_ids();
    let mut config = ServerConfig::new(synthetic.profile(&TENANTS));
    config.clock = Clock::manual(DEFAULT_MANUAL_START);
    let server = MockServer::start(config).await.unwrap_or_else(|e| panic!("start: {e}"));
    let dir = std::env::temp_dir().join(format!("appointment-sync-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let tenants: Vec<_> = TENANTS
        .iter()
        .map(|t| json!({ "id": t, "fhir_base": format!("{}/dstu2/{t}/", server.origin()), "locations": locations }))
        .collect();
    let job = json!({
        "client_id": "bench", "client_secret": "secret", "scopes": "system/Appointment.read",
        "tenants": tenants,
        "window": { "start": "2025-11-01", "end": "2026-03-10" },
        "output": dir.join("out.ndjson"), "state_dir": dir,
    });
    let (before, _) = rss_mb();
    println!("emulator loaded: {before:.0} MB resident");
    for label in ["first run", "unchanged re-run"] {
        let mut config = SyncConfig::from_job(&job.to_string(), "bench").unwrap_or_else(|e| panic!("{e}"));
        config.limits.page_size = 200;
        let started = Instant::now();
        let summary = appointment_sync::run::run(config, Progress::Log).await.unwrap_or_else(|e| panic!("{e}"));
        let seconds = started.elapsed().as_secs_f64();
        let total: u64 = summary.tenants.iter().map(|r| r.inserted + r.updated + r.unchanged).sum();
        let pages: u64 = summary.tenants.iter().map(|r| r.pages).sum();
        let (_, peak) = rss_mb();
        println!(
            "{label:17} {total} appointments ({} tenants, {pages} pages) in {seconds:.2} s = {:.0} appointments/s, \
             exit {}; peak RSS {peak:.0} MB ({:+.0} MB over the loaded emulator)",
            summary.tenants.len(),
            total as f64 / seconds,
            summary.exit_code(),
            peak - before
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
