//! `GET /__admin/journal?tenant=&client=&path_prefix=&since=` lists journal entries, oldest
//! first; `DELETE /__admin/journal` empties it.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::wire::Journal;
use crate::app::AppState;
use crate::journal::JournalQuery;

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

pub(super) async fn clear(State(state): State<AppState>) -> StatusCode {
    state.journal().clear();
    StatusCode::NO_CONTENT
}
