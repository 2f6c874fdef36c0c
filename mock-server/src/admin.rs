//! The emulator's own control surface under the reserved prefix `/__admin/`: health, the clock,
//! the request journal, fault rules, tenant data and data changes, and reset. It is not part of
//! Cerner's API and is not journaled. It answers loopback callers only, unless the emulator was
//! started with `--admin-token`, in which case every caller must present that token. Health (what
//! container engines and CI services poll from outside) and the API's OpenAPI document
//! ([`openapi`], `GET /__admin/openapi.json`) answer every caller: they reveal nothing.

mod clock;
mod faults;
mod journal;
pub(crate) mod openapi;
mod tenants;
pub(crate) mod wire;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use wire::{ErrorBody, StatusBody};

/// Largest admin request body (a batch of changes or a fault rule).
pub(crate) const MAX_ADMIN_BODY: usize = 1024 * 1024;

/// The admin API's routes, each registered once with utoipa-axum so the router and the OpenAPI
/// document ([`openapi`]) list the same operations: those behind the guard, and those that answer
/// every caller.
fn routes() -> (OpenApiRouter<AppState>, OpenApiRouter<AppState>) {
    let guarded = OpenApiRouter::new()
        .routes(routes!(clock::get, clock::post))
        .routes(routes!(journal::get, journal::clear))
        .routes(routes!(faults::list, faults::add, faults::clear))
        .routes(routes!(faults::remove))
        .routes(routes!(reset))
        .routes(routes!(tenants::list))
        .routes(routes!(tenants::get))
        .routes(routes!(tenants::changes))
        .routes(routes!(tenants::simulate));
    let open = OpenApiRouter::new().routes(routes!(health)).routes(routes!(openapi::get));
    (guarded, open)
}

pub(crate) fn router(state: AppState) -> Router<AppState> {
    let (guarded, open) = routes();
    let (guarded, _) = guarded.split_for_parts();
    let (open, _) = open.split_for_parts();
    guarded
        .layer(axum::extract::DefaultBodyLimit::max(MAX_ADMIN_BODY))
        .layer(from_fn_with_state(state, guard))
        .merge(open)
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

/// Whether the emulator serves: `{"status": "ok"}` (what `cerner-mock health` asks).
#[utoipa::path(get, path = "/__admin/health", tag = "health",
    responses((status = 200, description = "the emulator serves", body = StatusBody)))]
async fn health() -> Json<StatusBody> {
    Json(StatusBody { status: "ok".into() })
}

/// `POST /__admin/reset`: the profile's initial data, faults, approvals, limits and journal.
#[utoipa::path(post, path = "/__admin/reset", tag = "reset", security(("admin_token" = [])),
    responses(
        (status = 200, description = "reset", body = StatusBody),
        (status = 500, description = "the profile's data could not be loaded again", body = ErrorBody),
    ))]
async fn reset(State(state): State<AppState>) -> Response {
    match tokio::task::spawn_blocking(move || state.reset()).await {
        Ok(Ok(())) => Json(StatusBody { status: "reset".into() }).into_response(),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()).into_response(),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "the reset stopped unexpectedly").into_response(),
    }
}
