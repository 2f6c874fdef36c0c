//! Every fault action, observed by reqwest as a client would see it.

use cerner_mock::admin_client::{FaultAction, FaultMatch, FaultRule};
use serde_json::Value;

use crate::assert_envelope;
use crate::helpers::*;

const SEARCH: &str = "Appointment?location=21503380&date=ge2025-12-01&date=lt2026-03-01&_count=5";

fn sandbox(path: &str) -> String {
    format!("/dstu2/{SANDBOX}/{path}")
}

fn on_appointments() -> FaultMatch {
    FaultMatch::path("/dstu2/*/Appointment*")
}

#[tokio::test]
async fn a_status_fault_answers_an_operation_outcome_on_fhir_and_an_oauth_error_on_the_token_endpoint() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    app.admin.add_fault(&FaultRule::new(on_appointments(), FaultAction::Status { status: 503 })).await.unwrap();
    let env = app.envelope(app.fhir(&sandbox(SEARCH), Some(&token)).await).await;
    assert_eq!((env["status"].as_u64(), env["body"]["issue"][0]["code"].as_str()), (Some(503), Some("transient")));
    assert_envelope!("fault_status_fhir", env);

    app.admin
        .add_fault(&FaultRule::new(FaultMatch::any().resource("token"), FaultAction::Status { status: 500 }))
        .await
        .unwrap();
    let env = app
        .envelope(app.post_token(SANDBOX, Some(&basic(CLIENT, SECRET)), "grant_type=client_credentials").await)
        .await;
    assert_eq!((env["status"].as_u64(), env["body"]["error"].as_str()), (Some(500), Some("server_error")));
    assert_envelope!("fault_status_token", env);
}

#[tokio::test]
async fn a_throttle_fault_sends_429_with_the_given_retry_after() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let hours = FaultAction::Throttle { retry_after: "7200".into() };
    let date = FaultAction::Throttle { retry_after: "Mon, 05 Jan 2026 10:00:00 GMT".into() };
    app.admin.add_fault(&FaultRule::sequence(on_appointments(), vec![hours, date])).await.unwrap();
    let env = app.envelope(app.fhir(&sandbox(SEARCH), Some(&token)).await).await;
    assert_eq!(env["status"], 429);
    assert_eq!(env["headers"]["retry-after"], "7200");
    assert_eq!(env["body"]["issue"][0]["code"], "throttled");
    assert_eq!(env["body"]["issue"][0]["diagnostics"], "Too Many Requests");
    assert_envelope!("fault_throttle_hours", env);
    let response = app.fhir(&sandbox(SEARCH), Some(&token)).await;
    assert_eq!(response.headers()["retry-after"], "Mon, 05 Jan 2026 10:00:00 GMT");
}

#[tokio::test]
async fn a_delay_fault_holds_the_answer_back() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    app.admin.add_fault(&FaultRule::new(on_appointments(), FaultAction::Delay { ms: 300 })).await.unwrap();
    let started = std::time::Instant::now();
    assert_eq!(app.fhir(&sandbox(SEARCH), Some(&token)).await.status(), 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
}

#[tokio::test]
async fn a_reset_fault_is_an_io_error_for_the_client() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    app.admin.add_fault(&FaultRule::new(on_appointments().nth(1), FaultAction::Reset)).await.unwrap();
    let error = app.http.get(app.url(&sandbox(SEARCH))).bearer_auth(&token).send().await.unwrap_err();
    assert!(!error.is_timeout() && !error.is_status(), "{error:?}");
    assert!(error.is_request() || error.is_connect() || error.is_body(), "{error:?}");
    assert_eq!(app.fhir(&sandbox(SEARCH), Some(&token)).await.status(), 200, "the next request is served");
}

#[tokio::test]
async fn a_truncated_body_is_a_decode_error_for_the_client() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    app.admin.add_fault(&FaultRule::new(on_appointments(), FaultAction::Truncate)).await.unwrap();
    let response = app.http.get(app.url(&sandbox(SEARCH))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let error = response.bytes().await.unwrap_err();
    assert!(error.is_body() || error.is_decode() || error.is_request(), "{error:?}");
}

#[tokio::test]
async fn a_malformed_body_is_a_200_that_is_not_json() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    app.admin.add_fault(&FaultRule::new(on_appointments(), FaultAction::Malformed)).await.unwrap();
    let response = app.fhir(&sandbox(SEARCH), Some(&token)).await;
    assert_eq!(response.status(), 200);
    assert!(response.json::<Value>().await.unwrap_err().is_decode());
}

#[tokio::test]
async fn an_expired_token_fault_makes_that_token_401_from_then_on() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    app.admin.add_fault(&FaultRule::new(on_appointments().nth(2), FaultAction::ExpireToken)).await.unwrap();
    assert_eq!(app.fhir(&sandbox(SEARCH), Some(&token)).await.status(), 200);
    let env = app.envelope(app.fhir(&sandbox(SEARCH), Some(&token)).await).await;
    assert_eq!(env["status"], 401);
    assert!(env["headers"]["www-authenticate"].as_str().unwrap().contains("expired"));
    assert_eq!(app.fhir(&sandbox("Patient/12724067"), Some(&token)).await.status(), 401, "the token stays expired");
    let fresh = app.token(SANDBOX, ALL_SCOPES).await;
    assert_eq!(app.fhir(&sandbox(SEARCH), Some(&fresh)).await.status(), 200);
}

#[tokio::test]
async fn a_revoked_approval_is_403_on_fhir_and_invalid_grant_on_the_token_endpoint() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let other = app.token(SECOND, ALL_SCOPES).await;
    app.admin
        .add_fault(&FaultRule::new(on_appointments().tenant(SANDBOX).nth(2), FaultAction::RevokeApproval))
        .await
        .unwrap();
    assert_eq!(app.fhir(&sandbox(SEARCH), Some(&token)).await.status(), 200);
    let env = app.envelope(app.fhir(&sandbox(SEARCH), Some(&token)).await).await;
    assert_eq!((env["status"].as_u64(), env["body"].as_str()), (Some(403), Some("Tenant not valid or accessible")));
    let refused = app
        .post_token(SANDBOX, Some(&basic(CLIENT, SECRET)), "grant_type=client_credentials&scope=system%2FPatient.read")
        .await;
    assert_eq!(refused.status(), 400);
    assert_eq!(refused.json::<Value>().await.unwrap()["error"], "invalid_grant");
    let second = app.fhir(&format!("/dstu2/{SECOND}/Patient?_id=1"), Some(&other)).await;
    assert_eq!(second.status(), 200, "other tenants are untouched");
}

#[tokio::test]
async fn a_foreign_next_fault_points_the_next_link_at_another_origin() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let foreign = FaultAction::ForeignNext { origin: "http://127.0.0.1:9".into() };
    app.admin.add_fault(&FaultRule::new(on_appointments(), foreign)).await.unwrap();
    let bundle: Value = app.fhir(&sandbox(SEARCH), Some(&token)).await.json().await.unwrap();
    let next = link(&bundle, "next").unwrap();
    assert!(next.starts_with(&format!("http://127.0.0.1:9/dstu2/{SANDBOX}/Appointment?-pageContext=")), "{next}");
    assert!(link(&bundle, "self").unwrap().starts_with(&app.base), "only next is rewritten");
}

#[tokio::test]
async fn a_short_page_keeps_its_next_link() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    app.admin.add_fault(&FaultRule::new(on_appointments().nth(1), FaultAction::ShortPage { keep: 2 })).await.unwrap();
    let first: Value = app.fhir(&sandbox(SEARCH), Some(&token)).await.json().await.unwrap();
    assert_eq!(entry_ids(&first, "Appointment").len(), 2);
    let next = link(&first, "next").expect("a short page still links to the next");
    assert_eq!(entry_ids(&app.follow(next, &token).await, "Appointment").len(), 5);
}

#[tokio::test]
async fn a_moved_entry_comes_again_on_a_later_page_with_a_newer_version() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    app.admin.add_fault(&FaultRule::new(on_appointments().nth(1), FaultAction::MoveEntryToLaterPage)).await.unwrap();
    let first: Value = app.fhir(&sandbox(SEARCH), Some(&token)).await.json().await.unwrap();
    let moved = &first["entry"][0]["resource"];
    let second = app.follow(link(&first, "next").unwrap(), &token).await;
    let again =
        second["entry"].as_array().unwrap().iter().find(|e| e["resource"]["id"] == moved["id"]).expect("seen again");
    let version = |r: &Value| r["meta"]["versionId"].as_str().unwrap().parse::<u64>().unwrap();
    assert_eq!(version(&again["resource"]), version(moved) + 1);
}

#[tokio::test]
async fn a_sequence_is_consumed_in_order_then_passes_and_counts_its_hits() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let steps = vec![
        FaultAction::Status { status: 500 },
        FaultAction::Status { status: 503 },
        FaultAction::Throttle { retry_after: "1".into() },
    ];
    let view = app.admin.add_fault(&FaultRule::sequence(on_appointments(), steps)).await.unwrap();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(app.fhir(&sandbox(SEARCH), Some(&token)).await.status().as_u16());
    }
    assert_eq!(statuses, [500, 503, 429, 200, 200]);
    let listed = app.admin.faults().await.unwrap();
    let rule = listed.iter().find(|f| f.id == view.id).unwrap();
    assert_eq!((rule.matched, rule.applied, rule.remaining), (5, 3, Some(0)));
    app.admin.remove_fault(&view.id).await.unwrap();
    assert!(app.admin.faults().await.unwrap().is_empty());
    assert!(app.admin.remove_fault(&view.id).await.is_err(), "removing twice is a 404");
}

#[tokio::test]
async fn bad_rules_are_refused_with_a_message() {
    let app = spawn_app().await;
    for body in [
        serde_json::json!({ "match": {}, "action": { "type": "status", "status": 200 } }),
        serde_json::json!({ "match": { "nth": 1, "first": 2 }, "action": { "type": "reset" } }),
        serde_json::json!({ "match": {}, "action": { "type": "nonsense" } }),
        serde_json::json!({ "match": {}, "actions": [] }),
    ] {
        let response = app.http.post(app.url("/__admin/faults")).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 400, "{body}");
        assert!(response.json::<Value>().await.unwrap()["error"].is_string());
    }
}

#[tokio::test]
async fn profile_faults_apply_from_the_start_and_come_back_after_a_reset() {
    let mut profile = cerner_mock::Profile::embedded_default();
    let rule: FaultRule = toml::from_str(
        "id = \"slow-slots\"\nmatch = { resource = \"Slot\", every = 2 }\naction = { type = \"status\", status = 502 }",
    )
    .unwrap();
    profile.faults.push(rule);
    let app = spawn_app_with_profile(profile, Default::default()).await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let slot = sandbox("Slot/24477854-21304876-62852027-0");
    let statuses = [app.fhir(&slot, Some(&token)).await.status(), app.fhir(&slot, Some(&token)).await.status()];
    assert_eq!(statuses.map(|s| s.as_u16()), [200, 502]);
    app.admin.clear_faults().await.unwrap();
    assert!(app.admin.faults().await.unwrap().is_empty());
    app.admin.reset().await.unwrap();
    let faults = app.admin.faults().await.unwrap();
    assert_eq!((faults.len(), faults[0].id.as_str(), faults[0].matched), (1, "slow-slots", 0));
}
