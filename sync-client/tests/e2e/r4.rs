//! What R4 changes: the version read from each tenant's metadata, R4's media type and search, a
//! configuration that mixes DSTU2 and R4 tenants, the production tenant that only R4 serves, and
//! a tenant moved from its DSTU2 base to its R4 base.

use appointment_sync::fhir_version::FhirVersion;
use appointment_sync::tenant::Outcome;
use cerner_mock::store::LoadOptions;

use crate::helpers::*;

#[tokio::test]
async fn an_r4_tenant_is_searched_with_r4_media_type_and_parameters() {
    let env = emulator(LoadOptions::default()).await;
    let summary = env.sync_on(&[(SANDBOX, FhirVersion::R4)]).await;
    assert_eq!(summary.exit_code(), 0, "{summary:#?}");
    let journal = env.journal(SANDBOX).await;
    let metadata: Vec<_> = journal.iter().filter(|e| e.path.ends_with("/metadata")).collect();
    assert_eq!(metadata.len(), 1, "{journal:#?}");
    assert!(metadata[0].path.starts_with("/r4/"), "{:?}", metadata[0].path);
    let searches: Vec<_> = journal.iter().filter(|e| e.path.ends_with("/Appointment")).collect();
    assert!(searches.len() > 1, "more than one page: {}", searches.len());
    for search in &searches {
        assert_eq!(search.status, 200, "{search:?}");
        assert_eq!(search.accept.as_deref(), Some("application/fhir+json"), "{search:?}");
        assert!(search.path.starts_with(&format!("/r4/{SANDBOX}/")), "{search:?}");
    }
    let first = searches[0].query.as_deref().unwrap();
    assert!(first.contains("location=") && !first.contains("date="), "{first}");
    assert!(first.contains("-date-or-req-period=ge2025-12-22T00%3A00%3A00.000Z"), "{first}");
    assert!(first.contains("-date-or-req-period=lt2026-02-03T00%3A00%3A00.000Z"), "{first}");
    assert!(searches[1..].iter().all(|s| s.query.as_deref().unwrap_or("").contains("-pageContext=")));
    // The R4 searches found the proposed appointments R4's `date` would have left out.
    let store = env.store();
    let rows = store.appointments(Some(SANDBOX)).unwrap();
    assert!(rows.iter().any(|r| r.status == "proposed"), "no proposed appointment synced");
    assert_eq!(env.stored(SANDBOX), env.truth(SANDBOX));
}

#[tokio::test]
async fn a_configuration_may_mix_dstu2_and_r4_tenants_and_export_says_which_is_which() {
    let env = emulator(LoadOptions::default()).await;
    let summary = env.sync_on(&[(SANDBOX, FhirVersion::Dstu2), (SECOND, FhirVersion::R4)]).await;
    assert_eq!(summary.exit_code(), 0, "{summary:#?}");
    let version_of = |tenant: &str| summary.tenants.iter().find(|t| t.tenant == tenant).unwrap().fhir_version;
    assert_eq!((version_of(SANDBOX), version_of(SECOND)), (Some(FhirVersion::Dstu2), Some(FhirVersion::R4)));
    for tenant in [SANDBOX, SECOND] {
        assert_eq!(env.stored(tenant), env.truth(tenant), "{tenant}");
    }
    let second = env.journal(SECOND).await;
    assert!(second.iter().all(|e| !e.path.starts_with("/dstu2/")), "the R4 tenant never went to DSTU2");
    let sandbox = env.journal(SANDBOX).await;
    let dstu2_searches = sandbox.iter().filter(|e| e.path.ends_with("/Appointment"));
    assert!(dstu2_searches.clone().all(|e| e.accept.as_deref() == Some("application/json+fhir")));
    assert!(dstu2_searches.clone().next().unwrap().query.as_deref().unwrap().contains("date=ge2025-12-22&"));

    let mut out = Vec::new();
    appointment_sync::store::SyncStore::export_ndjson(&env.store(), &mut out).await.unwrap();
    let mut per_tenant = std::collections::BTreeMap::new();
    for line in String::from_utf8(out).unwrap().lines() {
        let line: serde_json::Value = serde_json::from_str(line).unwrap();
        let key = (line["tenant"].as_str().unwrap().to_owned(), line["fhir_version"].as_str().unwrap().to_owned());
        *per_tenant.entry(key).or_insert(0usize) += 1;
    }
    let expected: std::collections::BTreeMap<_, _> = [
        ((SANDBOX.to_owned(), "DSTU2".to_owned()), env.truth(SANDBOX).len()),
        ((SECOND.to_owned(), "R4".to_owned()), env.truth(SECOND).len()),
    ]
    .into();
    assert_eq!(per_tenant, expected);
}

/// The production tenant refuses system accounts on DSTU2 and serves them on R4.
#[tokio::test]
async fn the_production_tenant_is_rejected_on_dstu2_and_synced_on_r4() {
    let env = emulator(LoadOptions::default()).await;
    let on_dstu2 = env.sync_on(&[(PRODUCTION, FhirVersion::Dstu2)]).await;
    assert_eq!(on_dstu2.exit_code(), 1);
    assert!(matches!(on_dstu2.tenants[0].outcome, Outcome::Rejected { .. }), "{on_dstu2:#?}");
    assert!(env.stored(PRODUCTION).is_empty());

    let on_r4 = env.sync_on(&[(PRODUCTION, FhirVersion::R4)]).await;
    assert_eq!(on_r4.exit_code(), 0, "{on_r4:#?}");
    let truth = env.truth(PRODUCTION);
    assert!(!truth.is_empty());
    assert_eq!(env.stored(PRODUCTION), truth);
}

/// One row per (tenant, id) whatever the version: a tenant moved to its R4 base has its rows
/// replaced by the R4 resources (same ids and versions), none duplicated, and moving back works.
#[tokio::test]
async fn a_tenant_moved_from_dstu2_to_r4_keeps_one_row_per_appointment() {
    let env = emulator(LoadOptions::default()).await;
    assert_eq!(env.sync_on(&[(SANDBOX, FhirVersion::Dstu2)]).await.exit_code(), 0);
    let before = env.stored(SANDBOX);
    let dstu2_raw: Vec<String> = env.store().appointments(Some(SANDBOX)).unwrap().into_iter().map(|r| r.raw).collect();
    let moved = env.sync_on(&[(SANDBOX, FhirVersion::R4)]).await;
    assert_eq!(moved.exit_code(), 0, "{moved:#?}");
    let report = &moved.tenants[0];
    assert_eq!((report.inserted, report.updated, report.vanished), (0, before.len() as u64, 0), "{report:?}");
    assert_eq!(env.stored(SANDBOX), before, "same ids and versions, no duplicates");
    let rows = env.store().appointments(Some(SANDBOX)).unwrap();
    assert!(rows.iter().all(|r| r.fhir_version == FhirVersion::R4));
    let r4_raw: Vec<&str> = rows.iter().map(|r| r.raw.as_str()).collect();
    assert_eq!(r4_raw.len(), dstu2_raw.len());
    assert!(r4_raw.iter().zip(&dstu2_raw).all(|(r4, dstu2)| r4 != dstu2), "every row now holds the R4 rendering");
    let again = env.sync_on(&[(SANDBOX, FhirVersion::R4)]).await;
    assert_eq!((again.tenants[0].inserted, again.tenants[0].updated), (0, 0), "{:?}", again.tenants[0]);
}
