//! `POST …/smart-v1/token`: exchanges system-account credentials for an access token.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Serialize;

use super::assertion::{self, Expected, JWT_BEARER};
use super::error::{OAuthError, OAuthFailure};
use super::form::Form;
use super::presented::{Authorization, Credentials as PresentedCredentials, Presented};
use crate::app::AppState;
use crate::ids::TenantId;
use crate::profile::{Account, AccountStatus};
use crate::scope::ScopeSet;
use crate::tokens::Grant;

/// The documented success body, in Cerner's field order.
#[derive(Serialize)]
struct TokenResponse {
    access_token: String,
    scope: String,
    token_type: &'static str,
    expires_in: u32,
}

/// How the client authenticated itself.
enum Credentials {
    /// The pairs the Basic value may stand for, most likely first ([`parse_basic`]).
    Basic {
        pairs: Vec<(String, String)>,
    },
    Assertion {
        assertion: String,
    },
}

impl Credentials {
    fn claimed_client(&self) -> Option<String> {
        match self {
            Credentials::Basic { pairs } => pairs.first().map(|(client_id, _)| client_id.clone()),

            Credentials::Assertion { assertion } => assertion::claimed_client(assertion),
        }
    }
}

pub(super) async fn token(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    presented: Option<Extension<Arc<Presented>>>,
    body: Bytes,
) -> Response {
    let presented = Presented::or_read(presented, &state, &headers, Some(&body));
    let mut client = None;
    match issue(&state, &tenant, &headers, &presented, &mut client) {
        Ok(response) => response,
        Err(error) => OAuthFailure { error, origin: state.origin().to_owned(), client, tenant }.into_response(),
    }
}

fn issue(
    state: &AppState,
    tenant: &str,
    headers: &HeaderMap,
    presented: &Presented,
    client: &mut Option<String>,
) -> Result<Response, OAuthError> {
    let form = form(headers, presented)?;
    let credentials = credentials(presented, form)?;
    *client = credentials.claimed_client();
    let account = authenticate(state, tenant, &credentials, form)?;
    if account.status == AccountStatus::Limited {
        return Err(OAuthError::Limited);
    }

    match form.get("grant_type") {
        Some("client_credentials") => {}
        Some(other) => return Err(OAuthError::UnsupportedGrantType(other.to_owned())),
        None => return Err(OAuthError::InvalidRequest("grant_type is missing".into())),
    }
    let requested =
        ScopeSet::parse(form.get("scope").unwrap_or_default()).map_err(|e| OAuthError::InvalidScope(e.to_string()))?;
    let tenant = approved_tenant(state, account, tenant)?;
    // A tenant may grant less than the account registered (`tenant_scopes`).
    let granted = match account.scopes_at(&tenant) {
        Some(at_tenant) => requested.granted(&account.scopes).granted(at_tenant),
        None => requested.granted(&account.scopes),
    };
    if granted.is_empty() {
        return Err(OAuthError::EmptyScopes);
    }

    let settings = state.profile().token;
    let issued = state
        .keys()
        .issue(&Grant {
            issuer: &format!("{}/", state.origin()),
            client_id: &account.client_id,
            tenant: &tenant,
            scopes: &granted,
            issued_at: state.clock().now(),
            lifetime_seconds: settings.lifetime_seconds,
        })
        .map_err(|e| OAuthError::Internal(e.to_string()))?;
    tracing::info!(client = %account.client_id, %tenant, jti = %issued.jti, scope = %granted, "token issued");

    let body = TokenResponse {
        access_token: issued.token,
        scope: granted.to_string(),
        token_type: "Bearer",
        expires_in: settings.expires_in,
    };
    let mut response = Json(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// The form the instrument parsed, once the `Content-Type` says it is one.
fn form<'p>(headers: &HeaderMap, presented: &'p Presented) -> Result<&'p Form, OAuthError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if content_type.as_deref() != Some("application/x-www-form-urlencoded") {
        return Err(OAuthError::InvalidRequest("Content-Type must be application/x-www-form-urlencoded".into()));
    }
    match &presented.form {
        Some(Ok(form)) => Ok(form),
        Some(Err(e)) => Err(OAuthError::InvalidRequest(e.to_string())),
        None => Err(OAuthError::Internal("the token request's body was not read".into())),
    }
}

fn credentials(presented: &Presented, form: &Form) -> Result<Credentials, OAuthError> {
    let authorization = presented.authorization.as_ref();
    let assertion_type = form.get("client_assertion_type");
    if authorization.is_some() && (assertion_type.is_some() || form.get("client_assertion").is_some()) {
        return Err(OAuthError::InvalidRequest("more than one client authentication method".into()));
    }
    if let Some(authorization) = authorization {
        let Authorization::Scheme { scheme, credentials } = authorization else {
            return Err(OAuthError::InvalidClient("Authorization header is not ASCII".into()));
        };
        let PresentedCredentials::Basic(pairs) = credentials else {
            return Err(OAuthError::InvalidClient(format!("unsupported authorization scheme {scheme:?}")));
        };
        let pairs =
            pairs.clone().map_err(|e| OAuthError::InvalidClient(format!("malformed Basic credentials: {e}")))?;
        return Ok(Credentials::Basic { pairs });
    }
    match (assertion_type, form.get("client_assertion")) {
        (Some(JWT_BEARER), Some(assertion)) => Ok(Credentials::Assertion { assertion: assertion.to_owned() }),
        (Some(JWT_BEARER), None) => Err(OAuthError::InvalidRequest("client_assertion is missing".into())),
        (Some(other), _) => Err(OAuthError::InvalidRequest(format!("unsupported client_assertion_type {other:?}"))),
        (None, Some(_)) => Err(OAuthError::InvalidRequest("client_assertion_type is missing".into())),
        (None, None) if form.get("client_secret").is_some() => {
            Err(OAuthError::InvalidClient("client_secret in the body is not supported; use HTTP Basic".into()))
        }
        (None, None) => Err(OAuthError::InvalidClient("no client authentication".into())),
    }
}

fn authenticate<'s>(
    state: &'s AppState,
    tenant: &str,
    credentials: &Credentials,
    form: &Form,
) -> Result<&'s Account, OAuthError> {
    let profile = state.profile();
    match credentials {
        Credentials::Basic { pairs } => {
            let account = pairs.iter().find_map(|(client_id, secret)| {
                profile.account(client_id).filter(|a| a.secret.as_ref().is_some_and(|s| s.matches(secret)))
            });
            let Some(account) = account else {
                let client_id = pairs.first().map(|(id, _)| id.as_str()).unwrap_or_default();
                return Err(OAuthError::InvalidClient(format!("unknown client or wrong secret for {client_id:?}")));
            };
            if form.get("client_id").is_some_and(|id| id != account.client_id.as_str()) {
                return Err(OAuthError::InvalidRequest("client_id differs from the Basic credentials".into()));
            }
            Ok(account)
        }
        Credentials::Assertion { assertion } => {
            let token_url = format!("{}{}", state.origin(), super::token_path(tenant));
            let expected =
                Expected { client_id: form.get("client_id"), token_url: &token_url, now: state.clock().now() };
            assertion::verify(profile, state.replay_cache(), assertion, &expected).map_err(OAuthError::InvalidAssertion)
        }
    }
}

fn approved_tenant(state: &AppState, account: &Account, tenant: &str) -> Result<TenantId, OAuthError> {
    let known = state.profile().tenant(tenant).map(|t| t.id.clone());
    match known {
        Some(id) if state.approves(account, &id) => Ok(id),
        Some(_) => Err(OAuthError::InvalidTenant(format!("tenant {tenant} has not approved {}", account.client_id))),
        None => Err(OAuthError::InvalidTenant(format!("unknown tenant {tenant:?}"))),
    }
}
