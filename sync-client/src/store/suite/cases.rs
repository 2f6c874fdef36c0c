//! The cases of the store suite, each an `async fn` over any [`SyncStore`].

use std::sync::Arc;

use super::{IN_WINDOW, T1, T2, record};
use time::macros::datetime;

use crate::store::{OutcomeKind, PageOutcome, RunId, StoreError, SyncStore, TenantState, Window, compare_versions};

pub(crate) async fn a_page_counts_inserted_updated_and_unchanged_records(store: impl SyncStore) {
    let run = store.begin_run(datetime!(2026-11-28 00:00:00 UTC)).await.unwrap();
    let first = [record("a", "1", IN_WINDOW), record("b", "1", IN_WINDOW), record("c", "1", IN_WINDOW)];
    let (outcome, rows) = store.save_page(run, T1, &first).await.unwrap();
    assert_eq!(outcome, PageOutcome { inserted: 3, updated: 0, unchanged: 0 });
    assert_eq!(rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["a", "b", "c"]);

    let mut b_new_raw = record("b", "1", IN_WINDOW);
    b_new_raw.raw = r#"{"changed":true}"#.into();
    let second = [record("a", "2", IN_WINDOW), b_new_raw, record("c", "0", IN_WINDOW), record("d", "5", None)];
    let (outcome, rows) = store.save_page(run, T1, &second).await.unwrap();
    assert_eq!(outcome, PageOutcome { inserted: 1, updated: 1, unchanged: 2 });
    assert_eq!(rows[0].version_id, "2");
    assert_eq!(rows[1].raw, record("b", "1", None).raw, "an equal version keeps the stored raw");
    assert_eq!(rows[2].version_id, "1", "older version leaves the stored row");
    assert_eq!(store.count(Some(T1)).await.unwrap(), 4);
}

pub(crate) async fn an_older_version_never_overwrites_a_newer_one_compared_numerically(store: impl SyncStore) {
    let run = store.begin_run(datetime!(2026-11-28 00:00:00 UTC)).await.unwrap();
    store.save_page(run, T1, &[record("a", "10", IN_WINDOW)]).await.unwrap();
    let (outcome, rows) = store.save_page(run, T1, &[record("a", "9", IN_WINDOW)]).await.unwrap();
    assert_eq!(outcome.unchanged, 1);
    assert_eq!(rows[0].version_id, "10");
    let (outcome, _) = store.save_page(run, T1, &[record("a", "11", IN_WINDOW)]).await.unwrap();
    assert_eq!(outcome.updated, 1);
    assert_eq!(store.appointments(None).await.unwrap()[0].version_id, "11");
    assert_eq!(compare_versions("b", "a"), std::cmp::Ordering::Greater, "non-numeric falls back to text");
}

pub(crate) async fn an_id_repeated_within_a_page_reports_the_newest_row_for_both(store: impl SyncStore) {
    let run = store.begin_run(datetime!(2026-11-28 00:00:00 UTC)).await.unwrap();
    let page = [record("a", "3", IN_WINDOW), record("b", "1", None), record("a", "4", IN_WINDOW)];
    let (outcome, rows) = store.save_page(run, T1, &page).await.unwrap();
    assert_eq!(outcome, PageOutcome { inserted: 2, updated: 1, unchanged: 0 });
    assert_eq!((rows[0].version_id.as_str(), rows[2].version_id.as_str()), ("4", "4"));
    assert_eq!(store.appointments(Some(T1)).await.unwrap().len(), 2);
}

pub(crate) async fn an_update_then_an_older_copy_within_a_page_keeps_the_update(store: impl SyncStore) {
    let run = store.begin_run(datetime!(2026-11-28 00:00:00 UTC)).await.unwrap();
    store.save_page(run, T1, &[record("a", "2", IN_WINDOW)]).await.unwrap();
    let page = [record("a", "1", IN_WINDOW), record("a", "5", IN_WINDOW), record("a", "3", IN_WINDOW)];
    let (outcome, rows) = store.save_page(run, T1, &page).await.unwrap();
    assert_eq!(outcome, PageOutcome { inserted: 0, updated: 1, unchanged: 2 });
    assert!(rows.iter().all(|r| r.version_id == "5"), "{rows:?}");
    assert_eq!(store.appointments(Some(T1)).await.unwrap()[0].raw, record("a", "5", None).raw);
}

pub(crate) async fn the_same_id_in_two_tenants_is_two_rows(store: impl SyncStore) {
    let run = store.begin_run(datetime!(2026-11-28 00:00:00 UTC)).await.unwrap();
    store.save_page(run, T1, &[record("4817", "1", IN_WINDOW)]).await.unwrap();
    let (outcome, _) = store.save_page(run, T2, &[record("4817", "0", IN_WINDOW)]).await.unwrap();
    assert_eq!(outcome.inserted, 1);
    let rows = store.appointments(None).await.unwrap();
    assert_eq!(rows.len(), 2);
    let tenants: Vec<_> = rows.iter().map(|r| (r.tenant.as_str(), r.version_id.as_str())).collect();
    assert!(tenants.contains(&(T1, "1")) && tenants.contains(&(T2, "0")));
    assert_eq!((store.count(Some(T1)).await.unwrap(), store.count(Some(T2)).await.unwrap()), (1, 1));
}

pub(crate) async fn a_page_that_fails_midway_stores_nothing_of_that_page(store: impl SyncStore) {
    let run1 = store.begin_run(datetime!(2026-11-28 00:00:00 UTC)).await.unwrap();
    store.save_page(run1, T1, &[record("x", "1", IN_WINDOW)]).await.unwrap();
    let before = store.appointments(None).await.unwrap();

    let run2 = store.begin_run(datetime!(2026-11-29 00:00:00 UTC)).await.unwrap();
    // An empty id breaks the CHECK constraint; "a" would be inserted and "x" updated.
    let page =
        [record("a", "1", IN_WINDOW), record("x", "2", IN_WINDOW), record("", "1", None), record("d", "1", None)];
    let err = store.save_page(run2, T1, &page).await.unwrap_err();
    assert!(matches!(err, StoreError::Sqlite(_) | StoreError::Postgres(_)), "{err}");
    assert_eq!(store.appointments(None).await.unwrap(), before, "the page was rolled back as a whole");
    let marked = store
        .mark_vanished(run1, T1, &Window::new("2026-11-28", "2026-12-05").unwrap(), datetime!(2026-11-29 00:00:00 UTC))
        .await
        .unwrap();
    assert_eq!(marked, 0, "x still seen by run1");

    let (outcome, _) = store.save_page(run2, T1, &page[..2]).await.unwrap();
    assert_eq!(outcome, PageOutcome { inserted: 1, updated: 1, unchanged: 0 }, "the store is usable after a failure");
}

pub(crate) async fn a_page_for_an_unknown_run_is_refused(store: impl SyncStore) {
    assert!(store.save_page(RunId(42), T1, &[record("a", "1", None)]).await.is_err());
    assert_eq!(store.count(None).await.unwrap(), 0);
    assert!(matches!(
        store.finish_run(RunId(42), datetime!(2026-11-28 00:01:00 UTC), "{}").await,
        Err(StoreError::UnknownRun(42))
    ));
    let run = store.begin_run(datetime!(2026-11-28 00:00:00 UTC)).await.unwrap();
    store.finish_run(run, datetime!(2026-11-28 00:01:00 UTC), r#"{"ok":true}"#).await.unwrap();
}

pub(crate) async fn mark_vanished_marks_only_unseen_rows_in_the_window_and_a_later_sighting_clears_it(
    store: impl SyncStore,
) {
    let run1 = store.begin_run(datetime!(2026-11-28 00:00:00 UTC)).await.unwrap();
    let page = [
        record("seen", "1", IN_WINDOW),
        record("gone", "1", Some("2026-12-04T23:59:59Z")),
        record("later", "1", Some("2026-12-10T09:00:00Z")),
        record("undated", "1", None),
        // 2026-12-05T04:30Z and 2026-11-27T23:00Z in UTC: outside the window despite their local dates.
        record("late-offset", "1", Some("2026-12-04T23:30:00-05:00")),
        record("early-offset", "1", Some("2026-11-28T01:00:00+02:00")),
        // 2026-11-28T01:00Z and 2026-12-04T20:00Z in UTC: inside the window despite their local dates.
        record("gone-west", "1", Some("2026-11-27T20:00:00-05:00")),
        record("gone-east", "1", Some("2026-12-05T10:00:00+14:00")),
    ];
    store.save_page(run1, T1, &page).await.unwrap();
    store.save_page(run1, T2, &[record("gone", "1", IN_WINDOW)]).await.unwrap();

    let run2 = store.begin_run(datetime!(2026-11-29 00:00:00 UTC)).await.unwrap();
    store.save_page(run2, T1, &[record("seen", "1", IN_WINDOW)]).await.unwrap();
    let window = ("2026-11-28", "2026-12-05");
    assert_eq!(
        store
            .mark_vanished(run2, T1, &Window::new(window.0, window.1).unwrap(), datetime!(2026-11-29 00:05:00 UTC))
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        store
            .mark_vanished(run2, T1, &Window::new(window.0, window.1).unwrap(), datetime!(2026-11-29 00:09:00 UTC))
            .await
            .unwrap(),
        0
    );
    let vanished: Vec<_> = store
        .appointments(None)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| r.vanished_at.map(|at| (r.tenant, r.id, at)))
        .collect();
    let at = "2026-11-29T00:05:00Z".to_string();
    let expected = ["gone-west", "gone-east", "gone"].map(|id| (T1.to_string(), id.to_string(), at.clone()));
    assert_eq!(vanished, expected, "ordered by UTC start; the second call kept the first time");

    let run3 = store.begin_run(datetime!(2026-11-30 00:00:00 UTC)).await.unwrap();
    let (_, rows) = store.save_page(run3, T1, &[record("gone", "1", Some("2026-12-04T23:59:59Z"))]).await.unwrap();
    assert_eq!(rows[0].vanished_at, None);
    let still_vanished: Vec<_> =
        store.appointments(None).await.unwrap().into_iter().filter(|r| r.vanished_at.is_some()).map(|r| r.id).collect();
    assert_eq!(still_vanished, ["gone-west", "gone-east"]);
}

pub(crate) async fn tenant_state_round_trips_and_is_replaced_as_a_whole(store: impl SyncStore) {
    assert_eq!(store.tenant_state(T1).await.unwrap(), None);
    let deferred = TenantState {
        last_success: Some(datetime!(2026-11-27 00:10:00 UTC)),
        deferred_until: Some(datetime!(2026-11-28 03:00:00.123_456_789 UTC)),
        last_outcome: Some(OutcomeKind::Deferred),
        message: Some("Retry-After 7200 s exceeds the 600 s maximum".into()),
    };
    store.set_tenant_state(T1, &deferred).await.unwrap();
    assert_eq!(store.tenant_state(T1).await.unwrap(), Some(deferred));
    let synced = TenantState {
        last_success: Some(datetime!(2026-11-29 00:10:00 UTC)),
        last_outcome: Some(OutcomeKind::Synced),
        ..TenantState::default()
    };
    store.set_tenant_state(T1, &synced).await.unwrap();
    assert_eq!(store.tenant_state(T1).await.unwrap(), Some(synced));
    assert_eq!(store.tenant_state(T2).await.unwrap(), None);
}

pub(crate) async fn export_ndjson_writes_one_parsable_line_per_appointment(store: impl SyncStore) {
    let run = store.begin_run(datetime!(2026-11-28 00:00:00 UTC)).await.unwrap();
    let mut pretty = record("b", "1", Some("2026-12-01T08:00:00Z"));
    pretty.raw = "{\n  \"resourceType\": \"Appointment\",\n  \"id\": \"b\"\n}".into();
    store.save_page(run, T1, &[record("a", "1", IN_WINDOW), pretty.clone(), record("z", "1", None)]).await.unwrap();
    store.save_page(run, T2, &[record("a", "3", IN_WINDOW)]).await.unwrap();
    let run2 = store.begin_run(datetime!(2026-11-29 00:00:00 UTC)).await.unwrap();
    store
        .mark_vanished(run2, T2, &Window::new("2026-11-28", "2026-12-05").unwrap(), datetime!(2026-11-29 00:05:00 UTC))
        .await
        .unwrap();

    let mut out = Vec::new();
    assert_eq!(store.export_ndjson(&mut out).await.unwrap(), 4);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let stored = store.appointments(None).await.unwrap();
    assert_eq!(lines.len(), stored.len());
    for (line, row) in lines.iter().zip(&stored) {
        assert_eq!(line["tenant"], row.tenant.as_str());
        assert_eq!(line["fhir_version"], row.fhir_version.name());
        assert_eq!(line["resource"], serde_json::from_str::<serde_json::Value>(&row.raw).unwrap());
        assert_eq!(line.get("vanished_at").and_then(|v| v.as_str()), row.vanished_at.as_deref());
    }
    assert_eq!(stored.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["a", "z", "a", "b"], "tenant, start, id");
    assert!(
        text.contains(&format!(
            r#"{{"tenant":"{T1}","fhir_version":"DSTU2","resource":{}}}"#,
            record("a", "1", None).raw
        )),
        "raw kept verbatim"
    );
}

pub(crate) async fn export_ndjson_reports_a_raw_resource_that_is_not_json(store: impl SyncStore) {
    let run = store.begin_run(datetime!(2026-11-28 00:00:00 UTC)).await.unwrap();
    let mut broken = record("a", "1", None);
    broken.raw = "{not json".into();
    store.save_page(run, T1, &[broken]).await.unwrap();
    let err = store.export_ndjson(&mut Vec::new()).await.unwrap_err();
    assert!(err.to_string().starts_with(&format!("stored appointment {T1}/a holds a raw resource")), "{err}");
}

/// Pages of one tenant saved at once from several tasks (as two processes might) never leave two
/// rows for an id, and the highest version wins.
pub(crate) async fn concurrent_pages_of_one_tenant_keep_one_row_per_id(store: impl SyncStore) {
    let store = Arc::new(store);
    let run = store.begin_run(datetime!(2026-11-28 00:00:00 UTC)).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for writer in 0..4u32 {
        let store = store.clone();
        tasks.spawn(async move {
            for round in 0..5u32 {
                let version = (writer * 5 + round).to_string();
                let page: Vec<_> = (0..20).map(|n| record(&format!("id-{n}"), &version, IN_WINDOW)).collect();
                store.save_page(run, T1, &page).await.unwrap();
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let rows = store.appointments(Some(T1)).await.unwrap();
    assert_eq!(rows.len(), 20);
    assert!(rows.iter().all(|r| r.version_id == "19"), "the highest version of every id is stored");
}

/// One row per (tenant, id) whatever the FHIR version: the same `versionId` in another version
/// replaces the row (the tenant now speaks that version), an older one never does, and the row
/// and its export say which version it is in.
pub(crate) async fn a_record_in_another_fhir_version_replaces_the_same_version_only_when_not_older(
    store: impl SyncStore,
) {
    use crate::fhir_version::FhirVersion;
    let in_r4 = |id: &str, version: &str| {
        let mut r = record(id, version, IN_WINDOW);
        r.fhir_version = FhirVersion::R4;
        r.raw = r.raw.replace("Appointment", "Appointment-R4");
        r
    };
    let run = store.begin_run(datetime!(2026-11-28 00:00:00 UTC)).await.unwrap();
    store.save_page(run, T1, &[record("a", "2", IN_WINDOW), record("b", "2", IN_WINDOW)]).await.unwrap();
    let (outcome, rows) = store.save_page(run, T1, &[in_r4("a", "2"), in_r4("b", "1")]).await.unwrap();
    assert_eq!((outcome.inserted, outcome.updated, outcome.unchanged), (0, 1, 1));
    assert_eq!(rows.iter().map(|r| r.fhir_version).collect::<Vec<_>>(), [FhirVersion::R4, FhirVersion::Dstu2]);
    let (again, _) = store.save_page(run, T1, &[in_r4("a", "2")]).await.unwrap();
    assert_eq!((again.updated, again.unchanged), (0, 1), "the same version in the same FHIR version is unchanged");
    let stored = store.appointments(Some(T1)).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!((stored[0].fhir_version, stored[0].raw.contains("Appointment-R4")), (FhirVersion::R4, true));
    assert_eq!(stored[1].fhir_version, FhirVersion::Dstu2);
    let mut out = Vec::new();
    store.export_ndjson(&mut out).await.unwrap();
    let versions: Vec<String> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["fhir_version"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(versions, ["R4", "DSTU2"]);
}
