//! `[tenants.capabilities]` (README, "Hospitals differ"): a tenant serves only the resources and
//! search parameters it lists, on DSTU2 and R4, and its metadata lists exactly those.

use cerner_mock::Profile;
use cerner_mock::store::LoadOptions;
use serde_json::Value;

use crate::helpers::*;

/// The default profile, the Second Hospital serving Appointment (without `location`) and Patient.
fn limited_hospital() -> Profile {
    let text = include_str!("../../../fixtures/profile.toml");
    let anchor = "name = \"Second Hospital\"\n";
    let section = "\n[tenants.capabilities]\nresources = [\"Appointment\", \"Patient\"]\n\n\
                   [tenants.capabilities.search]\nAppointment = [\"_id\", \"patient\", \"practitioner\", \"date\", \"-date-or-req-period\", \"_count\"]\n";
    let text = text.replacen(anchor, &format!("{anchor}{section}"), 1);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    Profile::from_toml(&text, &dir).expect("the profile loads")
}

const SCOPES: &str = "system/Appointment.read system/Patient.read system/Practitioner.read";

#[tokio::test]
async fn a_tenant_serves_only_its_capabilities_on_both_versions() {
    let app = spawn_app_with_profile(limited_hospital(), LoadOptions::default()).await;
    let token = app.token(SECOND, SCOPES).await;
    for (version, date) in
        [("dstu2", "date=2026-01-06"), ("r4", "date=ge2026-01-06T00:00:00Z&date=lt2026-01-07T00:00:00Z")]
    {
        let by_location =
            app.fhir(&format!("/{version}/{SECOND}/Appointment?location=4048128&{date}"), Some(&token)).await;
        assert_eq!(by_location.status(), 400, "{version}: location is not served here");
        let body: Value = by_location.json().await.unwrap();
        assert!(body.to_string().contains("location"), "{version}: the error names the parameter: {body}");
        let practitioner = app.fhir(&format!("/{version}/{SECOND}/Practitioner?_id=1"), Some(&token)).await;
        assert_eq!(practitioner.status(), 404, "{version}: Practitioner is not served here");
        let read = app.fhir(&format!("/{version}/{SECOND}/Practitioner/1"), Some(&token)).await;
        assert_eq!(read.status(), 404, "{version}");
        let patient = app.fhir(&format!("/{version}/{SECOND}/Patient?name=a"), Some(&token)).await;
        assert_eq!(patient.status(), 200, "{version}: Patient keeps every parameter");
        let by_id = app.fhir(&format!("/{version}/{SECOND}/Appointment?_id=1"), Some(&token)).await;
        assert_eq!(by_id.status(), 200, "{version}: the listed parameters still search");
    }
    // The other tenants serve everything.
    let sandbox = app.token(SANDBOX, SCOPES).await;
    let elsewhere =
        app.fhir(&format!("/dstu2/{SANDBOX}/Appointment?location=21503380&date=2026-01-06"), Some(&sandbox)).await;
    assert_eq!(elsewhere.status(), 200);
}

fn listed(statement: &Value) -> Vec<(String, Vec<String>)> {
    statement["rest"][0]["resource"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["searchParam"].is_array())
        .map(|r| {
            let names = r["searchParam"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_owned());
            (r["type"].as_str().unwrap().to_owned(), names.collect())
        })
        .collect()
}

#[tokio::test]
async fn its_metadata_lists_exactly_what_it_serves() {
    let app = spawn_app_with_profile(limited_hospital(), LoadOptions::default()).await;
    let plain = spawn_app().await;
    for version in ["dstu2", "r4"] {
        let path = format!("/{version}/{SECOND}/metadata");
        let mine: Value = app.get(&path, Some("application/json")).await.json().await.unwrap();
        let full: Value = plain.get(&path, Some("application/json")).await.json().await.unwrap();
        let types: Vec<String> = listed(&mine).into_iter().map(|(t, _)| t).collect();
        assert_eq!(types, ["Appointment", "Patient"], "{version}");
        let appointment = listed(&mine).into_iter().find(|(t, _)| t == "Appointment").unwrap().1;
        let full_appointment = listed(&full).into_iter().find(|(t, _)| t == "Appointment").unwrap().1;
        let expected: Vec<String> = full_appointment.into_iter().filter(|p| p != "location" && p != "status").collect();
        assert_eq!(appointment, expected, "{version}: the declared parameters, filtered");
        let full_patient = listed(&full).into_iter().find(|(t, _)| t == "Patient").unwrap().1;
        assert_eq!(listed(&mine).into_iter().find(|(t, _)| t == "Patient").unwrap().1, full_patient);
        let sandbox = format!("/{version}/{SANDBOX}/metadata");
        let other: Value = app.get(&sandbox, Some("application/json")).await.json().await.unwrap();
        let plain_other: Value = plain.get(&sandbox, Some("application/json")).await.json().await.unwrap();
        assert_eq!(listed(&other), listed(&plain_other), "{version}: other tenants list everything");
    }
}

#[test]
fn bad_capabilities_are_refused_naming_the_field() {
    let text = include_str!("../../../fixtures/profile.toml");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let anchor = "name = \"Second Hospital\"\n";
    let with = |section: &str| text.replacen(anchor, &format!("{anchor}\n[tenants.capabilities]\n{section}\n"), 1);
    let cases = [
        (with("resources = [\"Appointment\", \"Observation\"]"), "tenants[1].capabilities.resources[1]"),
        (
            with("resources = [\"Patient\"]\n[tenants.capabilities.search]\nAppointment = [\"_id\"]"),
            "tenants[1].capabilities.search.Appointment",
        ),
        (
            with("[tenants.capabilities.search]\nAppointment = [\"_id\", \"locaton\"]"),
            "tenants[1].capabilities.search.Appointment[1]",
        ),
    ];
    for (text, field) in cases {
        match Profile::from_toml(&text, &dir) {
            Err(cerner_mock::ProfileError::Invalid { field: got, .. }) => assert_eq!(got, field),
            other => panic!("{field}: {other:?}"),
        }
    }
}
