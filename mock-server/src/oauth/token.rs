//! `POST …/smart-v1/token`: exchanges system-account credentials for an access token.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Serialize;

use super::client;
use super::endpoints::AuthEndpoint;
use super::error::{OAuthError, OAuthFailure};
use super::presented::Presented;
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
    let form = client::form(headers, presented)?;
    let credentials = client::credentials(presented, form)?;
    *client = credentials.claimed_client();
    let audience = AuthEndpoint::Token.url(state.origin(), tenant);
    let account = client::authenticate(state, &audience, &credentials, form)?;
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
    Ok(super::no_store(Json(body).into_response()))
}

fn approved_tenant(state: &AppState, account: &Account, tenant: &str) -> Result<TenantId, OAuthError> {
    let known = state.profile().tenant(tenant).map(|t| t.id.clone());
    match known {
        Some(id) if state.approves(account, &id) => Ok(id),
        Some(_) => Err(OAuthError::InvalidTenant(format!("tenant {tenant} has not approved {}", account.client_id))),
        None => Err(OAuthError::InvalidTenant(format!("unknown tenant {tenant:?}"))),
    }
}
