//! Point 4: a tenant task that fails in any way, a panic included, is a failed tenant: in the
//! summary, the tenant's state and the exit code, never dropped.

use std::sync::Arc;

use appointment_sync::config::SyncConfig;
use appointment_sync::progress::Progress;
use appointment_sync::store::{
    AppointmentRecord, OutcomeKind, PageOutcome, RunId, SqliteStore, StoreError, StoredAppointment, SyncStore,
    TenantState, Window,
};
use cerner_mock::store::LoadOptions;
use time::OffsetDateTime;

use super::*;
use crate::helpers::{SECOND, emulator};

/// The SQLite store, except that saving a page of `victim` panics, as a bug would.
#[derive(Debug)]
struct Buggy {
    inner: SqliteStore,
    victim: String,
}

impl SyncStore for Buggy {
    async fn begin_run(&self, started_at: OffsetDateTime) -> Result<RunId, StoreError> {
        SyncStore::begin_run(&self.inner, started_at).await
    }
    async fn finish_run(&self, run: RunId, finished_at: OffsetDateTime, summary: &str) -> Result<(), StoreError> {
        SyncStore::finish_run(&self.inner, run, finished_at, summary).await
    }
    async fn tenant_state(&self, tenant: &str) -> Result<Option<TenantState>, StoreError> {
        SyncStore::tenant_state(&self.inner, tenant).await
    }
    async fn set_tenant_state(&self, tenant: &str, state: &TenantState) -> Result<(), StoreError> {
        SyncStore::set_tenant_state(&self.inner, tenant, state).await
    }
    async fn save_page(
        &self,
        run: RunId,
        tenant: &str,
        page: &[AppointmentRecord],
    ) -> Result<(PageOutcome, Vec<StoredAppointment>), StoreError> {
        assert_ne!(tenant, self.victim, "a bug in the tenant's sync");
        SyncStore::save_page(&self.inner, run, tenant, page).await
    }
    async fn mark_vanished(
        &self,
        run: RunId,
        tenant: &str,
        window: &Window,
        at: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        SyncStore::mark_vanished(&self.inner, run, tenant, window, at).await
    }
    async fn appointments(&self, tenant: Option<&str>) -> Result<Vec<StoredAppointment>, StoreError> {
        SyncStore::appointments(&self.inner, tenant).await
    }
    async fn count(&self, tenant: Option<&str>) -> Result<u64, StoreError> {
        SyncStore::count(&self.inner, tenant).await
    }
    async fn export_ndjson(&self, out: &mut (dyn std::io::Write + Send)) -> Result<u64, StoreError> {
        SyncStore::export_ndjson(&self.inner, out).await
    }
}

#[tokio::test]
async fn a_panic_inside_one_tenants_sync_fails_that_tenant_and_the_run() {
    let env = emulator(LoadOptions::default()).await;
    let config = SyncConfig::from_job(&env.job(&[SANDBOX, SECOND]).to_string(), "job").unwrap();
    let store = Arc::new(Buggy { inner: env.store(), victim: SECOND.to_owned() });
    let summary = appointment_sync::run::run_with(store.clone(), config, Progress::Log).await.unwrap();
    assert_eq!(summary.exit_code(), 1, "{summary:#?}");
    assert_eq!(summary.tenants.len(), 2, "the tenant is reported, not dropped");
    let victim = summary.tenants.iter().find(|t| t.tenant == SECOND).unwrap();
    match &victim.outcome {
        appointment_sync::tenant::Outcome::Failed { reason, .. } => {
            assert_eq!(
                reason,
                "the sync of this tenant panicked: assertion `left != right` failed: a bug in the tenant's sync\n  left: \"0b8a0111-e8e6-4c26-a91c-5069cbc6b1ca\"\n right: \"0b8a0111-e8e6-4c26-a91c-5069cbc6b1ca\""
            );
        }
        other => panic!("{other:?}"),
    }
    let state = store.inner.tenant_state(SECOND).unwrap().unwrap();
    assert_eq!(state.last_outcome, Some(OutcomeKind::Failed));
    assert!(state.message.unwrap().contains("panicked"));
    assert_eq!(env.stored(SANDBOX), env.truth(SANDBOX), "the other tenant finished");
    let searches = env.journal(SECOND).await.into_iter().filter(|e| e.path.ends_with("/Appointment")).count();
    assert_eq!(searches, 1, "the victim's first page was fetched, then its sync died");
}
