//! The R4 bases beside DSTU2: same tenants, tokens and store; R4 discovery, media types, errors,
//! scopes (SMART v1 and v2), reads, searches, paging, and the instrument (journal, faults) on both.

use cerner_mock::admin_client::Change;
use serde_json::{Value, json};

use crate::assert_envelope;
use crate::helpers::*;

pub(crate) const R4_SCOPES: &str = "system/Appointment.read system/Patient.read system/Practitioner.read system/Schedule.read system/Slot.read system/Encounter.read system/Location.read";

impl TestApp {
    /// An R4 GET with `Accept: application/fhir+json` and, when given, a bearer token.
    pub(crate) async fn r4(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self.http.get(self.url(path)).header("accept", "application/fhir+json");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("the request reaches the emulator")
    }

    pub(crate) async fn r4_ok(&self, path: &str, token: &str) -> Value {
        let response = self.r4(path, Some(token)).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], "application/fhir+json; charset=utf-8", "{path}");
        response.json().await.expect("JSON")
    }
}

#[tokio::test]
async fn metadata_is_an_r4_capability_statement_with_oauth_uris_on_the_secured_base_only() {
    let app = spawn_app().await;
    let secured = app.envelope(app.get(&format!("/r4/{SANDBOX}/metadata"), Some("application/fhir+json")).await).await;
    assert_eq!(secured["status"], 200);
    assert_eq!(secured["body"]["fhirVersion"], "4.0.1");
    assert_eq!(secured["body"]["format"], json!(["json", "application/fhir+json"]));
    let uris: Vec<&str> = secured["body"]["rest"][0]["security"]["extension"][0]["extension"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["url"].as_str().unwrap())
        .collect();
    // Cerner's also lists the user-facing `authorize` and `manage`, which the emulator does not serve.
    assert_eq!(uris, ["token", "revoke", "introspect"]);
    assert_envelope!("r4_metadata_secured", secured);
    let open = app.envelope(app.get(&format!("/open/r4/{SANDBOX}/metadata"), None).await).await;
    assert_eq!(open["body"]["rest"][0]["security"], json!({ "cors": true }));
    assert_envelope!("r4_metadata_open", open);
    let unknown = app.get("/r4/00000000-0000-0000-0000-000000000000/metadata", None).await;
    assert_eq!(unknown.status(), 403);
}

#[tokio::test]
async fn smart_configuration_is_on_the_secured_base_only() {
    let app = spawn_app().await;
    let env = app.envelope(app.get(&format!("/r4/{SANDBOX}/.well-known/smart-configuration"), None).await).await;
    assert_eq!(env["status"], 200);
    assert_eq!(env["body"]["token_endpoint"], format!("[origin]{}", token_path(SANDBOX)));
    assert!(env["body"]["scopes_supported"].as_array().unwrap().contains(&json!("system/Appointment.rs")));
    assert_envelope!("r4_smart_configuration", env);
    let open = app.get(&format!("/open/r4/{SANDBOX}/.well-known/smart-configuration"), None).await;
    assert_eq!(open.status(), 404);
}

#[tokio::test]
async fn media_types_r4_json_and_the_dstu2_type_are_served_anything_else_is_406() {
    let app = spawn_app().await;
    let path = format!("/open/r4/{SANDBOX}/Appointment/4817508");
    for accept in
        [None, Some("application/fhir+json"), Some("application/json+fhir"), Some("application/json"), Some("*/*")]
    {
        let response = app.get(&path, accept).await;
        assert_eq!(response.status(), 200, "{accept:?}");
        assert_eq!(response.headers()["content-type"], "application/fhir+json; charset=utf-8");
    }
    let refused = app.get(&path, Some("application/fhir+xml")).await;
    assert_eq!(refused.status(), 406);
    assert_eq!(refused.text().await.unwrap(), "");
    // Each base negotiates its own version's types: R4's is not DSTU2's.
    let dstu2 = app.get(&format!("/open/dstu2/{SANDBOX}/Appointment/4817508"), Some("application/fhir+json")).await;
    assert_eq!(dstu2.status(), 406);
}

#[tokio::test]
async fn one_token_reads_both_versions_and_an_appointment_keeps_its_id_version_and_last_update() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let dstu2: Value =
        app.fhir(&format!("/dstu2/{SANDBOX}/Appointment/4817508"), Some(&token)).await.json().await.unwrap();
    let env = app.envelope(app.r4(&format!("/r4/{SANDBOX}/Appointment/4817508"), Some(&token)).await).await;
    assert_eq!(env["status"], 200);
    let r4 = &env["body"];
    assert_eq!((&r4["id"], &r4["meta"]), (&dstu2["id"], &dstu2["meta"]));
    assert_eq!(r4["serviceType"], json!([dstu2["type"]]));
    assert_eq!(r4["reasonCode"], json!([dstu2["reason"]]));
    assert!(r4.get("type").is_none());
    assert_envelope!("r4_read_appointment_4817508", env);
}

#[tokio::test]
async fn an_admin_change_shows_on_both_versions_with_the_same_id_version_and_last_update() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let both = |id: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            let dstu2: Value =
                app.fhir(&format!("/dstu2/{SANDBOX}/Appointment/{id}"), Some(token)).await.json().await.unwrap();
            (dstu2, app.r4_ok(&format!("/r4/{SANDBOX}/Appointment/{id}"), token).await)
        }
    };
    let (before, _) = both("4817508").await;
    let change = Change::reschedule("4817508", "2031-02-03T10:00:00.000Z", "2031-02-03T10:30:00.000Z");
    app.admin.apply_changes(SANDBOX, &[change]).await.unwrap();
    let (dstu2, r4) = both("4817508").await;
    assert_ne!(dstu2["meta"], before["meta"], "the change made a new version");
    assert_eq!((&r4["id"], &r4["meta"]), (&dstu2["id"], &dstu2["meta"]));
    assert_eq!((&r4["start"], &r4["end"]), (&json!("2031-02-03T10:00:00.000Z"), &json!("2031-02-03T10:30:00.000Z")));
    assert_eq!((&r4["start"], &r4["end"]), (&dstu2["start"], &dstu2["end"]));
    app.admin.apply_changes(SANDBOX, &[Change::cancel("4817508")]).await.unwrap();
    let (dstu2, r4) = both("4817508").await;
    assert_eq!((r4["status"].as_str(), dstu2["status"].as_str()), (Some("cancelled"), Some("cancelled")));
    assert_eq!((&r4["id"], &r4["meta"]), (&dstu2["id"], &dstu2["meta"]));
}

#[tokio::test]
async fn r4_errors_have_their_documented_shapes() {
    let app = spawn_app().await;
    let no_token = app.envelope(app.r4(&format!("/r4/{SANDBOX}/Appointment/4817508"), None).await).await;
    assert_eq!(no_token["status"], 401);
    assert_eq!(no_token["body"]["issue"][0]["code"], "login");
    assert_eq!(no_token["body"]["issue"][0]["expression"], json!(["http.Authorization"]));
    assert_envelope!("r4_error_no_token", no_token);
    let token = app.token(SANDBOX, "system/Patient.read").await;
    let scope = app.envelope(app.r4(&format!("/r4/{SANDBOX}/Appointment/4817508"), Some(&token)).await).await;
    assert_eq!(scope["status"], 403);
    assert_eq!(scope["body"]["issue"][0]["code"], "forbidden");
    assert_envelope!("r4_error_insufficient_scope", scope);
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let missing = app.envelope(app.r4(&format!("/r4/{SANDBOX}/Appointment/1"), Some(&token)).await).await;
    assert_eq!(
        (missing["status"].clone(), missing["body"]["issue"][0]["code"].clone()),
        (json!(404), json!("not-found"))
    );
    assert_envelope!("r4_error_not_found", missing);
    let none = app.envelope(app.r4(&format!("/r4/{SANDBOX}/Appointment"), Some(&token)).await).await;
    assert_eq!(none["status"], 400);
    assert_eq!(none["body"]["issue"][0]["diagnostics"], "no supported search parameters provided");
    assert_envelope!("r4_error_no_parameters", none);
    let tenant = app.envelope(app.r4(&format!("/r4/{UNAPPROVED}/Appointment/1"), Some(&token)).await).await;
    assert_eq!(tenant["status"], 401, "a token of another tenant");
    let other = app.token(SECOND, ALL_SCOPES).await;
    let unapproved = app.r4(&format!("/r4/{UNAPPROVED}/metadata"), Some(&other)).await;
    assert_eq!(unapproved.status(), 200, "metadata needs no token");
    let unknown = app.r4("/r4/not-a-tenant/Appointment/1", Some(&token)).await;
    assert_eq!(unknown.status(), 403);
    assert_eq!(unknown.text().await.unwrap(), "Tenant not valid or accessible");
}

#[tokio::test]
async fn smart_v2_scopes_read_on_r4_and_are_echoed_as_requested() {
    let app = spawn_app().await;
    let body = "grant_type=client_credentials&scope=system%2FAppointment.rs+system%2FLocation.rs";
    let response = app.post_token(SANDBOX, Some(&basic(CLIENT, SECRET)), body).await;
    assert_eq!(response.status(), 200);
    let granted: Value = response.json().await.unwrap();
    assert_eq!(granted["scope"], "system/Appointment.rs system/Location.rs");
    let token = granted["access_token"].as_str().unwrap();
    app.r4_ok(&format!("/r4/{SANDBOX}/Appointment/4817508"), token).await;
    app.r4_ok(&format!("/r4/{SANDBOX}/Location/21250409"), token).await;
    let patient = app.r4(&format!("/r4/{SANDBOX}/Patient/12724066"), Some(token)).await;
    assert_eq!(patient.status(), 403, "no Patient scope");
    let dstu2 = app.fhir(&format!("/dstu2/{SANDBOX}/Appointment/4817508"), Some(token)).await;
    assert_eq!(dstu2.status(), 403, "DSTU2 reads SMART v1 scopes only");
}

#[tokio::test]
async fn the_documented_r4_reads_answer_under_their_ids() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, R4_SCOPES).await;
    for (kind, id) in [
        ("Location", "21250409"),
        ("Slot", "4047611-32216049-61518614-0"),
        ("Schedule", "24477854-21304876-62852027-0"),
        ("Schedule", "4047611-32216049-61518614-0"),
        ("Patient", "12724067"),
        ("Practitioner", "4122622"),
        ("Encounter", "97953477"),
    ] {
        let env = app.envelope(app.r4(&format!("/r4/{SANDBOX}/{kind}/{id}"), Some(&token)).await).await;
        assert_eq!(env["status"], 200, "{kind}/{id}");
        assert_eq!((env["body"]["resourceType"].as_str(), env["body"]["id"].as_str()), (Some(kind), Some(id)));
        assert_envelope!(format!("r4_read_{kind}_{id}"), env);
    }
    let dstu2_location = app.fhir(&format!("/dstu2/{SANDBOX}/Location/21250409"), Some(&token)).await;
    assert_eq!(dstu2_location.status(), 404, "DSTU2 has no Location");
}

#[tokio::test]
async fn every_location_an_appointment_names_is_readable_on_r4() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, R4_SCOPES).await;
    for id in ["21503380", "21304876", "32216049", "32216052"] {
        let location = app.r4_ok(&format!("/r4/{SANDBOX}/Location/{id}"), &token).await;
        assert_eq!(location["id"], id);
        assert!(location["name"].as_str().is_some_and(|n| !n.is_empty()));
        assert!(location["address"]["postalCode"].as_str().is_some_and(|p| p.len() == 5));
        assert!(location["physicalType"]["coding"][0]["code"].is_string());
    }
    let rehab = app.r4_ok(&format!("/r4/{SANDBOX}/Location/21503380"), &token).await;
    assert_eq!(rehab["name"], "OP Rehab1");
}

#[tokio::test]
async fn journal_records_the_version_and_a_fault_rule_can_match_a_version() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    app.admin
        .add_fault(
            &serde_json::from_value(
                json!({ "id": "r4-only", "match": { "version": "r4" }, "action": { "type": "status", "status": 503 } }),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let r4 = app.r4(&format!("/r4/{SANDBOX}/Appointment/4817508"), Some(&token)).await;
    assert_eq!(r4.status(), 503);
    assert_eq!(r4.headers()["content-type"], "application/fhir+json; charset=utf-8");
    let dstu2 = app.fhir(&format!("/dstu2/{SANDBOX}/Appointment/4817508"), Some(&token)).await;
    assert_eq!(dstu2.status(), 200);
    let journal = app.admin.journal(&Default::default()).await.unwrap();
    let versions: Vec<(Option<&str>, u16)> = journal
        .entries
        .iter()
        .filter(|e| e.path.contains("Appointment"))
        .map(|e| (e.fhir_version.map(|v| v.as_str()), e.status))
        .collect();
    assert_eq!(versions, [(Some("r4"), 503), (Some("dstu2"), 200)]);
    let bad = json!({ "match": { "version": "r5" }, "action": { "type": "reset" } });
    let refused = app.http.post(app.url("/__admin/faults")).json(&bad).send().await.unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("r5"), "the refusal names the value");
}

/// The production tenant refuses system tokens on DSTU2 and serves them on R4: the one tenant a
/// DSTU2-only client cannot sync.
#[tokio::test]
async fn the_production_tenant_refuses_dstu2_system_access_and_serves_r4() {
    let app = spawn_app().await;
    let token = app.token(PRODUCTION, R4_SCOPES).await;
    let dstu2 = app.envelope(app.fhir(&format!("/dstu2/{PRODUCTION}/Appointment?_id=1"), Some(&token)).await).await;
    assert_eq!(dstu2["status"], 403);
    assert_eq!(dstu2["body"]["issue"][0]["code"], "forbidden");
    let detail = app.admin.tenant(PRODUCTION).await.unwrap();
    let location = &detail.data.locations[0].id;
    let window = "date=ge2000-01-01T00:00:00Z&date=lt2100-01-01T00:00:00Z";
    let bundle =
        app.r4_ok(&format!("/r4/{PRODUCTION}/Appointment?location={location}&{window}&_count=5"), &token).await;
    assert_eq!(entry_ids(&bundle, "Appointment").len(), 5);
    app.r4_ok(&format!("/r4/{PRODUCTION}/Location/{location}"), &token).await;
}

/// fhir.cerner.com Millennium R4 Patient, Extensions: "* [US Core Race]" and "* [US Core
/// Ethnicity]" (its example: `'url': 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race'`,
/// `'system': 'urn:oid:2.16.840.1.113883.6.238'`). DSTU2 keeps the Argonaut extensions.
#[tokio::test]
async fn r4_patient_race_and_ethnicity_are_us_core_extensions_and_dstu2_keeps_argonaut() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let patient = app.r4_ok(&format!("/r4/{SANDBOX}/Patient/12724067"), &token).await;
    assert!(!patient.to_string().contains("argo-"), "{patient:#}");
    let extension = |url: &str| {
        patient["extension"].as_array().into_iter().flatten().find(|e| e["url"] == url).cloned().unwrap_or_default()
    };
    let race = extension("http://hl7.org/fhir/us/core/StructureDefinition/us-core-race");
    let omb = race["extension"].as_array().into_iter().flatten().find(|e| e["url"] == "ombCategory").cloned();
    let omb = omb.unwrap_or_default();
    assert_eq!(omb["valueCoding"]["system"], "urn:oid:2.16.840.1.113883.6.238", "{race:#}");
    assert_eq!((&omb["valueCoding"]["code"], &omb["valueCoding"]["display"]), (&json!("2106-3"), &json!("White")));
    assert!(race["extension"].as_array().unwrap().contains(&json!({"url": "text", "valueString": "White"})));
    let ethnicity = extension("http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity");
    for part in ethnicity["extension"].as_array().expect("us-core-ethnicity").iter().filter(|p| p["url"] != "text") {
        assert_eq!(part["valueCoding"]["system"], "urn:oid:2.16.840.1.113883.6.238", "{part}");
        assert_eq!(part["valueCoding"]["code"], "2186-5");
    }
    let dstu2: Value =
        app.fhir(&format!("/dstu2/{SANDBOX}/Patient/12724067"), Some(&token)).await.json().await.unwrap();
    let urls: Vec<&str> = dstu2["extension"].as_array().unwrap().iter().filter_map(|e| e["url"].as_str()).collect();
    assert!(urls.contains(&"http://fhir.org/guides/argonaut/StructureDefinition/argo-race"), "{urls:?}");
    assert!(urls.contains(&"http://fhir.org/guides/argonaut/StructureDefinition/argo-ethnicity"), "{urls:?}");
    assert!(!dstu2.to_string().contains("2.16.840.1.113883.6.238"));
}

/// fhir.cerner.com Millennium R4: the R4 not-found OperationOutcome example
/// (`r4_examples_document_reference.rb`, `R4_DOCUMENT_REFERENCE_NIL_STATUS`) is
/// `"severity": 'error', "code": 'not-found', "details": { "text": 'Resource not found' }`.
/// DSTU2 keeps its own 404 body.
#[tokio::test]
async fn an_r4_not_found_issue_says_resource_not_found_in_details_and_keeps_diagnostics() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    for path in [format!("/r4/{SANDBOX}/Appointment/0"), format!("/open/r4/{SANDBOX}/Patient/0")] {
        let env = app.envelope(app.r4(&path, Some(&token)).await).await;
        assert_eq!(env["status"], 404, "{path}");
        let issue = &env["body"]["issue"][0];
        assert_eq!((&issue["severity"], &issue["code"]), (&json!("error"), &json!("not-found")), "{path}");
        assert_eq!(issue["details"], json!({"text": "Resource not found"}), "{path}");
        assert!(issue["diagnostics"].as_str().is_some_and(|d| d.ends_with("/0 was not found")), "{path}: {issue}");
    }
    let dstu2: Value = app.fhir(&format!("/dstu2/{SANDBOX}/Appointment/0"), Some(&token)).await.json().await.unwrap();
    assert_eq!(dstu2["issue"][0]["code"], "not-found");
    assert!(dstu2["issue"][0].get("details").is_none(), "DSTU2 is unchanged: {dstu2}");
}
