//! Discovery: the Conformance statement with SMART oauth-uris, the open variant, and
//! `.well-known/smart-configuration`.

use serde_json::{Value, json};

use crate::assert_envelope;
use crate::helpers::*;

fn oauth_uris(conformance: &Value) -> Option<&Vec<Value>> {
    conformance["rest"][0]["security"]["extension"]
        .as_array()?
        .iter()
        .find(|e| e["url"] == "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris")?["extension"]
        .as_array()
}

#[tokio::test]
async fn secured_metadata_points_at_this_tenants_token_url_without_a_token() {
    let app = spawn_app().await;
    let response = app.get(&format!("/dstu2/{SANDBOX}/metadata"), Some("application/json+fhir")).await;
    let env = app.envelope(response).await;
    assert_eq!(env["status"], 200);
    assert_eq!(env["headers"]["content-type"], "application/json+fhir; charset=utf-8");
    let uris = oauth_uris(&env["body"]).expect("oauth-uris extension");
    assert_eq!(uris[0], json!({ "url": "token", "valueUri": format!("[origin]{}", token_path(SANDBOX)) }));
    // Cerner's DSTU2 example also lists `authorize`, which a system account never uses and the
    // emulator does not serve: the metadata names no URL it answers 404 to.
    assert_eq!(uris.len(), 1, "{uris:?}");
    assert_eq!(env["body"]["rest"][0]["security"]["service"][0]["coding"][0]["code"], "SMART-on-FHIR");
    assert_envelope!("metadata_secured", env);
}

#[tokio::test]
async fn the_token_url_in_metadata_issues_tokens() {
    let app = spawn_app().await;
    let conformance: Value = app.get(&format!("/dstu2/{SECOND}/metadata"), None).await.json().await.unwrap();
    let token_url = oauth_uris(&conformance).unwrap()[0]["valueUri"].as_str().unwrap().to_owned();
    let response = app
        .http
        .post(token_url)
        .header("authorization", basic(CLIENT, SECRET))
        .header("content-type", FORM)
        .body("grant_type=client_credentials&scope=system%2FAppointment.read")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn public_origin_is_used_in_metadata() {
    let mut config = cerner_mock::ServerConfig::new(cerner_mock::Profile::embedded_default());
    config.public_origin = Some(url::Url::parse("http://localhost:9999").unwrap());
    let server = cerner_mock::MockServer::start(config).await.unwrap();
    let url = format!("http://{}/dstu2/{SANDBOX}/metadata", server.addr());
    let conformance: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    assert_eq!(conformance["url"], format!("http://localhost:9999/dstu2/{SANDBOX}/metadata"));
    assert_eq!(
        oauth_uris(&conformance).unwrap()[0]["valueUri"],
        format!("http://localhost:9999{}", token_path(SANDBOX))
    );
}

#[tokio::test]
async fn open_metadata_has_no_oauth_uris() {
    let app = spawn_app().await;
    let env = app.envelope(app.get(&format!("/open/dstu2/{SANDBOX}/metadata"), None).await).await;
    assert_eq!(env["status"], 200);
    assert!(oauth_uris(&env["body"]).is_none());
    assert_eq!(env["body"]["url"], format!("[origin]/open/dstu2/{SANDBOX}/metadata"));
    assert_envelope!("metadata_open", env);
}

#[tokio::test]
async fn metadata_of_an_unknown_tenant_is_403_tenant_not_valid() {
    let app = spawn_app().await;
    for path in [
        "/dstu2/00000000-0000-0000-0000-000000000000/metadata",
        "/open/dstu2/00000000-0000-0000-0000-000000000000/metadata",
        "/dstu2/00000000-0000-0000-0000-000000000000/.well-known/smart-configuration",
    ] {
        let env = app.envelope(app.get(path, None).await).await;
        assert_eq!(env["status"], 403, "{path}");
        assert_eq!(env["body"], "Tenant not valid or accessible", "{path}");
    }
    let env = app.envelope(app.get("/dstu2/00000000-0000-0000-0000-000000000000/metadata", None).await).await;
    assert_envelope!("metadata_unknown_tenant", env);
}

#[tokio::test]
async fn smart_configuration_lists_both_auth_methods() {
    let app = spawn_app().await;
    let env = app.envelope(app.get(&format!("/dstu2/{SANDBOX}/.well-known/smart-configuration"), None).await).await;
    assert_eq!(env["status"], 200);
    assert_eq!(env["body"]["token_endpoint_auth_methods_supported"], json!(["client_secret_basic", "private_key_jwt"]));
    assert_eq!(env["body"]["token_endpoint"], format!("[origin]{}", token_path(SANDBOX)));
    assert_envelope!("smart_configuration", env);
}

#[tokio::test]
async fn accept_headers_are_negotiated() {
    let app = spawn_app().await;
    let path = format!("/dstu2/{SANDBOX}/metadata");
    for accept in [None, Some("application/json"), Some("application/json+fhir"), Some("*/*")] {
        assert_eq!(app.get(&path, accept).await.status(), 200, "{accept:?}");
    }
    let response = app.get(&path, Some("application/xml+fhir")).await;
    assert_eq!(response.status(), 406);
    assert!(response.headers().contains_key("x-request-id"));
    assert_eq!(response.text().await.unwrap(), "");
}

#[tokio::test]
async fn every_fhir_response_has_a_request_id() {
    let app = spawn_app().await;
    let a = app.get(&format!("/dstu2/{SANDBOX}/metadata"), None).await;
    let b = app.get(&format!("/dstu2/{SANDBOX}/metadata"), None).await;
    let id = |r: &reqwest::Response| r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(id(&a), id(&b));
    assert!(uuid::Uuid::parse_str(&id(&a)).is_ok());
}
