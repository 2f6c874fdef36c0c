//! The FHIR DSTU2 surface, tenant-scoped: `/dstu2/{tenant}/` (secured, fhir-ehr-code.cerner.com)
//! and `/open/dstu2/{tenant}/` (no auth, fhir-open.cerner.com). Follows fhir.cerner.com
//! "DSTU2 › General" for media types, errors, paging and the conformance statement, and each
//! resource's page for its search rules.

pub(crate) mod auth;
pub(crate) mod bundle;
pub mod error;
pub mod metadata;
pub mod negotiate;
pub mod paging;
pub mod params;
pub(crate) mod resources;
mod smart_config;

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::app::AppState;
pub use auth::realm;
pub use error::FhirError;

/// The content type of every FHIR JSON response.
pub const FHIR_JSON: &str = "application/json+fhir; charset=utf-8";

/// Which of the two FHIR origins a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Secured,
    Open,
}

impl Endpoint {
    /// The base path of a tenant on this endpoint, ending in `/`.
    pub fn base_path(self, tenant: &str) -> String {
        match self {
            Endpoint::Secured => format!("/dstu2/{tenant}/"),
            Endpoint::Open => format!("/open/dstu2/{tenant}/"),
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dstu2/{tenant}/metadata", get(metadata::secured))
        .route("/open/dstu2/{tenant}/metadata", get(metadata::open))
        .route("/dstu2/{tenant}/.well-known/smart-configuration", get(smart_config::get))
        .route("/dstu2/{tenant}/{kind}", get(resources::search_secured))
        .route("/dstu2/{tenant}/{kind}/{id}", get(resources::read_secured))
        .route("/open/dstu2/{tenant}/{kind}", get(resources::search_open))
        .route("/open/dstu2/{tenant}/{kind}/{id}", get(resources::read_open))
}

/// Media types (fhir.cerner.com DSTU2): `application/json+fhir`, `application/json`, `*/*` or no
/// `Accept` get JSON; anything else a 406 with an empty body (negotiated for both versions by
/// [`negotiate::Negotiate`]). (`X-Request-Id` is stamped by the instrument, on every FHIR answer,
/// faults included.)
pub const MEDIA: negotiate::Media = negotiate::Media {
    bases: &["/dstu2/", "/open/dstu2/"],
    accepts: accepts_json,
    refuse: || FhirError::NotAcceptable.into_response(),
};

/// True when one of the listed media ranges (RFC 9110 §12.5.1) admits FHIR JSON, with q > 0.
pub fn accepts_json(accept: &str) -> bool {
    accepts_any(accept, &["application/json+fhir", "application/json", "application/*", "*/*"])
}

/// True when one of the media ranges of `accept` is one of `types` (lower case) with q > 0. One
/// parser for both versions, which differ only in the types they serve.
pub fn accepts_any(accept: &str, types: &[&str]) -> bool {
    accept.split(',').any(|range| {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let refused = parts.any(|p| p.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()).is_some_and(|q| q <= 0.0));
        !refused && types.contains(&media.as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::accepts_json;
    use proptest::prelude::*;

    #[test]
    fn accept_header_forms() {
        assert!(accepts_json("application/json+fhir"));
        assert!(accepts_json("application/json; charset=utf-8"));
        assert!(accepts_json("text/html, */*;q=0.1"));
        assert!(!accepts_json("application/xml+fhir"));
        assert!(!accepts_json("application/json;q=0"));
        assert!(!accepts_json(""));
    }

    proptest! {
        #[test]
        fn accept_parser_never_panics(text in "\\PC{0,80}") {
            let _ = accepts_json(&text);
        }
    }
}
