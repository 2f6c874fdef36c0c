//! What DSTU2 has of its own (fhir.cerner.com "DSTU2 › General" and each resource's page): its
//! declaration ([`table`]), the Conformance statement ([`metadata`]) and SMART configuration,
//! its media types, and its answers to the version seam (`Dstu2`): resources are served as
//! stored, searches parse by DSTU2's rules, a system token needs the tenant's DSTU2 system access
//! and the exact `system/{Type}.read` scope.

pub mod metadata;
mod smart_config;
pub mod table;

use std::sync::Arc;

use axum::response::{IntoResponse, Response};

use super::auth::{self, Caller, Principal};
use super::declared::{Declaration, SearchParam};
use super::negotiate::Media;
use super::params::{ParamError, Query, Search, SlotQuery, parse_search};
use super::seam::{Includes, LinkParams, Version};
use super::{FhirError, accepts_any};
use crate::app::AppState;
use crate::ids::TenantId;
use crate::request::FhirVersion;
use crate::scope::Scope;
use crate::store::{Body, Key, ResourceType, Row, TenantData};

/// The content type of every DSTU2 JSON response.
pub const FHIR_JSON: &str = "application/json+fhir; charset=utf-8";

/// Media types (fhir.cerner.com DSTU2): `application/json+fhir`, `application/json`, `*/*` or no
/// `Accept` get JSON; anything else a 406 with an empty body.
pub const MEDIA: Media = Media {
    bases: &["/dstu2/", "/open/dstu2/"],
    accepts: accepts_json,
    refuse: || FhirError::NotAcceptable.into_response(),
};

/// True when one of the listed media ranges (RFC 9110 §12.5.1) admits DSTU2 JSON, with q > 0.
pub fn accepts_json(accept: &str) -> bool {
    accepts_any(accept, &["application/json+fhir", "application/json", "application/*", "*/*"])
}

/// DSTU2 at the version seam.
#[derive(Debug)]
pub(crate) struct Dstu2;

impl Version for Dstu2 {
    const VERSION: FhirVersion = FhirVersion::Dstu2;
    const CONTENT_TYPE: &'static str = FHIR_JSON;
    type Search = Search;

    fn declared() -> &'static Declaration {
        &table::DECLARATION
    }

    fn error(error: FhirError) -> Response {
        error.into_response()
    }

    fn authorize(
        state: &AppState,
        caller: &Caller<'_>,
        tenant: &TenantId,
        resource: Option<ResourceType>,
    ) -> Result<Principal, FhirError> {
        auth::authorize(state, caller, tenant, resource)
    }

    fn may_read(principal: &Principal, resource: &str) -> bool {
        principal.granted.contains(&Scope::system_read(resource))
    }

    fn parse(_: &AppState, resource: ResourceType, pairs: &[(String, String)]) -> Result<Search, ParamError> {
        parse_search(resource, pairs)
    }

    fn count(search: &Search) -> u32 {
        search.count
    }

    fn includes(search: &Search) -> Includes {
        let schedules = matches!(
            &search.query,
            Query::Slot(
                SlotQuery::Ids { include_schedule: true, .. } | SlotQuery::ByType { include_schedule: true, .. }
            )
        );
        Includes { schedules, ..Includes::default() }
    }

    fn matches(
        state: &AppState,
        tenant: &TenantId,
        data: &TenantData,
        resource: ResourceType,
        params: &[(String, String)],
        search: &Search,
    ) -> Result<Arc<[Key]>, FhirError> {
        Ok(state.store().search_cached(tenant, Self::VERSION, data, resource, params, &search.query)?)
    }

    fn len_hint(row: &Row) -> usize {
        row.json_len_hint()
    }

    fn write(resource: ResourceType, row: &Row, out: &mut String) -> bool {
        let start = out.len();
        row.write_json(out);
        // Only a checked-in appointment is rewritten; a generated one says so without a scan.
        let may_be_checked_in = match &row.body {
            Body::Appointment(appointment) => appointment.status() == "checked-in",
            Body::Json(_) => resource == ResourceType::Appointment,
        };
        if may_be_checked_in {
            as_dstu2_status(out, start);
        }
        true
    }

    fn capability_statement(origin: &str, tenant: &str, endpoint: super::Endpoint) -> serde_json::Value {
        metadata::conformance(origin, tenant, endpoint)
    }

    fn search_param(_: ResourceType, param: &SearchParam) -> serde_json::Map<String, serde_json::Value> {
        metadata::search_param(param)
    }

    fn smart_configuration(origin: &str, tenant: &str) -> serde_json::Value {
        smart_config::body(origin, tenant)
    }

    fn link_params(_: ResourceType) -> LinkParams {
        LinkParams::None
    }

    fn total(resource: ResourceType) -> bool {
        resource != ResourceType::Slot
    }

    fn self_states_count(resource: ResourceType) -> bool {
        matches!(resource, ResourceType::Appointment | ResourceType::Slot)
    }
}

/// R4's native `checked-in` (the one stored status DSTU2 has no code for) as DSTU2's `arrived`,
/// in the appointment written from `start` on (fhir.cerner.com R4 Appointment: "R4 exposes a
/// native checked-in status … This is a change from the DSTU2 functionality").
fn as_dstu2_status(out: &mut String, start: usize) {
    const R4_ONLY: &str = "\"status\":\"checked-in\"";
    if let Some(at) = out.get(start..).and_then(|written| written.find(R4_ONLY)) {
        out.replace_range(start + at..start + at + R4_ONLY.len(), "\"status\":\"arrived\"");
    }
}
