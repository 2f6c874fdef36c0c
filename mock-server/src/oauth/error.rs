//! Token-endpoint errors (RFC 6749 §5.2) in Cerner's shape: `{"error", "error_uri"}`, where
//! `error_uri` names a URN under `urn:cerner:error:authorization-server:oauth2:token:` and a fresh
//! instance id. Statuses are the README's table ("What is emulated", token endpoint errors).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;

const URN_PREFIX: &str = "urn:cerner:error:authorization-server:oauth2:token:";

/// Why a token request failed. The reason strings are for the emulator's log, never for the body,
/// and never contain a secret.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// 400 `invalid_request`: malformed body, wrong content type, conflicting parameters.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// 401 `invalid_client` with `WWW-Authenticate: Basic`: missing, malformed or wrong credentials.
    #[error("invalid client credentials: {0}")]
    InvalidClient(String),
    /// 401 `invalid_client`: a JWT client assertion that does not verify.
    #[error("invalid client assertion: {0}")]
    InvalidAssertion(String),
    /// 400 `unsupported_grant_type`: anything but `client_credentials`.
    #[error("unsupported grant type {0:?}")]
    UnsupportedGrantType(String),
    /// 400 `invalid_scope`: a scope string that is not RFC 6749 syntax.
    #[error("malformed scope: {0}")]
    InvalidScope(String),
    /// 400 `invalid_grant`: unknown tenant, or a tenant that has not approved the account.
    #[error("tenant not valid for this account: {0}")]
    InvalidTenant(String),
    /// 400 `unauthorized_client`: none of the requested scopes is registered for the account (or
    /// granted at this tenant).
    #[error("no requested scope is registered for the account")]
    EmptyScopes,
    /// 400 `unauthorized_client`: a revocation of a token issued to another client (RFC 7009 §2.1).
    #[error("the token was not issued to this client")]
    NotTokenOwner,
    /// 400 `unauthorized_client`: the app is LIMITED and cannot sign in (the root README, "Hospitals
    /// differ": no source states Cerner's answer; this one is chosen).
    #[error("the account's status is limited")]
    Limited,
    /// 500 `server_error`: the emulator itself failed.
    #[error("internal error: {0}")]
    Internal(String),
}

impl OAuthError {
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        use OAuthError::*;
        match self {
            InvalidRequest(_) => (StatusCode::BAD_REQUEST, "invalid_request", "invalid-request"),
            InvalidClient(_) => (StatusCode::UNAUTHORIZED, "invalid_client", CLIENT_CREDENTIALS_URN),
            InvalidAssertion(_) => (StatusCode::UNAUTHORIZED, "invalid_client", "invalid-client-assertion"),
            UnsupportedGrantType(_) => (StatusCode::BAD_REQUEST, "unsupported_grant_type", "unsupported-grant-type"),
            InvalidScope(_) => (StatusCode::BAD_REQUEST, "invalid_scope", "invalid-scope"),
            InvalidTenant(_) => (StatusCode::BAD_REQUEST, "invalid_grant", "invalid-tenant"),
            EmptyScopes => (StatusCode::BAD_REQUEST, "unauthorized_client", "empty-scopes"),
            NotTokenOwner => (StatusCode::BAD_REQUEST, "unauthorized_client", "token-of-another-client"),
            Limited => (StatusCode::BAD_REQUEST, "unauthorized_client", "limited-application"),
            Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "server_error", "internal-error"),
        }
    }

    /// The `error` code of the body.
    pub fn code(&self) -> &'static str {
        self.parts().1
    }
}

/// An [`OAuthError`] with what its `error_uri` needs.
#[derive(Debug)]
pub struct OAuthFailure {
    /// What went wrong, which sets status, `error` and the `error_uri`'s URN.
    pub error: OAuthError,
    /// Public authorization origin, without a trailing slash.
    pub origin: String,
    /// The client the request identified, for the `error_uri`'s `client=`.
    pub client: Option<String>,
    /// The tenant of the token path, for the `error_uri`'s `tenant=`.
    pub tenant: String,
}

/// `<origin>/errors/<URN>/instances/<uuid>?client=…&tenant=…`, Cerner's `error_uri`.
pub fn error_uri(origin: &str, urn_suffix: &str, client: Option<&str>, tenant: &str) -> String {
    let urn = utf8_percent_encode(&format!("{URN_PREFIX}{urn_suffix}"), NON_ALPHANUMERIC).to_string();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(client) = client {
        query.append_pair("client", client);
    }
    query.append_pair("tenant", tenant);
    format!("{origin}/errors/{urn}/instances/{}?{}", crate::ids::random_uuid(), query.finish())
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    error_uri: String,
}

/// The one rendering of a token-endpoint error, for the handler's refusals and for the answers
/// fault rules inject alike: Cerner's body, `Cache-Control: no-store` and `Pragma: no-cache` as on
/// every token response, and `WWW-Authenticate: Basic` when the client credentials were refused.
pub fn render(status: StatusCode, code: &str, urn: &str, origin: &str, client: Option<&str>, tenant: &str) -> Response {
    let body = Body { error: code, error_uri: error_uri(origin, urn, client, tenant) };
    let mut response = super::no_store((status, Json(body)).into_response());
    if urn == CLIENT_CREDENTIALS_URN {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"token\""));
    }
    response
}

/// A token-endpoint error with `status` and nothing else to say (what a fault rule asks for): the
/// `error` code and URN the status stands for.
pub fn status_response(status: StatusCode, origin: &str, client: Option<&str>, tenant: &str) -> Response {
    let (code, urn) = match status.as_u16() {
        401 => ("invalid_client", CLIENT_CREDENTIALS_URN),
        429 | 503 => ("temporarily_unavailable", "temporarily-unavailable"),
        400..=499 => ("invalid_request", "invalid-request"),
        _ => ("server_error", "internal-error"),
    };
    render(status, code, urn, origin, client, tenant)
}

const CLIENT_CREDENTIALS_URN: &str = "invalid-client-credentials";

impl IntoResponse for OAuthFailure {
    fn into_response(self) -> Response {
        let (status, code, urn) = self.error.parts();
        match &self.error {
            OAuthError::Internal(_) => tracing::error!(error = %self.error, "token request failed"),
            _ => {
                tracing::info!(error = %self.error, client = ?self.client, tenant = %self.tenant, "token request refused")
            }
        }
        render(status, code, urn, &self.origin, self.client.as_deref(), &self.tenant)
    }
}
