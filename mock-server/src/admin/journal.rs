//! `GET /__admin/journal?tenant=&client=&path_prefix=&since=` lists journal entries, oldest
//! first; `DELETE /__admin/journal` empties it.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::wire::{ErrorBody, Journal};
use crate::app::AppState;
use crate::journal::JournalQuery;

/// Journal entries, oldest first; the filters combine with AND.
#[utoipa::path(get, path = "/__admin/journal", tag = "journal", security(("admin_token" = [])), params(JournalQuery),
    responses(
        (status = 200, description = "the entries", body = Journal),
        (status = 400, description = "an unknown or malformed filter", body = ErrorBody),
    ))]
pub(super) async fn get(
    State(state): State<AppState>,
    filter: Result<Query<JournalQuery>, QueryRejection>,
) -> Response {
    let filter = match filter {
        Ok(Query(filter)) => filter,
        Err(e) => return super::refused(e.status(), &e.body_text()).into_response(),
    };
    let journal = state.journal();
    let body = Journal {
        entries: journal.entries(&filter),
        capacity: journal.capacity() as u64,
        recorded: journal.recorded(),
    };
    Json(body).into_response()
}

/// Empties the journal.
#[utoipa::path(delete, path = "/__admin/journal", tag = "journal", security(("admin_token" = [])),
    responses((status = 204, description = "emptied")))]
pub(super) async fn clear(State(state): State<AppState>) -> StatusCode {
    state.journal().clear();
    StatusCode::NO_CONTENT
}
