//! A body that stalls or dribbles: the per-request total timeout (reqwest's, from the request's
//! start until the body's end) fails the tenant after its bounded retries, and the others sync.

use std::time::{Duration, Instant};

use appointment_sync::config::{SyncConfig, SyncLimits};
use appointment_sync::progress::Progress;
use appointment_sync::tenant::Outcome;
use cerner_mock::admin_client::{FaultAction, FaultMatch, FaultRule};
use cerner_mock::store::LoadOptions;

use crate::helpers::*;

#[test]
fn the_timeout_defaults_are_the_documented_ones() {
    let limits = SyncLimits::default();
    assert_eq!((limits.request_timeout, limits.max_attempts), (Duration::from_secs(30), 4));
    assert_eq!(limits.tenant_time_budget, Duration::from_secs(30 * 60));
}

/// Syncs the sandbox and the second tenant with a one-second request timeout and two attempts,
/// the sandbox's searches answered with `action`.
async fn sync_with_slow_sandbox(action: FaultAction) -> (Env, appointment_sync::run::RunSummary, Duration) {
    let env = emulator(LoadOptions::default()).await;
    let searches = FaultMatch::path("/dstu2/*/Appointment").tenant(SANDBOX);
    env.admin.add_fault(&FaultRule::new(searches, action)).await.unwrap();
    let mut config = SyncConfig::from_job(&env.job(&[SANDBOX, SECOND]).to_string(), "job").unwrap();
    config.limits.request_timeout = Duration::from_secs(1);
    config.limits.max_attempts = 2;
    config.limits.backoff_base = Duration::from_millis(10);
    let started = Instant::now();
    // The stall lasts ten minutes: only a timeout that covers the body ends this run in time.
    let run = tokio::time::timeout(Duration::from_secs(120), appointment_sync::run::run(config, Progress::Log));
    let summary = run.await.expect("the timeout covers the body").unwrap();
    (env, summary, started.elapsed())
}

fn assert_sandbox_failed_on_a_timeout(env: &Env, summary: &appointment_sync::run::RunSummary) {
    let sandbox = summary.tenants.iter().find(|t| t.tenant == SANDBOX).unwrap();
    let Outcome::Failed { reason, .. } = &sandbox.outcome else { panic!("{sandbox:?}") };
    assert!(reason.contains("timeout") || reason.contains("timed out"), "{reason}");
    assert_eq!(sandbox.retries, 1, "two attempts in all");
    assert_eq!(summary.exit_code(), 1);
    assert_eq!(env.stored(SECOND), env.truth(SECOND), "the other tenant synced");
}

#[tokio::test]
async fn a_stalled_body_fails_the_tenant_within_the_request_timeout() {
    let (env, summary, took) = sync_with_slow_sandbox(FaultAction::StallBody { after_bytes: 200, ms: 600_000 }).await;
    assert_sandbox_failed_on_a_timeout(&env, &summary);
    assert!(took >= Duration::from_secs(2), "each attempt waited its second: {took:?}");
    let stalled = env.journal(SANDBOX).await.iter().filter(|e| e.fault.is_some()).count();
    assert_eq!(stalled, 2, "both attempts met the stall");
}

#[tokio::test]
async fn a_dribbled_body_fails_the_tenant_though_bytes_keep_coming() {
    let (env, summary, _) = sync_with_slow_sandbox(FaultAction::DribbleBody { bytes_per_second: 100 }).await;
    assert_sandbox_failed_on_a_timeout(&env, &summary);
}
