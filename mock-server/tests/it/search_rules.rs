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
