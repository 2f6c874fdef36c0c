//! Who and what a request is about, read once at the door into a [`Record`]: the surface,
//! endpoint, tenant and resource from the route axum matched (its template and path parameters,
//! never the raw path again), the client from the credentials (a Basic user name, an assertion's
//! `iss`, or a bearer token's `azp`), the token's `jti` and the scopes it grants, parsed once.
//! Secrets and tokens are never kept in the record; the parsed credentials go on to the handlers
//! as a request extension ([`Presented`]).

use crate::app::AppState;
use crate::oauth::assertion;
use crate::oauth::endpoints::AuthEndpoint;
use crate::oauth::presented::{Credentials, Presented};
use crate::request::{Record, route_of};
use crate::scope::ScopeSet;

/// The record of a request to a route (what `from_route` read of it), completed from what it
/// presented (read once, by [`Presented::read`]).
pub(crate) fn identify(state: &AppState, mut record: Record, presented: &Presented) -> Record {
    record.scheme = presented.scheme().map(str::to_owned);
    match presented.credentials() {
        Some(Credentials::Basic(pairs)) => {
            // The id of a registered account when one of the readings names one (the limits and the
            // journal key on it), else the raw reading's.
            let pairs = pairs.as_deref().unwrap_or_default();
            let known = pairs.iter().find(|(id, _)| state.profile().account(id).is_some());
            record.client = known.or(pairs.first()).map(|(id, _)| id.clone());
        }
        Some(Credentials::Bearer(Some(claims))) => {
            record.client = Some(claims.azp.clone());
            record.jti = Some(claims.jti.clone());
            record.token_verified = true;
            record.granted = ScopeSet::parse(&claims.cerner.azs).ok().map(std::sync::Arc::new);
        }
        _ => {}
    }
    let form = presented.form.as_ref().and_then(|f| f.as_ref().ok());
    record.scope = form.and_then(|f| f.get("scope")).map(str::to_owned);
    if let Some(form) = form.filter(|_| record.client.is_none()) {
        record.client = form
            .get("client_assertion")
            .and_then(assertion::claimed_client)
            .or_else(|| form.get("client_id").map(str::to_owned));
    }
    record
}

/// Surface, endpoint, tenant and resource of a route: `{kind}` names the resource; a route
/// without one ends in what it serves (`metadata`, `.well-known/…`, `token`).
pub(crate) fn from_route(template: &str, params: &[(&str, &str)]) -> Record {
    let Some((surface, endpoint)) = route_of(template) else { return Record::default() };
    let param = |name: &str| params.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned());
    let fixed = match AuthEndpoint::of_route(template) {
        Some(endpoint) => Some(endpoint.name()),
        None => template.split('/').find(|s| matches!(*s, "metadata" | ".well-known")),
    };
    Record {
        surface: Some(surface),
        endpoint,
        tenant: param("tenant"),
        resource: param("kind").or_else(|| fixed.map(str::to_owned)),
        ..Record::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Endpoint, FhirVersion, Surface};

    #[test]
    fn routes_name_surface_tenant_and_resource() {
        let record = from_route("/tenants/{tenant}/protocols/oauth2/profiles/smart-v1/token", &[("tenant", "t1")]);
        assert_eq!(
            (record.surface, record.tenant.as_deref(), record.resource.as_deref()),
            (Some(Surface::Token), Some("t1"), Some("token"))
        );
        let record =
            from_route("/open/dstu2/{tenant}/{kind}/{id}", &[("tenant", "t2"), ("kind", "Appointment"), ("id", "1")]);
        assert_eq!((record.tenant.as_deref(), record.resource.as_deref()), (Some("t2"), Some("Appointment")));
        assert_eq!(record.endpoint, Some(Endpoint::Open));
        let record = from_route("/dstu2/{tenant}/metadata", &[("tenant", "t3")]);
        assert_eq!((record.resource.as_deref(), record.version()), (Some("metadata"), Some(FhirVersion::Dstu2)));
        let record = from_route("/open/r4/{tenant}/{kind}", &[("tenant", "t4"), ("kind", "Location")]);
        assert_eq!(
            (record.tenant.as_deref(), record.resource.as_deref(), record.version()),
            (Some("t4"), Some("Location"), Some(FhirVersion::R4))
        );
        let record = from_route("/r4/{tenant}/.well-known/smart-configuration", &[("tenant", "t5")]);
        assert_eq!(record.resource.as_deref(), Some(".well-known"));
        assert!(from_route("/__admin/health", &[]).surface.is_none());
        let record = from_route("/tokeninfo", &[]);
        assert_eq!((record.surface, record.resource.as_deref()), (Some(Surface::Token), Some("introspect")));
    }
}
