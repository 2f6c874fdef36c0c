//! `GET /__admin/faults` lists the rules with their counters; `POST` adds one (JSON, the same
//! format as the profile's `[[faults]]`); `DELETE /__admin/faults/{id}` removes one and
//! `DELETE /__admin/faults` all.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::wire::FaultList;
use crate::app::AppState;
use crate::faults::{FaultError, FaultRule};

pub(super) async fn list(State(state): State<AppState>) -> Response {
    Json(FaultList { faults: state.faults().list() }).into_response()
}

pub(super) async fn add(State(state): State<AppState>, rule: Result<Json<FaultRule>, JsonRejection>) -> Response {
    let rule = match rule {
        Ok(Json(rule)) => rule,
        Err(e) => return super::refused(e.status(), &e.body_text()).into_response(),
    };
    match state.faults().add(rule) {
        Ok(view) => (StatusCode::CREATED, Json(view)).into_response(),
        Err(e @ FaultError::Duplicate(_)) => super::error(StatusCode::CONFLICT, &e.to_string()).into_response(),
        Err(e) => super::error(StatusCode::BAD_REQUEST, &e.to_string()).into_response(),
    }
}

pub(super) async fn remove(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if state.faults().remove(&id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        super::error(StatusCode::NOT_FOUND, &format!("no fault rule {id:?}")).into_response()
    }
}

pub(super) async fn clear(State(state): State<AppState>) -> StatusCode {
    state.faults().clear();
    StatusCode::NO_CONTENT
}
