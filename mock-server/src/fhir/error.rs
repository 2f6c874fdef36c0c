//! FHIR-side errors, rendered as Cerner renders them: an OperationOutcome for most, the documented
//! plain text for an inaccessible tenant, an empty body for an unacceptable media type.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::FHIR_JSON;
use super::paging::PageError;
use super::params::ParamError;
use crate::store::SearchError;

/// Why a FHIR request was refused; each variant renders its status and an OperationOutcome.
#[derive(Debug, thiserror::Error)]
pub enum FhirError {
    /// 401 `invalid_token` (OperationOutcome `login`): no, bad or expired token, or a token
    /// issued for another tenant. `realm` is the FHIR host.
    #[error("{description}")]
    InvalidToken {
        /// The FHIR host, for `WWW-Authenticate`.
        realm: String,
        /// Why the token was refused, for `error_description`.
        description: String,
    },
    /// 403 `insufficient_scope` (OperationOutcome `forbidden`): the token lacks `system/Type.read`.
    #[error("the access token does not grant {scope}")]
    InsufficientScope {
        /// The FHIR host, for `WWW-Authenticate`.
        realm: String,
        /// The scope the request needed, e.g. `system/Appointment.read`.
        scope: String,
    },
    /// 400 OperationOutcome `invalid`: search parameters Cerner refuses.
    #[error(transparent)]
    BadSearch(#[from] ParamError),
    /// 400 OperationOutcome `invalid`: a page token that is forged, expired or for another search.
    #[error(transparent)]
    BadPage(#[from] PageError),
    /// 422 OperationOutcome `too-costly`: more Patient matches than Cerner returns.
    #[error(transparent)]
    TooCostly(#[from] SearchError),
    /// 403 OperationOutcome `forbidden`: a system token on the DSTU2 endpoint of a tenant without
    /// DSTU2 system access (a production tenant, as fhir.cerner.com's DSTU2 overview describes).
    #[error(
        "System authentication on DSTU2 is available only in sandbox for beta testing; this tenant does not accept \
         system access tokens on DSTU2"
    )]
    NoSystemAccess,
    /// 403 with the documented text: unknown tenant, or one that has not approved the account.
    #[error("Tenant not valid or accessible")]
    TenantNotAccessible,
    /// 406 with an empty body: an `Accept` the server cannot produce.
    #[error("not acceptable")]
    NotAcceptable,
    /// 404 OperationOutcome `not-found`.
    #[error("{0}")]
    NotFound(String),
    /// 500: the documented OperationOutcome of a 500 (`fatal`, `required`); the cause is logged,
    /// not sent.
    #[error("internal error: {0}")]
    Internal(String),
    /// Any other status, as a fault rule asks for it: an OperationOutcome whose code the status
    /// stands for.
    #[error("{0}")]
    Status(StatusCode),
}

impl FhirError {
    /// The error a status stands for, rendered as the handlers render their own: a `401` is an
    /// `invalid_token` challenge, a `404` `not-found`, a `500` the documented 500.
    pub fn for_status(status: StatusCode, realm: String) -> Self {
        match status.as_u16() {
            401 => FhirError::InvalidToken { realm, description: "The access token is invalid".into() },
            404 => FhirError::NotFound(status.canonical_reason().unwrap_or("Not Found").to_owned()),
            _ => FhirError::Status(status),
        }
    }
}

/// The OperationOutcome of a `500`, as fhir.cerner.com shows one (`fatal`, `required`).
fn server_failure() -> serde_json::Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{ "severity": "fatal", "code": "required" }]
    })
}

/// An OperationOutcome with one issue.
pub fn operation_outcome(severity: &str, code: &str, diagnostics: &str) -> serde_json::Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{ "severity": severity, "code": code, "diagnostics": diagnostics }]
    })
}

/// A FHIR JSON response with `status`.
pub fn fhir_json(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    response
}

fn with_challenge(mut response: Response, challenge: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(challenge) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        match self {
            FhirError::TenantNotAccessible => {
                (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], self.to_string())
                    .into_response()
            }
            FhirError::NotAcceptable => StatusCode::NOT_ACCEPTABLE.into_response(),
            FhirError::InvalidToken { ref realm, ref description } => {
                let challenge =
                    format!("Bearer realm=\"{realm}\", error=\"invalid_token\", error_description=\"{description}\"");
                let body = operation_outcome("error", "login", description);
                with_challenge(fhir_json(StatusCode::UNAUTHORIZED, &body), &challenge)
            }
            FhirError::InsufficientScope { ref realm, ref scope } => {
                let challenge = format!("Bearer realm=\"{realm}\", error=\"insufficient_scope\", scope=\"{scope}\"");
                let body = operation_outcome("error", "forbidden", &self.to_string());
                with_challenge(fhir_json(StatusCode::FORBIDDEN, &body), &challenge)
            }
            FhirError::NoSystemAccess => {
                fhir_json(StatusCode::FORBIDDEN, &operation_outcome("error", "forbidden", &self.to_string()))
            }
            FhirError::BadSearch(e) => {
                fhir_json(StatusCode::BAD_REQUEST, &operation_outcome("error", "invalid", &e.to_string()))
            }
            FhirError::BadPage(e) => {
                fhir_json(StatusCode::BAD_REQUEST, &operation_outcome("error", "invalid", &e.to_string()))
            }
            FhirError::TooCostly(e) => {
                fhir_json(StatusCode::UNPROCESSABLE_ENTITY, &operation_outcome("error", "too-costly", &e.to_string()))
            }
            FhirError::NotFound(what) => {
                fhir_json(StatusCode::NOT_FOUND, &operation_outcome("error", "not-found", &what))
            }
            FhirError::Internal(cause) => {
                tracing::error!(%cause, "FHIR request failed");
                fhir_json(StatusCode::INTERNAL_SERVER_ERROR, &server_failure())
            }
            // A 500 a fault rule asked for has the documented shape but is no emulator failure:
            // nothing is logged here (the journal and the DEBUG fault log have it).
            FhirError::Status(StatusCode::INTERNAL_SERVER_ERROR) => {
                fhir_json(StatusCode::INTERNAL_SERVER_ERROR, &server_failure())
            }
            FhirError::Status(status) => {
                let code = match status.as_u16() {
                    403 => "forbidden",
                    429 => "throttled",
                    400..=499 => "invalid",
                    502..=504 => "transient",
                    _ => "exception",
                };
                let reason = status.canonical_reason().unwrap_or("Error");
                fhir_json(status, &operation_outcome("error", code, reason))
            }
        }
    }
}
