//! `GET {base}.well-known/smart-configuration`. Cerner documents it for R4 only; the emulator serves
//! it for DSTU2 too (chosen; README, "Discovery") so clients can discover the token endpoint either way.
//! It advertises only what the emulator implements: client credentials with client_secret_basic
//! or private_key_jwt (RS384, ES384), and `system/*.read` scopes of the served types.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::FhirError;
use super::error::fhir_json;
use crate::app::AppState;
use crate::scope::Scope;

/// The resource types the emulator serves, for `scopes_supported`.
pub const SERVED_TYPES: [&str; 6] = ["Appointment", "Encounter", "Patient", "Practitioner", "Schedule", "Slot"];

pub(super) async fn get(State(state): State<AppState>, Path(tenant): Path<String>) -> Result<Response, FhirError> {
    if state.profile().tenant(&tenant).is_none() {
        return Err(FhirError::TenantNotAccessible);
    }
    let scopes: Vec<String> = SERVED_TYPES.iter().map(|t| Scope::system_read(t).to_string()).collect();
    let body = json!({
        "authorization_endpoint": state.authorize_url(&tenant),
        "token_endpoint": state.token_url(&tenant),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
        "grant_types_supported": ["client_credentials"],
        "scopes_supported": scopes,
        "capabilities": ["client-confidential-symmetric", "client-confidential-asymmetric", "permission-v1"],
    });
    let mut response = fhir_json(StatusCode::OK, &body);
    response
        .headers_mut()
        .insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"));
    Ok(response)
}
