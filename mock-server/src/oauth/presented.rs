//! The credentials a request presents, parsed once at the door by the instrument and handed to
//! the handlers as a request extension: the `Authorization` header (Basic pairs, or a bearer
//! token's verified claims) and the token request's form body. The instrument identifies the
//! caller from them; the token endpoint authenticates with them; FHIR authorizes with them.

use std::fmt;
use std::sync::Arc;

use axum::Extension;
use axum::http::{HeaderMap, header};

use super::form::{Form, FormError, parse_basic};
use crate::app::AppState;
use crate::tokens::AccessClaims;

/// What a request presented. It holds secrets (Basic passwords, form fields): its `Debug` shows
/// none of them.
#[derive(Default)]
pub struct Presented {
    /// The `Authorization` header; `None` when absent.
    pub authorization: Option<Authorization>,
    /// The form body of a token request; `None` when no body was read.
    pub form: Option<Result<Form, FormError>>,
}

/// An `Authorization` header as presented.
pub enum Authorization {
    /// The value is not visible ASCII.
    NotAscii,
    /// `scheme credentials` (the credentials after the first space).
    Scheme {
        /// The scheme as sent, e.g. `Bearer`.
        scheme: String,
        /// What the credentials decode to.
        credentials: Credentials,
    },
}

/// What an `Authorization` header's credentials decode to.
pub enum Credentials {
    /// `Basic`: the `(client id, secret)` pairs the value may stand for, most likely first
    /// ([`parse_basic`]), or why it does not decode.
    Basic(Result<Vec<(String, String)>, FormError>),
    /// `Bearer` with a token: its claims when this emulator signed it (expired or not), else `None`.
    Bearer(Option<Arc<AccessClaims>>),
    /// Another scheme, or `Bearer` without a token.
    Other,
}

impl Presented {
    /// Parses the headers and, for a token request, the body.
    pub fn read(state: &AppState, headers: &HeaderMap, body: Option<&[u8]>) -> Self {
        let authorization = headers.get(header::AUTHORIZATION).map(|value| match value.to_str() {
            Err(_) => Authorization::NotAscii,
            Ok(value) => {
                let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
                let token = rest.trim();
                let credentials = if scheme.eq_ignore_ascii_case("basic") {
                    Credentials::Basic(parse_basic(rest))
                } else if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() {
                    Credentials::Bearer(state.keys().inspect(token))
                } else {
                    Credentials::Other
                };
                Authorization::Scheme { scheme: scheme.to_owned(), credentials }
            }
        });
        Self { authorization, form: body.map(Form::parse) }
    }

    /// What the instrument passed on, or (for a router used without it) the same reading done here.
    pub fn or_read(
        passed: Option<Extension<Arc<Presented>>>,
        state: &AppState,
        headers: &HeaderMap,
        body: Option<&[u8]>,
    ) -> Arc<Presented> {
        match passed {
            Some(Extension(presented)) => presented,
            None => Arc::new(Self::read(state, headers, body)),
        }
    }

    /// The `Authorization` scheme, when the header has one.
    pub fn scheme(&self) -> Option<&str> {
        match &self.authorization {
            Some(Authorization::Scheme { scheme, .. }) => Some(scheme),
            _ => None,
        }
    }

    /// The decoded credentials, when the header has a scheme.
    pub fn credentials(&self) -> Option<&Credentials> {
        match &self.authorization {
            Some(Authorization::Scheme { credentials, .. }) => Some(credentials),
            _ => None,
        }
    }
}

impl fmt::Debug for Presented {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Presented")
            .field("authorization", &self.authorization)
            .field("form", &self.form.as_ref().map(|form| form.as_ref().map(|_| "***")))
            .finish()
    }
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Authorization::NotAscii => f.write_str("NotAscii"),
            Authorization::Scheme { scheme, credentials } => {
                f.debug_struct("Scheme").field("scheme", scheme).field("credentials", credentials).finish()
            }
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Basic(Ok(_)) => f.write_str("Basic(***)"),
            Credentials::Basic(Err(_)) => f.write_str("Basic(malformed)"),
            Credentials::Bearer(Some(claims)) => write!(f, "Bearer(jti {})", claims.jti),
            Credentials::Bearer(None) => f.write_str("Bearer(not signed here)"),
            Credentials::Other => f.write_str("Other"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_secret() {
        let presented = Presented {
            authorization: Some(Authorization::Scheme {
                scheme: "Basic".into(),
                credentials: Credentials::Basic(Ok(vec![("client".into(), "s3cret-pass".into())])),
            }),
            form: Some(Form::parse(b"client_secret=s3cret-form&grant_type=client_credentials")),
        };
        let debug = format!("{presented:?} {presented:#?}");
        assert!(!debug.contains("s3cret"), "{debug}");
        assert!(debug.contains("Basic"), "{debug}");
    }
}
