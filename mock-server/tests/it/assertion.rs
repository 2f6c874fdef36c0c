//! private_key_jwt: RS384 and ES384 assertions signed with the fixture keys, and every way an
//! assertion can be wrong.

use cerner_mock::clock::DEFAULT_MANUAL_START;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::assert_envelope;
use crate::helpers::*;

const RSA_KEY: &[u8] = include_bytes!("../../../fixtures/keys/jwt-account-rs384.key.pem");
const EC_KEY: &[u8] = include_bytes!("../../../fixtures/keys/jwt-account-es384.key.pem");
const JWT_BEARER: &str = "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer";

fn sign(alg: Algorithm, kid: Option<&str>, claims: &Value) -> String {
    let key = match alg {
        Algorithm::RS384 | Algorithm::RS256 => EncodingKey::from_rsa_pem(RSA_KEY).unwrap(),
        Algorithm::ES384 => EncodingKey::from_ec_pem(EC_KEY).unwrap(),
        Algorithm::HS256 => EncodingKey::from_secret(b"secret").unwrap(),
        other => panic!("no fixture key for {other:?}"),
    };
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

/// Claims the emulator accepts, for a token URL.
fn good_claims(token_url: &str) -> Value {
    let now = DEFAULT_MANUAL_START.unix_timestamp();
    json!({ "iss": JWT_CLIENT, "sub": JWT_CLIENT, "aud": token_url, "exp": now + 240, "jti": uuid::Uuid::new_v4().to_string() })
}

fn body(assertion: &str) -> String {
    format!(
        "grant_type=client_credentials&scope=system%2FAppointment.read&client_assertion_type={JWT_BEARER}&client_assertion={assertion}"
    )
}

async fn post(app: &TestApp, assertion: &str) -> Value {
    app.envelope(app.post_token(SANDBOX, None, &body(assertion)).await).await
}

#[tokio::test]
async fn rs384_assertion_signed_with_the_fixture_key_gets_a_token() {
    let app = spawn_app().await;
    let assertion = sign(Algorithm::RS384, Some("jwt-account-rs384"), &good_claims(&app.token_url(SANDBOX)));
    let env = post(&app, &assertion).await;
    assert_eq!(env["status"], 200, "{env:#}");
    assert_eq!(env["body"]["scope"], "system/Appointment.read");
    assert_envelope!("assertion_rs384_success", env);
}

#[tokio::test]
async fn es384_assertion_with_an_audience_list_gets_a_token() {
    let app = spawn_app().await;
    let mut claims = good_claims(&app.token_url(SANDBOX));
    claims["aud"] = json!([app.token_url(SANDBOX)]);
    let env = post(&app, &sign(Algorithm::ES384, Some("jwt-account-es384"), &claims)).await;
    assert_eq!(env["status"], 200, "{env:#}");
}

/// SMART Backend Services (which Cerner points to) requires `kid` and `typ: JWT` in the header.
#[tokio::test]
async fn an_assertion_without_kid_or_typ_is_invalid_client() {
    let app = spawn_app().await;
    let env = post(&app, &sign(Algorithm::ES384, None, &good_claims(&app.token_url(SANDBOX)))).await;
    assert_eq!((env["status"].as_u64(), env["body"]["error"].as_str()), (Some(401), Some("invalid_client")));
    assert!(env["body"]["error_uri"].as_str().unwrap().contains("invalid%2Dclient%2Dassertion"), "{env:#}");
    assert_envelope!("assertion_without_kid", env);
    let mut header = Header::new(Algorithm::ES384);
    header.kid = Some("jwt-account-es384".into());
    header.typ = None;
    let key = EncodingKey::from_ec_pem(EC_KEY).unwrap();
    let untyped = jsonwebtoken::encode(&header, &good_claims(&app.token_url(SANDBOX)), &key).unwrap();
    let env = post(&app, &untyped).await;
    assert_eq!((env["status"].as_u64(), env["body"]["error"].as_str()), (Some(401), Some("invalid_client")));
}

#[tokio::test]
async fn a_replayed_jti_is_refused() {
    let app = spawn_app().await;
    let assertion = sign(Algorithm::ES384, Some("jwt-account-es384"), &good_claims(&app.token_url(SANDBOX)));
    assert_eq!(post(&app, &assertion).await["status"], 200);
    let env = post(&app, &assertion).await;
    assert_eq!((&env["status"], &env["body"]["error"]), (&json!(401), &json!("invalid_client")));
    assert!(env["body"]["error_uri"].as_str().unwrap().contains("invalid%2Dclient%2Dassertion"));
    assert_envelope!("assertion_replayed", env);
}

/// Each case breaks one rule of the assertion; every one must be `invalid_client`.
#[tokio::test]
async fn every_broken_assertion_is_invalid_client() {
    let app = spawn_unlimited_app().await;
    let url = app.token_url(SANDBOX);
    let now = DEFAULT_MANUAL_START.unix_timestamp();
    let with = |field: &str, value: Value| {
        let mut claims = good_claims(&url);
        claims[field] = value;
        claims
    };
    let without = |field: &str| {
        let mut claims = good_claims(&url);
        claims.as_object_mut().unwrap().remove(field);
        claims
    };
    let cases = [
        (
            "aud of another tenant",
            sign(Algorithm::RS384, Some("jwt-account-rs384"), &with("aud", json!(app.token_url(SECOND)))),
        ),
        ("expired", sign(Algorithm::RS384, Some("jwt-account-rs384"), &with("exp", json!(now - 1)))),
        (
            "exp more than five minutes ahead",
            sign(Algorithm::RS384, Some("jwt-account-rs384"), &with("exp", json!(now + 301))),
        ),
        (
            "sub differs from iss",
            sign(Algorithm::RS384, Some("jwt-account-rs384"), &with("sub", json!("someone-else"))),
        ),
        ("no jti", sign(Algorithm::RS384, Some("jwt-account-rs384"), &without("jti"))),
        ("no exp", sign(Algorithm::RS384, Some("jwt-account-rs384"), &without("exp"))),
        ("unknown client", sign(Algorithm::RS384, Some("jwt-account-rs384"), &with("iss", json!("nobody")))),
        ("account without JWKS", sign(Algorithm::RS384, Some("jwt-account-rs384"), &with("iss", json!(CLIENT)))),
        ("unknown kid", sign(Algorithm::RS384, Some("not-registered"), &good_claims(&url))),
        ("key of the wrong kid", sign(Algorithm::RS384, Some("jwt-account-es384"), &good_claims(&url))),
        ("RS256 is not allowed", sign(Algorithm::RS256, None, &good_claims(&url))),
        ("HS256 with a shared secret", sign(Algorithm::HS256, None, &good_claims(&url))),
        ("not a JWT", "not-a-jwt".to_owned()),
    ];
    for (case, assertion) in cases {
        let env = post(&app, &assertion).await;
        assert_eq!((&env["status"], &env["body"]["error"]), (&json!(401), &json!("invalid_client")), "{case}: {env:#}");
    }
    // The boundary itself is allowed: exp exactly five minutes ahead.
    let env = post(&app, &sign(Algorithm::RS384, Some("jwt-account-rs384"), &with("exp", json!(now + 300)))).await;
    assert_eq!(env["status"], 200, "{env:#}");
}

#[tokio::test]
async fn a_tampered_signature_is_invalid_client() {
    let app = spawn_app().await;
    let assertion = sign(Algorithm::RS384, Some("jwt-account-rs384"), &good_claims(&app.token_url(SANDBOX)));
    let (signed, signature) = assertion.rsplit_once('.').unwrap();
    let flipped: String = signature.chars().rev().collect();
    let env = post(&app, &format!("{signed}.{flipped}")).await;
    assert_eq!(env["status"], 401, "{env:#}");
}

#[tokio::test]
async fn an_assertion_for_a_tenant_that_has_not_approved_is_invalid_grant() {
    let app = spawn_app().await;
    let assertion = sign(Algorithm::ES384, Some("jwt-account-es384"), &good_claims(&app.token_url(UNAPPROVED)));
    let env = app.envelope(app.post_token(UNAPPROVED, None, &body(&assertion)).await).await;
    assert_eq!((&env["status"], &env["body"]["error"]), (&json!(400), &json!("invalid_grant")), "{env:#}");
}

#[tokio::test]
async fn assertion_without_its_type_is_invalid_request() {
    let app = spawn_app().await;
    let body = "grant_type=client_credentials&scope=system%2FAppointment.read&client_assertion=a.b.c";
    let env = app.envelope(app.post_token(SANDBOX, None, body).await).await;
    assert_eq!((&env["status"], &env["body"]["error"]), (&json!(400), &json!("invalid_request")), "{env:#}");
}
