//! The FHIR R4 surface beside DSTU2, from the same store, tenants, authorization server and
//! tokens: `/r4/{tenant}/` (secured, fhir-ehr.cerner.com) and `/open/r4/{tenant}/` (no auth,
//! fhir-open.cerner.com). Follows fhir.cerner.com "Millennium R4" for media types, errors, paging,
//! the CapabilityStatement and SMART configuration, and each resource's page for its search rules.
//!
//! # Layout
//! - `discovery`: `metadata` and `.well-known/smart-configuration`, prepared once per tenant.
//! - `access`: the secured base's checks (SMART v1 and v2 scopes); `error`: R4 error shapes.
//! - `params`: R4 search parameters → the store's typed queries (`encounter`: Encounter's);
//!   `scan`: Location/Practitioner.
//! - `render`: a stored (DSTU2-shaped) resource as R4; `resources`: reads, searches, bundles.

mod access;
pub(crate) mod discovery;
mod encounter;
pub mod error;
pub mod params;
pub mod render;
mod resources;
mod scan;

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::app::AppState;
pub use error::R4Error;

/// The content type of every R4 JSON response.
pub const FHIR_JSON_R4: &str = "application/fhir+json; charset=utf-8";

/// The `fhirVersion` of R4 CapabilityStatements.
pub const FHIR_VERSION: &str = "4.0.1";

/// Which of the two R4 origins a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Secured,
    Open,
}

impl Endpoint {
    /// The base path of a tenant on this endpoint, ending in `/`.
    pub fn base_path(self, tenant: &str) -> String {
        match self {
            Endpoint::Secured => format!("/r4/{tenant}/"),
            Endpoint::Open => format!("/open/r4/{tenant}/"),
        }
    }
}

/// The R4 routes. Their discovery documents are prepared once, in the state (`AppState::r4_discovery`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/r4/{tenant}/metadata", get(discovery::secured_metadata))
        .route("/open/r4/{tenant}/metadata", get(discovery::open_metadata))
        .route("/r4/{tenant}/.well-known/smart-configuration", get(discovery::smart_configuration))
        .route("/r4/{tenant}/{kind}", get(resources::search_secured))
        .route("/r4/{tenant}/{kind}/{id}", get(resources::read_secured))
        .route("/open/r4/{tenant}/{kind}", get(resources::search_open))
        .route("/open/r4/{tenant}/{kind}/{id}", get(resources::read_open))
}

/// Media types (fhir.cerner.com R4): `application/fhir+json`, `application/json`, the DSTU2
/// `application/json+fhir` (which Cerner's own Slot and Schedule pages still send), `*/*` or no
/// `Accept` get JSON; anything else a 406 with an empty body (negotiated for both versions by
/// `fhir::negotiate::Negotiate`).
pub const MEDIA: crate::fhir::negotiate::Media = crate::fhir::negotiate::Media {
    bases: &["/r4/", "/open/r4/"],
    accepts: accepts_json,
    refuse: || R4Error::from(crate::fhir::FhirError::NotAcceptable).into_response(),
};

/// True when one of the listed media ranges (RFC 9110 §12.5.1) admits R4 JSON, with q > 0.
pub fn accepts_json(accept: &str) -> bool {
    crate::fhir::accepts_any(
        accept,
        &["application/fhir+json", "application/json+fhir", "application/json", "application/*", "*/*"],
    )
}

#[cfg(test)]
mod tests {
    use super::accepts_json;
    use proptest::prelude::*;

    #[test]
    fn accept_header_forms() {
        assert!(accepts_json("application/fhir+json"));
        assert!(accepts_json("application/json+fhir"));
        assert!(accepts_json("application/json; charset=utf-8"));
        assert!(accepts_json("text/html, */*;q=0.1"));
        assert!(!accepts_json("application/fhir+xml"));
        assert!(!accepts_json("application/fhir+json;q=0"));
        assert!(!accepts_json(""));
    }

    proptest! {
        #[test]
        fn accept_parser_never_panics(text in "\\PC{0,80}") {
            let _ = accepts_json(&text);
        }
    }
}
