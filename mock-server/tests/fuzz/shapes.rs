//! What a well-formed answer of each surface is: the checks every target applies to every reply.

use axum::http::StatusCode;
use proptest::prelude::*;
use serde_json::Value;

use crate::driver::{ORIGIN, Reply};

pub(crate) const FHIR_JSON: &str = "application/json+fhir; charset=utf-8";
pub(crate) const FHIR_JSON_R4: &str = "application/fhir+json; charset=utf-8";
const TENANT_TEXT: &str = "Tenant not valid or accessible";
/// The `error` codes of RFC 6749 §5.2 the token endpoint uses (a fault rule adds
/// `temporarily_unavailable` and `server_error`, not fuzzed here).
const OAUTH_CODES: [&str; 6] = [
    "invalid_request",
    "invalid_client",
    "unsupported_grant_type",
    "invalid_scope",
    "invalid_grant",
    "unauthorized_client",
];

/// A FHIR answer: a documented status (never a 5xx), and the body fhir.cerner.com documents for
/// it: JSON (`application/json+fhir`; R4: `application/fhir+json`) with an OperationOutcome for errors, the plain text for an
/// inaccessible tenant, nothing for a 406.
pub(crate) fn fhir(reply: &Reply) -> Result<Value, TestCaseError> {
    fhir_in(reply, FHIR_JSON)
}

/// An R4 answer: as [`fhir`], with R4's media type.
pub(crate) fn fhir_r4(reply: &Reply) -> Result<Value, TestCaseError> {
    fhir_in(reply, FHIR_JSON_R4)
}

fn fhir_in(reply: &Reply, media_type: &str) -> Result<Value, TestCaseError> {
    let status = reply.status.as_u16();
    prop_assert!(
        matches!(status, 200 | 400 | 401 | 403 | 404 | 406 | 422),
        "undocumented status: {}",
        reply.describe()
    );
    prop_assert!(reply.header("x-request-id").is_some(), "no X-Request-Id: {}", reply.describe());
    if reply.status == StatusCode::NOT_ACCEPTABLE {
        prop_assert!(reply.body.is_empty(), "a 406 has no body: {}", reply.describe());
        return Ok(Value::Null);
    }
    if reply.status == StatusCode::FORBIDDEN && reply.content_type() == Some("text/plain; charset=utf-8") {
        prop_assert_eq!(&reply.body[..], TENANT_TEXT.as_bytes());
        return Ok(Value::Null);
    }
    prop_assert_eq!(reply.content_type(), Some(media_type), "{}", reply.describe());
    let body = reply.json();
    prop_assert!(body.as_ref().is_some_and(Value::is_object), "not a JSON object: {}", reply.describe());
    let body = body.unwrap_or_default();
    if reply.status == StatusCode::OK {
        prop_assert!(body["resourceType"].is_string(), "no resourceType: {}", reply.describe());
    } else {
        operation_outcome(reply, &body)?;
    }
    if reply.status == StatusCode::UNAUTHORIZED {
        let challenge = reply.header("www-authenticate").unwrap_or_default();
        prop_assert!(challenge.starts_with("Bearer realm="), "401 without a challenge: {}", reply.describe());
    }
    Ok(body)
}

fn operation_outcome(reply: &Reply, body: &Value) -> Result<(), TestCaseError> {
    prop_assert_eq!(&body["resourceType"], "OperationOutcome", "{}", reply.describe());
    let issues = body["issue"].as_array().map(Vec::as_slice).unwrap_or_default();
    prop_assert!(!issues.is_empty(), "no issue: {}", reply.describe());
    for issue in issues {
        for field in ["severity", "code", "diagnostics"] {
            prop_assert!(
                issue[field].as_str().is_some_and(|s| !s.is_empty()),
                "issue without {field}: {}",
                reply.describe()
            );
        }
    }
    Ok(())
}

/// A token endpoint answer: 200 with a token, or an RFC 6749 error in Cerner's shape
/// (`{"error", "error_uri"}`), JSON, never cached; `413` for a body over the limit.
pub(crate) fn oauth(reply: &Reply) -> Result<Value, TestCaseError> {
    let status = reply.status.as_u16();
    prop_assert!(matches!(status, 200 | 400 | 401 | 413), "undocumented status: {}", reply.describe());
    prop_assert_eq!(reply.content_type(), Some("application/json"), "{}", reply.describe());
    prop_assert_eq!(reply.header("cache-control"), Some("no-store"), "{}", reply.describe());
    let body = reply.json().unwrap_or_default();
    if reply.status == StatusCode::OK {
        prop_assert!(body["access_token"].as_str().is_some_and(|t| t.split('.').count() == 3), "{}", reply.describe());
        prop_assert_eq!(&body["token_type"], "Bearer");
        prop_assert!(body["expires_in"].is_u64() && body["scope"].is_string(), "{}", reply.describe());
        return Ok(body);
    }
    let code = body["error"].as_str().unwrap_or_default();
    prop_assert!(OAUTH_CODES.contains(&code), "unknown error code: {}", reply.describe());
    let uri = body["error_uri"].as_str().unwrap_or_default();
    let prefix = format!("{ORIGIN}/errors/urn%3Acerner%3Aerror%3Aauthorization%2Dserver%3Aoauth2%3Atoken%3A");
    prop_assert!(uri.starts_with(&prefix) && uri.contains("/instances/"), "bad error_uri: {}", reply.describe());
    if code == "invalid_client" && reply.header("www-authenticate").is_some() {
        prop_assert_eq!(reply.header("www-authenticate"), Some("Basic realm=\"token\""));
    }
    Ok(body)
}

/// An admin API error: `{"error": message}`, JSON.
pub(crate) fn admin_error(reply: &Reply) -> Result<String, TestCaseError> {
    prop_assert_eq!(reply.content_type(), Some("application/json"), "{}", reply.describe());
    let body = reply.json().unwrap_or_default();
    let message = body["error"].as_str().unwrap_or_default();
    prop_assert!(!message.is_empty(), "an error without a message: {}", reply.describe());
    Ok(message.to_owned())
}
