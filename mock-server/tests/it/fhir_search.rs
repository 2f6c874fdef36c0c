//! Searches: the documented requests answer as the docs show; each search rule, positive and
//! negative.

use serde_json::Value;

use crate::assert_envelope;
use crate::helpers::*;

const SLOT_TYPE: &str = "https://fhir.cerner.com/ec2458f2-1e24-41c8-b71b-0e701af7583d/codeSet/14249%7C24477854";

async fn search(app: &TestApp, token: &str, query: &str) -> Value {
    app.envelope(app.fhir(&format!("/dstu2/{SANDBOX}/{query}"), Some(token)).await).await
}

async fn ok(app: &TestApp, token: &str, query: &str) -> Value {
    let env = search(app, token, query).await;
    assert_eq!(env["status"], 200, "{query}: {env:#}");
    env["body"].clone()
}

/// A 400 whose OperationOutcome mentions `needle`.
async fn refused(app: &TestApp, token: &str, query: &str, needle: &str) -> Value {
    let env = search(app, token, query).await;
    assert_eq!(env["status"], 400, "{query}: {env:#}");
    assert_eq!(env["body"]["resourceType"], "OperationOutcome", "{query}");
    let diagnostics = env["body"]["issue"][0]["diagnostics"].as_str().unwrap_or_default();
    assert!(diagnostics.contains(needle), "{query}: {diagnostics:?} lacks {needle:?}");
    env
}

#[tokio::test]
async fn documented_searches_answer_as_the_docs_show() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let cases = [
        ("appointment_by_patient", "Appointment?patient=12724066&date=2020", "Appointment", vec!["4817508"]),
        ("practitioner_by_id", "Practitioner?_id=4122622", "Practitioner", vec!["4122622"]),
        ("patient_by_id", "Patient?_id=12724067", "Patient", vec!["12724067"]),
        ("encounter_by_patient", "Encounter?patient=12724066", "Encounter", vec!["97953477"]),
        (
            "schedule_by_ids",
            "Schedule?_id=24477854-21304876-62852027-0,24477854-21304876-62852027-15",
            "Schedule",
            vec!["24477854-21304876-62852027-0", "24477854-21304876-62852027-15"],
        ),
    ];
    for (name, query, kind, ids) in cases {
        let env = search(&app, &token, query).await;
        assert_eq!(env["status"], 200, "{query}");
        assert_eq!(entry_ids(&env["body"], kind), ids, "{query}");
        assert_eq!(env["body"]["total"], ids.len(), "{query}");
        assert_envelope!(format!("search_{name}"), env);
    }
}

#[tokio::test]
async fn the_documented_slot_search_returns_free_slots_with_match_mode_and_includes_schedules() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let query = format!("Slot?slot-type={SLOT_TYPE}&schedule.actor=Practitioner/593923&start=2020");
    let env = search(&app, &token, &query).await;
    let slots = entry_ids(&env["body"], "Slot");
    assert_eq!(
        slots,
        ["24477854-21304876-62852027-0", "24477854-21304876-62852027-15", "24477854-21304876-62852027-30"]
    );
    assert!(env["body"]["entry"].as_array().unwrap().iter().all(|e| e["search"]["mode"] == "match"));
    assert!(env["body"].get("total").is_none(), "Cerner's Slot bundles carry no total");
    assert_envelope!("search_slot_documented", env);

    let included = ok(&app, &token, &format!("{query}&_include=Slot:schedule")).await;
    assert_eq!(entry_ids(&included, "Slot").len(), 3);
    let schedules = entry_ids(&included, "Schedule");
    assert_eq!(schedules.len(), 3, "one Schedule per distinct slot schedule");
    let modes: Vec<&Value> = included["entry"].as_array().unwrap().iter().map(|e| &e["search"]["mode"]).collect();
    assert_eq!(modes.iter().filter(|m| **m == "include").count(), 3);
}

#[tokio::test]
async fn appointment_date_forms_select_the_period_they_name() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let found = |ids: Vec<String>| ids == ["4817508"];
    for date in ["2020", "2020-10", "2020-10-06", "2020-10-06T14:00:00.000Z", "2020-10-06T14:00:00Z"] {
        let body = ok(&app, &token, &format!("Appointment?patient=12724066&date={date}")).await;
        assert!(found(entry_ids(&body, "Appointment")), "date={date}");
    }
    for pair in
        ["date=ge2020-10-06&date=lt2020-10-07", "date=gt2020-10-05&date=le2020-10-06", "date=lt2021&date=ge2020"]
    {
        let body = ok(&app, &token, &format!("Appointment?patient=12724066&{pair}")).await;
        assert!(found(entry_ids(&body, "Appointment")), "{pair}");
    }
    for miss in ["date=2019", "date=2020-10-07", "date=ge2020-10-07&date=lt2020-10-08", "date=gt2020-10-06&date=lt2021"]
    {
        let body = ok(&app, &token, &format!("Appointment?patient=12724066&{miss}")).await;
        assert!(entry_ids(&body, "Appointment").is_empty(), "{miss}");
    }
}

#[tokio::test]
async fn appointment_search_rules_refuse_what_cerner_refuses() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let env = refused(&app, &token, "Appointment", "no supported search parameters provided").await;
    assert_envelope!("search_appointment_no_parameters", env);
    let env = refused(&app, &token, "Appointment?location=21503380", "date").await;
    assert_envelope!("search_appointment_actor_without_date", env);
    let env = refused(&app, &token, "Appointment?location=21503380&patient=12724066&date=2020", "location").await;
    assert_envelope!("search_appointment_two_actors", env);
    refused(&app, &token, "Appointment?location=21503380&location=21304876&date=2020", "location").await;
    refused(&app, &token, "Appointment?date=2020", "date").await;
    refused(&app, &token, "Appointment?location=21503380&date=ge2020", "date").await;
    refused(&app, &token, "Appointment?location=21503380&date=ge2020&date=gt2020-06", "date").await;
    refused(&app, &token, "Appointment?location=21503380&date=ge2020&date=le2020&date=lt2021", "date").await;
    refused(&app, &token, "Appointment?location=21503380&date=2020-13", "date").await;
    refused(&app, &token, "Appointment?location=21503380&date=2020-10-06T14:00:00", "date").await;
    refused(&app, &token, "Appointment?location=21503380&date=2020&status=booked,unknown", "status").await;
    refused(&app, &token, "Appointment?location=21503380&date=2020&_count=0", "_count").await;
    refused(&app, &token, "Appointment?location=21503380&date=2020&color=red", "color").await;
    let env = refused(&app, &token, "Appointment?_id=4817508&patient=12724066", "_id").await;
    assert_envelope!("search_appointment_id_with_actor", env);
}

#[tokio::test]
async fn appointment_comma_lists_status_filter_and_start_order() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let summary: Value = app.get(&format!("/__admin/tenants/{SANDBOX}"), None).await.json().await.unwrap();
    let locations: Vec<&str> =
        summary["data"]["locations"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    let range = "date=ge2025-12-01&date=lt2026-03-01";
    let one = ok(&app, &token, &format!("Appointment?location={}&{range}&_count=200", locations[0])).await;
    let two =
        ok(&app, &token, &format!("Appointment?location={},{}&{range}&_count=200", locations[0], locations[1])).await;
    assert!(two["total"].as_u64() > one["total"].as_u64());
    let starts: Vec<&str> =
        two["entry"].as_array().unwrap().iter().map(|e| e["resource"]["start"].as_str().unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "sorted by start");
    let cancelled = ok(&app, &token, &format!("Appointment?location={}&{range}&status=cancelled", locations[0])).await;
    assert!(cancelled["total"].as_u64().unwrap() > 0);
    assert!(cancelled["entry"].as_array().unwrap().iter().all(|e| e["resource"]["status"] == "cancelled"));
}

#[tokio::test]
async fn count_sets_the_page_size_up_to_the_maximum() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let query = "Appointment?location=21503380&date=ge2025-12-01&date=lt2026-03-01";
    assert_eq!(ok(&app, &token, query).await["entry"].as_array().unwrap().len(), 50, "default 50");
    assert_eq!(ok(&app, &token, &format!("{query}&_count=7")).await["entry"].as_array().unwrap().len(), 7);
    let capped = ok(&app, &token, &format!("{query}&_count=100000")).await;
    let expected = capped["total"].as_u64().unwrap().min(200);
    assert_eq!(capped["entry"].as_array().unwrap().len() as u64, expected);
}

#[tokio::test]
async fn patient_search_rules() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    assert_eq!(entry_ids(&ok(&app, &token, "Patient?family=smart&given=jo").await, "Patient"), ["12724067"]);
    assert_eq!(
        entry_ids(&ok(&app, &token, "Patient?identifier=urn:oid:2.16.840.1.113883.6.1000%7C6931").await, "Patient"),
        ["12724067"]
    );
    assert_eq!(entry_ids(&ok(&app, &token, "Patient?birthdate=1976-04-29&gender=male").await, "Patient"), ["12724067"]);
    assert!(entry_ids(&ok(&app, &token, "Patient?birthdate=1976-04-29&gender=female").await, "Patient").is_empty());
    let env = refused(&app, &token, "Patient?gender=male", "no supported search parameters provided").await;
    assert_envelope!("search_patient_gender_alone", env);
    refused(&app, &token, "Patient", "no supported search parameters provided").await;
    refused(&app, &token, "Patient?name:contains=SMART", "name:contains").await;
}

#[tokio::test]
async fn more_than_a_thousand_patients_is_422() {
    let app = spawn_app_with(cerner_mock::store::LoadOptions { synthetic: Some("patients=1200".into()) }).await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let env = search(&app, &token, "Patient?birthdate=ge1900").await;
    assert_eq!(env["status"], 422, "{env:#}");
    assert_envelope!("search_patient_too_many", env);
    assert_eq!(search(&app, &token, "Patient?birthdate=ge1900&_count=5").await["status"], 422);
}

#[tokio::test]
async fn other_types_accept_only_their_parameters() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    refused(&app, &token, "Practitioner?name=cerner", "name").await;
    refused(&app, &token, "Schedule?actor=Practitioner/593923", "actor").await;
    refused(&app, &token, "Encounter?_id=97953477&patient=12724066", "patient").await;
    refused(&app, &token, "Encounter", "no supported search parameters provided").await;
    refused(&app, &token, &format!("Slot?slot-type={SLOT_TYPE}"), "start").await;
    refused(&app, &token, &format!("Slot?slot-type={SLOT_TYPE}&start=ge2020"), "start").await;
    refused(&app, &token, &format!("Slot?slot-type={SLOT_TYPE}&start=2020&_include=Slot:patient"), "_include").await;
    refused(&app, &token, "Slot?start=2020", "slot-type").await;
    assert_eq!(entry_ids(&ok(&app, &token, "Encounter?_id=97953477,97865451").await, "Encounter").len(), 2);
}

#[tokio::test]
async fn searches_and_reads_negotiate_the_media_type() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let url = app.url(&format!("/dstu2/{SANDBOX}/Appointment?patient=12724066&date=2020"));
    for (accept, status) in [("application/json", 200), ("*/*", 200), ("application/fhir+xml", 406), ("text/html", 406)]
    {
        let response = app.http.get(&url).bearer_auth(&token).header("accept", accept).send().await.unwrap();
        assert_eq!(response.status(), status, "{accept}");
        assert!(response.headers().contains_key("x-request-id"), "{accept}");
    }
    let response = app.http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "application/json+fhir; charset=utf-8", "no Accept at all");
}
