//! Access control on `/dstu2/`: one test per failure kind, and the open endpoint without a token.

use cerner_mock::ids::{ClientId, TenantId};
use cerner_mock::scope::ScopeSet;
use cerner_mock::tokens::Grant;

use crate::assert_envelope;
use crate::helpers::*;

const READ: &str = "/Appointment/4817508";

fn sandbox(path: &str) -> String {
    format!("/dstu2/{SANDBOX}{path}")
}

#[tokio::test]
async fn no_token_is_401_invalid_token_with_operation_outcome_login() {
    let app = spawn_app().await;
    let env = app.envelope(app.fhir(&sandbox(READ), None).await).await;
    assert_eq!(env["status"], 401);
    assert_eq!(env["body"]["issue"][0]["code"], "login");
    assert!(env["headers"]["www-authenticate"].as_str().unwrap().contains("error=\"invalid_token\""));
    assert_envelope!("auth_no_token", env);
}

#[tokio::test]
async fn a_token_not_issued_here_is_401() {
    let app = spawn_app().await;
    let env = app.envelope(app.fhir(&sandbox(READ), Some("eyJhbGciOiJFUzI1NiJ9.e30.c2ln")).await).await;
    assert_eq!(env["status"], 401);
    assert_envelope!("auth_bad_token", env);
}

#[tokio::test]
async fn an_expired_token_is_401_once_the_clock_passes_exp() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    app.clock.advance(time::Duration::seconds(599)).unwrap();
    assert_eq!(app.fhir(&sandbox(READ), Some(&token)).await.status(), 200);
    app.clock.advance(time::Duration::seconds(1)).unwrap();
    let env = app.envelope(app.fhir(&sandbox(READ), Some(&token)).await).await;
    assert_eq!(env["status"], 401);
    assert!(env["headers"]["www-authenticate"].as_str().unwrap().contains("expired"));
    assert_envelope!("auth_expired_token", env);
}

#[tokio::test]
async fn a_token_for_another_tenant_is_401_tenant_mismatch() {
    let app = spawn_app().await;
    let token = app.token(SECOND, ALL_SCOPES).await;
    let env = app.envelope(app.fhir(&sandbox(READ), Some(&token)).await).await;
    assert_eq!(env["status"], 401);
    assert!(env["body"]["issue"][0]["diagnostics"].as_str().unwrap().contains("Tenant mismatch"));
    assert_envelope!("auth_tenant_mismatch", env);
}

#[tokio::test]
async fn a_token_without_the_types_scope_is_403_insufficient_scope() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, "system/Patient.read").await;
    let env = app.envelope(app.fhir(&sandbox(READ), Some(&token)).await).await;
    assert_eq!(env["status"], 403);
    assert_eq!(env["body"]["issue"][0]["code"], "forbidden");
    assert!(env["headers"]["www-authenticate"].as_str().unwrap().contains("insufficient_scope"));
    assert_envelope!("auth_insufficient_scope", env);
    assert_eq!(app.fhir(&sandbox("/Patient/12724067"), Some(&token)).await.status(), 200);
}

#[tokio::test]
async fn an_unknown_tenant_is_403_tenant_not_valid() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let response = app.fhir(&format!("/dstu2/00000000-0000-0000-0000-000000000000{READ}"), Some(&token)).await;
    let env = app.envelope(response).await;
    assert_eq!((env["status"].as_u64(), env["body"].as_str()), (Some(403), Some("Tenant not valid or accessible")));
}

/// A token that names a tenant which has not approved the account (as after a revoked approval).
#[tokio::test]
async fn a_tenant_that_has_not_approved_the_account_is_403_tenant_not_valid() {
    let app = spawn_app().await;
    let state = app.server.state();
    let (client, tenant) = (ClientId::new(CLIENT), TenantId::parse(UNAPPROVED).unwrap());
    let scopes = ScopeSet::parse(ALL_SCOPES).unwrap();
    let issuer = format!("{}/", app.base);
    let grant = Grant {
        issuer: &issuer,
        client_id: &client,
        tenant: &tenant,
        scopes: &scopes,
        issued_at: app.clock.now(),
        lifetime_seconds: 600,
    };
    let token = state.keys().issue(&grant).unwrap().token;
    let env = app.envelope(app.fhir(&format!("/dstu2/{UNAPPROVED}{READ}"), Some(&token)).await).await;
    assert_eq!((env["status"].as_u64(), env["body"].as_str()), (Some(403), Some("Tenant not valid or accessible")));
    assert_envelope!("auth_unapproved_tenant", env);
}

#[tokio::test]
async fn the_open_endpoint_answers_without_a_token() {
    let app = spawn_app().await;
    let response = app.fhir(&format!("/open/dstu2/{SANDBOX}{READ}"), None).await;
    assert_eq!(response.status(), 200);
    let response = app.fhir(&format!("/open/dstu2/{SANDBOX}/Appointment?patient=12724066&date=2020"), None).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(link(&body, "self").unwrap().starts_with(&format!("{}/open/dstu2/", app.base)));
}

#[tokio::test]
async fn unsupported_types_are_404_for_an_authorized_caller_and_401_otherwise() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    for path in ["/Location/21503380", "/Location?_id=21503380", "/Observation?patient=12724066"] {
        let env = app.envelope(app.fhir(&sandbox(path), Some(&token)).await).await;
        assert_eq!(env["status"], 404, "{path}");
        assert_eq!(env["body"]["issue"][0]["code"], "not-found", "{path}");
        assert_eq!(app.fhir(&sandbox(path), None).await.status(), 401, "{path}");
    }
    assert_envelope!(
        "location_not_served",
        app.envelope(app.fhir(&sandbox("/Location/21503380"), Some(&token)).await).await
    );
}

/// fhir.cerner.com's DSTU2 overview: system authentication is "available only in sandbox for beta
/// testing". A production tenant issues the token but its DSTU2 endpoints refuse it.
#[tokio::test]
async fn a_tenant_without_dstu2_system_access_refuses_system_tokens_after_issuing_them() {
    let app = spawn_app().await;
    let token = app.token(PRODUCTION, ALL_SCOPES).await;
    let env = app.envelope(app.fhir(&format!("/dstu2/{PRODUCTION}/Patient?_id=1"), Some(&token)).await).await;
    assert_eq!((env["status"].as_u64(), env["body"]["issue"][0]["code"].as_str()), (Some(403), Some("forbidden")));
    assert!(env["body"]["issue"][0]["diagnostics"].as_str().unwrap().contains("only in sandbox"), "{env:#}");
    assert_envelope!("auth_no_dstu2_system_access", env);
    let metadata = app.fhir(&format!("/dstu2/{PRODUCTION}/metadata"), None).await;
    assert_eq!(metadata.status(), 200, "discovery needs no token");
    let sandbox = app.token(SANDBOX, ALL_SCOPES).await;
    let other = app.fhir(&format!("/dstu2/{SANDBOX}/Patient/12724067"), Some(&sandbox)).await;
    assert_eq!(other.status(), 200, "the sandbox-like tenants accept system tokens");
    let appointments = app.admin.tenant(PRODUCTION).await.unwrap().data.counts["Appointment"];
    assert!(appointments > 0, "the tenant holds data");
}
