//! R4 searches: the documented requests, each type's rules, keyset paging with `-pageContext`,
//! `total` per type, and the same appointments found on DSTU2 and R4.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::assert_envelope;
use crate::helpers::*;
use crate::r4::R4_SCOPES;

async fn r4_search(app: &TestApp, token: &str, query: &str) -> Value {
    app.envelope(app.r4(&format!("/r4/{SANDBOX}/{query}"), Some(token)).await).await
}

/// A 400 OperationOutcome `invalid` whose diagnostics mention `needle`.
async fn refused(app: &TestApp, token: &str, query: &str, needle: &str) {
    let env = r4_search(app, token, query).await;
    assert_eq!(env["status"], 400, "{query}: {env:#}");
    assert_eq!(env["headers"]["content-type"], "application/fhir+json; charset=utf-8");
    assert_eq!(env["body"]["issue"][0]["code"], "invalid", "{query}");
    let diagnostics = env["body"]["issue"][0]["diagnostics"].as_str().unwrap_or_default();
    assert!(diagnostics.contains(needle), "{query}: {diagnostics:?} lacks {needle:?}");
}

/// Every entry id of a search, following `next` links to the end.
async fn all_pages(app: &TestApp, token: &str, first: &str, kind: &str) -> Vec<String> {
    let mut bundle = app.r4_ok(first, token).await;
    let mut ids = entry_ids(&bundle, kind);
    for _ in 0..1000 {
        let Some(next) = link(&bundle, "next").map(str::to_owned) else { return ids };
        assert!(next.contains("-pageContext=") && next.ends_with("-pageDirection=NEXT"), "{next}");
        bundle = app.follow(&next, token).await;
        ids.extend(entry_ids(&bundle, kind));
    }
    panic!("more than 1000 pages");
}

#[tokio::test]
async fn documented_r4_searches_answer_with_their_shapes_and_totals() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, R4_SCOPES).await;
    let slot_type = "https://fhir.cerner.com/ec2458f2-1e24-41c8-b71b-0e701af7583d/codeSet/14249%7C4047611";
    let cases = [
        (
            "appointment_by_patient",
            "Appointment?patient=12724066&date=ge2020-01-01T22:22:16.270Z".to_owned(),
            "Appointment",
            vec!["4817508"],
            None,
        ),
        ("location_by_id", "Location?_id=21250409".to_owned(), "Location", vec!["21250409"], None),
        (
            "location_by_physical_type",
            format!(
                "Location?-physicalType={}",
                "https://fhir.cerner.com/ec2458f2-1e24-41c8-b71b-0e701af7583d/codeSet/222%7C783"
            ),
            "Location",
            vec!["21250409"],
            None,
        ),
        ("patient_by_id", "Patient?_id=12724067".to_owned(), "Patient", vec!["12724067"], Some(1)),
        ("encounter_by_patient", "Encounter?patient=12724066".to_owned(), "Encounter", vec!["97953477"], Some(1)),
        (
            "schedule_by_id",
            "Schedule?_id=24477854-21304876-62852027-0".to_owned(),
            "Schedule",
            vec!["24477854-21304876-62852027-0"],
            None,
        ),
        ("practitioner_by_id", "Practitioner?_id=4122622".to_owned(), "Practitioner", vec!["4122622"], None),
        (
            "slot_by_service_type",
            format!(
                "Slot?service-type={slot_type}&-location=Location/32216049&start=ge2016-01-23T22:05:47Z&start=lt2020-06-08T18:13:55Z"
            ),
            "Slot",
            vec!["4047611-32216049-61518614-0"],
            None,
        ),
    ];
    for (name, query, kind, ids, total) in cases {
        let env = r4_search(&app, &token, &query).await;
        assert_eq!(env["status"], 200, "{query}: {env:#}");
        assert_eq!(entry_ids(&env["body"], kind), ids, "{query}");
        assert_eq!(env["body"].get("total").and_then(Value::as_u64), total, "{query}");
        assert_envelope!(format!("r4_search_{name}"), env);
    }
}

#[tokio::test]
async fn slot_includes_add_schedules_or_practitioners_and_need_their_scope() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, R4_SCOPES).await;
    let base = "Slot?_id=24477854-21304876-62852027-0,4047611-32216049-61518614-0";
    let schedules = app.r4_ok(&format!("/r4/{SANDBOX}/{base}&_include=Slot:schedule"), &token).await;
    // Slots by start (2017, 2020), then each slot's schedule once, in the slots' order.
    assert_eq!(entry_ids(&schedules, "Slot"), ["4047611-32216049-61518614-0", "24477854-21304876-62852027-0"]);
    assert_eq!(entry_ids(&schedules, "Schedule"), ["4047611-32216049-61518614-0", "24477854-21304876-62852027-0"]);
    let modes: Vec<&str> =
        schedules["entry"].as_array().unwrap().iter().map(|e| e["search"]["mode"].as_str().unwrap()).collect();
    assert_eq!(modes, ["match", "match", "include", "include"]);
    let practitioners = app.r4_ok(&format!("/r4/{SANDBOX}/{base}&_include=Schedule:actor:Practitioner"), &token).await;
    assert_eq!(entry_ids(&practitioners, "Practitioner"), ["593923"]);
    let include = format!("/r4/{SANDBOX}/{base}&_include=Schedule:actor:Practitioner");
    assert_envelope!("r4_slot_include_practitioner", app.envelope(app.r4(&include, Some(&token)).await).await);
    // The documented service-type search: the slot's schedule names no practitioner, so none is added.
    let slot_type = "https://fhir.cerner.com/ec2458f2-1e24-41c8-b71b-0e701af7583d/codeSet/14249%7C4047611";
    let by_type = format!(
        "Slot?service-type={slot_type}&start=ge2016-01-23T22:05:47Z&start=lt2020-06-08T18:13:55Z&_include=Schedule:actor:Practitioner"
    );
    let unnamed = app.r4_ok(&format!("/r4/{SANDBOX}/{by_type}"), &token).await;
    assert_eq!(entry_ids(&unnamed, "Slot"), ["4047611-32216049-61518614-0"]);
    assert!(entry_ids(&unnamed, "Practitioner").is_empty());
    let slot_only = app.token(SANDBOX, "system/Slot.read").await;
    let refused = app.r4(&format!("/r4/{SANDBOX}/{base}&_include=Slot:schedule"), Some(&slot_only)).await;
    assert_eq!(refused.status(), 403);
    let without_practitioner = app.token(SANDBOX, "system/Slot.read system/Schedule.read").await;
    let env = app.envelope(app.r4(&include, Some(&without_practitioner)).await).await;
    assert_eq!(env["status"], 403, "{env:#}");
    assert_eq!(env["body"]["issue"][0]["code"], "forbidden");
    assert!(env["headers"]["www-authenticate"].as_str().is_some_and(|c| c.contains("insufficient_scope")));
    // The open base asks for no scope.
    let open = app.r4(&format!("/open/r4/{SANDBOX}/{base}&_include=Schedule:actor:Practitioner"), None).await;
    assert_eq!(open.status(), 200);
    assert_eq!(entry_ids(&open.json().await.unwrap(), "Practitioner"), ["593923"]);
}

/// fhir.cerner.com Millennium R4 Slot: "When `_include=Schedule:actor:Practitioner` is provided in
/// a request to the closed endpoint, the OAuth2 token must include one of `user/Practitioner.read`,
/// `patient/Practitioner.read` or `system/Practitioner.read` scopes and one of
/// `user/Schedule.read`, `patient/Schedule.read` or `system/Schedule.read` scopes in addition to
/// the Slot scope."
#[tokio::test]
async fn slot_include_of_practitioners_needs_practitioner_and_schedule_read() {
    let app = spawn_app().await;
    let slot_type = "https://fhir.cerner.com/ec2458f2-1e24-41c8-b71b-0e701af7583d/codeSet/14249%7C4047611";
    let query = format!(
        "/r4/{SANDBOX}/Slot?service-type={slot_type}&start=ge2016-01-23T22:05:47Z&start=lt2020-06-08T18:13:55Z&_include=Schedule:actor:Practitioner"
    );
    for (scopes, missing) in [
        ("system/Slot.read system/Practitioner.read", "system/Schedule.read"),
        ("system/Slot.read system/Schedule.read", "system/Practitioner.read"),
    ] {
        let token = app.token(SANDBOX, scopes).await;
        let env = app.envelope(app.r4(&query, Some(&token)).await).await;
        assert_eq!(env["status"], 403, "{scopes}: {env:#}");
        assert_eq!(env["body"]["issue"][0]["code"], "forbidden");
        let challenge = env["headers"]["www-authenticate"].as_str().unwrap_or_default();
        assert!(challenge.contains("insufficient_scope") && challenge.contains(missing), "{scopes}: {challenge}");
    }
    let token = app.token(SANDBOX, "system/Slot.read system/Practitioner.read system/Schedule.read").await;
    assert_eq!(app.r4(&query, Some(&token)).await.status(), 200);
}

/// fhir.cerner.com Millennium R4 Slot, Parameters: "`schedule.actor` | No | [`reference`] | A
/// single or comma separated list of Practitioner references. Example:
/// `schedule.actor=Practitioner/1234`"; Notes: "If multiple `service-type` parameters are used they
/// must be either all standard codes or all proprietary codes" with a proprietary system
/// "`https://fhir.cerner.com/<your EHR source id>/codeSet/<code set>`".
#[tokio::test]
async fn slot_actor_is_a_practitioner_and_any_millennium_code_set_is_proprietary() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, R4_SCOPES).await;
    let start = "start=ge2016-01-23T22:05:47Z&start=lt2020-06-08T18:13:55Z";
    let slot_type = "https://fhir.cerner.com/ec2458f2-1e24-41c8-b71b-0e701af7583d/codeSet/14249%7C4047611";
    let location_actor = format!("Slot?service-type={slot_type}&{start}&schedule.actor=Location/32216049");
    refused(&app, &token, &location_actor, "'schedule.actor'").await;
    let other_set = "https://fhir.cerner.com/ec2458f2-1e24-41c8-b71b-0e701af7583d/codeSet/222%7C783";
    let mixed = format!("Slot?service-type={other_set},http://snomed.info/sct%7C394581000&{start}");
    refused(&app, &token, &mixed, "'service-type'").await;
    let both_sets =
        app.r4_ok(&format!("/r4/{SANDBOX}/Slot?service-type={slot_type},{other_set}&{start}"), &token).await;
    assert_eq!(entry_ids(&both_sets, "Slot"), ["4047611-32216049-61518614-0"]);
}

/// fhir.cerner.com Millennium R4 Practitioner, Parameters: "`family` | Conditionally | [`string`] |
/// The start of the family name of the practitioner. This parameter is required if `_id`,
/// `identifier`, `name`, or `active` is not used." (nothing forbids giving several: they narrow
/// together); its CapabilityStatement, `_count`: "Not honored when '_id' is set."
#[tokio::test]
async fn practitioner_criteria_combine_with_and_and_count_is_not_honoured_with_id() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, R4_SCOPES).await;
    let cases: [(&str, &[&str]); 6] = [
        ("family=Cerner&active=true", &["593923", "683925", "4122622", "4122630"]),
        ("family=Cerner&active=false", &[]),
        ("family=Cerner&identifier=http://hl7.org/fhir/sid/us-npi%7C1111111111", &["4122622"]),
        ("_id=593923,12742510&family=Kaehr", &["12742510"]),
        ("name=Kaehr&active=true", &["12742510"]),
        ("family=Cerner&given=Physician&name=Cerner&active=true", &["593923", "4122622", "4122630"]),
    ];
    for (query, expected) in cases {
        let bundle = app.r4_ok(&format!("/r4/{SANDBOX}/Practitioner?{query}"), &token).await;
        assert_eq!(entry_ids(&bundle, "Practitioner"), expected, "{query}");
    }
    let ids = app.r4_ok(&format!("/r4/{SANDBOX}/Practitioner?_id=593923,683925,4122622&_count=1"), &token).await;
    assert_eq!(entry_ids(&ids, "Practitioner"), ["593923", "683925", "4122622"]);
    assert_eq!(link(&ids, "next"), None, "one page");
    let paged = app.r4_ok(&format!("/r4/{SANDBOX}/Practitioner?family=Cerner&_count=1"), &token).await;
    assert_eq!(entry_ids(&paged, "Practitioner"), ["593923"], "_count is honoured without _id");
}

#[tokio::test]
async fn r4_search_rules_refuse_what_cerner_refuses() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, R4_SCOPES).await;
    for (query, needle) in [
        ("Appointment?patient=1&location=2&date=2020", "may not be combined"),
        ("Appointment?patient=1", "'date' is required"),
        ("Appointment?patient=1&date=2020&-date-or-req-period=2020", "may not be combined"),
        ("Appointment?patient=1&date=ge2020&date=ge2021", "two values"),
        ("Appointment?patient=1&date=2020&status=done", "'done'"),
        ("Appointment?_id=1&status=booked", "may not be combined"),
        ("Appointment?slot-type=1", "unsupported search parameter 'slot-type'"),
        ("Slot?service-type=1&start=2020", "give it twice"),
        ("Slot?_id=1&_count=2", "at least 5"),
        ("Slot?_id=1&_include=Slot:actor", "not supported"),
        ("Schedule?_id=1&_count=5", "unsupported search parameter '_count'"),
        ("Location?address-city=Bangalore", "address-state or address-postalcode"),
        ("Location?name=BE", "-physicalType, identifier or an address parameter"),
        ("Practitioner?given=Jon", "'family' is required"),
        ("Practitioner?name=J", "at least 2"),
        ("Encounter?_id=1&patient=2", "may not be combined"),
    ] {
        refused(&app, &token, query, needle).await;
    }
    for query in
        ["Appointment", "Appointment?status=booked", "Slot", "Schedule", "Location", "Practitioner", "Encounter"]
    {
        refused(&app, &token, query, "no supported search parameters provided").await;
    }
}

#[tokio::test]
async fn appointment_pages_walk_every_match_once_in_start_order() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, R4_SCOPES).await;
    let window = "date=ge2020-01-01T00:00:00Z&date=lt2100-01-01T00:00:00Z";
    let ids = all_pages(
        &app,
        &token,
        &format!("/r4/{SANDBOX}/Appointment?location=21503380&{window}&_count=7"),
        "Appointment",
    )
    .await;
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no appointment twice");
    assert!(ids.len() > 100, "{}", ids.len());
    let first = app.r4_ok(&format!("/r4/{SANDBOX}/Appointment?location=21503380&{window}&_count=7"), &token).await;
    assert!(first.get("total").is_none(), "Appointment bundles have no total");
    let next = link(&first, "next").unwrap().to_owned();
    let dstu2 = next.replace("/r4/", "/dstu2/");
    let refused = app.http.get(&dstu2).bearer_auth(&token).send().await.unwrap();
    assert_eq!(refused.status(), 400, "an R4 page token is not a DSTU2 one");
}

/// The same appointments, by the same location and window, on both versions: R4 adds those that
/// end in the window and drops `proposed` ones (which `-date-or-req-period` keeps).
#[tokio::test]
async fn r4_and_dstu2_find_the_same_appointments_by_their_own_rules() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, R4_SCOPES).await;
    // The synthetic appointments lie around the clock's date.
    let first = app.clock.now() + time::Duration::days(1);
    let day = first.date().to_string();
    let (from, to) = (format!("{day}T12:00:00Z"), format!("{}T12:00:00Z", (first + time::Duration::days(20)).date()));
    let dstu2 = {
        let path = format!("/dstu2/{SANDBOX}/Appointment?location=21503380&date=ge{from}&date=lt{to}&_count=50");
        let mut bundle: Value = app.fhir(&path, Some(&token)).await.json().await.unwrap();
        let mut entries = bundle["entry"].as_array().cloned().unwrap_or_default();
        while let Some(next) = link(&bundle, "next").map(str::to_owned) {
            bundle = app.follow(&next, &token).await;
            entries.extend(bundle["entry"].as_array().cloned().unwrap_or_default());
        }
        entries
    };
    let r4_ids = |query: String| {
        let app = &app;
        let token = &token;
        async move {
            all_pages(app, token, &format!("/r4/{SANDBOX}/Appointment?location=21503380&{query}"), "Appointment").await
        }
    };
    let by_date = r4_ids(format!("date=ge{from}&date=lt{to}")).await;
    let requested = r4_ids(format!("-date-or-req-period=ge{from}&-date-or-req-period=lt{to}")).await;
    let not_proposed: Vec<String> = dstu2
        .iter()
        .filter(|e| e["resource"]["status"] != "proposed")
        .map(|e| e["resource"]["id"].as_str().unwrap().to_owned())
        .collect();
    let all: Vec<String> = dstu2.iter().map(|e| e["resource"]["id"].as_str().unwrap().to_owned()).collect();
    assert!(not_proposed.len() > 20 && all.len() > not_proposed.len(), "{} of {}", not_proposed.len(), all.len());
    for id in &not_proposed {
        assert!(by_date.contains(id), "{id} starts in the window");
    }
    for id in &all {
        assert!(requested.contains(id), "{id} starts in the window");
    }
    for id in by_date.iter().filter(|id| !all.contains(id)) {
        let r4 = app.r4_ok(&format!("/r4/{SANDBOX}/Appointment/{id}"), &token).await;
        let end = r4["end"].as_str().unwrap();
        assert!(end > from.as_str() && r4["start"].as_str().unwrap() < from.as_str(), "{id} ends in the window");
    }
    assert!(by_date.iter().all(|id| requested.contains(id)));
    assert!(requested.len() > by_date.len(), "-date-or-req-period also finds proposed appointments");
}
