//! The authorization server's endpoints, declared once. The router serves exactly these
//! ([`super::router`]), and the discovery documents advertise exactly these: the
//! `oauth-uris` extension of the secured bases' capability statements and the
//! `.well-known/smart-configuration` of both versions. So no document names a URL the emulator
//! answers 404 to.
//!
//! Cerner's R4 documents also advertise `authorize` (the provider persona's authorization-code
//! login) and `manage` (a user's own authorizations page). Both are user-facing and a system
//! account never uses them, so the emulator serves neither and advertises neither (README, "R4").

use serde_json::{Map, Value, json};

/// One endpoint of the authorization server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthEndpoint {
    /// RFC 6749 §4.4 client credentials (SMART Backend Services).
    Token,
    /// RFC 7009 token revocation: fhir.cerner.com R4 `revocation_endpoint`,
    /// `…/smart-v1/token/revoke`.
    Revoke,
    /// RFC 7662 token introspection: fhir.cerner.com R4 `introspection_endpoint`,
    /// `https://authorization.cerner.com/tokeninfo` (not tenant-scoped).
    Introspect,
}

impl AuthEndpoint {
    /// Every endpoint served, in the order the documents list them.
    pub const ALL: [AuthEndpoint; 3] = [AuthEndpoint::Token, AuthEndpoint::Revoke, AuthEndpoint::Introspect];

    /// The route, relative to the origin.
    pub const fn route(self) -> &'static str {
        match self {
            AuthEndpoint::Token => "/tenants/{tenant}/protocols/oauth2/profiles/smart-v1/token",
            AuthEndpoint::Revoke => "/tenants/{tenant}/protocols/oauth2/profiles/smart-v1/token/revoke",
            AuthEndpoint::Introspect => "/tokeninfo",
        }
    }

    /// The endpoint a route template is, if any.
    pub fn of_route(template: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.route() == template)
    }

    /// Its name in the `oauth-uris` extension, and in the request record and the journal.
    pub const fn name(self) -> &'static str {
        match self {
            AuthEndpoint::Token => "token",
            AuthEndpoint::Revoke => "revoke",
            AuthEndpoint::Introspect => "introspect",
        }
    }

    /// Its key in a SMART configuration.
    pub const fn smart_key(self) -> &'static str {
        match self {
            AuthEndpoint::Token => "token_endpoint",
            AuthEndpoint::Revoke => "revocation_endpoint",
            AuthEndpoint::Introspect => "introspection_endpoint",
        }
    }

    /// Whether DSTU2's Conformance lists it: Cerner's DSTU2 example (`dstu2-metadata-secure.json`)
    /// lists `token` and `authorize` only, and `authorize` is not served.
    pub const fn in_dstu2_conformance(self) -> bool {
        matches!(self, AuthEndpoint::Token)
    }

    /// Its URL for `tenant` on the public `origin` (without a trailing slash).
    pub fn url(self, origin: &str, tenant: &str) -> String {
        format!("{origin}{}", self.route().replace("{tenant}", tenant))
    }
}

/// The `oauth-uris` extension of a secured base's capability statement: the endpoints `listed`.
pub fn oauth_uris(origin: &str, tenant: &str, listed: impl Fn(AuthEndpoint) -> bool) -> Value {
    let uris: Vec<Value> = AuthEndpoint::ALL
        .into_iter()
        .filter(|e| listed(*e))
        .map(|e| json!({ "url": e.name(), "valueUri": e.url(origin, tenant) }))
        .collect();
    json!({ "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris", "extension": uris })
}

/// The endpoints of a SMART configuration (`token_endpoint`, `revocation_endpoint`,
/// `introspection_endpoint`), each endpoint served.
pub fn smart_endpoints(origin: &str, tenant: &str) -> Map<String, Value> {
    AuthEndpoint::ALL.into_iter().map(|e| (e.smart_key().to_owned(), json!(e.url(origin, tenant)))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_is_its_own_route_and_urls_fill_in_the_tenant() {
        for endpoint in AuthEndpoint::ALL {
            assert_eq!(AuthEndpoint::of_route(endpoint.route()), Some(endpoint));
        }
        assert_eq!(AuthEndpoint::of_route("/tenants/{tenant}/metadata"), None);
        assert_eq!(
            AuthEndpoint::Revoke.url("http://h", "t"),
            "http://h/tenants/t/protocols/oauth2/profiles/smart-v1/token/revoke"
        );
        assert_eq!(AuthEndpoint::Introspect.url("http://h", "t"), "http://h/tokeninfo");
        let uris = oauth_uris("http://h", "t", AuthEndpoint::in_dstu2_conformance);
        assert_eq!(uris["extension"].as_array().map(Vec::len), Some(1));
        assert_eq!(smart_endpoints("http://h", "t").len(), 3);
    }
}
