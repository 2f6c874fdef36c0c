//! The version seam: what the one FHIR pipeline ([`super::resources`]) asks of a FHIR version.
//! Each version ([`super::dstu2::Dstu2`], [`super::r4::R4`]) answers with its declaration, parser,
//! renderer, media type, error shapes, scope rules and bundle policies; everything else (tenants,
//! authorization order, the store's search, paging, links, bundles) is written once.

use std::sync::Arc;

use axum::response::Response;

use super::FhirError;
use super::auth::{Caller, Principal};
use super::declared::{Declaration, SearchParam};
use super::params::ParamError;
use crate::app::AppState;
use crate::ids::TenantId;
use crate::request::FhirVersion;
use crate::store::{Key, ResourceType, Row, TenantData};

/// The resources a search adds to its page besides its matches (`_include`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Includes {
    /// `Slot:schedule`: each matched Slot's Schedule.
    pub schedules: bool,
    /// `Schedule:actor:Practitioner` (R4): the practitioners of each matched Slot's Schedule.
    pub practitioners: bool,
    /// `_revinclude=Provenance:target` (R4 Encounter and Patient): the Provenance resources
    /// targeting the matches, of which the store holds none, so it adds no entries.
    pub provenance: bool,
}

impl Includes {
    /// The types whose read scope the includes need on a secured base. The practitioners of the
    /// schedules need both Practitioner and Schedule read (fhir.cerner.com Millennium R4 Slot);
    /// Provenance needs Provenance read (R4 Encounter and Patient), though it is no type served.
    pub(crate) fn needs(self) -> impl Iterator<Item = &'static str> {
        [
            (self.schedules, ResourceType::Schedule.as_str()),
            (self.practitioners, ResourceType::Practitioner.as_str()),
            (self.practitioners && !self.schedules, ResourceType::Schedule.as_str()),
            (self.provenance, "Provenance"),
        ]
        .into_iter()
        .filter_map(|(wanted, t)| wanted.then_some(t))
    }

    /// Whether the page carries entries besides its matches (Slot's includes; Provenance adds none).
    pub(crate) fn adds_entries(self) -> bool {
        self.schedules || self.practitioners
    }
}

/// What a `next`/`previous` link repeats of the search it continues, before `-pageContext` and
/// `-pageDirection`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkParams {
    /// Nothing (DSTU2's Slot example: `Slot?-pageContext=…`).
    None,
    /// `_include` only (R4's Slot examples: `Slot?_include=Slot%3Aschedule&-pageContext=…`).
    Include,
    /// Every parameter, in request order (R4's Encounter example:
    /// `Encounter?patient=12724066&-pageContext=…&-pageDirection=NEXT`).
    All,
}

/// One FHIR version, as the pipeline sees it.
pub(crate) trait Version: Send + Sync + 'static {
    const VERSION: FhirVersion;
    /// The `Content-Type` of every JSON answer.
    const CONTENT_TYPE: &'static str;

    /// A parsed search of this version.
    type Search;

    /// What this version serves.
    fn declared() -> &'static Declaration;
    /// An error in this version's shape.
    fn error(error: FhirError) -> Response;
    /// The secured base's checks, in Cerner's order; `resource` is the type whose read scope the
    /// request needs (none for an unsupported type, which is a 404 only for an authorized caller).
    fn authorize(
        state: &AppState,
        caller: &Caller<'_>,
        tenant: &TenantId,
        resource: Option<ResourceType>,
    ) -> Result<Principal, FhirError>;
    /// True when the token also grants reading the type `resource` (what an `_include` or
    /// `_revinclude` needs; not necessarily a type the emulator serves).
    fn may_read(principal: &Principal, resource: &str) -> bool;
    /// The decoded query pairs (in request order) of a search on `resource` (the state holds the
    /// profile's settings for the version).
    fn parse(state: &AppState, resource: ResourceType, pairs: &[(String, String)]) -> Result<Self::Search, ParamError>;
    /// The page size the search asks for, after defaults and caps.
    fn count(search: &Self::Search) -> u32;
    fn includes(search: &Self::Search) -> Includes;
    /// Every match, in the order pages serve them. `params` are the search's own parameters (the
    /// search cache's key, with the version).
    fn matches(
        state: &AppState,
        tenant: &TenantId,
        data: &TenantData,
        resource: ResourceType,
        params: &[(String, String)],
        search: &Self::Search,
    ) -> Result<Arc<[Key]>, FhirError>;
    /// Writes a stored resource in this version's shape; false when it has none (left out).
    fn write(resource: ResourceType, row: &Row, out: &mut String) -> bool;
    /// About how many bytes [`Self::write`] writes for `row`, for sizing the buffer once.
    fn len_hint(row: &Row) -> usize;
    /// The practitioner ids a stored Schedule's actors name (for `Schedule:actor:Practitioner`).
    fn schedule_practitioners(_schedule: &Row) -> Vec<String> {
        Vec::new()
    }
    /// The capability statement of `endpoint` for `tenant` on the public `origin`, from
    /// [`Self::declared`].
    fn capability_statement(origin: &str, tenant: &str, endpoint: super::Endpoint) -> serde_json::Value;
    /// A listed search parameter of `resource` as this version's capability statement writes it
    /// (where its modifiers go is the version's: DSTU2 has a `modifier` element, R4 does not).
    fn search_param(resource: ResourceType, param: &SearchParam) -> serde_json::Map<String, serde_json::Value>;
    /// The SMART configuration of the secured base.
    fn smart_configuration(origin: &str, tenant: &str) -> serde_json::Value;
    /// Which of the search's own parameters a `next`/`previous` link of `resource` repeats beside
    /// its paging context (the page token alone says which search it continues).
    fn link_params(resource: ResourceType) -> LinkParams;
    /// Whether a searchset of `resource` carries `total`.
    fn total(resource: ResourceType) -> bool;
    /// Whether the `self` link of a first page states the `_count` it applied.
    fn self_states_count(resource: ResourceType) -> bool;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// fhir.cerner.com Millennium R4 Slot: "When `_include=Schedule:actor:Practitioner` is provided
    /// in a request to the closed endpoint, the OAuth2 token must include one of
    /// `user/Practitioner.read`, `patient/Practitioner.read` or `system/Practitioner.read` scopes and
    /// one of `user/Schedule.read`, `patient/Schedule.read` or `system/Schedule.read` scopes in
    /// addition to the Slot scope."
    #[test]
    fn practitioners_of_schedules_need_practitioner_and_schedule_read() {
        let needs = |i: Includes| i.needs().collect::<Vec<_>>();
        assert_eq!(needs(Includes::default()), Vec::<&str>::new());
        let schedules = Includes { schedules: true, ..Includes::default() };
        assert_eq!(needs(schedules), ["Schedule"]);
        let practitioners = Includes { practitioners: true, ..Includes::default() };
        assert_eq!(needs(practitioners), ["Practitioner", "Schedule"]);
        let both = Includes { schedules: true, practitioners: true, provenance: false };
        assert_eq!(needs(both), ["Schedule", "Practitioner"]);
    }

    /// fhir.cerner.com Millennium R4 Encounter: "When `_revinclude` is provided in a request to the
    /// closed endpoint, the OAuth2 token must include the scope corresponding to the Authorization
    /// Type, such as `user/Provenance.read`, `patient/Provenance.read` or `system/Provenance.read`."
    #[test]
    fn provenance_needs_provenance_read_and_adds_no_entries() {
        let provenance = Includes { provenance: true, ..Includes::default() };
        assert_eq!(provenance.needs().collect::<Vec<_>>(), ["Provenance"]);
        assert!(!provenance.adds_entries());
    }
}
