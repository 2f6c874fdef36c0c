//! FHIR-side errors, rendered as Cerner renders them: an OperationOutcome for most, the documented
//! plain text for an inaccessible tenant, an empty body for an unacceptable media type.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::FHIR_JSON;

#[derive(Debug, thiserror::Error)]
pub enum FhirError {
    /// 403 with the documented text: unknown tenant, or one that has not approved the account.
    #[error("Tenant not valid or accessible")]
    TenantNotAccessible,
    /// 406 with an empty body: an `Accept` the server cannot produce.
    #[error("not acceptable")]
    NotAcceptable,
    /// 404 OperationOutcome `not-found`.
    #[error("{0}")]
    NotFound(String),
    /// 500 OperationOutcome `exception`; the cause is logged, not sent.
    #[error("internal error: {0}")]
    Internal(String),
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
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    response
}

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        match self {
            FhirError::TenantNotAccessible => (
                StatusCode::FORBIDDEN,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                self.to_string(),
            )
                .into_response(),
            FhirError::NotAcceptable => StatusCode::NOT_ACCEPTABLE.into_response(),
            FhirError::NotFound(what) => fhir_json(
                StatusCode::NOT_FOUND,
                &operation_outcome("error", "not-found", &what),
            ),
            FhirError::Internal(cause) => {
                tracing::error!(%cause, "FHIR request failed");
                fhir_json(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &operation_outcome("error", "exception", "Internal Server Error"),
                )
            }
        }
    }
}
