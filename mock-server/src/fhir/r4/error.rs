//! R4 errors, rendered as Cerner's R4 docs show them: the same causes as on DSTU2, with the R4
//! media type, `expression: ["http.Authorization"]` on a 401, `details.text` "Resource not
//! found" on a 404, the documented plain text for an inaccessible tenant and an empty 406.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::FHIR_JSON_R4;
use crate::fhir::FhirError;
use crate::fhir::paging::PageError;
use crate::fhir::params::ParamError;
use crate::store::SearchError;

/// An error on the R4 surface: one of the FHIR causes the DSTU2 surface knows.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct R4Error(#[from] pub FhirError);

impl From<ParamError> for R4Error {
    fn from(e: ParamError) -> Self {
        Self(FhirError::BadSearch(e))
    }
}

impl From<PageError> for R4Error {
    fn from(e: PageError) -> Self {
        Self(FhirError::BadPage(e))
    }
}

impl From<SearchError> for R4Error {
    fn from(e: SearchError) -> Self {
        Self(FhirError::TooCostly(e))
    }
}

/// The `details.text` of an R4 not-found issue (fhir.cerner.com Millennium R4 examples).
pub const NOT_FOUND_TEXT: &str = "Resource not found";

/// An R4 OperationOutcome with one issue.
pub fn outcome(severity: &str, code: &str, diagnostics: &str) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{ "severity": severity, "code": code, "diagnostics": diagnostics }]
    })
}

/// An R4 JSON response with `status`.
pub fn r4_json(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON_R4));
    response
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    r4_json(status, body.to_string().into_bytes())
}

fn with_challenge(mut response: Response, challenge: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(challenge) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

impl IntoResponse for R4Error {
    fn into_response(self) -> Response {
        let text = self.0.to_string();
        match self.0 {
            FhirError::TenantNotAccessible => {
                (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
            }
            FhirError::NotAcceptable => StatusCode::NOT_ACCEPTABLE.into_response(),
            FhirError::InvalidToken { realm, description } => {
                let challenge =
                    format!("Bearer realm=\"{realm}\", error=\"invalid_token\", error_description=\"{description}\"");
                let mut body = outcome("error", "login", &description);
                body["issue"][0]["expression"] = json!(["http.Authorization"]);
                with_challenge(json_response(StatusCode::UNAUTHORIZED, &body), &challenge)
            }
            FhirError::InsufficientScope { realm, scope } => {
                let challenge = format!("Bearer realm=\"{realm}\", error=\"insufficient_scope\", scope=\"{scope}\"");
                with_challenge(json_response(StatusCode::FORBIDDEN, &outcome("error", "forbidden", &text)), &challenge)
            }
            FhirError::BadSearch(_) | FhirError::BadPage(_) => {
                json_response(StatusCode::BAD_REQUEST, &outcome("error", "invalid", &text))
            }
            FhirError::TooCostly(_) => {
                json_response(StatusCode::UNPROCESSABLE_ENTITY, &outcome("error", "too-costly", &text))
            }
            FhirError::NotFound(what) => {
                // Cerner's R4 not-found issue states it in `details.text`; `diagnostics` says what.
                let mut body = outcome("error", "not-found", &what);
                body["issue"][0]["details"] = json!({ "text": NOT_FOUND_TEXT });
                json_response(StatusCode::NOT_FOUND, &body)
            }
            // The rest as DSTU2 renders them (the documented 500; a fault rule's status), as R4 JSON.
            other => {
                let mut response = other.into_response();
                if response.headers().get(header::CONTENT_TYPE).is_some() {
                    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON_R4));
                }
                response
            }
        }
    }
}
