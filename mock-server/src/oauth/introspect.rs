//! `POST /tokeninfo`: RFC 7662 token introspection (fhir.cerner.com R4 `introspection_endpoint`,
//! `https://authorization.cerner.com/tokeninfo`). The caller authenticates as at the token
//! endpoint (§2.1 requires the endpoint to be protected; a client assertion is addressed to this
//! URL) and names the `token` in the form. A token this server signed for the calling client,
//! unexpired by the emulator's clock and not revoked, is `active` with its `scope`, `client_id`,
//! `token_type`, `exp`, `iat`, `sub`, `iss` and `jti` (the tokens carry no `aud`); anything else
//! is `{"active":false}` (§2.2), another client's token included, so a client learns nothing of
//! tokens that are not its own. Cerner's Authorization FAQ calls introspecting short-lived access
//! tokens "generally unnecessary (and inefficient)"; the harness's token-reuse scenario says so.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json, body::Bytes};
use serde_json::{Value, json};

use super::client;
use super::endpoints::AuthEndpoint;
use super::error::{OAuthError, OAuthFailure};
use super::presented::Presented;
use crate::app::AppState;
use crate::tokens::TokenKeys;

pub(super) async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    presented: Option<Extension<Arc<Presented>>>,
    body: Bytes,
) -> Response {
    let presented = Presented::or_read(presented, &state, &headers, Some(&body));
    let mut client = None;
    match run(&state, &headers, &presented, &mut client) {
        Ok(answer) => super::no_store(Json(answer).into_response()),
        Err(error) => {
            OAuthFailure { error, origin: state.origin().to_owned(), client, tenant: String::new() }.into_response()
        }
    }
}

fn run(
    state: &AppState,
    headers: &HeaderMap,
    presented: &Presented,
    client: &mut Option<String>,
) -> Result<Value, OAuthError> {
    let form = client::form(headers, presented)?;
    let credentials = client::credentials(presented, form)?;
    *client = credentials.claimed_client();
    let audience = AuthEndpoint::Introspect.url(state.origin(), "");
    let account = client::authenticate(state, &audience, &credentials, form)?;
    let token = form.get("token").ok_or_else(|| OAuthError::InvalidRequest("token is missing".into()))?;
    let claims = TokenKeys::unexpired(state.keys().inspect(token), state.clock().now()).ok().filter(|claims| {
        claims.azp == account.client_id.as_str()
            && !state.is_token_revoked(&claims.jti)
            && !state.is_expired_early(&claims.jti)
    });
    Ok(match claims {
        None => json!({ "active": false }),
        Some(claims) => json!({
            "active": true,
            "scope": claims.cerner.azs,
            "client_id": claims.azp,
            "token_type": "Bearer",
            "exp": claims.exp,
            "iat": claims.iat,
            "sub": claims.sub,
            "iss": claims.iss,
            "jti": claims.jti,
        }),
    })
}
