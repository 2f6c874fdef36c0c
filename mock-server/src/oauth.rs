//! The authorization server's surface, its endpoints declared in [`endpoints`]: the system-account
//! token endpoint (`/tenants/{tenant}/protocols/oauth2/profiles/smart-v1/token`, RFC 6749 §4.4
//! client credentials, SMART Backend Services, fhir.cerner.com "Authorization"), token revocation
//! (`…/token/revoke`, RFC 7009) and token introspection (`/tokeninfo`, RFC 7662), all three
//! authenticating the client the same way (`client`).

pub mod assertion;
mod client;
pub mod endpoints;
pub mod error;
pub mod form;
mod introspect;
pub mod presented;
mod revoke;
mod token;

use axum::Router;
use axum::routing::{MethodRouter, post};

use endpoints::AuthEndpoint;

use crate::app::AppState;

pub use error::{OAuthError, OAuthFailure};

/// Path of a tenant's token endpoint, relative to the origin.
pub fn token_path(tenant: &str) -> String {
    AuthEndpoint::Token.url("", tenant)
}

/// Largest token request body (a form with a client assertion is a few KiB).
pub const MAX_TOKEN_BODY: usize = 64 * 1024;

/// Every declared endpoint on its route: what is served is what [`endpoints`] declares.
pub fn router() -> Router<AppState> {
    let router = AuthEndpoint::ALL.into_iter().fold(Router::new(), |router, e| router.route(e.route(), handler(e)));
    router.layer(axum::extract::DefaultBodyLimit::max(MAX_TOKEN_BODY))
}

fn handler(endpoint: AuthEndpoint) -> MethodRouter<AppState> {
    match endpoint {
        AuthEndpoint::Token => post(token::token),
        AuthEndpoint::Revoke => post(revoke::revoke),
        AuthEndpoint::Introspect => post(introspect::introspect),
    }
}

/// `Cache-Control: no-store` and `Pragma: no-cache`, as on every answer of the token endpoint.
pub(crate) fn no_store(mut response: axum::response::Response) -> axum::response::Response {
    let headers = response.headers_mut();
    headers.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    headers.insert(axum::http::header::PRAGMA, axum::http::HeaderValue::from_static("no-cache"));
    response
}
