//! Access control on the secured endpoint, in the order Cerner applies it (README, "What
//! is emulated", the secured endpoint): the tenant must exist (403 text); the bearer token must verify and be unexpired by
//! the emulator's clock (401 `invalid_token`); it must be for this tenant (401, "tenant
//! mismatch"); the tenant must still approve the account (403 text); a tenant without DSTU2
//! system access refuses the (system) token (403 `forbidden`); and the token must grant
//! `system/{Type}.read` (403 `insufficient_scope`).

use super::FhirError;
use crate::app::AppState;
use crate::ids::{ClientId, TenantId};
use crate::oauth::presented::{Credentials as PresentedCredentials, Presented};
use crate::request::Record;
use crate::scope::{Scope, ScopeSet};
use crate::store::ResourceType;
use crate::tokens::{TokenKeys, TokenRejection};

/// What a handler knows of a request's caller: the credentials it presented and, behind the
/// instrument, the request's [`Record`] (with the token's scopes parsed once).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller<'a> {
    pub presented: &'a Presented,
    pub record: Option<&'a Record>,
}

/// Who a request is from, once authorized. Only the token's id is kept, never the token.
#[derive(Debug, Clone)]
pub(crate) struct Principal {
    pub client_id: ClientId,
    pub jti: String,
    /// The scopes the token grants.
    pub granted: std::sync::Arc<ScopeSet>,
}

impl Principal {
    /// `insufficient_scope` unless the token also grants reading `resource_type` (what an
    /// `_include` of another type needs).
    pub(crate) fn require(&self, state: &AppState, resource_type: ResourceType) -> Result<(), FhirError> {
        let needed = Scope::system_read(resource_type.as_str());
        if self.granted.contains(&needed) {
            return Ok(());
        }
        Err(FhirError::InsufficientScope { realm: realm(state), scope: needed.to_string() })
    }
}

/// The realm of `WWW-Authenticate` challenges: the FHIR host (and port).
pub fn realm(state: &AppState) -> String {
    let origin = state.origin();
    origin.split_once("://").map_or(origin, |(_, host)| host).to_owned()
}

pub(crate) fn authorize(
    state: &AppState,
    caller: &Caller<'_>,
    tenant: &TenantId,
    resource_type: Option<ResourceType>,
) -> Result<Principal, FhirError> {
    let (principal, dstu2_system_access) = authenticate(state, caller, tenant)?;
    // Every token the emulator issues is a system token.
    if !dstu2_system_access {
        return Err(FhirError::NoSystemAccess);
    }
    if let Some(resource_type) = resource_type {
        principal.require(state, resource_type)?;
    }
    Ok(principal)
}

/// The checks both FHIR versions make, up to the tenant's approval: the caller, and whether the
/// tenant grants system access on DSTU2 (R4 does not ask).
pub(crate) fn authenticate(
    state: &AppState,
    caller: &Caller<'_>,
    tenant: &TenantId,
) -> Result<(Principal, bool), FhirError> {
    let presented = caller.presented;
    let invalid =
        |description: &str| FhirError::InvalidToken { realm: realm(state), description: description.to_owned() };
    let known = state.profile().tenant(tenant.as_str()).ok_or(FhirError::TenantNotAccessible)?;
    let Some(PresentedCredentials::Bearer(signed)) = presented.credentials() else {
        return Err(invalid("No bearer access token was provided"));
    };
    let claims = TokenKeys::unexpired(signed.clone(), state.clock().now()).map_err(|e| match e {
        TokenRejection::Expired { .. } => invalid("The access token has expired"),
        TokenRejection::Invalid => invalid("The access token is invalid"),
    })?;
    if state.is_expired_early(&claims.jti) {
        return Err(invalid("The access token has expired"));
    }
    if state.is_token_revoked(&claims.jti) {
        return Err(invalid("The access token has been revoked"));
    }
    if claims.cerner.tnt != tenant.as_str() {
        return Err(invalid("Tenant mismatch: the access token was issued for another tenant"));
    }
    let account = state.profile().account(&claims.azp).ok_or_else(|| invalid("The access token is invalid"))?;
    if !state.approves(account, &known.id) {
        return Err(FhirError::TenantNotAccessible);
    }
    let principal = Principal {
        client_id: account.client_id.clone(),
        jti: claims.jti.clone(),
        // Parsed once, at the door, when the instrument read the request.
        granted: match caller.record.and_then(|r| r.granted.as_ref()) {
            Some(granted) => granted.clone(),
            None => std::sync::Arc::new(ScopeSet::parse(&claims.cerner.azs).unwrap_or_default()),
        },
    };
    Ok((principal, known.dstu2_system_access))
}
