//! R4 Appointment behaviours of its own. The native `checked-in` status (fhir.cerner.com Millennium
//! R4 Appointment: "R4 exposes a native checked-in status, which allows for an appointment to
//! transition from the `booked` state to the `checked-in` state. This is a change from the DSTU2
//! functionality."): in the data, settable through the admin API, searchable on R4, and answered
//! as `arrived` on DSTU2, which has no such code. And proposed appointments found by their
//! requested period.

use cerner_mock::store::Change;
use serde_json::Value;

use crate::helpers::*;

const R4_SCOPES: &str = "system/Appointment.read";

async fn status(app: &TestApp, path: &str, token: &str) -> String {
    let response = app.fhir(path, Some(token)).await;
    assert_eq!(response.status(), 200, "{path}");
    let body: Value = response.json().await.unwrap();
    body["status"].as_str().unwrap_or_default().to_owned()
}

async fn bundle_ids(app: &TestApp, path: &str, token: &str) -> Result<Vec<String>, u16> {
    let response = app.fhir(path, Some(token)).await;
    if response.status() != 200 {
        return Err(response.status().as_u16());
    }
    let body: Value = response.json().await.unwrap();
    let entries = body["entry"].as_array().cloned().unwrap_or_default();
    Ok(entries.iter().filter_map(|e| e["resource"]["id"].as_str().map(str::to_owned)).collect())
}

#[tokio::test]
async fn a_checked_in_appointment_is_checked_in_on_r4_and_arrived_on_dstu2() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, R4_SCOPES).await;
    let applied = app.admin.apply_changes(SANDBOX, &[Change::set_status("4817508", "checked-in")]).await.unwrap();
    assert_eq!(applied.len(), 1);
    assert_eq!(status(&app, &format!("/r4/{SANDBOX}/Appointment/4817508"), &token).await, "checked-in");
    assert_eq!(status(&app, &format!("/dstu2/{SANDBOX}/Appointment/4817508"), &token).await, "arrived");
    let window = "patient=12724066&date=ge2020-10-06T00:00:00.000Z&date=lt2020-10-07T00:00:00.000Z";
    let r4 = bundle_ids(&app, &format!("/r4/{SANDBOX}/Appointment?{window}&status=checked-in"), &token).await;
    assert_eq!(r4, Ok(vec!["4817508".to_owned()]));
    let dstu2 = bundle_ids(&app, &format!("/dstu2/{SANDBOX}/Appointment?{window}&status=arrived"), &token).await;
    assert_eq!(dstu2, Ok(vec!["4817508".to_owned()]), "DSTU2's arrived finds it");
    let dstu2 = bundle_ids(&app, &format!("/dstu2/{SANDBOX}/Appointment?{window}&status=checked-in"), &token).await;
    assert_eq!(dstu2, Err(400), "checked-in is no DSTU2 status");
}

#[tokio::test]
async fn the_generated_data_holds_checked_in_appointments_that_dstu2_answers_as_arrived() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, R4_SCOPES).await;
    let from = (app.clock.now() - time::Duration::days(15)).date();
    let to = app.clock.now().date();
    let window = format!(
        "location=21503380,21304876,32216049,32216052&date=ge{from}T00:00:00Z&date=lt{to}T00:00:00Z&_count=200"
    );
    let r4 = bundle_ids(&app, &format!("/r4/{SANDBOX}/Appointment?{window}&status=checked-in"), &token).await.unwrap();
    assert!(!r4.is_empty(), "some past appointments checked in");
    for id in r4.iter().take(3) {
        assert_eq!(status(&app, &format!("/dstu2/{SANDBOX}/Appointment/{id}"), &token).await, "arrived");
    }
    let dstu2 = app.fhir(&format!("/dstu2/{SANDBOX}/Appointment?{window}"), Some(&token)).await.text().await.unwrap();
    assert!(!dstu2.contains("\"status\":\"checked-in\""), "no DSTU2 page carries the R4-only code");
    assert!(r4.iter().all(|id| dstu2.contains(&format!("\"id\":\"{id}\""))), "DSTU2 serves them too");
}

/// fhir.cerner.com Millennium R4 Appointment: "Search by `-date-or-req-period` returns the same
/// appointments as the `date` parameter, but also returns appointments with a status of
/// `proposed` that either are requested to start or end between the dates provided."
#[tokio::test]
async fn a_proposed_appointment_with_only_a_requested_period_is_found_by_it() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, R4_SCOPES).await;
    let proposed = serde_json::json!({
        "resourceType": "Appointment", "id": "990001", "status": "proposed",
        "requestedPeriod": [{ "start": "2026-02-02T09:00:00.000Z", "end": "2026-02-02T09:30:00.000Z" }],
        "participant": [
            { "actor": { "reference": "Patient/12724066" }, "status": "needs-action" },
            { "actor": { "reference": "Location/21503380" }, "status": "needs-action" }
        ]
    });
    app.admin.apply_changes(SANDBOX, &[Change::add(proposed)]).await.unwrap();
    let range = |name: &str| format!("{name}=ge2026-02-02T00:00:00.000Z&{name}=lt2026-02-03T00:00:00.000Z");
    let requested = format!("/r4/{SANDBOX}/Appointment?patient=12724066&{}", range("-date-or-req-period"));
    assert_eq!(bundle_ids(&app, &requested, &token).await, Ok(vec!["990001".to_owned()]));
    let by_date = format!("/r4/{SANDBOX}/Appointment?patient=12724066&{}", range("date"));
    assert_eq!(bundle_ids(&app, &by_date, &token).await, Ok(vec![]), "date leaves proposed ones out");
}
