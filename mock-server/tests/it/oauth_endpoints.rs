//! The authorization server's revocation (RFC 7009) and introspection (RFC 7662) endpoints, which
//! fhir.cerner.com's R4 discovery documents advertise (`revocation_endpoint`,
//! `introspection_endpoint`, and `revoke`/`introspect` in the `oauth-uris` extension), and the
//! rule behind both: every URL a discovery document advertises is served.

use std::collections::BTreeSet;

use cerner_mock::Profile;
use cerner_mock::ids::{ClientId, Secret};
use cerner_mock::store::LoadOptions;
use serde_json::{Value, json};

use crate::assert_envelope;
use crate::helpers::*;

/// Every string on the emulator's origin anywhere in `document`.
fn urls_in(document: &Value, origin: &str, out: &mut BTreeSet<String>) {
    match document {
        Value::String(text) if text.starts_with(origin) => {
            out.insert(text.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| urls_in(v, origin, out)),
        Value::Object(map) => map.values().for_each(|v| urls_in(v, origin, out)),
        _ => {}
    }
}

/// fhir.cerner.com Millennium R4 CapabilityStatement (`R4_WELL_KNOWN`, `R4_AUTH_METADATA`) and
/// Authorization › Discovery: the documents name the endpoints a client is to call. Each URL on the
/// emulator's origin that the secured bases' discovery documents advertise answers something other
/// than 404: a GET for the FHIR ones, a form POST (refused for want of credentials) for the
/// authorization server's.
#[tokio::test]
async fn every_url_the_discovery_documents_advertise_is_served() {
    let app = spawn_app().await;
    let mut urls = BTreeSet::new();
    for version in ["dstu2", "r4"] {
        for document in ["metadata", ".well-known/smart-configuration"] {
            let response = app.get(&format!("/{version}/{SANDBOX}/{document}"), None).await;
            assert_eq!(response.status(), 200, "{version} {document}");
            urls_in(&response.json::<Value>().await.unwrap(), &app.base, &mut urls);
        }
    }
    let oauth: Vec<&String> = urls.iter().filter(|u| u.contains("/tenants/") || u.ends_with("/tokeninfo")).collect();
    assert_eq!(oauth.len(), 3, "token, revoke and introspect: {urls:?}");
    for url in &urls {
        let status = if oauth.contains(&url) {
            app.http.post(url).header("content-type", FORM).body("token=x").send().await.unwrap().status()
        } else {
            app.http.get(url).send().await.unwrap().status()
        };
        assert_ne!(status, 404, "{url} is advertised");
        assert!(status.as_u16() < 500, "{url}: {status}");
    }
}

async fn post_form(app: &TestApp, path: &str, authorization: Option<&str>, body: &str) -> reqwest::Response {
    let mut request = app.http.post(app.url(path)).header("content-type", FORM).body(body.to_owned());
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.unwrap()
}

fn revoke_path(tenant: &str) -> String {
    format!("{}/revoke", token_path(tenant))
}

async fn introspect(app: &TestApp, token: &str) -> Value {
    let response = post_form(app, "/tokeninfo", Some(&basic(CLIENT, SECRET)), &format!("token={token}")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().await.unwrap()
}

/// RFC 7009 §2.1–2.2 at Cerner's `revocation_endpoint` (`…/smart-v1/token/revoke`): the client
/// authenticates as at the token endpoint; a revoked token is refused by the FHIR bases as any
/// invalid token is (`401 invalid_token`); an unknown token is answered 200.
#[tokio::test]
async fn a_revoked_token_is_refused_on_both_fhir_versions() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, "system/Patient.read").await;
    let read = |version: &'static str| format!("/{version}/{SANDBOX}/Patient/12724066");
    assert_eq!(app.fhir(&read("r4"), Some(&token)).await.status(), 200);
    let revoked = post_form(&app, &revoke_path(SANDBOX), Some(&basic(CLIENT, SECRET)), &format!("token={token}")).await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(revoked.headers()["cache-control"], "no-store");
    for version in ["r4", "dstu2"] {
        let response = app.fhir(&read(version), Some(&token)).await;
        assert_eq!(response.status(), 401, "{version}");
        let challenge = response.headers()["www-authenticate"].to_str().unwrap().to_owned();
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        assert!(challenge.contains("revoked"), "{challenge}");
    }
    let again = post_form(&app, &revoke_path(SANDBOX), Some(&basic(CLIENT, SECRET)), &format!("token={token}")).await;
    assert_eq!(again.status(), 200, "revoking twice is no error");
    let fresh = app.token(SANDBOX, "system/Patient.read").await;
    assert_eq!(app.fhir(&read("r4"), Some(&fresh)).await.status(), 200, "other tokens still work");
}

#[tokio::test]
async fn revocation_answers_200_for_unknown_tokens_and_refuses_bad_requests() {
    let app = spawn_app().await;
    let path = revoke_path(SANDBOX);
    let basic_auth = basic(CLIENT, SECRET);
    let basic = &basic_auth;
    for unknown in ["token=not-a-token", "token=eyJ0.eyJ0.c2ln&token_type_hint=refresh_token"] {
        assert_eq!(post_form(&app, &path, Some(basic), unknown).await.status(), 200, "{unknown}");
    }
    let no_client = post_form(&app, &path, None, "token=x").await;
    assert_eq!(no_client.status(), 401, "the client authenticates, as at the token endpoint");
    let wrong_secret = post_form(&app, &path, Some(&super::helpers::basic(CLIENT, "wrong")), "token=x").await;
    assert_eq!(wrong_secret.status(), 401);
    let env = app.envelope(post_form(&app, &path, Some(basic), "token_type_hint=access_token").await).await;
    assert_eq!(env["body"]["error"], "invalid_request", "no token");
    let json = app.http.post(app.url(&path)).header("authorization", basic).json(&json!({"token": "x"})).send().await;
    assert_eq!(json.unwrap().status(), 400, "a form, not JSON");
    // A token of another tenant is no token of this endpoint's: nothing is revoked.
    let second = app.token(SECOND, "system/Patient.read").await;
    assert_eq!(post_form(&app, &path, Some(basic), &format!("token={second}")).await.status(), 200);
    let still = app.fhir(&format!("/r4/{SECOND}/Patient?_id=12724066"), Some(&second)).await;
    assert_eq!(still.status(), 200, "not revoked by another tenant's endpoint");
    assert_eq!(introspect(&app, &second).await["active"], true);
}

/// The default profile with a second Basic account, `other`/`other`, approved where the default is.
async fn app_with_another_client() -> TestApp {
    let mut profile = Profile::embedded_default();
    let mut other = profile.accounts.iter().find(|a| a.client_id.as_str() == CLIENT).unwrap().clone();
    other.client_id = ClientId::new("other");
    other.secret = Some(Secret::new("other"));
    profile.accounts.push(other);
    spawn_app_with_profile(profile, LoadOptions::default()).await
}

/// RFC 7009 §2.1: the server "verifies whether the token was issued to the client making the
/// revocation request. If this validation fails, the request is refused"; RFC 7662 §4: a client
/// learns nothing of tokens that are not its own.
#[tokio::test]
async fn a_client_may_neither_revoke_nor_inspect_another_clients_token() {
    let app = app_with_another_client().await;
    let token = app.token(SANDBOX, "system/Patient.read").await;
    let other = basic("other", "other");
    let refused = post_form(&app, &revoke_path(SANDBOX), Some(&other), &format!("token={token}")).await;
    let env = app.envelope(refused).await;
    assert_eq!((env["status"].clone(), env["body"]["error"].clone()), (json!(400), json!("unauthorized_client")));
    assert_envelope!("revoke_another_clients_token", env);
    assert_eq!(app.fhir(&format!("/r4/{SANDBOX}/Patient/12724066"), Some(&token)).await.status(), 200);
    let seen = post_form(&app, "/tokeninfo", Some(&other), &format!("token={token}")).await;
    assert_eq!(seen.json::<Value>().await.unwrap(), json!({ "active": false }));
    assert_eq!(introspect(&app, &token).await["active"], true, "its own client sees it");
}

/// RFC 7662 §2.2 at Cerner's `introspection_endpoint` (`/tokeninfo`): an active token with its
/// scope, client, expiry and issue time; inactive once expired by the emulator's clock or revoked,
/// and for anything that is no token of this server's.
#[tokio::test]
async fn introspection_says_which_tokens_are_active_and_what_they_grant() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, "system/Patient.read system/Encounter.read").await;
    let mut active = introspect(&app, &token).await;
    let claims = claims(&token);
    assert_eq!(active["exp"], claims["exp"]);
    assert_eq!(active["iat"], claims["iat"]);
    assert_eq!(active["jti"], claims["jti"]);
    active["exp"] = json!("[exp]");
    active["iat"] = json!("[iat]");
    active["jti"] = json!("[jti]");
    active["iss"] = json!(active["iss"].as_str().unwrap().replace(&app.base, "[origin]"));
    insta::assert_json_snapshot!("introspect_active", active);
    assert_eq!(introspect(&app, "not-a-token").await, json!({ "active": false }));
    app.clock.advance(time::Duration::seconds(600)).unwrap();
    assert_eq!(introspect(&app, &token).await, json!({ "active": false }), "expired");
    let fresh = app.token(SANDBOX, "system/Patient.read").await;
    let revoked = post_form(&app, &revoke_path(SANDBOX), Some(&basic(CLIENT, SECRET)), &format!("token={fresh}")).await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(introspect(&app, &fresh).await, json!({ "active": false }), "revoked");
    let unauthenticated = post_form(&app, "/tokeninfo", None, &format!("token={fresh}")).await;
    assert_eq!(unauthenticated.status(), 401, "RFC 7662 §2.1: the endpoint is protected");
    let missing = post_form(&app, "/tokeninfo", Some(&basic(CLIENT, SECRET)), "token_type_hint=access_token").await;
    assert_eq!(missing.status(), 400);
}
