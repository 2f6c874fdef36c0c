//! Client authentication on the authorization server's endpoints (token, revocation,
//! introspection), as the token endpoint does it: `client_secret_basic` (RFC 6749 §2.3.1) or
//! `private_key_jwt` (SMART Backend Services, RFC 7523), in an `application/x-www-form-urlencoded`
//! body.

use axum::http::{HeaderMap, header};

use super::assertion::{self, Expected, JWT_BEARER};
use super::error::OAuthError;
use super::form::Form;
use super::presented::{Authorization, Credentials as PresentedCredentials, Presented};
use crate::app::AppState;
use crate::profile::Account;

/// How the client authenticated itself.
pub(super) enum Credentials {
    /// The pairs the Basic value may stand for, most likely first ([`parse_basic`]).
    Basic {
        pairs: Vec<(String, String)>,
    },
    Assertion {
        assertion: String,
    },
}

impl Credentials {
    pub(super) fn claimed_client(&self) -> Option<String> {
        match self {
            Credentials::Basic { pairs } => pairs.first().map(|(client_id, _)| client_id.clone()),

            Credentials::Assertion { assertion } => assertion::claimed_client(assertion),
        }
    }
}

/// The form the instrument parsed, once the `Content-Type` says it is one.
pub(super) fn form<'p>(headers: &HeaderMap, presented: &'p Presented) -> Result<&'p Form, OAuthError> {
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

pub(super) fn credentials(presented: &Presented, form: &Form) -> Result<Credentials, OAuthError> {
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

/// The account the credentials authenticate. A client assertion's `aud` must be `audience`.
pub(super) fn authenticate<'s>(
    state: &'s AppState,
    audience: &str,
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
            let expected = Expected { client_id: form.get("client_id"), token_url: audience, now: state.clock().now() };
            assertion::verify(profile, state.replay_cache(), assertion, &expected).map_err(OAuthError::InvalidAssertion)
        }
    }
}
