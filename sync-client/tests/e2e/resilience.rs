//! Tokens, 429s, server errors, broken pages and foreign links, judged from the emulator's journal.

use appointment_sync::tenant::Outcome;
use cerner_mock::admin_client::{FaultAction, FaultMatch, FaultRule};
use cerner_mock::store::LoadOptions;

use crate::helpers::*;

fn searches(tenant: &str) -> FaultMatch {
    FaultMatch::path("/dstu2/*/Appointment").tenant(tenant)
}

#[tokio::test]
async fn one_token_serves_every_page_and_an_expired_one_is_renewed_exactly_once() {
    let env = emulator(LoadOptions::default()).await;
    env.admin.add_fault(&FaultRule::new(searches(SANDBOX).nth(3), FaultAction::ExpireToken)).await.unwrap();
    let summary = env.sync(&[SANDBOX]).await;
    assert_eq!(summary.exit_code(), 0, "{summary:#?}");
    let journal = env.journal(SANDBOX).await;
    let tokens: Vec<_> = journal.iter().filter(|e| e.path.ends_with("/token")).collect();
    assert_eq!(tokens.len(), 2, "one token, then exactly one renewal: {journal:#?}");
    let refused: Vec<_> = journal.iter().filter(|e| e.status == 401).collect();
    assert_eq!(refused.len(), 1);
    let after = journal.iter().find(|e| e.seq > refused[0].seq && e.path.ends_with("/Appointment")).unwrap();
    assert_eq!(after.query, refused[0].query, "the refused page is asked again");
    assert_ne!(after.jti, refused[0].jti, "with the new token");
    let pages = journal.iter().filter(|e| e.path.ends_with("/Appointment") && e.status == 200).count();
    assert!(pages >= 3);
    assert_eq!(env.stored(SANDBOX), env.truth(SANDBOX));
}

#[tokio::test]
async fn a_short_retry_after_is_waited_out_before_the_next_request() {
    let env = emulator(LoadOptions::default()).await;
    let throttle = FaultAction::Throttle { retry_after: "2".into() };
    env.admin.add_fault(&FaultRule::new(searches(SANDBOX).nth(2), throttle)).await.unwrap();
    let summary = env.sync(&[SANDBOX]).await;
    assert_eq!(summary.exit_code(), 0, "{summary:#?}");
    assert_eq!(summary.tenants[0].waits, 1);
    let journal = env.journal(SANDBOX).await;
    let throttled = journal.iter().find(|e| e.status == 429).unwrap();
    let next = journal.iter().find(|e| e.seq > throttled.seq).unwrap();
    let gap = next.wall_time - throttled.wall_time;
    assert!(gap >= time::Duration::seconds(2), "the next request came {gap} after the 429");
    assert_eq!(env.stored(SANDBOX), env.truth(SANDBOX));
}

#[tokio::test]
async fn a_retry_after_of_hours_defers_the_tenant_and_the_next_run_leaves_it_alone() {
    let env = emulator(LoadOptions::default()).await;
    let throttle = FaultAction::Throttle { retry_after: "7200".into() };
    env.admin.add_fault(&FaultRule::new(searches(SANDBOX).nth(1), throttle)).await.unwrap();
    let summary = env.sync(&[SANDBOX, SECOND]).await;
    assert_eq!(summary.exit_code(), 1);
    assert!(matches!(summary.tenants[0].outcome, Outcome::Deferred { .. }), "{:?}", summary.tenants[0]);
    assert_eq!(env.stored(SECOND), env.truth(SECOND), "the other tenant finishes");
    let calls_before = env.journal(SANDBOX).await.len();
    let again = env.sync(&[SANDBOX, SECOND]).await;
    assert!(matches!(again.tenants[0].outcome, Outcome::Deferred { .. }));
    assert_eq!(env.journal(SANDBOX).await.len(), calls_before, "no call to a deferred tenant before its time");
}

#[tokio::test]
async fn server_errors_and_resets_are_retried() {
    let env = emulator(LoadOptions::default()).await;
    let steps = vec![FaultAction::Status { status: 500 }, FaultAction::Reset, FaultAction::Status { status: 503 }];
    env.admin.add_fault(&FaultRule::sequence(searches(SANDBOX), steps)).await.unwrap();
    let summary = env.sync(&[SANDBOX]).await;
    assert_eq!(summary.exit_code(), 0, "{summary:#?}");
    assert_eq!(summary.tenants[0].retries, 3);
    assert_eq!(env.stored(SANDBOX), env.truth(SANDBOX));
}

#[tokio::test]
async fn endless_server_errors_fail_that_tenant_only_after_bounded_retries() {
    let env = emulator(LoadOptions::default()).await;
    env.admin.add_fault(&FaultRule::new(searches(SANDBOX), FaultAction::Status { status: 503 })).await.unwrap();
    let summary = env.sync(&[SANDBOX, SECOND]).await;
    let sandbox = &summary.tenants[0];
    assert!(matches!(&sandbox.outcome, Outcome::Failed { request_id: Some(_), .. }), "{sandbox:?}");
    assert_eq!(sandbox.retries, 3, "four attempts in all");
    assert_eq!(env.stored(SECOND), env.truth(SECOND));
}

#[tokio::test]
async fn a_malformed_page_fails_the_tenant_without_corrupting_the_store() {
    let env = emulator(LoadOptions::default()).await;
    env.admin.add_fault(&FaultRule::new(searches(SANDBOX).nth(2), FaultAction::Malformed)).await.unwrap();
    let summary = env.sync(&[SANDBOX]).await;
    assert!(matches!(summary.tenants[0].outcome, Outcome::Failed { .. }), "{:?}", summary.tenants[0]);
    let stored = env.store().appointments(Some(SANDBOX)).unwrap();
    assert_eq!(stored.len(), 100, "exactly the first page");
    assert!(stored.iter().all(|a| serde_json::from_str::<serde_json::Value>(&a.raw).is_ok()));
    let truth = env.truth(SANDBOX);
    assert!(env.stored(SANDBOX).iter().all(|row| truth.contains(row)));
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_refused_and_never_followed() {
    let env = emulator(LoadOptions::default()).await;
    let trap = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let trap_origin = format!("http://{}", trap.local_addr().unwrap());
    let foreign = FaultAction::ForeignNext { origin: trap_origin };
    env.admin.add_fault(&FaultRule::new(searches(SANDBOX).nth(1), foreign)).await.unwrap();
    let summary = env.sync(&[SANDBOX]).await;
    match &summary.tenants[0].outcome {
        Outcome::Failed { reason, .. } => assert!(reason.contains("another origin"), "{reason}"),
        other => panic!("expected a failure, got {other:?}"),
    }
    let contacted = tokio::time::timeout(std::time::Duration::from_millis(200), trap.accept()).await;
    assert!(contacted.is_err(), "the client connected to the foreign origin");
}
