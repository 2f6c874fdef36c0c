//! Crash safety at scale, printing the trial count and the failures (not a test):
//!
//! ```sh
//! cargo build --release -p appointment-sync --bin appointment-sync --example crash_trials
//! target/release/examples/crash_trials            # 50 trials
//! target/release/examples/crash_trials 200
//! ```
//!
//! Each trial runs the release `appointment-sync` binary against an in-process emulator (two
//! tenants, 12,000 synthetic appointments each), kills it with SIGKILL at a random moment, kills a
//! second run too, then lets a third run finish, and compares the store with the emulator's ground
//! truth: every appointment exactly once, at its current version. A smaller version of this runs in
//! CI (`sync-client/tests/e2e/crash.rs`).

#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use appointment_sync::store::SqliteStore;
use cerner_mock::clock::DEFAULT_MANUAL_START;
use cerner_mock::store::LoadOptions;
use cerner_mock::{Clock, MockServer, Profile, ServerConfig};
use rand::RngExt;
use serde_json::json;

const TENANTS: [&str; 2] = [cerner_mock::defaults::SANDBOX_TENANT, cerner_mock::defaults::SECOND_TENANT];
const WINDOW: (&str, &str) = ("2025-12-22", "2026-02-03");

fn client_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    exe.parent().and_then(|examples| examples.parent()).map(|dir| dir.join("appointment-sync")).unwrap_or_default()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let trials: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let binary = client_binary();
    assert!(
        binary.exists(),
        "build the client first: cargo build --release -p appointment-sync --bin appointment-sync"
    );
    let mut profile = Profile::embedded_default();
    profile.limits.enabled = false;
    let mut config = ServerConfig::new(profile);
    config.clock = Clock::manual(DEFAULT_MANUAL_START);
    config.load = LoadOptions { synthetic: Some("appointments=12000".into()) };
    let server = MockServer::start(config).await.unwrap_or_else(|e| panic!("{e}"));
    let truth: Vec<Vec<(String, String)>> = TENANTS.iter().map(|t| ground_truth(&server, t)).collect();
    let (mut failures, mut interrupted) = (0, 0);
    let mut rng = rand::rng();
    for trial in 1..=trials {
        let dir = std::env::temp_dir().join(format!("crash-trial-{}-{trial}", std::process::id()));
        std::fs::create_dir_all(dir.join("state")).unwrap_or_else(|e| panic!("{e}"));
        let job = write_job(&server, &dir);
        for _ in 0..2 {
            let mut child = Command::new(&binary)
                .arg("run")
                .env("HARNESS_JOB", &job)
                .env("RUST_LOG", "off")
                .spawn()
                .unwrap_or_else(|e| panic!("{e}"));
            tokio::time::sleep(Duration::from_millis(rng.random_range(20..600))).await;
            if child.try_wait().ok().flatten().is_none() {
                let _ = child.kill();
                interrupted += 1;
            }
            let _ = child.wait();
        }
        let status = Command::new(&binary)
            .arg("run")
            .env("HARNESS_JOB", &job)
            .env("RUST_LOG", "off")
            .status()
            .unwrap_or_else(|e| panic!("{e}"));
        let store = SqliteStore::open(&dir.join("state").join("appointments.db")).unwrap_or_else(|e| panic!("{e}"));
        let ok = status.code() == Some(0)
            && TENANTS.iter().zip(&truth).all(|(tenant, truth)| &stored(&store, tenant) == truth);
        if !ok {
            failures += 1;
            println!("trial {trial}: FAILED (exit {:?})", status.code());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    let appointments: usize = truth.iter().map(Vec::len).sum();
    println!(
        "{trials} trials, {interrupted} runs killed mid-sync, {failures} failures ({appointments} appointments per trial)"
    );
}

fn write_job(server: &MockServer, dir: &std::path::Path) -> PathBuf {
    let store = server.state().store();
    let tenants: Vec<_> = TENANTS
        .iter()
        .map(|t| {
            let locations: Vec<String> =
                store.read(t).map(|d| d.summary().locations).unwrap_or_default().into_iter().map(|l| l.id).collect();
            json!({ "id": t, "fhir_base": format!("{}/dstu2/{t}/", server.origin()), "locations": locations })
        })
        .collect();
    let job = json!({
        "client_id": cerner_mock::defaults::CLIENT_ID, "client_secret": cerner_mock::defaults::CLIENT_SECRET, "scopes": "system/Appointment.read",
        "tenants": tenants, "window": { "start": WINDOW.0, "end": WINDOW.1 },
        "output": dir.join("out.ndjson"), "state_dir": dir.join("state"),
    });
    let path = dir.join("job.json");
    std::fs::write(&path, job.to_string()).unwrap_or_else(|e| panic!("{e}"));
    path
}

fn stored(store: &SqliteStore, tenant: &str) -> Vec<(String, String)> {
    let mut rows: Vec<_> = store
        .appointments(Some(tenant))
        .unwrap_or_default()
        .into_iter()
        .map(|a| (a.id, a.version_id.into_string()))
        .collect();
    rows.sort();
    rows
}

fn ground_truth(server: &MockServer, tenant: &str) -> Vec<(String, String)> {
    let store = server.state().store();
    let Some(data) = store.read(tenant) else { return Vec::new() };
    let locations: Vec<String> = data.summary().locations.into_iter().map(|l| l.id).collect();
    data.appointments_in_window(&locations, WINDOW.0, WINDOW.1).into_iter().map(|a| (a.id, a.version)).collect()
}
