//! The FHIR surface, tenant-scoped, in both versions Cerner serves: DSTU2 under `/dstu2/{tenant}/`
//! (secured, fhir-ehr-code.cerner.com) and `/open/dstu2/{tenant}/` (no auth, fhir-open.cerner.com),
//! R4 under `/r4/{tenant}/` and `/open/r4/{tenant}/` (fhir-ehr.cerner.com, fhir-open.cerner.com).
//!
//! # Layout
//! - The pipeline, written once: `resources` (reads and searches: tenant, authorization,
//!   parameters, the store's search, paging and links, the bundle), [`discovery`] (metadata and
//!   SMART configuration, prepared per tenant), `auth`, [`paging`], `bundle`, [`negotiate`],
//!   [`error`] (the causes of FHIR errors, and their DSTU2 shape), [`params`] (the typed values
//!   and the search rules both versions share).
//! - The seam: `seam::Version`, what the pipeline asks of a version; [`declared`], the shape of
//!   a version's declaration (types, search parameters, modifiers, includes) that both its parsers
//!   and its capability statement are generated from.
//! - The versions, only what differs: [`dstu2`] and [`r4`] (declaration tables, parsers,
//!   renderers, media types, error shapes, discovery documents, `total` and link policies).

pub(crate) mod auth;
pub(crate) mod bundle;
pub mod declared;
pub mod discovery;
pub mod dstu2;
pub mod error;
pub mod negotiate;
pub mod paging;
pub mod params;
pub mod r4;
pub(crate) mod resources;
pub(crate) mod seam;

use axum::Router;
use axum::routing::get;

use crate::app::AppState;
pub use crate::request::{Endpoint, FhirVersion};
pub use auth::realm;
pub use dstu2::FHIR_JSON;
pub use error::FhirError;
use seam::Version;

/// The routes of both versions.
pub fn router() -> Router<AppState> {
    routes::<dstu2::Dstu2>().merge(routes::<r4::R4>())
}

/// One version's routes on its two bases.
fn routes<V: Version>() -> Router<AppState> {
    let secured = Endpoint::Secured.base_path(V::VERSION, "{tenant}");
    let open = Endpoint::Open.base_path(V::VERSION, "{tenant}");
    Router::new()
        .route(secured.trim_end_matches('/'), get(resources::base::<V>))
        .route(&secured, get(resources::base::<V>))
        .route(open.trim_end_matches('/'), get(resources::base::<V>))
        .route(&open, get(resources::base::<V>))
        .route(&format!("{secured}metadata"), get(discovery::secured_metadata::<V>))
        .route(&format!("{open}metadata"), get(discovery::open_metadata::<V>))
        .route(&format!("{secured}.well-known/smart-configuration"), get(discovery::smart_configuration::<V>))
        .route(&format!("{secured}{{kind}}"), get(resources::search_secured::<V>))
        .route(&format!("{secured}{{kind}}/{{id}}"), get(resources::read_secured::<V>))
        .route(&format!("{open}{{kind}}"), get(resources::search_open::<V>))
        .route(&format!("{open}{{kind}}/{{id}}"), get(resources::read_open::<V>))
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
    use proptest::prelude::*;

    use super::{dstu2, r4};

    #[test]
    fn each_version_accepts_its_media_types() {
        for accepts in [dstu2::accepts_json as fn(&str) -> bool, r4::accepts_json] {
            assert!(accepts("application/json+fhir"));
            assert!(accepts("application/json; charset=utf-8"));
            assert!(accepts("text/html, */*;q=0.1"));
            assert!(!accepts("application/json;q=0"));
            assert!(!accepts(""));
        }
        assert!(r4::accepts_json("application/fhir+json"));
        assert!(!dstu2::accepts_json("application/fhir+json"), "R4's type is not DSTU2's");
        assert!(!dstu2::accepts_json("application/xml+fhir"));
        assert!(!r4::accepts_json("application/fhir+xml"));
        assert!(!r4::accepts_json("application/fhir+json;q=0"));
    }

    proptest! {
        #[test]
        fn accept_parsers_never_panic(text in "\\PC{0,80}") {
            let _ = (dstu2::accepts_json(&text), r4::accepts_json(&text));
        }
    }
}
