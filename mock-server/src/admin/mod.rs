//! The emulator's own control surface under the reserved prefix `/__admin/`: health, the clock,
//! the request journal, fault rules, tenant data and data changes, and reset. It is not part of
//! Cerner's API and is not journaled. It answers loopback callers only, unless the emulator was
//! started with `--admin-token`, in which case every caller must present that token. Health (what
//! container engines and CI services poll from outside) answers every caller: it reveals nothing.

mod clock;
mod faults;
mod journal;
mod tenants;
pub mod wire;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};

use crate::app::AppState;
use wire::{ErrorBody, StatusBody};

/// Largest admin request body (a batch of changes or a fault rule).
pub const MAX_ADMIN_BODY: usize = 1024 * 1024;

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/__admin/clock", get(clock::get).post(clock::post))
        .route("/__admin/journal", get(journal::get).delete(journal::clear))
        .route("/__admin/faults", get(faults::list).post(faults::add).delete(faults::clear))
        .route("/__admin/faults/{id}", delete(faults::remove))
        .route("/__admin/reset", post(reset))
        .route("/__admin/tenants", get(tenants::list))
        .route("/__admin/tenants/{tenant}", get(tenants::get))
        .route("/__admin/tenants/{tenant}/changes", post(tenants::changes))
        .route("/__admin/tenants/{tenant}/simulate", post(tenants::simulate))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_ADMIN_BODY))
        .layer(from_fn_with_state(state, guard))
        .route("/__admin/health", get(health))
}

/// `{"error": message}` with `status`: the admin API's one error shape.
pub(crate) fn error(status: StatusCode, message: &str) -> (StatusCode, Json<ErrorBody>) {
    (status, Json(ErrorBody { error: message.to_owned() }))
}

/// A body the admin API cannot take (an extractor's rejection): `413` when too large, else `400`.
pub(crate) fn refused(status: StatusCode, reason: &str) -> (StatusCode, Json<ErrorBody>) {
    let status = if status == StatusCode::PAYLOAD_TOO_LARGE { status } else { StatusCode::BAD_REQUEST };
    error(status, reason)
}

/// Loopback callers only, or the admin token when one is set.
async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(token) = state.admin_token() {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !token.matches(presented) {
            let mut response = error(StatusCode::UNAUTHORIZED, "the admin API needs its bearer token").into_response();
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
            return response;
        }
    } else {
        let peer = request.extensions().get::<ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
        if peer.is_some_and(|ip| !ip.is_loopback()) {
            return error(StatusCode::FORBIDDEN, "the admin API answers loopback callers only (see --admin-token)")
                .into_response();
        }
    }
    next.run(request).await
}

async fn health() -> Json<StatusBody> {
    Json(StatusBody { status: "ok".into() })
}

/// `POST /__admin/reset`: the profile's initial data, faults, approvals, limits and journal.
async fn reset(State(state): State<AppState>) -> Response {
    match tokio::task::spawn_blocking(move || state.reset()).await {
        Ok(Ok(())) => Json(StatusBody { status: "reset".into() }).into_response(),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()).into_response(),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "the reset stopped unexpectedly").into_response(),
    }
}
