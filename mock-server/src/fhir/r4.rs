//! What R4 has of its own (fhir.cerner.com "Millennium R4"): its declaration ([`table`]), search
//! parameters ([`params`], `encounter`, `scan` for Location and Practitioner), the R4 form of a
//! stored resource ([`render`]), the CapabilityStatement and SMART configuration (`discovery`),
//! its error shapes ([`error`]) and media types, and its answers to the version seam (`R4`):
//! scopes read as SMART v1 or v2, no DSTU2 system-access check (R4 is where production system
//! accounts read), `total` on Patient and Encounter only.

mod access;
pub mod appointment;
pub(crate) mod discovery;
mod encounter;
pub mod error;
pub mod params;
pub mod render;
mod scan;
pub mod table;
mod us_core;

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::FhirError;
use super::auth::{Caller, Principal};
use super::declared::{Declaration, SearchParam};
use super::negotiate::Media;
use super::params::{ParamError, Query, SlotQuery};
use super::seam::{Includes, LinkParams, Version};
use crate::app::AppState;
use crate::ids::TenantId;
use crate::request::FhirVersion;
use crate::store::{Key, ResourceType, Row, TenantData};
pub use error::R4Error;
use params::{R4Query, R4Search};

/// The content type of every R4 JSON response.
pub const FHIR_JSON_R4: &str = "application/fhir+json; charset=utf-8";

/// The `fhirVersion` of R4 CapabilityStatements.
pub const FHIR_VERSION: &str = FhirVersion::R4.fhir_version();

/// Media types (fhir.cerner.com R4): `application/fhir+json`, `application/json`, the DSTU2
/// `application/json+fhir` (which Cerner's own Slot and Schedule pages still send), `*/*` or no
/// `Accept` get JSON; anything else a 406 with an empty body.
pub const MEDIA: Media = Media {
    bases: &["/r4/", "/open/r4/"],
    accepts: accepts_json,
    refuse: || R4Error::from(FhirError::NotAcceptable).into_response(),
};

/// True when one of the listed media ranges (RFC 9110 §12.5.1) admits R4 JSON, with q > 0.
pub fn accepts_json(accept: &str) -> bool {
    super::accepts_any(
        accept,
        &["application/fhir+json", "application/json+fhir", "application/json", "application/*", "*/*"],
    )
}

/// R4 at the version seam.
#[derive(Debug)]
pub(crate) struct R4;

impl Version for R4 {
    const VERSION: FhirVersion = FhirVersion::R4;
    const CONTENT_TYPE: &'static str = FHIR_JSON_R4;
    type Search = R4Search;

    fn declared() -> &'static Declaration {
        &table::DECLARATION
    }

    fn error(error: FhirError) -> Response {
        R4Error(error).into_response()
    }

    fn authorize(
        state: &AppState,
        caller: &Caller<'_>,
        tenant: &TenantId,
        resource: Option<ResourceType>,
    ) -> Result<Principal, FhirError> {
        access::authorize(state, caller, tenant, resource)
    }

    fn may_read(principal: &Principal, resource: &str) -> bool {
        access::may_read(principal, resource)
    }

    fn parse(state: &AppState, resource: ResourceType, pairs: &[(String, String)]) -> Result<R4Search, ParamError> {
        params::parse_with(resource, pairs, params::ParseSettings::from(&state.profile().r4))
    }

    fn count(search: &R4Search) -> u32 {
        search.count
    }

    fn includes(search: &R4Search) -> Includes {
        let schedules = matches!(
            &search.query,
            R4Query::Store(Query::Slot(
                SlotQuery::Ids { include_schedule: true, .. } | SlotQuery::ByType { include_schedule: true, .. }
            ))
        );
        Includes { schedules, practitioners: search.include_practitioners, provenance: search.provenance }
    }

    fn matches(
        state: &AppState,
        tenant: &TenantId,
        data: &TenantData,
        resource: ResourceType,
        params: &[(String, String)],
        search: &R4Search,
    ) -> Result<Arc<[Key]>, FhirError> {
        Ok(match &search.query {
            R4Query::Store(query) => {
                state.store().search_cached(tenant, Self::VERSION, data, resource, params, query)?
            }
            R4Query::Location(q) => scan(data, ResourceType::Location, |v| q.matches(v)).into(),
            R4Query::Practitioner(q) => scan(data, ResourceType::Practitioner, |v| q.matches(v)).into(),
        })
    }

    fn write(resource: ResourceType, row: &Row, out: &mut String) -> bool {
        render::write_r4(resource, row, out)
    }

    fn len_hint(row: &Row) -> usize {
        row.json_len_hint_r4()
    }

    fn schedule_practitioners(schedule: &Row) -> Vec<String> {
        let Some(schedule) = render::to_r4(ResourceType::Schedule, schedule) else { return Vec::new() };
        let actors = schedule["actor"].as_array().into_iter().flatten();
        actors.filter_map(|a| a["reference"].as_str()?.strip_prefix("Practitioner/").map(str::to_owned)).collect()
    }

    fn capability_statement(origin: &str, tenant: &str, endpoint: super::Endpoint) -> Value {
        discovery::capability_statement(origin, tenant, endpoint)
    }

    fn search_param(resource: ResourceType, param: &SearchParam) -> serde_json::Map<String, Value> {
        discovery::search_param(resource, param)
    }

    fn smart_configuration(origin: &str, tenant: &str) -> Value {
        discovery::smart_configuration_body(origin, tenant)
    }

    /// fhir.cerner.com's R4 examples: the Encounter (and Observation, MedicationRequest) search
    /// bundles' `next` keeps the search (`Encounter?patient=12724066&-pageContext=…`); the Slot
    /// bundles' keeps only `_include`.
    fn link_params(resource: ResourceType) -> LinkParams {
        match resource {
            ResourceType::Slot => LinkParams::Include,
            _ => LinkParams::All,
        }
    }

    fn total(resource: ResourceType) -> bool {
        matches!(resource, ResourceType::Patient | ResourceType::Encounter)
    }

    fn self_states_count(resource: ResourceType) -> bool {
        resource == ResourceType::Slot
    }
}

/// Every row of `resource_type` whose R4 form `keep`s, in arrival order.
fn scan(data: &TenantData, resource_type: ResourceType, keep: impl Fn(&Value) -> bool) -> Vec<Key> {
    let Some(table) = data.table(resource_type) else { return Vec::new() };
    table
        .rows()
        .filter(|(_, row)| render::to_r4(resource_type, row).is_some_and(|v| keep(&v)))
        .map(|(i, _)| (0, i))
        .collect()
}
