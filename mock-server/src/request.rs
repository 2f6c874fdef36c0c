//! The request vocabulary every layer shares: which surface a request speaks, which FHIR version
//! and base it names, and what the instrument asks of the handlers (a short page). The FHIR
//! version is a typed value from the path to the journal; it is spelled as a string only here (its
//! path segment) and in serde attributes.

use serde::{Deserialize, Serialize};

/// Which protocol a request speaks, so errors take its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Surface {
    /// The authorization server's token endpoint (OAuth2 error bodies).
    Token,
    /// A FHIR base (OperationOutcome error bodies, in the base's version).
    Fhir(FhirVersion),
}

/// The FHIR version a base serves: the seam between the one FHIR surface and each version's
/// parameter tables, renderers, media types, error shapes and discovery documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FhirVersion {
    /// DSTU2 (`fhirVersion` 1.0.2), under `/dstu2/` and `/open/dstu2/`.
    Dstu2,
    /// R4 (`fhirVersion` 4.0.1), under `/r4/` and `/open/r4/`.
    R4,
}

impl FhirVersion {
    /// Both versions, DSTU2 first.
    pub const ALL: [FhirVersion; 2] = [FhirVersion::Dstu2, FhirVersion::R4];

    /// The path segment of this version's bases (`dstu2`, `r4`), also its name in profiles, fault
    /// rules and the journal.
    pub const fn as_str(self) -> &'static str {
        match self {
            FhirVersion::Dstu2 => "dstu2",
            FhirVersion::R4 => "r4",
        }
    }

    /// The version a path segment (or a profile's or fault rule's name) names.
    pub fn from_segment(segment: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == segment)
    }

    /// The `fhirVersion` of this version's capability statement.
    pub const fn fhir_version(self) -> &'static str {
        match self {
            FhirVersion::Dstu2 => "1.0.2",
            FhirVersion::R4 => "4.0.1",
        }
    }
}

impl std::fmt::Display for FhirVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for FhirVersion {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::from_segment(text).ok_or_else(|| format!("'{text}' is not a FHIR version (dstu2 or r4)"))
    }
}

/// Which of a version's two FHIR origins a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// fhir-ehr(-code).cerner.com: a bearer token is required.
    Secured,
    /// fhir-open.cerner.com: no authorization, read-only.
    Open,
}

impl Endpoint {
    /// Both endpoints, secured first.
    pub const ALL: [Endpoint; 2] = [Endpoint::Secured, Endpoint::Open];

    /// The base path of a tenant on this endpoint of `version`, ending in `/`.
    pub fn base_path(self, version: FhirVersion, tenant: &str) -> String {
        let mut path = String::with_capacity(tenant.len() + 16);
        self.push_base_path(version, tenant, &mut path);
        path
    }

    /// Appends [`Endpoint::base_path`] to `out`.
    pub fn push_base_path(self, version: FhirVersion, tenant: &str, out: &mut String) {
        if self == Endpoint::Open {
            out.push_str("/open");
        }
        for part in ["/", version.as_str(), "/", tenant, "/"] {
            out.push_str(part);
        }
    }
}

/// What is known about a request before it is handled, read once at the door from the route axum
/// matched and the credentials it presents: the instrument builds it, matches faults and limits and
/// journals with it, and hands it to the handlers (as a request extension, `Arc<Record>`). Secrets
/// and tokens are never kept in it.
#[derive(Debug, Clone, Default)]
pub struct Record {
    /// The API surface the route belongs to; `None` for the admin API and paths no route matched.
    pub surface: Option<Surface>,
    /// The FHIR base's endpoint (none on the token endpoint).
    pub endpoint: Option<Endpoint>,
    /// The tenant the path names, as written.
    pub tenant: Option<String>,
    /// A resource type, `metadata`, `.well-known`, or `token`.
    pub resource: Option<String>,
    /// The client id the credentials name: a Basic user, an assertion's `iss`, or a bearer token's `azp`.
    pub client: Option<String>,
    /// The id (`jti`) of a bearer token this emulator signed.
    pub jti: Option<String>,
    /// True when `client` comes from a bearer token this emulator signed.
    pub token_verified: bool,
    /// The scopes that token grants, parsed once.
    pub granted: Option<std::sync::Arc<crate::scope::ScopeSet>>,
    /// The scheme of the `Authorization` header only.
    pub scheme: Option<String>,
    /// The `scope` a token request asked for.
    pub scope: Option<String>,
}

impl Record {
    /// The FHIR version of the base a FHIR request names.
    pub fn version(&self) -> Option<FhirVersion> {
        match self.surface {
            Some(Surface::Fhir(version)) => Some(version),
            _ => None,
        }
    }
}

/// The surface and endpoint a route of this emulator serves, from its template (`/open/r4/{tenant}/{kind}`):
/// what axum matched, not the request's path.
pub fn route_of(template: &str) -> Option<(Surface, Option<Endpoint>)> {
    if crate::oauth::endpoints::AuthEndpoint::of_route(template).is_some() {
        return Some((Surface::Token, None));
    }
    let mut segments = template.trim_start_matches('/').split('/');
    match segments.next()? {
        "open" => Some((Surface::Fhir(FhirVersion::from_segment(segments.next()?)?), Some(Endpoint::Open))),
        version => Some((Surface::Fhir(FhirVersion::from_segment(version)?), Some(Endpoint::Secured))),
    }
}

/// Asks the search handler for a short page: at most this many entries, with the `next` link
/// continuing right after the last one served (as Cerner's page throttling does).
#[derive(Debug, Clone, Copy)]
pub struct ShortPage(pub usize);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_named_by_their_path_segment() {
        for version in FhirVersion::ALL {
            assert_eq!(FhirVersion::from_segment(version.as_str()), Some(version));
            assert_eq!(version.to_string().parse::<FhirVersion>(), Ok(version));
        }
        assert_eq!(FhirVersion::from_segment("stu3"), None);
        assert_eq!(serde_json::to_string(&FhirVersion::R4).ok().as_deref(), Some("\"r4\""));
        assert_eq!(Endpoint::Open.base_path(FhirVersion::R4, "t"), "/open/r4/t/");
        assert_eq!(Endpoint::Secured.base_path(FhirVersion::Dstu2, "t"), "/dstu2/t/");
    }

    #[test]
    fn routes_name_their_surface_and_endpoint() {
        let token = "/tenants/{tenant}/protocols/oauth2/profiles/smart-v1/token";
        assert_eq!(route_of(token), Some((Surface::Token, None)));
        assert_eq!(route_of(&format!("{token}/revoke")), Some((Surface::Token, None)));
        assert_eq!(route_of("/tokeninfo"), Some((Surface::Token, None)));
        let open = Some((Surface::Fhir(FhirVersion::R4), Some(Endpoint::Open)));
        assert_eq!(route_of("/open/r4/{tenant}/{kind}/{id}"), open);
        let secured = Some((Surface::Fhir(FhirVersion::Dstu2), Some(Endpoint::Secured)));
        assert_eq!(route_of("/dstu2/{tenant}/metadata"), secured);
        assert_eq!(route_of("/__admin/health"), None);
        assert_eq!(route_of("/open/stu3/{tenant}/metadata"), None);
    }
}
