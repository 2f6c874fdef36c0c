//! The manual clock: tokens expire when it passes `exp`; the admin API moves it.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn a_token_expires_when_the_manual_clock_passes_exp() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, "system/Appointment.read").await;
    let keys = app.server.state().keys();
    app.admin.advance_clock(599).await.unwrap();
    assert!(keys.verify(&token, app.clock.now()).is_ok(), "valid one second before exp");
    app.admin.advance_clock(1).await.unwrap();
    assert!(keys.verify(&token, app.clock.now()).is_err(), "expired at exp");
}

#[tokio::test]
async fn admin_clock_reports_advances_and_sets_the_time() {
    let app = spawn_app().await;
    let now = app.admin.clock().await.unwrap();
    assert_eq!((now.now, now.manual), (time::macros::datetime!(2026-01-05 08:00:00 UTC), true));
    let set = app.admin.set_clock(time::macros::datetime!(2026-03-01 12:00:00 UTC)).await.unwrap();
    assert_eq!(set.now, time::macros::datetime!(2026-03-01 12:00:00 UTC));
    let moved = app.admin.advance_clock(90).await.unwrap();
    assert_eq!(moved.now, time::macros::datetime!(2026-03-01 12:01:30 UTC));
    let wire: Value = app.get("/__admin/clock", None).await.json().await.unwrap();
    assert_eq!(wire, json!({ "now": "2026-03-01T12:01:30Z", "manual": true }), "the documented wire format");
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
    let error = cerner_mock::AdminClient::new(server.origin()).unwrap().advance_clock(5).await.unwrap_err();
    assert!(error.to_string().contains("409"), "{error}");
}

#[tokio::test]
async fn health_answers() {
    let app = spawn_app().await;
    app.admin.health().await.unwrap();
}
