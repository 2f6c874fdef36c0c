//! The authorization server's surface: the system-account token endpoint
//! (`/tenants/{tenant}/protocols/oauth2/profiles/smart-v1/token`, RFC 6749 §4.4 client credentials,
//! SMART Backend Services, fhir.cerner.com "Authorization").

pub mod assertion;
pub mod error;
pub mod form;
pub mod presented;
mod token;

use axum::Router;
use axum::routing::post;

use crate::app::AppState;

pub use error::{OAuthError, OAuthFailure};

/// Path of a tenant's token endpoint, relative to the origin.
pub fn token_path(tenant: &str) -> String {
    format!("/tenants/{tenant}/protocols/oauth2/profiles/smart-v1/token")
}

/// Largest token request body (a form with a client assertion is a few KiB).
pub const MAX_TOKEN_BODY: usize = 64 * 1024;

/// The token endpoint's routes, one per tenant path.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tenants/{tenant}/protocols/oauth2/profiles/smart-v1/token", post(token::token))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_TOKEN_BODY))
}
