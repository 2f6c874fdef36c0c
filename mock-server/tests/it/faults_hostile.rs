//! The hostile-paging fault actions, observed as a client would see them: cycles, endless and
//! foreign-tenant `next` links, a huge streamed page, a token URL on another origin; and a
//! profile's TOML naming them.

use cerner_mock::admin_client::{FaultAction, FaultMatch, FaultRule};
use serde_json::Value;

use crate::helpers::*;

const SEARCH: &str = "Appointment?location=21503380&date=ge2025-12-01&date=lt2026-03-01&_count=5";

fn sandbox(path: &str) -> String {
    format!("/dstu2/{SANDBOX}/{path}")
}

fn on_appointments() -> FaultMatch {
    FaultMatch::path("/dstu2/*/Appointment").tenant(SANDBOX)
}

#[tokio::test]
async fn next_self_links_a_page_to_its_own_url() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    app.admin.add_fault(&FaultRule::new(on_appointments(), FaultAction::NextSelf)).await.unwrap();
    let bundle: Value = app.fhir(&sandbox(SEARCH), Some(&token)).await.json().await.unwrap();
    assert_eq!(link(&bundle, "next"), Some(app.url(&sandbox(SEARCH)).as_str()));
}

#[tokio::test]
async fn next_cycle_links_the_second_page_back_to_the_first_as_it_was_asked() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    app.admin.add_fault(&FaultRule::new(on_appointments().nth(2), FaultAction::NextCycle)).await.unwrap();
    let first: Value = app.fhir(&sandbox(SEARCH), Some(&token)).await.json().await.unwrap();
    let second = app.follow(link(&first, "next").unwrap(), &token).await;
    assert_eq!(link(&second, "next"), Some(app.url(&sandbox(SEARCH)).as_str()));
    let journal = app.admin.journal(&Default::default()).await.unwrap();
    let faulted: Vec<_> = journal.entries.iter().filter_map(|e| e.fault.as_ref()).map(|f| f.action.as_str()).collect();
    assert_eq!(faulted, ["next_cycle"]);
}

#[tokio::test]
async fn endless_next_always_links_a_fresh_empty_page() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    app.admin.add_fault(&FaultRule::new(on_appointments(), FaultAction::EndlessNext)).await.unwrap();
    let mut url = app.url(&sandbox(SEARCH));
    let mut seen = std::collections::HashSet::new();
    for _ in 0..50 {
        let page = app.follow(&url, &token).await;
        assert_eq!((page["type"].as_str(), page["entry"].as_array().map(Vec::len)), (Some("searchset"), None));
        url = link(&page, "next").expect("always a next link").to_owned();
        assert!(url.starts_with(&app.url(&sandbox("Appointment?-pageContext="))), "{url}");
        assert!(seen.insert(url.clone()), "a fresh page every time");
    }
}

#[tokio::test]
async fn foreign_tenant_next_links_into_another_tenant_on_the_same_origin() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let action = FaultAction::ForeignTenantNext { tenant: UNAPPROVED.into() };
    app.admin.add_fault(&FaultRule::new(on_appointments(), action)).await.unwrap();
    let bundle: Value = app.fhir(&sandbox(SEARCH), Some(&token)).await.json().await.unwrap();
    let next = link(&bundle, "next").unwrap();
    assert!(next.starts_with(&app.url(&format!("/dstu2/{UNAPPROVED}/Appointment?-pageContext="))), "{next}");
}

#[tokio::test]
async fn a_huge_page_streams_the_padding_without_a_length_and_stays_json() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let padding = 3 * 1024 * 1024;
    app.admin.add_fault(&FaultRule::new(on_appointments(), FaultAction::HugePage { bytes: padding })).await.unwrap();
    let response = app.fhir(&sandbox(SEARCH), Some(&token)).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("content-length").is_none(), "the length is not announced");
    let body = response.bytes().await.unwrap();
    assert!(body.len() as u64 > padding);
    let bundle: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(entry_ids(&bundle, "Appointment").len(), 5, "the page itself is intact");
}

#[tokio::test]
async fn foreign_token_url_moves_the_token_url_of_the_metadata() {
    let app = spawn_app().await;
    let action = FaultAction::ForeignTokenUrl { origin: "http://127.0.0.1:9".into() };
    let metadata = FaultMatch::path("/dstu2/*/metadata").tenant(SANDBOX);
    app.admin.add_fault(&FaultRule::new(metadata, action)).await.unwrap();
    let conformance: Value = app.get(&sandbox("metadata"), Some("application/json+fhir")).await.json().await.unwrap();
    let uris = &conformance["rest"][0]["security"]["extension"][0]["extension"];
    let token = uris.as_array().unwrap().iter().find(|u| u["url"] == "token").unwrap();
    assert_eq!(token["valueUri"], format!("http://127.0.0.1:9{}", token_path(SANDBOX)));
    let other: Value = app.get(&format!("/dstu2/{SECOND}/metadata"), None).await.json().await.unwrap();
    assert!(other.to_string().contains(&app.token_url(SECOND)), "other tenants keep their token URL");
}

#[tokio::test]
async fn a_profile_names_the_new_actions_in_toml_and_bad_settings_are_refused() {
    for (toml_text, ok) in [
        ("action = { type = \"endless_next\" }", true),
        ("action = { type = \"huge_page\", bytes = 1048576 }", true),
        ("action = { type = \"foreign_tenant_next\", tenant = \"t2\" }", true),
        ("action = { type = \"foreign_token_url\", origin = \"http://127.0.0.1:9\" }", true),
        ("actions = [{ type = \"next_cycle\" }, { type = \"next_self\" }]", true),
        ("action = { type = \"huge_page\", bytes = 0 }", false),
        ("action = { type = \"foreign_tenant_next\", tenant = \"a/b\" }", false),
        ("action = { type = \"foreign_token_url\", origin = \"not a url\" }", false),
    ] {
        let rule: FaultRule = toml::from_str(toml_text).unwrap();
        assert_eq!(rule.validate().is_ok(), ok, "{toml_text}");
    }
}
