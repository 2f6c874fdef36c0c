//! Rounds that cannot end, tenants claimed from two rounds at once, vanish marks by a stale lease
//! holder, and heartbeats that must stop: the PostgreSQL store alone.

use std::sync::Arc;
use std::time::Duration;

use time::macros::datetime;
use tokio::sync::Notify;

use super::{IN_WINDOW, T1, postgres, record};
use crate::store::postgres::lease::{Claim, RoundId, TENANT_LOCK_CLASS, Vanish};
use crate::store::{OutcomeKind, PgStore, RunId, SyncStore, TenantState, Window};

const TTL: Duration = Duration::from_secs(30);
const WEEK: (&str, &str) = ("2026-11-28", "2026-12-05");

fn names(tenants: &[&str]) -> Vec<String> {
    tenants.iter().map(|t| (*t).to_owned()).collect()
}

async fn lease(store: &PgStore, round: RoundId, worker: &str, tenants: &[String]) -> String {
    match store.claim(round, worker, tenants, TTL).await.unwrap() {
        Claim::Lease { tenant, .. } => tenant,
        other => panic!("expected a lease, got {other:?}"),
    }
}

async fn done(store: &PgStore, round: RoundId, worker: &str, tenant: &str) {
    let state = TenantState { last_outcome: Some(OutcomeKind::Synced), ..TenantState::default() };
    assert!(store.complete(round, tenant, worker, OutcomeKind::Synced, &state, None).await.unwrap().is_some());
}

#[tokio::test]
async fn a_round_whose_remaining_tenant_left_the_configuration_is_not_joined_again() {
    let Some(store) = postgres().await else { return };
    let round = store.join_round(WEEK.0, WEEK.1, &names(&["a", "b", "removed"]), TTL).await.unwrap();
    let kept = names(&["a", "b"]);
    for worker in ["w1", "w2"] {
        let tenant = lease(&store, round, worker, &kept).await;
        done(&store, round, worker, &tenant).await;
    }
    assert_eq!(store.claim(round, "w1", &kept, TTL).await.unwrap(), Claim::Done, "the run ends");
    // The next run, configured without "removed": a new round, with every tenant to sync again.
    let next = store.join_round(WEEK.0, WEEK.1, &kept, TTL).await.unwrap();
    assert_ne!(next, round, "the unfinishable round is closed, not joined");
    assert_eq!(lease(&store, next, "w3", &kept).await, "a");
    assert_eq!(lease(&store, next, "w3", &kept).await, "b");
}

#[tokio::test]
async fn a_round_abandoned_by_dead_workers_is_closed_and_every_tenant_synced_again() {
    let Some(store) = postgres().await else { return };
    let tenants = names(&["a", "b"]);
    let round = store.join_round(WEEK.0, WEEK.1, &tenants, TTL).await.unwrap();
    let first = lease(&store, round, "dead1", &tenants).await;
    done(&store, round, "dead1", &first).await;
    assert!(matches!(store.claim(round, "dead2", &tenants, TTL).await.unwrap(), Claim::Lease { .. }));
    // Yesterday: both workers died, one of them holding a lease that has long expired.
    let client = store.client().await.unwrap();
    client.execute("UPDATE rounds SET started_at = now() - interval '1 day' WHERE id = $1", &[&round.0]).await.unwrap();
    client
        .execute(
            "UPDATE round_tenants SET finished_at = now() - interval '1 day',
               lease_expires = CASE WHEN state = 'leased' THEN now() - interval '23 hours' END WHERE round = $1",
            &[&round.0],
        )
        .await
        .unwrap();
    // A live round is still joined, so workers started together share it ...
    let live = store.join_round("2026-12-01", "2026-12-08", &tenants, TTL).await.unwrap();
    assert_eq!(store.join_round("2026-12-01", "2026-12-08", &tenants, TTL).await.unwrap(), live);
    // ... but today's run does not inherit the dead round's "done" for the first tenant.
    let today = store.join_round(WEEK.0, WEEK.1, &tenants, TTL).await.unwrap();
    assert_ne!(today, round);
    assert_eq!(lease(&store, today, "w", &tenants).await, "a");
    assert_eq!(lease(&store, today, "w", &tenants).await, "b");
}

#[tokio::test]
async fn a_claim_in_another_round_waits_for_an_uncommitted_lease_of_the_same_tenant() {
    let Some(store) = postgres().await else { return };
    let tenants = names(&["a"]);
    let week = store.join_round(WEEK.0, WEEK.1, &tenants, TTL).await.unwrap();
    let month = store.join_round(WEEK.0, "2026-12-28", &tenants, TTL).await.unwrap();
    // A claim of "a" in the week's round, caught between taking the lease and committing.
    let mut client = store.client().await.unwrap();
    let tx = client.transaction().await.unwrap();
    tx.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", &[&TENANT_LOCK_CLASS, &"a"]).await.unwrap();
    tx.execute(
        "UPDATE round_tenants SET state = 'leased', lease_owner = 'w1', lease_expires = now() + interval '30 seconds',
           attempts = attempts + 1 WHERE round = $1 AND tenant = 'a'",
        &[&week.0],
    )
    .await
    .unwrap();
    let other = {
        let store = store.clone();
        let tenants = tenants.clone();
        tokio::spawn(async move { store.claim(month, "w2", &tenants, TTL).await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!other.is_finished(), "the other round's claim waits on the tenant, not just on its own row");
    tx.commit().await.unwrap();
    assert_eq!(other.await.unwrap(), Claim::Wait, "and then sees the lease: one worker per tenant");
}

#[tokio::test]
async fn vanish_marks_are_written_only_by_the_lease_owner_with_its_completion() {
    let Some(store) = postgres().await else { return };
    let tenants = names(&[T1]);
    let old = store.begin_run(datetime!(2026-11-27 00:00:00 UTC)).await.unwrap();
    store.save_page(old, T1, &[record("gone", "1", IN_WINDOW)]).await.unwrap();
    let round = store.join_round(WEEK.0, WEEK.1, &tenants, TTL).await.unwrap();
    let short = Duration::from_millis(200);
    assert!(matches!(store.claim(round, "stale", &tenants, short).await.unwrap(), Claim::Lease { .. }));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(matches!(store.claim(round, "heir", &tenants, TTL).await.unwrap(), Claim::Lease { .. }));
    let heir_run = store.begin_run(datetime!(2026-11-28 00:00:00 UTC)).await.unwrap();
    store.save_page(heir_run, T1, &[record("gone", "1", IN_WINDOW)]).await.unwrap();
    // The stale holder's own run saw nothing: it would mark "gone" vanished.
    let stale_run = store.begin_run(datetime!(2026-11-28 00:00:01 UTC)).await.unwrap();
    let vanish = |run: RunId| Vanish {
        run,
        window: Window::new("2026-11-28", "2026-12-05").unwrap(),
        at: datetime!(2026-11-28 01:00:00 UTC),
    };
    let state = TenantState { last_outcome: Some(OutcomeKind::Synced), ..TenantState::default() };
    let stale =
        store.complete(round, T1, "stale", OutcomeKind::Synced, &state, Some(&vanish(stale_run))).await.unwrap();
    assert_eq!(stale, None, "not the owner");
    let rows = store.appointments(Some(T1)).await.unwrap();
    assert_eq!(rows[0].vanished_at, None, "the stale holder marked nothing");
    let heir = store.complete(round, T1, "heir", OutcomeKind::Synced, &state, Some(&vanish(heir_run))).await.unwrap();
    assert_eq!(heir, Some(0), "the owner's run saw it: nothing vanished");
}

#[tokio::test]
async fn a_heartbeat_whose_renewal_hangs_gives_the_tenant_up_within_the_lease() {
    let Some(store) = postgres().await else { return };
    let tenants = names(&["a"]);
    let round = store.join_round(WEEK.0, WEEK.1, &tenants, TTL).await.unwrap();
    let ttl = Duration::from_millis(1500);
    assert!(matches!(store.claim(round, "w", &tenants, ttl).await.unwrap(), Claim::Lease { .. }));
    // Another session holds the lease row: every renewal blocks on it.
    let mut client = store.client().await.unwrap();
    let tx = client.transaction().await.unwrap();
    tx.execute("SELECT 1 FROM round_tenants WHERE round = $1 FOR UPDATE", &[&round.0]).await.unwrap();
    let lost = Arc::new(Notify::new());
    let started = tokio::time::Instant::now();
    let beat = tokio::spawn(crate::worker::heartbeat(
        Arc::new(store.clone()),
        round,
        "a".into(),
        "w".into(),
        ttl,
        lost.clone(),
    ));
    tokio::time::timeout(ttl * 2, lost.notified()).await.expect("the heartbeat never gave up");
    assert!(started.elapsed() < ttl, "gave up after {:?}, not within the lease ({ttl:?})", started.elapsed());
    beat.await.unwrap();
    tx.rollback().await.unwrap();
}

#[tokio::test]
async fn a_panicking_tenant_task_stops_its_heartbeat_so_the_lease_ends() {
    let Some(store) = postgres().await else { return };
    let tenants = names(&["a"]);
    let round = store.join_round(WEEK.0, WEEK.1, &tenants, TTL).await.unwrap();
    let ttl = Duration::from_millis(900);
    assert!(matches!(store.claim(round, "w", &tenants, ttl).await.unwrap(), Claim::Lease { .. }));
    let task = {
        let store = Arc::new(store.clone());
        tokio::spawn(async move {
            let _beat =
                crate::worker::Heartbeat::start(store, round, "a".into(), "w".into(), ttl, Arc::new(Notify::new()));
            tokio::time::sleep(Duration::from_millis(400)).await;
            panic!("a bug in the tenant's sync");
        })
    };
    assert!(task.await.unwrap_err().is_panic());
    tokio::time::sleep(ttl + Duration::from_millis(300)).await;
    assert!(
        matches!(store.claim(round, "heir", &tenants, TTL).await.unwrap(), Claim::Lease { attempt: 2, .. }),
        "the lease ended with the task"
    );
}
