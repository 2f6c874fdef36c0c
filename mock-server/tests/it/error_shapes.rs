//! One rendering of each surface's errors: what a fault rule injects looks like what the handlers
//! answer themselves (a 500 is the OperationOutcome fhir.cerner.com documents for a 500).

use cerner_mock::admin_client::{FaultAction, FaultMatch, FaultRule};
use serde_json::Value;

use crate::assert_envelope;
use crate::helpers::*;

fn status_fault(resource: &str, status: u16) -> FaultRule {
    FaultRule::new(FaultMatch::any().resource(resource), FaultAction::Status { status })
}

/// Header names and values of an answer, without those that differ between any two answers.
fn header_set(response: &reqwest::Response) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "date" | "content-length" | "x-request-id" | "opc-request-id"))
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or("?").to_owned()))
        .collect();
    headers.sort();
    headers
}

#[tokio::test]
async fn a_fault_500_on_fhir_is_the_documented_operation_outcome() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    app.admin.add_fault(&status_fault("Appointment", 500)).await.unwrap();
    let env = app.envelope(app.fhir(&format!("/dstu2/{SANDBOX}/Appointment/4817508"), Some(&token)).await).await;
    assert_eq!(env["body"]["issue"][0]["severity"], "fatal");
    assert_envelope!("fault_500_fhir", env);
}

#[tokio::test]
async fn a_fault_401_on_fhir_is_the_invalid_token_challenge_the_handlers_send() {
    let app = spawn_app().await;
    let real = app.fhir(&format!("/dstu2/{SANDBOX}/Appointment/4817508"), Some("not-a-token")).await;
    app.admin.add_fault(&status_fault("Appointment", 401)).await.unwrap();
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let injected = app.fhir(&format!("/dstu2/{SANDBOX}/Appointment/4817508"), Some(&token)).await;
    assert_eq!((real.status().as_u16(), injected.status().as_u16()), (401, 401));
    assert_eq!(header_set(&real), header_set(&injected));
    let (real, injected): (Value, Value) = (real.json().await.unwrap(), injected.json().await.unwrap());
    assert_eq!(real, injected);
}

#[tokio::test]
async fn a_fault_401_on_the_token_endpoint_carries_the_headers_of_a_real_one() {
    let app = spawn_app().await;
    let body = "grant_type=client_credentials&scope=system/Appointment.read";
    let real = app.post_token(SANDBOX, Some(&basic(CLIENT, "wrong")), body).await;
    app.admin.add_fault(&status_fault("token", 401)).await.unwrap();
    let injected = app.post_token(SANDBOX, Some(&basic(CLIENT, SECRET)), body).await;
    assert_eq!((real.status().as_u16(), injected.status().as_u16()), (401, 401));
    let headers = header_set(&injected);
    assert_eq!(header_set(&real), headers);
    for expected in ["www-authenticate", "cache-control", "pragma"] {
        assert!(headers.iter().any(|(name, _)| name == expected), "{expected} in {headers:?}");
    }
    let (real, injected): (Value, Value) = (real.json().await.unwrap(), injected.json().await.unwrap());
    assert_eq!(real["error"], injected["error"]);
}
