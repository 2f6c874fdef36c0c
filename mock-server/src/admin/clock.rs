//! `GET /__admin/clock` tells the emulator's time; `POST /__admin/clock` with
//! `{"advance_seconds": N}` or `{"set": "<RFC 3339>"}` moves a manual clock.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::app::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ClockChange {
    advance_seconds: Option<i64>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    set: Option<OffsetDateTime>,
}

type Answer = (StatusCode, Json<Value>);

pub(super) async fn get(State(state): State<AppState>) -> Answer {
    (StatusCode::OK, Json(describe(&state)))
}

pub(super) async fn post(State(state): State<AppState>, body: Result<Json<ClockChange>, JsonRejection>) -> Answer {
    let change = match body {
        Ok(Json(change)) => change,
        Err(e) => return super::refused(e.status(), &e.body_text()),
    };
    let result = match (change.advance_seconds, change.set) {
        (Some(seconds), None) => state.clock().advance(Duration::seconds(seconds)),
        (None, Some(instant)) => state.clock().set(instant),
        _ => {
            return super::error(StatusCode::BAD_REQUEST, "give exactly one of advance_seconds or set");
        }
    };
    match result {
        Ok(_) => (StatusCode::OK, Json(describe(&state))),
        Err(e) => super::error(StatusCode::CONFLICT, &e.to_string()),
    }
}

fn describe(state: &AppState) -> Value {
    let now = state.clock().now();
    json!({ "now": now.format(&Rfc3339).unwrap_or_default(), "manual": state.clock().is_manual() })
}
