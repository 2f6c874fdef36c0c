//! The manual clock: tokens expire when it passes `exp`; the admin API moves it.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn a_token_expires_when_the_manual_clock_passes_exp() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, "system/Appointment.read").await;
    let keys = app.server.state().keys();
    let advance = |seconds: i64| {
        let http = app.http.clone();
        let url = app.url("/__admin/clock");
        async move {
            let response = http.post(url).json(&json!({ "advance_seconds": seconds })).send().await.unwrap();
            assert_eq!(response.status(), 200);
        }
    };
    advance(599).await;
    assert!(keys.verify(&token, app.clock.now()).is_ok(), "valid one second before exp");
    advance(1).await;
    assert!(keys.verify(&token, app.clock.now()).is_err(), "expired at exp");
}

#[tokio::test]
async fn admin_clock_reports_advances_and_sets_the_time() {
    let app = spawn_app().await;
    let now: Value = app.get("/__admin/clock", None).await.json().await.unwrap();
    assert_eq!(now, json!({ "now": "2026-01-05T08:00:00Z", "manual": true }));
    let set =
        app.http.post(app.url("/__admin/clock")).json(&json!({ "set": "2026-03-01T12:00:00Z" })).send().await.unwrap();
    assert_eq!(set.json::<Value>().await.unwrap()["now"], "2026-03-01T12:00:00Z");
    let moved = app.http.post(app.url("/__admin/clock")).json(&json!({ "advance_seconds": 90 })).send().await.unwrap();
    assert_eq!(moved.json::<Value>().await.unwrap()["now"], "2026-03-01T12:01:30Z");
}

#[tokio::test]
async fn admin_clock_refuses_bad_changes() {
    let app = spawn_app().await;
    for body in [
        json!({}),
        json!({ "advance_seconds": 1, "set": "2026-03-01T12:00:00Z" }),
        json!({ "set": "tomorrow" }),
        json!({ "speed": 2 }),
    ] {
        let response = app.http.post(app.url("/__admin/clock")).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 400, "{body}");
        assert!(response.json::<Value>().await.unwrap()["error"].is_string());
    }
}

#[tokio::test]
async fn the_real_clock_cannot_be_moved() {
    let server =
        cerner_mock::MockServer::start(cerner_mock::ServerConfig::new(cerner_mock::Profile::embedded_default()))
            .await
            .unwrap();
    let url = format!("{}/__admin/clock", server.origin());
    let response = reqwest::Client::new().post(url).json(&json!({ "advance_seconds": 5 })).send().await.unwrap();
    assert_eq!(response.status(), 409);
}

#[tokio::test]
async fn health_answers() {
    let app = spawn_app().await;
    let response = app.get("/__admin/health", None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({ "status": "ok" }));
}
