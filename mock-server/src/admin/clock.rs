//! `GET /__admin/clock` tells the emulator's time; `POST /__admin/clock` with
//! `{"advance_seconds": N}` or `{"set": "<RFC 3339>"}` moves a manual clock.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use time::Duration;

use super::wire::{ClockChange, ClockState, ErrorBody};
use crate::app::AppState;

type Answer = Result<Json<ClockState>, (StatusCode, Json<ErrorBody>)>;

/// The emulator's clock.
#[utoipa::path(get, path = "/__admin/clock", tag = "clock", security(("admin_token" = [])),
    responses((status = 200, description = "the clock now", body = ClockState)))]
pub(super) async fn get(State(state): State<AppState>) -> Answer {
    Ok(Json(describe(&state)))
}

/// Moves a manual clock (`--manual-clock`): by `advance_seconds`, or to `set`.
#[utoipa::path(post, path = "/__admin/clock", tag = "clock", security(("admin_token" = [])), request_body = ClockChange,
    responses(
        (status = 200, description = "the clock after the move", body = ClockState),
        (status = 400, description = "not exactly one of advance_seconds and set", body = ErrorBody),
        (status = 409, description = "the clock is the real time (start the emulator with --manual-clock)", body = ErrorBody),
    ))]
pub(super) async fn post(State(state): State<AppState>, body: Result<Json<ClockChange>, JsonRejection>) -> Answer {
    let change = match body {
        Ok(Json(change)) => change,
        Err(e) => return Err(super::refused(e.status(), &e.body_text())),
    };
    let result = match (change.advance_seconds, change.set) {
        (Some(seconds), None) => state.clock().advance(Duration::seconds(seconds)),
        (None, Some(instant)) => state.clock().set(instant),
        _ => {
            return Err(super::error(StatusCode::BAD_REQUEST, "give exactly one of advance_seconds or set"));
        }
    };
    match result {
        Ok(_) => Ok(Json(describe(&state))),
        Err(e) => Err(super::error(StatusCode::CONFLICT, &e.to_string())),
    }
}

fn describe(state: &AppState) -> ClockState {
    ClockState { now: state.clock().now(), manual: state.clock().is_manual() }
}
