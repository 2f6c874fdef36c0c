//! Access control on the secured R4 base: the DSTU2 checks in the same order (tenant, token,
//! tenant of the token, approval), then the scope, read as SMART v1 (`system/T.read`) or v2
//! (`system/T.rs`, `.crus`, …). A tenant's `dstu2_system_access` setting does not apply here.

use axum::http::{HeaderMap, header};

use super::R4Error;
use crate::app::AppState;
use crate::fhir::FhirError;
use crate::scope::ScopeSet;
use crate::store::ResourceType;

pub fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    tenant: &str,
    resource_type: Option<ResourceType>,
) -> Result<(), R4Error> {
    crate::fhir::auth::authorize(state, headers, tenant, None)?;
    let Some(resource_type) = resource_type else { return Ok(()) };
    // The token verified just above; its claims are read again (verification is cached).
    let granted = bearer(headers)
        .and_then(|token| state.keys().inspect(token))
        .and_then(|claims| ScopeSet::parse(&claims.cerner.azs).ok())
        .unwrap_or_default();
    if granted.grants_system_read(resource_type.as_str()) {
        Ok(())
    } else {
        let realm = crate::fhir::auth::realm(state);
        Err(FhirError::InsufficientScope { realm, scope: format!("system/{resource_type}.read") }.into())
    }
}

/// Whether a granted scope string lets the holder read `resource_type` (for `_include`).
pub fn may_read(state: &AppState, headers: &HeaderMap, resource_type: ResourceType) -> bool {
    bearer(headers)
        .and_then(|token| state.keys().inspect(token))
        .and_then(|claims| ScopeSet::parse(&claims.cerner.azs).ok())
        .is_some_and(|granted| granted.grants_system_read(resource_type.as_str()))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
}
