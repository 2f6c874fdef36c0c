//! `GET /__admin/faults` lists the rules with their counters; `POST` adds one (JSON, the same
//! format as the profile's `[[faults]]`); `DELETE /__admin/faults/{id}` removes one and
//! `DELETE /__admin/faults` all.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::wire::{ErrorBody, FaultList};
use crate::app::AppState;
use crate::faults::FaultView;
use crate::faults::{FaultError, FaultRule};

/// Every fault rule with its counters.
#[utoipa::path(get, path = "/__admin/faults", tag = "faults", security(("admin_token" = [])),
    responses((status = 200, description = "the installed rules", body = FaultList)))]
pub(super) async fn list(State(state): State<AppState>) -> Response {
    Json(FaultList { faults: state.faults().list() }).into_response()
}

/// Installs a fault rule (the profile's `[[faults]]` format, as JSON).
#[utoipa::path(post, path = "/__admin/faults", tag = "faults", security(("admin_token" = [])), request_body = FaultRule,
    responses(
        (status = 201, description = "the rule as installed, with its id", body = FaultView),
        (status = 400, description = "an invalid rule", body = ErrorBody),
        (status = 409, description = "a rule with this id exists", body = ErrorBody),
    ))]
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

/// Removes one fault rule.
#[utoipa::path(delete, path = "/__admin/faults/{id}", tag = "faults", security(("admin_token" = [])),
    params(("id" = String, Path, description = "the rule's id")),
    responses(
        (status = 204, description = "removed"),
        (status = 404, description = "no rule with this id", body = ErrorBody),
    ))]
pub(super) async fn remove(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if state.faults().remove(&id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        super::error(StatusCode::NOT_FOUND, &format!("no fault rule {id:?}")).into_response()
    }
}

/// Removes every fault rule.
#[utoipa::path(delete, path = "/__admin/faults", tag = "faults", security(("admin_token" = [])),
    responses((status = 204, description = "every rule removed")))]
pub(super) async fn clear(State(state): State<AppState>) -> StatusCode {
    state.faults().clear();
    StatusCode::NO_CONTENT
}
