//! The system-account token endpoint: client_secret_basic, every error path, headers and claims.

use serde_json::{Value, json};

use crate::assert_envelope;
use crate::helpers::*;

const SCOPE: &str = "system/Appointment.read system/Patient.read";
const GOOD_BODY: &str = "grant_type=client_credentials&scope=system%2FAppointment.read+system%2FPatient.read";

/// Sends a request that must be refused with `status` and `error`, and snapshots the envelope.
async fn refused(name: &str, tenant: &str, authorization: Option<&str>, body: &str, status: u16, error: &str) -> Value {
    let app = spawn_app().await;
    let envelope = app.envelope(app.post_token(tenant, authorization, body).await).await;
    assert_eq!(envelope["status"], status, "{envelope:#}");
    assert_eq!(envelope["body"]["error"], error, "{envelope:#}");
    assert_eq!(envelope["headers"]["cache-control"], "no-store");
    assert_envelope!(name, &envelope);
    envelope
}

#[tokio::test]
async fn basic_credentials_get_a_bearer_token_with_cerner_claims() {
    let app = spawn_app().await;
    let response = app.post_token(SANDBOX, Some(&basic(CLIENT, SECRET)), GOOD_BODY).await;
    let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    let token = body["access_token"].as_str().unwrap();
    let fields: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(fields.len(), 4, "exactly access_token, scope, token_type, expires_in: {body}");

    assert_eq!(jwt_header(token)["alg"], "ES256");
    let claims = claims(token);
    assert_eq!(claims["iss"], format!("{}/", app.base));
    assert_eq!(claims["azp"], CLIENT);
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 600);
    assert_eq!(claims["iat"].as_i64().unwrap(), app.clock.now().unix_timestamp());
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
    assert_eq!(claims["urn:com:cerner:authorization:claims"], json!({ "ver": "1.0", "tnt": SANDBOX, "azs": SCOPE }));

    let response = app.post_token(SANDBOX, Some(&basic(CLIENT, SECRET)), GOOD_BODY).await;
    assert_envelope!("token_success", app.envelope(response).await);
}

#[tokio::test]
async fn each_token_has_its_own_jti() {
    let app = spawn_app().await;
    let (a, b) = (app.token(SANDBOX, SCOPE).await, app.token(SANDBOX, SCOPE).await);
    assert_ne!(claims(&a)["jti"], claims(&b)["jti"]);
}

#[tokio::test]
async fn unregistered_wildcard_write_and_offline_scopes_are_silently_dropped() {
    let app = spawn_app().await;
    let body = "grant_type=client_credentials&scope=system%2F*.read+system%2FAppointment.write+offline_access+online_access+system%2FSlot.read+system%2FObservation.read";
    let response = app.post_token(SANDBOX, Some(&basic(CLIENT, SECRET)), body).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["scope"], "system/Slot.read");
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["urn:com:cerner:authorization:claims"]["azs"],
        "system/Slot.read"
    );
}

#[tokio::test]
async fn the_second_hospital_gets_its_own_tenant_claim() {
    let app = spawn_app().await;
    let token = app.token(SECOND, "system/Appointment.read").await;
    assert_eq!(claims(&token)["urn:com:cerner:authorization:claims"]["tnt"], SECOND);
}

#[tokio::test]
async fn missing_credentials_are_invalid_client_with_basic_challenge() {
    let env = refused("token_no_credentials", SANDBOX, None, GOOD_BODY, 401, "invalid_client").await;
    assert!(env["headers"]["www-authenticate"].as_str().unwrap().starts_with("Basic"));
    let uri = env["body"]["error_uri"].as_str().unwrap();
    assert!(uri.contains("oauth2%3Atoken%3Ainvalid%2Dclient%2Dcredentials"), "{uri}");
}

#[tokio::test]
async fn wrong_secret_is_invalid_client() {
    let env =
        refused("token_wrong_secret", SANDBOX, Some(&basic(CLIENT, "guess")), GOOD_BODY, 401, "invalid_client").await;
    assert!(env["body"]["error_uri"].as_str().unwrap().contains(&format!("client={CLIENT}&tenant={SANDBOX}")));
}

#[tokio::test]
async fn unknown_client_is_invalid_client() {
    refused("token_unknown_client", SANDBOX, Some(&basic("nobody", SECRET)), GOOD_BODY, 401, "invalid_client").await;
}

#[tokio::test]
async fn malformed_basic_value_is_invalid_client() {
    refused("token_malformed_basic", SANDBOX, Some("Basic %%%"), GOOD_BODY, 401, "invalid_client").await;
}

#[tokio::test]
async fn bearer_authorization_is_invalid_client() {
    refused("token_bearer_scheme", SANDBOX, Some("Bearer abc"), GOOD_BODY, 401, "invalid_client").await;
}

#[tokio::test]
async fn secret_in_the_body_is_invalid_client() {
    let body = format!("{GOOD_BODY}&client_id={CLIENT}&client_secret={SECRET}");
    refused("token_client_secret_post", SANDBOX, None, &body, 401, "invalid_client").await;
}

#[tokio::test]
async fn secret_of_the_jwt_only_account_is_refused() {
    refused("token_jwt_account_with_secret", SANDBOX, Some(&basic(JWT_CLIENT, "")), GOOD_BODY, 401, "invalid_client")
        .await;
}

#[tokio::test]
async fn unknown_tenant_is_invalid_grant() {
    let env = refused(
        "token_unknown_tenant",
        "00000000-0000-0000-0000-000000000000",
        Some(&basic(CLIENT, SECRET)),
        GOOD_BODY,
        400,
        "invalid_grant",
    )
    .await;
    assert!(env["body"]["error_uri"].as_str().unwrap().contains("invalid%2Dtenant"));
}

#[tokio::test]
async fn tenant_that_has_not_approved_the_account_is_invalid_grant() {
    refused("token_unapproved_tenant", UNAPPROVED, Some(&basic(CLIENT, SECRET)), GOOD_BODY, 400, "invalid_grant").await;
}

#[tokio::test]
async fn no_registered_scope_is_unauthorized_client() {
    let body = "grant_type=client_credentials&scope=system%2FObservation.read";
    let env =
        refused("token_empty_scopes", SANDBOX, Some(&basic(CLIENT, SECRET)), body, 400, "unauthorized_client").await;
    assert!(env["body"]["error_uri"].as_str().unwrap().contains("empty%2Dscopes"));
}

#[tokio::test]
async fn missing_scope_is_unauthorized_client() {
    refused(
        "token_missing_scope",
        SANDBOX,
        Some(&basic(CLIENT, SECRET)),
        "grant_type=client_credentials",
        400,
        "unauthorized_client",
    )
    .await;
}

#[tokio::test]
async fn authorization_code_grant_is_unsupported() {
    let body = "grant_type=authorization_code&code=abc&scope=system%2FPatient.read";
    refused("token_unsupported_grant", SANDBOX, Some(&basic(CLIENT, SECRET)), body, 400, "unsupported_grant_type")
        .await;
}

#[tokio::test]
async fn missing_grant_type_is_invalid_request() {
    refused(
        "token_missing_grant_type",
        SANDBOX,
        Some(&basic(CLIENT, SECRET)),
        "scope=system%2FPatient.read",
        400,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn repeated_parameter_is_invalid_request() {
    let body = "grant_type=client_credentials&scope=system%2FPatient.read&scope=system%2FSlot.read";
    refused("token_repeated_parameter", SANDBOX, Some(&basic(CLIENT, SECRET)), body, 400, "invalid_request").await;
}

#[tokio::test]
async fn bad_percent_encoding_is_invalid_request() {
    refused(
        "token_bad_escape",
        SANDBOX,
        Some(&basic(CLIENT, SECRET)),
        "grant_type=client_credentials&scope=%zz",
        400,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn malformed_scope_is_invalid_scope() {
    let body = "grant_type=client_credentials&scope=system%2FPatient.read++system%2FSlot.read";
    refused("token_malformed_scope", SANDBOX, Some(&basic(CLIENT, SECRET)), body, 400, "invalid_scope").await;
}

#[tokio::test]
async fn json_body_is_invalid_request() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(app.token_url(SANDBOX))
        .header("authorization", basic(CLIENT, SECRET))
        .json(&json!({ "grant_type": "client_credentials" }))
        .send()
        .await
        .unwrap();
    let env = app.envelope(response).await;
    assert_eq!((&env["status"], &env["body"]["error"]), (&json!(400), &json!("invalid_request")));
    assert_envelope!("token_json_body", env);
}

#[tokio::test]
async fn basic_and_assertion_together_are_invalid_request() {
    let body = format!(
        "{GOOD_BODY}&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=x.y.z"
    );
    refused("token_two_auth_methods", SANDBOX, Some(&basic(CLIENT, SECRET)), &body, 400, "invalid_request").await;
}

#[tokio::test]
async fn get_on_the_token_endpoint_is_method_not_allowed() {
    let app = spawn_app().await;
    assert_eq!(app.get(&token_path(SANDBOX), None).await.status(), 405);
}

/// fhir.cerner.com ("Basic Authentication") encodes `base64("clientid:secret")` of the raw string;
/// RFC 6749 §2.3.1 form-encodes both halves first. With `+ / = %` in the secret the two differ, and
/// both are accepted.
#[tokio::test]
async fn basic_credentials_work_raw_as_documented_and_form_encoded_as_rfc_6749_says() {
    const AWKWARD: &str = "s+cr/t=%2F%";
    let mut profile = cerner_mock::Profile::embedded_default();
    let account = profile.accounts.iter_mut().find(|a| a.client_id.as_str() == CLIENT).unwrap();
    account.secret = Some(cerner_mock::ids::Secret::new(AWKWARD.to_owned()));
    let app = spawn_app_with_profile(profile, cerner_mock::store::LoadOptions::default()).await;
    let encoded = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    assert_ne!(encoded(AWKWARD), AWKWARD);
    for (how, authorization) in [
        ("raw, as documented", basic(CLIENT, AWKWARD)),
        ("form-encoded, RFC 6749", basic(&encoded(CLIENT), &encoded(AWKWARD))),
    ] {
        let response = app.post_token(SANDBOX, Some(&authorization), GOOD_BODY).await;
        assert_eq!(response.status(), 200, "{how}");
    }
    for wrong in [basic(CLIENT, "s cr/t=%2F%"), basic(CLIENT, &encoded("s+cr/t=/%")), basic(CLIENT, "secret")] {
        let response = app.post_token(SANDBOX, Some(&wrong), GOOD_BODY).await;
        assert_eq!(response.status(), 401, "{wrong}");
    }
}

/// The fully qualified scope (Authorization specification, "Disambiguation of Scopes Between
/// Competing Protocols") is the short one: granted as asked, and it reads what the short one reads.
#[tokio::test]
async fn a_fully_qualified_scope_is_granted_and_reads_like_the_short_one() {
    let app = spawn_app().await;
    let full = "http://smarthealthit.org/FHIR/scopes/system/Appointment.read";
    let body = format!(
        "grant_type=client_credentials&scope={}",
        url::form_urlencoded::byte_serialize(full.as_bytes()).collect::<String>()
    );
    let response = app.post_token(SANDBOX, Some(&basic(CLIENT, SECRET)), &body).await;
    assert_eq!(response.status(), 200);
    let granted: Value = response.json().await.unwrap();
    assert_eq!(granted["scope"], full);
    let token = granted["access_token"].as_str().unwrap();
    let read = app.fhir(&format!("/dstu2/{SANDBOX}/Appointment/4817508"), Some(token)).await;
    assert_eq!(read.status(), 200);
    let other = app.fhir(&format!("/dstu2/{SANDBOX}/Patient/12724067"), Some(token)).await;
    assert_eq!(other.status(), 403, "still only the Appointment scope");
}
