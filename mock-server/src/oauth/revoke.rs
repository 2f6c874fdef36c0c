//! `POST …/smart-v1/token/revoke`: RFC 7009 token revocation (fhir.cerner.com R4
//! `revocation_endpoint`; Authorization FAQ: "The location of an RFC 7009 token revocation
//! endpoint is advertised at /.well-known/smart-configuration"). The client authenticates as at
//! the token endpoint; the form names the `token` (a `token_type_hint` is read as a hint only).
//! A token this server signed for this tenant and this client is revoked: the FHIR bases answer
//! it `401 invalid_token` from then on. Anything else that is no such token (unknown, expired,
//! another tenant's, already revoked) is answered `200` too, as §2.2 says; a token issued to
//! another client is refused (§2.1).

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::client;
use super::endpoints::AuthEndpoint;
use super::error::{OAuthError, OAuthFailure};
use super::presented::Presented;
use crate::app::AppState;

pub(super) async fn revoke(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    presented: Option<Extension<Arc<Presented>>>,
    body: Bytes,
) -> Response {
    let presented = Presented::or_read(presented, &state, &headers, Some(&body));
    let mut client = None;
    match run(&state, &tenant, &headers, &presented, &mut client) {
        Ok(()) => super::no_store(StatusCode::OK.into_response()),
        Err(error) => OAuthFailure { error, origin: state.origin().to_owned(), client, tenant }.into_response(),
    }
}

fn run(
    state: &AppState,
    tenant: &str,
    headers: &HeaderMap,
    presented: &Presented,
    client: &mut Option<String>,
) -> Result<(), OAuthError> {
    let form = client::form(headers, presented)?;
    let credentials = client::credentials(presented, form)?;
    *client = credentials.claimed_client();
    // A client assertion is addressed to the token endpoint, as SMART Backend Services has it.
    let audience = AuthEndpoint::Token.url(state.origin(), tenant);
    let account = client::authenticate(state, &audience, &credentials, form)?;
    let token = form.get("token").ok_or_else(|| OAuthError::InvalidRequest("token is missing".into()))?;
    let Some(claims) = state.keys().inspect(token) else { return Ok(()) };
    if claims.cerner.tnt != tenant {
        return Ok(());
    }
    if claims.azp != account.client_id.as_str() {
        return Err(OAuthError::NotTokenOwner);
    }
    state.revoke_token(&claims.jti, claims.exp);
    tracing::info!(client = %account.client_id, %tenant, jti = %claims.jti, "token revoked");
    Ok(())
}
