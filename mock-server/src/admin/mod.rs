//! The emulator's own control surface under the reserved prefix `/__admin/`: health, the clock,
//! tenant data summaries and data changes.
//! It is not part of Cerner's API.

mod clock;
mod tenants;

use axum::Json;
use axum::Router;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::app::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/__admin/health", get(health))
        .route("/__admin/clock", get(clock::get).post(clock::post))
        .route("/__admin/tenants", get(tenants::list))
        .route("/__admin/tenants/{tenant}", get(tenants::get))
        .route("/__admin/tenants/{tenant}/changes", post(tenants::changes))
        .route("/__admin/tenants/{tenant}/simulate", post(tenants::simulate))
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}
