//! The rounds and leases of `run --worker`, on the PostgreSQL store alone.

use std::time::Duration;

use super::postgres;
use crate::store::postgres::lease::Claim;
use time::macros::datetime;

use crate::store::{OutcomeKind, SyncStore, TenantState};

fn names(tenants: &[&str]) -> Vec<String> {
    tenants.iter().map(|t| (*t).to_owned()).collect()
}

const TTL: Duration = Duration::from_secs(30);

#[tokio::test]
async fn two_workers_never_claim_the_same_tenant_and_the_last_one_closes_the_round() {
    let Some(store) = postgres().await else { return };
    let tenants = names(&["a", "b"]);
    let round = store.join_round("2026-01-01", "2026-01-08", &tenants, TTL).await.unwrap();
    assert_eq!(store.join_round("2026-01-01", "2026-01-08", &tenants, TTL).await.unwrap(), round, "joined, not opened");
    let (one, two) = tokio::join!(store.claim(round, "w1", &tenants, TTL), store.claim(round, "w2", &tenants, TTL));
    let (Claim::Lease { tenant: t1, .. }, Claim::Lease { tenant: t2, .. }) = (one.unwrap(), two.unwrap()) else {
        panic!("both workers get a lease")
    };
    assert_ne!(t1, t2);
    assert_eq!(store.claim(round, "w3", &tenants, TTL).await.unwrap(), Claim::Wait, "both leased and alive");
    let synced = TenantState { last_outcome: Some(OutcomeKind::Synced), ..TenantState::default() };
    assert!(store.complete(round, &t1, "w1", OutcomeKind::Synced, &synced, None).await.unwrap().is_some());
    assert!(
        store.complete(round, &t2, "w1", OutcomeKind::Synced, &synced, None).await.unwrap().is_none(),
        "not w1's lease"
    );
    assert!(store.complete(round, &t2, "w2", OutcomeKind::Synced, &synced, None).await.unwrap().is_some());
    assert_eq!(store.claim(round, "w3", &tenants, TTL).await.unwrap(), Claim::Done);
    let next = store.join_round("2026-01-01", "2026-01-08", &tenants, TTL).await.unwrap();
    assert_ne!(next, round, "a finished round is not joined again");
    let other_window = store.join_round("2026-01-02", "2026-01-09", &tenants, TTL).await.unwrap();
    assert_ne!(other_window, next, "each window has its own round");
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_old_owner_can_neither_renew_nor_complete() {
    let Some(store) = postgres().await else { return };
    let tenants = names(&["a"]);
    let round = store.join_round("2026-01-01", "2026-01-08", &tenants, TTL).await.unwrap();
    let short = Duration::from_millis(300);
    assert_eq!(
        store.claim(round, "dead", &tenants, short).await.unwrap(),
        Claim::Lease { tenant: "a".into(), attempt: 1 }
    );
    assert!(store.renew(round, "a", "dead", short).await.unwrap(), "renewed while alive");
    assert_eq!(store.claim(round, "heir", &tenants, TTL).await.unwrap(), Claim::Wait, "not before it expires");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        store.claim(round, "heir", &tenants, TTL).await.unwrap(),
        Claim::Lease { tenant: "a".into(), attempt: 2 }
    );
    assert!(!store.renew(round, "a", "dead", TTL).await.unwrap(), "the old owner lost it");
    let stale = TenantState {
        last_outcome: Some(OutcomeKind::Failed),
        message: Some("stale".into()),
        ..TenantState::default()
    };
    assert!(store.complete(round, "a", "dead", OutcomeKind::Failed, &stale, None).await.unwrap().is_none());
    assert_eq!(store.tenant_state("a").await.unwrap(), None, "the old owner wrote nothing");
    let synced = TenantState {
        last_success: Some(datetime!(2026-01-05 10:00:00 UTC)),
        last_outcome: Some(OutcomeKind::Synced),
        ..TenantState::default()
    };
    assert!(store.complete(round, "a", "heir", OutcomeKind::Synced, &synced, None).await.unwrap().is_some());
    assert_eq!(store.tenant_state("a").await.unwrap(), Some(synced));
    let rows = store.round_tenants(round).await.unwrap();
    assert_eq!((rows[0].state.as_str(), rows[0].attempts, rows[0].lease_owner.as_deref()), ("done", 2, Some("heir")));
}

#[tokio::test]
async fn a_deferred_tenant_is_completed_as_deferred_until_its_time_has_come() {
    let Some(store) = postgres().await else { return };
    let tenants = names(&["later", "now"]);
    let until = datetime!(2999-01-01 00:00:00 UTC);
    let later = TenantState {
        last_success: Some(datetime!(2026-01-01 00:00:00 UTC)),
        deferred_until: Some(until),
        last_outcome: Some(OutcomeKind::Deferred),
        message: None,
    };
    store.set_tenant_state("later", &later).await.unwrap();
    let past = TenantState {
        last_success: Some(datetime!(2026-01-02 00:00:00 UTC)),
        deferred_until: Some(datetime!(2001-01-01 00:00:00 UTC)),
        ..TenantState::default()
    };
    store.set_tenant_state("now", &past).await.unwrap();
    let round = store.join_round("2026-01-01", "2026-01-08", &tenants, TTL).await.unwrap();
    assert_eq!(
        store.claim(round, "w", &tenants, TTL).await.unwrap(),
        Claim::Deferred { tenant: "later".into(), until }
    );
    assert_eq!(
        store.claim(round, "w", &tenants, TTL).await.unwrap(),
        Claim::Lease { tenant: "now".into(), attempt: 1 }
    );
    // A sync that did not succeed keeps the last success.
    let failed = TenantState { last_outcome: Some(OutcomeKind::Failed), ..TenantState::default() };
    assert!(store.complete(round, "now", "w", OutcomeKind::Failed, &failed, None).await.unwrap().is_some());
    let state = store.tenant_state("now").await.unwrap().unwrap();
    assert_eq!((state.last_success, state.deferred_until), (Some(datetime!(2026-01-02 00:00:00 UTC)), None));
}

#[tokio::test]
async fn a_worker_only_claims_tenants_it_was_configured_with() {
    let Some(store) = postgres().await else { return };
    let round = store.join_round("2026-01-01", "2026-01-08", &names(&["mine", "theirs"]), TTL).await.unwrap();
    let mine = names(&["mine"]);
    assert!(
        matches!(store.claim(round, "w", &mine, TTL).await.unwrap(), Claim::Lease { ref tenant, .. } if tenant == "mine")
    );
    let synced = TenantState::default();
    assert!(store.complete(round, "mine", "w", OutcomeKind::Synced, &synced, None).await.unwrap().is_some());
    assert_eq!(store.claim(round, "w", &mine, TTL).await.unwrap(), Claim::Done, "its own tenants are done");
    assert_eq!(store.round_tenants(round).await.unwrap()[1].state, "pending", "the other is left to its workers");
}

#[tokio::test]
async fn a_tenant_leased_in_another_round_waits_for_that_lease() {
    let Some(store) = postgres().await else { return };
    let tenants = names(&["a"]);
    let week = store.join_round("2026-01-01", "2026-01-08", &tenants, TTL).await.unwrap();
    let month = store.join_round("2026-01-01", "2026-02-01", &tenants, TTL).await.unwrap();
    assert_ne!(week, month);
    assert!(matches!(store.claim(week, "w1", &tenants, TTL).await.unwrap(), Claim::Lease { .. }));
    assert_eq!(store.claim(month, "w2", &tenants, TTL).await.unwrap(), Claim::Wait, "one worker per tenant");
    assert!(
        store.complete(week, "a", "w1", OutcomeKind::Synced, &TenantState::default(), None).await.unwrap().is_some()
    );
    assert!(matches!(store.claim(month, "w2", &tenants, TTL).await.unwrap(), Claim::Lease { .. }));
}
