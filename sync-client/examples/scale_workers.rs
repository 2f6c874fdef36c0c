//! Scale check of `run --worker` (not a test): 4 worker processes, 50 tenants on an in-process
//! emulator, 200,000 synthetic appointments, one PostgreSQL store. Prints the wall time, the
//! appointments per second, each worker's share, and whether the store equals the ground truth.
//!
//! ```sh
//! bash bench/scale.sh                  # starts a throwaway PostgreSQL, builds, runs, cleans up
//! # or, with a server of your own (a fresh schema is created in it):
//! cargo build --release -p appointment-sync --bin appointment-sync --example scale_workers
//! APPOINTMENT_SYNC_TEST_PG=postgres://user@127.0.0.1:5432/db target/release/examples/scale_workers [WORKERS] [TENANTS] [PER_TENANT]
//! ```

#![allow(clippy::print_stdout)]

#[path = "../tests/e2e/fleet.rs"]
mod fleet;
#[path = "../tests/e2e/synthetic.rs"]
mod synthetic;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fleet::{Fleet, PG_ENV, finish};

fn arg(n: usize, default: u64) -> u64 {
    std::env::args().nth(n).and_then(|a| a.parse().ok()).unwrap_or(default)
}

fn client_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    exe.parent().and_then(|examples| examples.parent()).map(|dir| dir.join("appointment-sync")).unwrap_or_default()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (workers, tenants, per_tenant) = (arg(1, 4) as usize, arg(2, 50) as usize, arg(3, 4000));
    let Some(pg) = fleet::pg_url() else { panic!("set {PG_ENV} to a PostgreSQL URL (bench/scale.sh does)") };
    let binary = client_binary();
    assert!(
        binary.exists(),
        "build the client first: cargo build --release -p appointment-sync --bin appointment-sync"
    );
    let started = Instant::now();
    let fleet = Fleet::start(&pg, tenants, per_tenant).await;
    let truth: usize = fleet.tenants.iter().map(|t| fleet.truth(t).len()).sum();
    println!(
        "emulator: {tenants} tenants, {truth} appointments in the window, ready in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let children: Vec<_> = (0..workers).map(|n| fleet.spawn_worker(&binary, n, Duration::from_secs(30))).collect();
    let mut results = Vec::new();
    for child in children {
        results.push(finish(child).await);
    }
    let seconds = started.elapsed().as_secs_f64();

    let saved: u64 = results.iter().map(fleet::WorkerResult::appointments).sum();
    println!(
        "{workers} workers: {saved} appointments in {seconds:.2} s = {:.0} appointments/s",
        saved as f64 / seconds
    );
    for (n, result) in results.iter().enumerate() {
        let share = result.tenants();
        println!(
            "  worker {n}: exit {:?}, {} tenants, {} appointments ({:.1} %)",
            result.code,
            share.len(),
            result.appointments(),
            100.0 * result.appointments() as f64 / saved.max(1) as f64
        );
        if result.code != Some(0) {
            println!("{}", result.stderr);
        }
    }
    let mismatches = fleet.mismatches().await;
    let stored = appointment_sync::store::SyncStore::count(&fleet.store, None).await.unwrap_or_else(|e| panic!("{e}"));
    let round = fleet.round().await;
    let once = round.iter().all(|t| {
        t.state == "done" && t.attempts == 1 && t.outcome == Some(appointment_sync::store::OutcomeKind::Synced)
    });
    println!(
        "store: {stored} appointments; ground truth {truth}; tenants differing: {}; every tenant synced once: {once}",
        mismatches.len()
    );
    if !mismatches.is_empty() || !once || stored != truth as u64 {
        println!("FAILED: {mismatches:?}");
        std::process::exit(1);
    }
}
