//! `/__admin/tenants`: summaries, data changes that bump versions, and simulated activity.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn the_sandbox_summary_shows_a_hundred_appointments_at_location_21503380() {
    let app = spawn_app().await;
    let summary: Value = app.get(&format!("/__admin/tenants/{SANDBOX}"), None).await.json().await.unwrap();
    let data = &summary["data"];
    assert!(data["counts"]["Appointment"].as_u64().unwrap() >= 300);
    let rehab = data["locations"].as_array().unwrap().iter().find(|l| l["id"] == "21503380").unwrap();
    assert!(rehab["appointments"].as_u64().unwrap() >= 100, "{rehab}");
    assert!(data["practitioners"].as_array().unwrap().len() >= 3);
    let (first, last) =
        (data["appointment_starts"][0].as_str().unwrap(), data["appointment_starts"][1].as_str().unwrap());
    assert!(first <= "2025-12-22T23:59:59Z" && last >= "2026-02-01T00:00:00Z", "{first} .. {last}");
    assert_eq!(summary["fhir_base"], format!("{}/dstu2/{SANDBOX}/", app.base));

    let all: Value = app.get("/__admin/tenants", None).await.json().await.unwrap();
    assert_eq!(all["tenants"].as_array().unwrap().len(), 3);
    assert_eq!(app.get("/__admin/tenants/nope", None).await.status(), 404);
}

#[tokio::test]
async fn every_default_tenant_has_appointments_around_the_clocks_date() {
    let app = spawn_app().await;
    for tenant in [SANDBOX, SECOND, UNAPPROVED] {
        let summary: Value = app.get(&format!("/__admin/tenants/{tenant}"), None).await.json().await.unwrap();
        let data = &summary["data"];
        assert!(data["counts"]["Appointment"].as_u64().unwrap() >= 100, "{tenant}");
        for kind in ["Patient", "Practitioner", "Schedule", "Slot", "Encounter"] {
            assert!(data["counts"][kind].as_u64().unwrap() > 0, "{tenant} {kind}");
        }
    }
}

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
    let response = post_changes(&app, json!([
        { "op": "reschedule", "id": "4817508", "start": "2026-01-07T10:00:00.000Z", "end": "2026-01-07T11:00:00.000Z" },
        { "op": "cancel", "id": "4817508" },
        { "op": "add", "resource": new },
    ])).await;
    assert_eq!(response.status(), 200);
    let applied: Value = response.json().await.unwrap();
    assert_eq!(applied["applied"][0], json!({ "resourceType": "Appointment", "id": "4817508", "versionId": "3" }));

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
        json!([{ "op": "add", "resource": { "resourceType": "Location", "id": "1" } }]),
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
        let url = app.url(&format!("/__admin/tenants/{SANDBOX}/simulate"));
        let response = app.http.post(url).json(&json!({ "days": 2, "seed": 9 })).send().await.unwrap();
        assert_eq!(response.status(), 200);
        outcomes.push(response.json::<Value>().await.unwrap());
    }
    assert_eq!(outcomes[0], outcomes[1], "same seed, same data, same changes");
    let applied = outcomes[0]["applied"].as_array().unwrap();
    assert!(applied.len() >= 6, "{applied:?}");
    assert!(applied.iter().any(|c| c["versionId"] == "0"), "new appointments are added");
    assert!(applied.iter().any(|c| c["versionId"].as_str().is_some_and(|v| v != "0")), "existing ones change");
}
