//! `run --worker` processes sharing 50 tenants through a PostgreSQL store: each tenant synced by
//! exactly one worker and stored exactly as the emulator holds it; a worker killed mid-run has its
//! tenants finished by the others once its leases expire; a deferred tenant is called by no worker
//! before its time.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use appointment_sync::store::OutcomeKind;
use cerner_mock::AdminClient;
use cerner_mock::admin_client::{FaultAction, FaultMatch, FaultRule, JournalQuery};

use crate::fleet::{Fleet, WorkerResult, finish, pg_url};

const BINARY: &str = env!("CARGO_BIN_EXE_appointment-sync");
const TENANTS: usize = 50;

async fn run_workers(fleet: &Fleet, workers: usize, ttl: Duration) -> Vec<WorkerResult> {
    let children: Vec<_> = (0..workers).map(|n| fleet.spawn_worker(Path::new(BINARY), n, ttl)).collect();
    let mut results = Vec::new();
    for child in children {
        results.push(finish(child).await);
    }
    results
}

/// Every tenant reported by exactly one worker, synced; the round lists each once, done, with a
/// single claim; and the store equals the ground truth.
async fn assert_each_tenant_once(fleet: &Fleet, results: &[WorkerResult]) {
    for result in results {
        assert_eq!(result.code, Some(0), "worker failed: {}", result.stderr);
    }
    let mut reported: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for result in results {
        for (tenant, outcome) in result.tenants() {
            reported.entry(tenant).or_default().push(outcome);
        }
    }
    assert_eq!(reported.len(), TENANTS, "every tenant reported");
    for (tenant, outcomes) in &reported {
        assert_eq!(outcomes, &["synced"], "{tenant} reported once, synced");
    }
    let round = fleet.round().await;
    assert_eq!(round.len(), TENANTS);
    for tenant in &round {
        assert_eq!((tenant.state.as_str(), tenant.attempts), ("done", 1), "{tenant:?}");
        assert_eq!(tenant.outcome, Some(OutcomeKind::Synced));
    }
    assert_eq!(fleet.mismatches().await, BTreeMap::new(), "stored differs from the ground truth");
}

async fn workers_share_fifty_tenants(workers: usize) {
    let Some(pg) = pg_url() else { return };
    let fleet = Fleet::start(&pg, TENANTS, 120).await;
    let results = run_workers(&fleet, workers, Duration::from_secs(30)).await;
    assert_each_tenant_once(&fleet, &results).await;
    let shares: Vec<usize> = results.iter().map(|r| r.tenants().len()).collect();
    assert_eq!(shares.iter().sum::<usize>(), TENANTS, "{shares:?}");
    let saved: u64 = results.iter().map(WorkerResult::appointments).sum();
    let truth: usize = fleet.tenants.iter().map(|t| fleet.truth(t).len()).sum();
    assert_eq!(saved, truth as u64, "every appointment saved by exactly one worker");
    let export =
        tokio::process::Command::new(BINARY).args(["export", "--store", &fleet.store_url]).output().await.unwrap();
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    let lines = String::from_utf8(export.stdout).unwrap();
    assert_eq!(lines.lines().count(), truth, "export lists every stored appointment once");
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first["tenant"], fleet.tenants[0].as_str(), "ordered by tenant");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_sync_fifty_tenants_each_exactly_once() {
    workers_share_fifty_tenants(2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_workers_sync_fifty_tenants_each_exactly_once() {
    workers_share_fifty_tenants(4).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_run_has_its_tenants_finished_by_the_others_after_its_lease_expires() {
    let Some(pg) = pg_url() else { return };
    let fleet = Fleet::start(&pg, TENANTS, 120).await;
    let admin = AdminClient::new(fleet.server.origin()).unwrap();
    // Slow pages, so the victim is in the middle of a tenant when it dies.
    let slow = FaultRule::new(FaultMatch::path("/dstu2/*/Appointment"), FaultAction::Delay { ms: 150 });
    admin.add_fault(&slow).await.unwrap();
    let ttl = Duration::from_secs(3);
    let mut victim = fleet.spawn_worker(Path::new(BINARY), 0, ttl);
    let victim_pid = victim.id().unwrap();
    let others: Vec<_> = (1..3).map(|n| fleet.spawn_worker(Path::new(BINARY), n, ttl)).collect();

    // Wait until the victim holds a lease, then kill it without a chance to clean up.
    let marker = format!(":{victim_pid}:");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let held = loop {
        assert!(tokio::time::Instant::now() < deadline, "the victim never held a lease");
        let leased: Vec<String> = fleet
            .round()
            .await
            .into_iter()
            .filter(|t| t.state == "leased" && t.lease_owner.as_deref().is_some_and(|o| o.contains(&marker)))
            .map(|t| t.tenant)
            .collect();
        if !leased.is_empty() {
            break leased;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    victim.start_kill().unwrap();
    let status = victim.wait().await.unwrap();
    assert_eq!(status.code(), None, "killed by a signal");
    admin.clear_faults().await.unwrap();

    let mut results = Vec::new();
    for child in others {
        results.push(finish(child).await);
    }
    for result in &results {
        assert_eq!(result.code, Some(0), "surviving worker failed: {}", result.stderr);
    }
    let round = fleet.round().await;
    for tenant in &round {
        assert_eq!(tenant.state, "done", "{tenant:?}");
        assert_eq!(tenant.outcome, Some(OutcomeKind::Synced), "{tenant:?}");
    }
    for tenant in &held {
        let row = round.iter().find(|t| &t.tenant == tenant).unwrap();
        assert!(row.attempts >= 2, "the killed worker's tenant was claimed again: {row:?}");
        assert!(!row.lease_owner.as_deref().unwrap_or("").contains(&marker), "finished by another worker: {row:?}");
    }
    let finished_by_others: Vec<String> =
        results.iter().flat_map(|r| r.tenants()).map(|(t, _)| t).filter(|t| held.contains(t)).collect();
    assert_eq!(finished_by_others.len(), held.len(), "the survivors report the taken-over tenants");
    assert_eq!(fleet.mismatches().await, BTreeMap::new(), "stored differs from the ground truth");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deferred_tenant_is_called_by_no_worker_before_its_time() {
    let Some(pg) = pg_url() else { return };
    let fleet = Fleet::start(&pg, TENANTS, 60).await;
    let admin = AdminClient::new(fleet.server.origin()).unwrap();
    let deferred = fleet.tenants[7].clone();
    let hours = FaultAction::Throttle { retry_after: "7200".into() };
    admin.add_fault(&FaultRule::new(FaultMatch::path("/dstu2/*/Appointment").tenant(&deferred), hours)).await.unwrap();

    let first = run_workers(&fleet, 2, Duration::from_secs(30)).await;
    let outcomes: Vec<(String, String)> = first.iter().flat_map(WorkerResult::tenants).collect();
    assert_eq!(
        outcomes.iter().filter(|(t, _)| *t == deferred).map(|(_, o)| o.as_str()).collect::<Vec<_>>(),
        ["deferred"]
    );
    assert_eq!(outcomes.iter().filter(|(_, o)| o == "synced").count(), TENANTS - 1);
    let state = appointment_sync::store::SyncStore::tenant_state(&fleet.store, &deferred).await.unwrap().unwrap();
    assert!(state.deferred_until.is_some(), "{state:?}");

    // A new round: every worker sees the deferral in the database and leaves the tenant alone.
    admin.clear_faults().await.unwrap();
    admin.clear_journal().await.unwrap();
    let second = run_workers(&fleet, 3, Duration::from_secs(30)).await;
    let calls = admin.journal(&JournalQuery::new().tenant(&deferred)).await.unwrap().entries;
    assert!(calls.is_empty(), "no worker called the deferred tenant: {calls:#?}");
    let outcomes: Vec<(String, String)> = second.iter().flat_map(WorkerResult::tenants).collect();
    let reports: Vec<&str> = outcomes.iter().filter(|(t, _)| *t == deferred).map(|(_, o)| o.as_str()).collect();
    assert_eq!(reports, ["deferred"], "reported once, as deferred");
    assert_eq!(outcomes.iter().filter(|(_, o)| o == "synced").count(), TENANTS - 1, "the others synced again");
    let other = &fleet.tenants[8];
    let journal = admin.journal(&JournalQuery::new().tenant(other)).await.unwrap().entries;
    assert!(!journal.is_empty(), "the other tenants were called in the second round");
}

/// Yesterday's round never ended: its third tenant was removed from the configuration since.
/// Today's worker must sync every tenant it has again, not find its tenants "done" and exit 0
/// having done nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_left_unfinished_by_a_removed_tenant_does_not_make_the_next_run_a_no_op() {
    use appointment_sync::store::TenantState;
    use appointment_sync::store::postgres::lease::Claim;
    let Some(pg) = pg_url() else { return };
    let fleet = Fleet::start(&pg, 2, 60).await;
    let mut old = fleet.tenants.clone();
    old.push("removed".to_owned());
    let ttl = Duration::from_secs(30);
    let (start, end) = crate::fleet::FLEET_WINDOW;
    let round = fleet.store.join_round(start, end, &old, ttl).await.unwrap();
    for _ in &fleet.tenants {
        let Claim::Lease { tenant, .. } = fleet.store.claim(round, "gone", &fleet.tenants, ttl).await.unwrap() else {
            panic!("no lease")
        };
        let synced = TenantState { last_outcome: Some(OutcomeKind::Synced), ..TenantState::default() };
        assert!(
            fleet.store.complete(round, &tenant, "gone", OutcomeKind::Synced, &synced, None).await.unwrap().is_some()
        );
    }
    let results = run_workers(&fleet, 1, ttl).await;
    assert_eq!(results[0].code, Some(0), "{}", results[0].stderr);
    let reported: Vec<(String, String)> = results[0].tenants();
    let expected: Vec<(String, String)> = fleet.tenants.iter().map(|t| (t.clone(), "synced".to_owned())).collect();
    assert_eq!(reported, expected, "every configured tenant synced again");
    assert_eq!(fleet.mismatches().await, BTreeMap::new(), "stored equals the ground truth");
    let admin = AdminClient::new(fleet.server.origin()).unwrap();
    for tenant in &fleet.tenants {
        let calls = admin.journal(&JournalQuery::new().tenant(tenant)).await.unwrap().entries;
        assert!(calls.iter().any(|c| c.path.ends_with("/Appointment")), "{tenant} was searched");
    }
    assert_ne!(results[0].summary["worker"]["round"], round.0, "a new round");
}
