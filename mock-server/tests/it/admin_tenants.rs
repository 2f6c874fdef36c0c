//! `/__admin/tenants`: summaries, data changes that bump versions, and simulated activity.

use serde_json::{Value, json};

use cerner_mock::admin_client::Change;

use crate::helpers::*;

#[tokio::test]
async fn the_sandbox_summary_shows_a_hundred_appointments_at_location_21503380() {
    let app = spawn_app().await;
    let detail = app.admin.tenant(SANDBOX).await.unwrap();
    let data = &detail.data;
    assert!(data.counts["Appointment"] >= 300);
    let rehab = data.locations.iter().find(|l| l.id == "21503380").unwrap();
    assert!(rehab.appointments >= 100, "{rehab:?}");
    assert!(data.practitioners.len() >= 3);
    let starts = data.appointment_starts.unwrap();
    assert!(starts.first <= time::macros::datetime!(2025-12-22 23:59:59 UTC), "{starts:?}");
    assert!(starts.last >= time::macros::datetime!(2026-02-01 00:00:00 UTC), "{starts:?}");
    assert_eq!(detail.info.fhir_base, format!("{}/dstu2/{SANDBOX}/", app.base));

    assert_eq!(app.admin.tenants().await.unwrap().len(), 4);
    let missing = app.admin.tenant("nope").await.unwrap_err();
    assert!(missing.to_string().contains("404"), "{missing}");
}

#[tokio::test]
async fn the_listing_names_every_base_and_each_answers_its_metadata() {
    let app = spawn_app().await;
    let info = app.admin.tenant(SANDBOX).await.unwrap().info;
    let bases = [
        (&info.fhir_base, format!("{}/dstu2/{SANDBOX}/", app.base), "1.0.2"),
        (&info.open_fhir_base, format!("{}/open/dstu2/{SANDBOX}/", app.base), "1.0.2"),
        (&info.r4_fhir_base, format!("{}/r4/{SANDBOX}/", app.base), "4.0.1"),
        (&info.open_r4_fhir_base, format!("{}/open/r4/{SANDBOX}/", app.base), "4.0.1"),
    ];
    for (listed, expected, fhir_version) in bases {
        assert_eq!(listed, &expected);
        let statement: Value = app.http.get(format!("{listed}metadata")).send().await.unwrap().json().await.unwrap();
        assert_eq!(statement["fhirVersion"], fhir_version, "{listed}");
    }
}

#[tokio::test]
async fn every_default_tenant_has_appointments_around_the_clocks_date() {
    let app = spawn_app().await;
    for tenant in [SANDBOX, SECOND, UNAPPROVED] {
        let counts = app.admin.tenant(tenant).await.unwrap().data.counts;
        assert!(counts["Appointment"] >= 100, "{tenant}");
        for kind in ["Patient", "Practitioner", "Schedule", "Slot", "Encounter"] {
            assert!(counts[kind] > 0, "{tenant} {kind}");
        }
    }
}

/// Raw JSON, for batches the typed client cannot express (bad ones).
async fn post_changes(app: &TestApp, changes: Value) -> reqwest::Response {
    let url = app.url(&format!("/__admin/tenants/{SANDBOX}/changes"));
    app.http.post(url).json(&json!({ "changes": changes })).send().await.unwrap()
}

#[tokio::test]
async fn changes_reschedule_cancel_and_add_with_new_versions() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let new = json!({
        "resourceType": "Appointment", "id": "99000001", "status": "booked",
        "start": "2026-01-06T09:00:00.000Z", "end": "2026-01-06T09:30:00.000Z",
        "participant": [{ "actor": { "reference": "Location/21503380" }, "status": "accepted" }]
    });
    let applied = app
        .admin
        .apply_changes(
            SANDBOX,
            &[
                Change::reschedule("4817508", "2026-01-07T10:00:00.000Z", "2026-01-07T11:00:00.000Z"),
                Change::cancel("4817508"),
                Change::add(new),
            ],
        )
        .await
        .unwrap();
    assert_eq!((applied[0].id.as_str(), applied[0].version_id.as_deref()), ("4817508", Some("3")));
    assert_eq!((applied[1].id.as_str(), applied[1].version_id.as_deref()), ("99000001", Some("0")));

    let read = app.fhir(&format!("/dstu2/{SANDBOX}/Appointment/4817508"), Some(&token)).await;
    assert_eq!(read.headers()["etag"], "W/\"3\"");
    let body: Value = read.json().await.unwrap();
    assert_eq!(
        (body["status"].as_str(), body["start"].as_str()),
        (Some("cancelled"), Some("2026-01-07T10:00:00.000Z"))
    );
    assert_eq!(body["meta"]["lastUpdated"], "2026-01-05T08:00:00.000Z");

    let moved = app.fhir(&format!("/dstu2/{SANDBOX}/Appointment?patient=12724066&date=2026-01-07"), Some(&token)).await;
    assert_eq!(entry_ids(&moved.json().await.unwrap(), "Appointment"), ["4817508"]);
    let old = app.fhir(&format!("/dstu2/{SANDBOX}/Appointment?patient=12724066&date=2020"), Some(&token)).await;
    assert!(entry_ids(&old.json().await.unwrap(), "Appointment").is_empty(), "the old start is no longer indexed");
    let added = app
        .fhir(&format!("/dstu2/{SANDBOX}/Appointment?location=21503380&date=2026-01-06T09:00:00Z"), Some(&token))
        .await;
    assert_eq!(entry_ids(&added.json().await.unwrap(), "Appointment"), ["99000001"]);
}

#[tokio::test]
async fn a_bad_batch_changes_nothing() {
    let app = spawn_app().await;
    let response = post_changes(
        &app,
        json!([
            { "op": "cancel", "id": "4817508" },
            { "op": "cancel", "id": "no-such-appointment" },
        ]),
    )
    .await;
    assert_eq!(response.status(), 400);
    assert!(response.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("no-such-appointment"));
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let read: Value =
        app.fhir(&format!("/dstu2/{SANDBOX}/Appointment/4817508"), Some(&token)).await.json().await.unwrap();
    assert_eq!(read["status"], "booked");
    for bad in [
        json!([{ "op": "explode" }]),
        json!([{ "op": "add", "resource": { "resourceType": "Organization", "id": "1" } }]),
        json!("x"),
    ] {
        assert_eq!(post_changes(&app, bad.clone()).await.status(), 400, "{bad}");
    }
}

#[tokio::test]
async fn simulated_days_change_future_appointments_deterministically() {
    let first = spawn_app().await;
    let second = spawn_app().await;
    let mut outcomes = Vec::new();
    for app in [&first, &second] {
        outcomes.push(app.admin.simulate(SANDBOX, 2, 9).await.unwrap());
    }
    assert_eq!(outcomes[0], outcomes[1], "same seed, same data, same changes");
    let applied = &outcomes[0];
    assert!(applied.len() >= 6, "{applied:?}");
    assert!(applied.iter().any(|c| c.version_id.as_deref() == Some("0")), "new appointments are added");
    assert!(applied.iter().any(|c| c.version_id.as_deref().is_some_and(|v| v != "0")), "existing ones change");
}

/// A 50-entry page is answered from the text written for it the first time while the data stands
/// still; a change to one of its appointments shows on the next answer, on both versions.
#[tokio::test]
async fn a_page_asked_again_answers_what_changed_in_between() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let search = "Appointment?location=21503380&date=ge2025-12-01&date=lt2026-03-01&_count=50";
    let (dstu2, r4) = (format!("/dstu2/{SANDBOX}/{search}"), format!("/r4/{SANDBOX}/{search}"));
    let entries = |bundle: &Value| bundle["entry"].clone();
    let first_dstu2: Value = app.fhir(&dstu2, Some(&token)).await.json().await.unwrap();
    let first_r4: Value = app.r4(&r4, Some(&token)).await.json().await.unwrap();
    assert_eq!(first_dstu2["entry"].as_array().unwrap().len(), 50);
    assert_ne!(entries(&first_dstu2), entries(&first_r4), "each version has its own page");
    let again_dstu2: Value = app.fhir(&dstu2, Some(&token)).await.json().await.unwrap();
    let again_r4: Value = app.r4(&r4, Some(&token)).await.json().await.unwrap();
    assert_eq!((entries(&again_dstu2), entries(&again_r4)), (entries(&first_dstu2), entries(&first_r4)));
    assert_ne!(again_dstu2["id"], first_dstu2["id"], "each answer is a new bundle");

    let booked = first_r4["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|a| a["status"] == "booked")
        .expect("a booked appointment on the page");
    let id = booked["id"].as_str().unwrap();
    app.admin.apply_changes(SANDBOX, &[Change::cancel(id)]).await.unwrap();
    for (bundle, first, version) in [
        (app.fhir(&dstu2, Some(&token)).await.json::<Value>().await.unwrap(), &first_dstu2, "DSTU2"),
        (app.r4(&r4, Some(&token)).await.json::<Value>().await.unwrap(), &first_r4, "R4"),
    ] {
        let cancelled = bundle["entry"].as_array().unwrap().iter().find(|e| e["resource"]["id"] == id);
        let cancelled = cancelled.unwrap_or_else(|| panic!("{version}: {id} left the page"));
        assert_eq!(cancelled["resource"]["status"], "cancelled", "{version}");
        assert_eq!(entry_ids(&bundle, "Appointment"), entry_ids(first, "Appointment"), "{version}");
    }
}
