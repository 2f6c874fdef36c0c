//! R4 Slot search (fhir.cerner.com Millennium R4 Slot): `_id` (with `_count` and `_include`
//! only), or `service-type` (all standard or all proprietary codes) with `start` as a `ge` + `lt`
//! pair; optional `schedule.actor` (Practitioner references), `-location`, `_count` (5–200),
//! `_include=Slot:schedule` or `Schedule:actor:Practitioner`.

use super::{DEFAULT_COUNT, ParseSettings, R4Query, R4Search, count, id_list, ids, invalid, is_fhir_id, r4, token};
use crate::fhir::params::{DatePrefix, ParamError, Precision, Query, SlotQuery, TimeRange};
use crate::store::ResourceType;

pub(super) fn parse(params: &super::Params<'_>, settings: ParseSettings) -> Result<R4Search, ParamError> {
    let declared = r4(ResourceType::Slot);
    let count = count(params, DEFAULT_COUNT, 5)?;
    let include = match params.single("_include")? {
        None => None,
        Some(value) => Some(declared.include(value).ok_or_else(|| {
            invalid("_include", format!("'{value}' is not supported; use {}", declared.include_list()))
        })?),
    };
    let includes = |t: ResourceType| include.is_some_and(|i| i.needs == t);
    let (include_schedule, include_practitioners) =
        (includes(ResourceType::Schedule), includes(ResourceType::Practitioner));
    let query = match ids(params)? {
        Some(ids) => {
            params.only_with("_id", &["_count", "_include"])?;
            SlotQuery::Ids { ids, include_schedule }
        }
        None => {
            let service_types = params.single("service-type")?.ok_or(ParamError::NoSupportedParameters)?;
            let slot_types =
                service_types.split(',').map(|t| token("service-type", t)).collect::<Result<Vec<_>, _>>()?;
            let cerner = slot_types.iter().filter(|t| t.system.as_deref().is_some_and(proprietary)).count();
            if cerner != 0 && cerner != slot_types.len() {
                return Err(invalid("service-type", "give all standard codes or all proprietary (codeSet) codes"));
            }
            let start = start(params.values("start"), settings.slot_start_requires_time)?;
            let actors = params.single("schedule.actor")?.map(practitioners).transpose()?;
            let locations =
                params.single("-location")?.map(|v| id_list("-location", v, Some("Location"))).transpose()?;
            SlotQuery::ByType { slot_types, start, actors, locations, include_schedule }
        }
    };
    let search = R4Search::new(R4Query::Store(Query::Slot(query)), count);
    Ok(R4Search { include_practitioners, ..search })
}

/// "both the prefixes `ge` and `lt` must be used to indicate a specific range"; the statement adds
/// "Time component should be provided for both the instances" (required unless the profile's
/// `[r4] slot_start_requires_time` is false).
fn start(values: &[&str], requires_time: bool) -> Result<TimeRange, ParamError> {
    if values.len() != 2 {
        return Err(invalid("start", "give it twice: one ge and one lt value with times"));
    }
    if requires_time {
        for value in values {
            let date: crate::fhir::params::DateParam =
                value.parse().map_err(|e| invalid("start", format!("'{value}': {e}")))?;
            if date.value.precision < Precision::Minute {
                return Err(invalid("start", format!("'{value}' has no time component; give both values with times")));
            }
        }
    }
    super::date_range("start", values, &[DatePrefix::Ge], &[DatePrefix::Lt])
}

/// `schedule.actor`: "A single or comma separated list of Practitioner references" ("Must be
/// Practitioner actors"): `Practitioner/id`, or a bare id read as a Practitioner's (a FHIR
/// reference parameter may name its target by id alone); another type is refused.
fn practitioners(value: &str) -> Result<Vec<String>, ParamError> {
    let mut out = Vec::new();
    for actor in value.split(',') {
        let id = actor.strip_prefix("Practitioner/").unwrap_or(actor);
        if !is_fhir_id(id) {
            return Err(invalid(
                "schedule.actor",
                format!("'{actor}' is not a Practitioner reference (Practitioner/id or id)"),
            ));
        }
        let reference = format!("Practitioner/{id}");
        if !out.contains(&reference) {
            out.push(reference);
        }
    }
    Ok(out)
}

/// A proprietary code's system: `https://fhir.cerner.com/<EHR source id>/codeSet/<code set>`.
fn proprietary(system: &str) -> bool {
    system.strip_prefix("https://fhir.cerner.com/").is_some_and(|rest| rest.contains("/codeSet/"))
}
