//! R4 Patient search rules of its own (fhir.cerner.com Millennium R4 Patient, Search; and the
//! CapabilityStatement Cerner publishes for it).

use serde_json::Value;

use crate::helpers::*;

async fn search(app: &TestApp, version: &str, query: &str) -> (u16, Value) {
    let response = app.get(&format!("/open/{version}/{SANDBOX}/Patient?{query}"), None).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn diagnostics(body: &Value) -> &str {
    body["issue"][0]["diagnostics"].as_str().unwrap_or_default()
}

/// "The `birthdate` parameter … Must not be provided with a time component."
#[tokio::test]
async fn an_r4_birthdate_has_no_time() {
    let app = spawn_app().await;
    let (status, body) = search(&app, "r4", "birthdate=1990-09-15T00:00:00Z").await;
    assert_eq!(status, 400);
    assert!(diagnostics(&body).contains("'birthdate'"), "{body}");
    assert_eq!(search(&app, "r4", "birthdate=1990-09-15").await.0, 200);
}

/// CapabilityStatement, Patient `gender`: "Gender may only be provided if another parameter other
/// than '_id' is provided."
#[tokio::test]
async fn an_r4_gender_needs_a_criterion_other_than_id() {
    let app = spawn_app().await;
    let (status, body) = search(&app, "r4", "_id=12724067&gender=male").await;
    assert_eq!(status, 400);
    assert!(diagnostics(&body).contains("'gender'"), "{body}");
    assert_eq!(search(&app, "r4", "family=SMART&gender=male").await.0, 200);
    assert_eq!(search(&app, "dstu2", "_id=12724067&gender=male").await.0, 200, "DSTU2 is unchanged");
}

/// CapabilityStatement, Patient `_count`: "Not honoured when '_id' or 'identifier' are set."
#[tokio::test]
async fn an_r4_id_search_answers_every_id_on_one_page_whatever_count_says() {
    let app = spawn_app().await;
    let (status, body) = search(&app, "r4", "_id=12724066,12724067&_count=1").await;
    assert_eq!(status, 200);
    assert_eq!(body["entry"].as_array().map(Vec::len), Some(2), "{body}");
    let links: Vec<&str> =
        body["link"].as_array().into_iter().flatten().filter_map(|l| l["relation"].as_str()).collect();
    assert_eq!(links, ["self"]);
}

/// "The `name`, `family`, and `given` parameters support the `:exact` modifier": R4 names no
/// other (DSTU2's `address-postalcode:exact` stays on DSTU2).
#[tokio::test]
async fn r4_takes_exact_on_names_only() {
    let app = spawn_app().await;
    let (status, body) = search(&app, "r4", "address-postalcode:exact=64111").await;
    assert_eq!(status, 400);
    assert!(diagnostics(&body).contains("unsupported search parameter 'address-postalcode:exact'"), "{body}");
    assert_eq!(search(&app, "r4", "family:exact=SMART").await.0, 200);
    assert_eq!(search(&app, "dstu2", "address-postalcode:exact=64111").await.0, 200);
}
