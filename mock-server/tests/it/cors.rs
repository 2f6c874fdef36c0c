//! The headers of Cerner's two hosts: CORS on the FHIR and token URLs (DSTU2 "Cross Origin
//! Resource Sharing"; the token responses of "Authorization"), the standard FHIR headers of the
//! documentation's examples, on real and fault-injected answers alike.

use cerner_mock::Profile;
use cerner_mock::admin_client::{FaultAction, FaultMatch, FaultRule};
use cerner_mock::store::LoadOptions;
use serde_json::{Value, json};

use crate::helpers::*;

/// Every header but the ones that change from run to run, sorted by name.
fn headers(response: &reqwest::Response) -> Value {
    let mut names: Vec<&str> = response.headers().keys().map(|n| n.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let map: serde_json::Map<String, Value> = names
        .into_iter()
        .filter(|n| !matches!(*n, "date" | "content-length" | "x-request-id"))
        .map(|n| {
            let values: Vec<&str> = response.headers().get_all(n).iter().map(|v| v.to_str().unwrap_or("?")).collect();
            // Random per answer: only its presence is snapshotted (its form is tested in request_ids).
            let value = if n == "opc-request-id" { "[/hex/hex]".to_owned() } else { values.join(" | ") };
            (n.to_owned(), json!(value))
        })
        .collect();
    json!({ "status": response.status().as_u16(), "headers": map })
}

async fn preflight(app: &TestApp, path: &str, method: &str) -> reqwest::Response {
    app.http
        .request(reqwest::Method::OPTIONS, app.url(path))
        .header("origin", "http://example.com")
        .header("access-control-request-method", method)
        .header("access-control-request-headers", "authorization,content-type")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_fhir_preflight_answers_200_with_the_documented_headers() {
    let app = spawn_app().await;
    let response = preflight(&app, &format!("/dstu2/{SANDBOX}/metadata"), "GET").await;
    insta::assert_json_snapshot!("cors_fhir_preflight", headers(&response));
    let response = preflight(&app, &format!("/open/dstu2/{SANDBOX}/Patient/12724067"), "GET").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-max-age"], "0");
    assert_eq!(app.admin.journal(&Default::default()).await.unwrap().recorded, 0, "preflights are not journaled");
    // The preflight exposes what an actual answer exposes, on both versions.
    let answer = app.http.get(app.url(&format!("/r4/{SANDBOX}/metadata"))).header("origin", "http://x").send().await;
    let exposed = answer.unwrap().headers()["access-control-expose-headers"].clone();
    let response = preflight(&app, &format!("/r4/{SANDBOX}/Appointment?patient=1"), "GET").await;
    assert_eq!(response.headers()["access-control-expose-headers"], exposed);
    insta::assert_json_snapshot!("cors_r4_preflight", headers(&response));
}

#[tokio::test]
async fn a_fhir_answer_to_an_origin_carries_the_documented_cors_and_standard_headers() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(app.url(&format!("/dstu2/{SANDBOX}/metadata")))
        .header("origin", "http://example.com")
        .send()
        .await
        .unwrap();
    insta::assert_json_snapshot!("cors_fhir_get", headers(&response));
    let token = app.token(SANDBOX, "system/Appointment.read").await;
    let response = app.fhir(&format!("/dstu2/{SANDBOX}/Appointment/4817508"), Some(&token)).await;
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert_eq!(response.headers()["cache-control"], "no-cache");
    assert!(response.headers().get("strict-transport-security").is_none(), "not on an http origin");
}

#[tokio::test]
async fn an_https_public_origin_adds_strict_transport_security() {
    let mut profile = Profile::embedded_default();
    profile.public_origin = Some("https://fhir.example.test".parse().unwrap());
    let app = spawn_app_with_profile(profile, LoadOptions::default()).await;
    let url = format!("http://{}/dstu2/{SANDBOX}/metadata", app.server.addr());
    let response = app.http.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["strict-transport-security"], "max-age=631152000");
}

#[tokio::test]
async fn token_preflight_and_answers_carry_the_documented_cors_headers() {
    let app = spawn_app().await;
    let response = preflight(&app, &token_path(SANDBOX), "POST").await;
    insta::assert_json_snapshot!("cors_token_preflight", headers(&response));
    let body = "grant_type=client_credentials&scope=system/Appointment.read";
    let response = app.post_token(SANDBOX, Some(&basic(CLIENT, SECRET)), body).await;
    insta::assert_json_snapshot!("cors_token_success", headers(&response));
    let response = app.post_token(SANDBOX, Some(&basic(CLIENT, "wrong")), body).await;
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert_eq!(response.headers()["access-control-allow-methods"], "OPTIONS, POST");
}

#[tokio::test]
async fn fault_injected_answers_carry_the_hosts_headers_too() {
    let app = spawn_app().await;
    let rule =
        |resource: &str| FaultRule::new(FaultMatch::any().resource(resource), FaultAction::Status { status: 503 });
    app.admin.add_fault(&rule("metadata")).await.unwrap();
    app.admin.add_fault(&rule("token")).await.unwrap();
    let response = app.fhir(&format!("/dstu2/{SANDBOX}/metadata"), None).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert_eq!(response.headers()["x-frame-options"], "SAMEORIGIN");
    let response = app.post_token(SANDBOX, Some(&basic(CLIENT, SECRET)), "grant_type=client_credentials").await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["access-control-allow-headers"], "Content-Type, Authorization");
}
