//! The client killed with SIGKILL at random points of a large sync, then run again: the store ends
//! equal to the ground truth, with no duplicates.

use std::process::Command;
use std::time::Duration;

use cerner_mock::store::LoadOptions;
use rand::RngExt;

use crate::helpers::*;

const BIN: &str = env!("CARGO_BIN_EXE_appointment-sync");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_client_mid_sync_loses_nothing_after_a_rerun() {
    let env = emulator(LoadOptions { synthetic: Some("appointments=12000".into()) }).await;
    let job = env.write_job(&[SANDBOX, SECOND]);
    let mut rng = rand::rng();
    let mut killed = 0;
    for _ in 0..4 {
        let mut child = Command::new(BIN).arg("run").env("HARNESS_JOB", &job).env("RUST_LOG", "warn").spawn().unwrap();
        tokio::time::sleep(Duration::from_millis(rng.random_range(150..900))).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        let _ = child.wait();
    }
    assert!(killed >= 1, "at least one run was killed mid-sync");
    let status = Command::new(BIN).arg("run").env("HARNESS_JOB", &job).env("RUST_LOG", "warn").status().unwrap();
    assert_eq!(status.code(), Some(0));
    for tenant in [SANDBOX, SECOND] {
        let stored = env.stored(tenant);
        assert_eq!(stored, env.truth(tenant), "{tenant}");
    }
}
