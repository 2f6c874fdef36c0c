//! Access control on the secured R4 base: the DSTU2 checks in the same order (tenant, token,
//! tenant of the token, approval), then the scope, read as SMART v1 (`system/T.read`) or v2
//! (`system/T.rs`, `.crus`, …). A tenant's `dstu2_system_access = false` does not apply here: R4
//! is where production system accounts read.

use crate::app::AppState;
use crate::fhir::FhirError;
use crate::fhir::auth::{Caller, Principal, authenticate, realm};
use crate::ids::TenantId;
use crate::store::ResourceType;

pub(super) fn authorize(
    state: &AppState,
    caller: &Caller<'_>,
    tenant: &TenantId,
    resource_type: Option<ResourceType>,
) -> Result<Principal, FhirError> {
    let (principal, _dstu2_system_access) = authenticate(state, caller, tenant)?;
    if let Some(needed) = resource_type.filter(|t| !may_read(&principal, t.as_str())) {
        return Err(FhirError::InsufficientScope { realm: realm(state), scope: format!("system/{needed}.read") });
    }
    Ok(principal)
}

/// True when the token grants reading the type `resource_type` in a v1 or v2 form.
pub(super) fn may_read(principal: &Principal, resource_type: &str) -> bool {
    principal.granted.grants_system_read(resource_type)
}
