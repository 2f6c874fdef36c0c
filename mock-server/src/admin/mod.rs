//! The emulator's own control surface under the reserved prefix `/__admin/`: health and the clock.
//! It is not part of Cerner's API.

mod clock;

use axum::Json;
use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};

use crate::app::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/__admin/health", get(health))
        .route("/__admin/clock", get(clock::get).post(clock::post))
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}
