//! The R4 Appointment's own fields (fhir.cerner.com Millennium R4 Appointment: "The following fields
//! are returned if valued: … Cancelation Reason … Slot … Extensions including … is-cancelable,
//! is-reschedulable"; `r4_examples_appointment.rb`, whose cancelled appointment carries
//! `is-cancelable`/`is-reschedulable` false and a `cancelationReason` in code set 14229). DSTU2
//! has none of them.

use cerner_mock::admin_client::Change;
use serde_json::{Value, json};

use crate::assert_envelope;
use crate::helpers::*;

async fn read(app: &TestApp, token: &str, version: &str, id: &str) -> Value {
    let response = app.fhir(&format!("/{version}/{SANDBOX}/Appointment/{id}"), Some(token)).await;
    assert_eq!(response.status(), 200, "{version} {id}");
    response.json().await.unwrap()
}

fn flags(appointment: &Value) -> Vec<(String, bool)> {
    let extensions = appointment["extension"].as_array().into_iter().flatten();
    extensions
        .filter_map(|e| {
            let name = e["url"].as_str()?.strip_prefix("https://fhir-ehr.cerner.com/r4/StructureDefinition/")?;
            Some((name.to_owned(), e["valueBoolean"].as_bool()?))
        })
        .collect()
}

#[tokio::test]
async fn a_cancelled_r4_appointment_has_a_reason_and_can_be_neither_cancelled_nor_rescheduled() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let booked = read(&app, &token, "r4", "4817508").await;
    let yes = vec![("is-cancelable".to_owned(), true), ("is-reschedulable".to_owned(), true)];
    assert_eq!(flags(&booked), yes, "a booked appointment");
    assert!(booked.get("cancelationReason").is_none());
    app.admin.apply_changes(SANDBOX, &[Change::cancel("4817508")]).await.unwrap();
    let cancelled = read(&app, &token, "r4", "4817508").await;
    let no = vec![("is-cancelable".to_owned(), false), ("is-reschedulable".to_owned(), false)];
    assert_eq!(flags(&cancelled), no);
    let system = format!("https://fhir.cerner.com/{SANDBOX}/codeSet/14229");
    assert_eq!(
        cancelled["cancelationReason"],
        json!({ "coding": [{ "system": system, "code": "0", "userSelected": true }] })
    );
    let dstu2 = read(&app, &token, "dstu2", "4817508").await;
    assert!(dstu2.get("cancelationReason").is_none() && dstu2.get("extension").is_none(), "DSTU2 has neither");
    let env = app.envelope(app.fhir(&format!("/r4/{SANDBOX}/Appointment/4817508"), Some(&token)).await).await;
    assert_envelope!("r4_cancelled_appointment", env);
}

/// Generated appointments of every status carry the flags; cancelled ones their reason.
#[tokio::test]
async fn every_generated_r4_appointment_carries_the_flags_of_its_status() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let path = format!("/r4/{SANDBOX}/Appointment?location=21503380&date=ge2025-01-01&_count=200");
    let bundle: Value = app.fhir(&path, Some(&token)).await.json().await.unwrap();
    let mut statuses = std::collections::BTreeSet::new();
    for entry in bundle["entry"].as_array().unwrap() {
        let appointment = &entry["resource"];
        let status = appointment["status"].as_str().unwrap();
        statuses.insert(status.to_owned());
        let cancelable = matches!(status, "proposed" | "booked" | "arrived" | "checked-in");
        let expected =
            vec![("is-cancelable".to_owned(), cancelable), ("is-reschedulable".to_owned(), status == "booked")];
        assert_eq!(flags(appointment), expected, "{status}");
        assert_eq!(appointment.get("cancelationReason").is_some(), status == "cancelled", "{status}");
    }
    assert!(statuses.contains("booked") && statuses.contains("cancelled"), "{statuses:?}");
}

/// "Slot … returned if valued": an appointment booked from a slot names it, on both versions.
#[tokio::test]
async fn an_appointment_booked_from_a_slot_names_it() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let slot = json!([{ "reference": "Slot/24477854-21304876-62852027-0" }]);
    let booked = json!({
        "resourceType": "Appointment", "id": "99000002", "status": "booked", "slot": slot,
        "start": "2026-01-06T09:00:00.000Z", "end": "2026-01-06T09:30:00.000Z",
        "participant": [{ "actor": { "reference": "Patient/12724066" }, "status": "accepted" }]
    });
    app.admin.apply_changes(SANDBOX, &[Change::add(booked)]).await.unwrap();
    assert_eq!(read(&app, &token, "r4", "99000002").await["slot"], slot);
    assert_eq!(read(&app, &token, "dstu2", "99000002").await["slot"], slot);
}
