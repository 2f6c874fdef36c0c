//! Full syncs, re-runs and data changes, each on DSTU2 bases and on R4 bases.

use appointment_sync::fhir_version::FhirVersion;
use appointment_sync::tenant::Outcome;
use cerner_mock::admin_client::Change;
use cerner_mock::store::LoadOptions;

use crate::helpers::*;

on_both_versions!(
    a_full_sync_of_the_default_tenants_equals_the_ground_truth,
    an_unapproved_tenant_is_reported_and_skipped_while_the_others_complete,
    a_second_run_is_idempotent_and_picks_up_changes,
    private_key_jwt_signs_in_with_the_key_file_from_the_toml_config,
);

/// Every tenant on `version`'s base.
fn on(version: FhirVersion, tenants: &[&'static str]) -> Vec<(&'static str, FhirVersion)> {
    tenants.iter().map(|t| (*t, version)).collect()
}

async fn a_full_sync_of_the_default_tenants_equals_the_ground_truth(version: FhirVersion) {
    let env = emulator(LoadOptions::default()).await;
    let summary = env.sync_on(&on(version, &[SANDBOX, SECOND])).await;
    assert_eq!(summary.exit_code(), 0, "{summary:#?}");
    assert!(summary.tenants.iter().all(|t| t.fhir_version == Some(version)), "{summary:#?}");
    for tenant in [SANDBOX, SECOND] {
        let truth = env.truth(tenant);
        assert!(truth.len() > 100, "{tenant}: {}", truth.len());
        assert_eq!(env.stored(tenant), truth, "{tenant}");
    }
    let lines = std::fs::read_to_string(env.dir.join("appointments.ndjson")).unwrap();
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert!(first["tenant"].is_string() && first["resource"]["resourceType"] == "Appointment");
    assert!(env.store().appointments(None).unwrap().iter().all(|a| a.fhir_version == version));
}

async fn an_unapproved_tenant_is_reported_and_skipped_while_the_others_complete(version: FhirVersion) {
    let env = emulator(LoadOptions::default()).await;
    let summary = env.sync_on(&on(version, &[SANDBOX, UNAPPROVED, SECOND])).await;
    assert_eq!(summary.exit_code(), 1);
    let unapproved = summary.tenants.iter().find(|t| t.tenant == UNAPPROVED).unwrap();
    assert!(matches!(unapproved.outcome, Outcome::Rejected { .. }), "{unapproved:?}");
    let calls = env.journal(UNAPPROVED).await;
    assert!(calls.iter().all(|c| !c.path.contains("/Appointment")), "no FHIR search after the rejection");
    for tenant in [SANDBOX, SECOND] {
        assert_eq!(env.stored(tenant), env.truth(tenant), "{tenant}");
    }
}

async fn a_second_run_is_idempotent_and_picks_up_changes(version: FhirVersion) {
    let env = emulator(LoadOptions::default()).await;
    let tenants = on(version, &[SANDBOX]);
    assert_eq!(env.sync_on(&tenants).await.exit_code(), 0);
    let first = env.stored(SANDBOX);
    let again = env.sync_on(&tenants).await;
    let report = &again.tenants[0];
    assert_eq!((report.inserted, report.updated), (0, 0), "{report:?}");
    assert_eq!(env.stored(SANDBOX), first, "no duplicates, nothing changed");

    let moved = &first[0].0;
    let cancelled = &first[1].0;
    let new = serde_json::json!({
        "resourceType": "Appointment", "id": "99000001", "status": "booked",
        "start": "2026-01-06T09:00:00.000Z", "end": "2026-01-06T09:30:00.000Z",
        "participant": [{ "actor": { "reference": "Location/21503380" }, "status": "accepted" }]
    });
    env.admin
        .apply_changes(
            SANDBOX,
            &[
                Change::reschedule(moved.clone(), "2026-01-20T10:00:00.000Z", "2026-01-20T10:30:00.000Z"),
                Change::cancel(cancelled.clone()),
                Change::add(new),
            ],
        )
        .await
        .unwrap();
    let third = env.sync_on(&tenants).await;
    assert_eq!((third.tenants[0].inserted, third.tenants[0].updated), (1, 2), "{:?}", third.tenants[0]);
    assert_eq!(env.stored(SANDBOX), env.truth(SANDBOX));
    let store = env.store();
    let rows = store.appointments(Some(SANDBOX)).unwrap();
    let row = |id: &str| rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(row(cancelled).status, "cancelled", "cancelled appointments are kept with their status");
    assert_eq!(row(moved).start.as_deref(), Some("2026-01-20T10:00:00.000Z"));
}

/// private_key_jwt with the fixture key, through the TOML config. The emulator runs on the real
/// clock here: the assertion's `exp` is checked against it.
async fn private_key_jwt_signs_in_with_the_key_file_from_the_toml_config(version: FhirVersion) {
    let mut profile = cerner_mock::Profile::embedded_default();
    profile.limits.enabled = false;
    let server = cerner_mock::MockServer::start(cerner_mock::ServerConfig::new(profile)).await.unwrap();
    let dir = std::env::temp_dir().join(format!("appointment-sync-jwt-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/keys/jwt-account-es384.key.pem");
    let config = format!(
        r#"
[credentials]
client_id = "4f1c7b6e-2a0d-4c8e-9a57-3d2b8e6f1a90"
private_key_file = "{key}"
kid = "jwt-account-es384"
alg = "ES384"
[window]
days_before = 3
days_after = 10
[store]
path = "state/appointments.db"
[[tenants]]
id = "{SANDBOX}"
fhir_base = "{origin}/{segment}/{SANDBOX}/"
locations = ["21503380"]
"#,
        key = key.display(),
        origin = server.origin(),
        segment = path_segment(version)
    );
    let path = dir.join("sync.toml");
    std::fs::write(&path, config).unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let config = appointment_sync::config::SyncConfig::load(&path, &|_| None, today).unwrap();
    let summary = appointment_sync::run::run(config, appointment_sync::progress::Progress::Log).await.unwrap();
    assert_eq!(summary.exit_code(), 0, "{summary:#?}");
    assert!(summary.tenants[0].inserted > 0);
    let admin = cerner_mock::AdminClient::new(server.origin()).unwrap();
    let journal = admin.journal(&cerner_mock::admin_client::JournalQuery::new()).await.unwrap().entries;
    let token = journal.iter().find(|e| e.path.ends_with("/token")).unwrap();
    assert_eq!(
        (token.authorization.as_deref(), token.client_id.as_deref()),
        (None, Some("4f1c7b6e-2a0d-4c8e-9a57-3d2b8e6f1a90"))
    );
    let _ = std::fs::remove_dir_all(&dir);
}
