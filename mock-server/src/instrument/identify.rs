//! Who and what a request is about, read once at the door: the surface, the tenant and resource
//! from the path, the client from the credentials (a Basic user name, an assertion's `iss`, or a
//! bearer token's `azp`), and the token's `jti`. Secrets and tokens are never kept in the identity;
//! the parsed credentials go on to the handlers as a request extension ([`Presented`]).

use crate::app::AppState;
use crate::oauth::assertion;
use crate::oauth::presented::{Credentials, Presented};
use crate::request::{FhirVersion, Surface};

/// What is known about a request before it is handled.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub surface: Option<Surface>,
    pub tenant: Option<String>,
    /// A resource type, `metadata`, `.well-known`, or `token`.
    pub resource: Option<String>,
    pub client: Option<String>,
    pub jti: Option<String>,
    /// True when `client` comes from a bearer token this emulator signed.
    pub token_verified: bool,
    /// The scheme of the `Authorization` header only.
    pub scheme: Option<String>,
    /// The `scope` of a token request.
    pub scope: Option<String>,
}

impl Identity {
    /// The FHIR version of the base a FHIR request names.
    pub fn version(&self) -> Option<FhirVersion> {
        match self.surface {
            Some(Surface::Fhir(version)) => Some(version),
            _ => None,
        }
    }
}

/// Who the request is from, by what it presented (read once, by [`Presented::read`]).
pub fn identify(state: &AppState, path: &str, presented: &Presented) -> Identity {
    let mut identity = from_path(path);
    identity.scheme = presented.scheme().map(str::to_owned);
    match presented.credentials() {
        Some(Credentials::Basic(pairs)) => {
            // The id of a registered account when one of the readings names one (the limits and the
            // journal key on it), else the raw reading's.
            let pairs = pairs.as_deref().unwrap_or_default();
            let known = pairs.iter().find(|(id, _)| state.profile().account(id).is_some());
            identity.client = known.or(pairs.first()).map(|(id, _)| id.clone());
        }
        Some(Credentials::Bearer(Some(claims))) => {
            identity.client = Some(claims.azp.clone());
            identity.jti = Some(claims.jti.clone());
            identity.token_verified = true;
        }
        _ => {}
    }
    let form = presented.form.as_ref().and_then(|f| f.as_ref().ok());
    identity.scope = form.and_then(|f| f.get("scope")).map(str::to_owned);
    if let Some(form) = form.filter(|_| identity.client.is_none()) {
        identity.client = form
            .get("client_assertion")
            .and_then(assertion::claimed_client)
            .or_else(|| form.get("client_id").map(str::to_owned));
    }
    identity
}

fn from_path(path: &str) -> Identity {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let fhir = |segment: &str| FhirVersion::from_segment(segment).map(Surface::Fhir);
    let (surface, tenant, resource) = match segments.as_slice() {
        ["tenants", tenant, .., "token"] => (Surface::Token, *tenant, "token"),
        [version, tenant, resource, ..] | ["open", version, tenant, resource, ..] if fhir(version).is_some() => {
            (fhir(version).unwrap_or(Surface::Token), *tenant, *resource)
        }
        _ => return Identity::default(),
    };
    Identity {
        surface: Some(surface),
        tenant: Some(tenant.to_owned()),
        resource: Some(resource.to_owned()),
        ..Identity::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_surface_tenant_and_resource() {
        let id = from_path("/tenants/t1/protocols/oauth2/profiles/smart-v1/token");
        assert_eq!(
            (id.surface, id.tenant.as_deref(), id.resource.as_deref()),
            (Some(Surface::Token), Some("t1"), Some("token"))
        );
        let id = from_path("/open/dstu2/t2/Appointment/1");
        assert_eq!((id.tenant.as_deref(), id.resource.as_deref()), (Some("t2"), Some("Appointment")));
        let id = from_path("/dstu2/t3/metadata");
        assert_eq!((id.resource.as_deref(), id.version()), (Some("metadata"), Some(FhirVersion::Dstu2)));
        let id = from_path("/open/r4/t4/Location/1");
        assert_eq!(
            (id.tenant.as_deref(), id.resource.as_deref(), id.version()),
            (Some("t4"), Some("Location"), Some(FhirVersion::R4))
        );
        assert!(from_path("/__admin/health").surface.is_none());
    }
}
