//! Search rules of the resource pages of fhir.cerner.com that need more than one parameter or
//! scope: Slot `_include` scopes, Slot types and order, Patient `:exact` and birth date ranges.

use serde_json::Value;

use crate::assert_envelope;
use crate::helpers::*;

const SLOT_TYPE: &str = "https://fhir.cerner.com/ec2458f2-1e24-41c8-b71b-0e701af7583d/codeSet/14249%7C24477854";

async fn search(app: &TestApp, token: &str, query: &str) -> Value {
    app.envelope(app.fhir(&format!("/dstu2/{SANDBOX}/{query}"), Some(token)).await).await
}

/// Slot: "When `_include` is provided in a request to the closed endpoint, the OAuth2 token must
/// include [a] Schedule.read scope in addition to a Slot scope."
#[tokio::test]
async fn slot_include_schedule_on_the_secured_endpoint_needs_a_schedule_scope() {
    let app = spawn_app().await;
    let query = format!("Slot?slot-type={SLOT_TYPE}&schedule.actor=Practitioner/593923&start=2020");
    let slot_only = app.token(SANDBOX, "system/Slot.read").await;
    assert_eq!(search(&app, &slot_only, &query).await["status"], 200, "without _include the Slot scope is enough");
    let env = search(&app, &slot_only, &format!("{query}&_include=Slot:schedule")).await;
    assert_eq!(env["status"], 403);
    assert!(env["headers"]["www-authenticate"].as_str().unwrap().contains("insufficient_scope"), "{env:#}");
    assert_envelope!("slot_include_without_schedule_scope", env);

    let both = app.token(SANDBOX, "system/Slot.read system/Schedule.read").await;
    let env = search(&app, &both, &format!("{query}&_include=Slot:schedule")).await;
    assert_eq!(env["status"], 200);
    assert_eq!(entry_ids(&env["body"], "Schedule").len(), 3);
    let open = app.fhir(&format!("/open/dstu2/{SANDBOX}/{query}&_include=Slot:schedule"), None).await;
    assert_eq!(open.status(), 200, "the open endpoint has no scopes");
}

/// A free slot at 2031-03-03 09:00 of a type (text) and at a location (display).
fn slot(id: &str, code: &str, type_text: &str, location: &str) -> cerner_mock::admin_client::Change {
    cerner_mock::admin_client::Change::add(serde_json::json!({
        "resourceType": "Slot", "id": id,
        "extension": [{ "url": "https://fhir-ehr.cerner.com/dstu2/StructureDefinition/scheduling-location",
                        "valueReference": { "reference": "Location/21304876", "display": location } }],
        "type": { "coding": [{ "system": "https://fhir.cerner.com/ec2458f2-1e24-41c8-b71b-0e701af7583d/codeSet/14249", "code": code }],
                  "text": type_text },
        "schedule": { "reference": "Schedule/24477854-21304876-62852027-0" },
        "freeBusyType": "free", "start": "2031-03-03T09:00:00.000Z", "end": "2031-03-03T09:15:00.000Z"
    }))
}

/// Slot: "sorted first by start date-time ascending, followed by slot-type and Scheduling Location
/// display", on one page and across pages.
#[tokio::test]
async fn slots_that_start_together_are_ordered_by_type_then_location_display() {
    let app = spawn_app().await;
    let changes = [
        slot("tie-4", "2", "Zeta visit", "A clinic"),
        slot("tie-3", "1", "Alpha visit", "C clinic"),
        slot("tie-1", "1", "Alpha visit", "A clinic"),
        slot("tie-2", "1", "Alpha visit", "B clinic"),
    ];
    app.admin.apply_changes(SANDBOX, &changes).await.unwrap();
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let system = "https://fhir.cerner.com/ec2458f2-1e24-41c8-b71b-0e701af7583d/codeSet/14249";
    let query = format!("Slot?slot-type={system}%7C1,{system}%7C2&start=2031-03-03");
    let env = search(&app, &token, &query).await;
    assert_eq!(entry_ids(&env["body"], "Slot"), ["tie-1", "tie-2", "tie-3", "tie-4"]);

    let mut paged = Vec::new();
    let first = app.fhir(&format!("/dstu2/{SANDBOX}/{query}&_count=1"), Some(&token)).await;
    let mut page: Value = first.json().await.unwrap();
    loop {
        paged.extend(entry_ids(&page, "Slot"));
        let Some(next) = link(&page, "next") else { break };
        assert!(paged.len() < 10, "the pages end");
        page = app.follow(next, &token).await;
    }
    assert_eq!(paged, ["tie-1", "tie-2", "tie-3", "tie-4"], "every slot once, in order, across pages");
}

#[tokio::test]
async fn slot_types_mixing_standard_and_proprietary_codes_are_refused() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let env =
        search(&app, &token, &format!("Slot?slot-type={SLOT_TYPE},http://snomed.info/sct%7C394581000&start=2020"))
            .await;
    assert_eq!(env["status"], 400);
    assert_envelope!("slot_types_mixed", env);
}

/// Patient ids a search finds among the documented patients (family SMART).
async fn patients(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let env = search(app, token, &format!("Patient?{query}")).await;
    assert_eq!(env["status"], 200, "{query}: {env:#}");
    let mut ids = entry_ids(&env["body"], "Patient");
    ids.retain(|id| id.starts_with("127"));
    ids
}

/// Patient: "`name`, `family`, and `given` … support the `:exact` modifier"; so does
/// `address-postalcode`.
#[tokio::test]
async fn patient_string_parameters_take_the_exact_modifier() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    assert_eq!(patients(&app, &token, "family=smar").await, ["12724066", "12724067"], "a prefix, any case");
    assert!(patients(&app, &token, "family:exact=SMAR").await.is_empty(), "exact: not a prefix");
    assert!(patients(&app, &token, "family:exact=smart").await.is_empty(), "exact: case counts");
    assert_eq!(patients(&app, &token, "family:exact=SMART").await, ["12724066", "12724067"]);
    assert_eq!(patients(&app, &token, "given:exact=JOE").await, ["12724067"]);
    assert_eq!(patients(&app, &token, "name:exact=NANCY").await, ["12724066"]);
    assert_eq!(patients(&app, &token, "family=SMART&address-postalcode:exact=64116").await.len(), 2);
    assert!(patients(&app, &token, "family=SMART&address-postalcode:exact=6411").await.is_empty());
    let env = search(&app, &token, "Patient?family=SMART&family:exact=SMART").await;
    assert_eq!(env["status"], 400, "the parameter once, with or without the modifier");
}

/// Patient: `birthdate` "twice to indicate a date range and must contain one prefix each of `le`
/// and `ge`".
#[tokio::test]
async fn patient_birthdate_takes_a_ge_and_le_pair() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let both = "family=SMART&birthdate=ge1976-04-29&birthdate=le1980-08-11";
    assert_eq!(patients(&app, &token, both).await, ["12724066", "12724067"], "both bounds are inclusive");
    let joe = "family=SMART&birthdate=le1980-08-10&birthdate=ge1970";
    assert_eq!(patients(&app, &token, joe).await, ["12724067"]);
    let env = search(&app, &token, "Patient?birthdate=ge1976&birthdate=lt1980").await;
    assert_eq!(env["status"], 400);
    assert_envelope!("patient_birthdate_not_ge_le", env);
}

/// The Appointment page's example contradicts itself: its request says `date=2020-02`, its data
/// and `self` link say 2020 (the appointment starts 2020-10-06). The emulator follows the data.
#[tokio::test]
async fn the_appointment_example_answers_for_2020_not_for_february() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let year = search(&app, &token, "Appointment?patient=12724066&date=2020").await;
    assert_eq!(entry_ids(&year["body"], "Appointment"), ["4817508"]);
    let february = search(&app, &token, "Appointment?patient=12724066&date=2020-02").await;
    assert_eq!(february["status"], 200);
    assert!(entry_ids(&february["body"], "Appointment").is_empty());
}
