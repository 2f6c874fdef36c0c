//! R4 search parameters (fhir.cerner.com R4 Appointment, Slot, Schedule, Patient, Practitioner,
//! Encounter, Location) → the store's typed queries, or a scan for Location and Practitioner.
//! Strict as on DSTU2: an unknown parameter or an empty value is a 400 naming it.

use super::scan::{LocationQuery, PractitionerQuery};
use crate::fhir::params::Precision;
use crate::fhir::params::{
    Actor, AppointmentQuery, DEFAULT_COUNT, DateParam, DatePrefix, Ids, MAX_COUNT, ParamError, Query, SlotQuery,
    TimeRange, Token,
};
use crate::store::ResourceType;

/// A parsed R4 search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct R4Search {
    /// What to search for.
    pub query: R4Query,
    /// Page size after the resource's default and the `MAX_COUNT` cap.
    pub count: u32,
    /// `_include=Schedule:actor:Practitioner` on Slot.
    pub include_practitioners: bool,
}

/// An R4 search: one the store's indexes answer, or one answered by scanning R4-only resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum R4Query {
    /// Answered by the store's search model, as on DSTU2.
    Store(Query),
    /// A Location search (R4 only), answered by a scan.
    Location(LocationQuery),
    /// A Practitioner search by name, identifier or `active`, answered by a scan.
    Practitioner(PractitionerQuery),
}

/// R4 Appointment statuses (AppointmentStatus, with Cerner's `checked-in`).
const STATUSES: [&str; 10] = [
    "proposed",
    "pending",
    "booked",
    "arrived",
    "fulfilled",
    "cancelled",
    "noshow",
    "entered-in-error",
    "checked-in",
    "waitlist",
];

/// Which forms an Appointment `date` (or `-date-or-req-period`) may take. fhir.cerner.com R4
/// Appointment says "once with a prefix and time component … twice with the prefixes `ge` and
/// `lt`"; the CapabilityStatement it publishes says "once without a prefix or time component to
/// imply a date range … or twice with 'le' and 'gt' prefixes". The profile's
/// `[r4] appointment_date_forms`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateForms {
    /// Both statements' forms (default: the server's own statement still lists the DSTU2 forms,
    /// so it most likely takes them): one value with or without a prefix or time, or a ge/gt
    /// with a le/lt.
    #[default]
    Lenient,
    /// Only the Appointment page's: one value with a prefix and a time, or exactly `ge` + `lt`.
    Documented,
}

/// What an R4 search's parse depends on besides the query.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseSettings {
    /// The `date` forms Appointment searches accept (`[r4] appointment_date_forms`).
    pub date_forms: DateForms,
    /// Which appointment ends match a `date` range (`[r4] appointment_end_match`).
    pub end_match: crate::store::query::EndMatch,
}

/// Parses the decoded query pairs (in request order) of an R4 search on `resource`, with the
/// default settings.
pub fn parse(resource: ResourceType, pairs: &[(String, String)]) -> Result<R4Search, ParamError> {
    parse_with(resource, pairs, ParseSettings::default())
}

/// Parses the decoded query pairs (in request order) of an R4 search on `resource`.
pub fn parse_with(
    resource: ResourceType,
    pairs: &[(String, String)],
    settings: ParseSettings,
) -> Result<R4Search, ParamError> {
    let store = |query, count| R4Search { query: R4Query::Store(query), count, include_practitioners: false };
    match resource {
        ResourceType::Appointment => appointment(pairs, settings),
        ResourceType::Slot => slot(pairs),
        ResourceType::Schedule => {
            let p = Params::new(pairs, r4(ResourceType::Schedule))?;
            Ok(store(Query::Schedule(ids(&p)?.ok_or(ParamError::NoSupportedParameters)?), DEFAULT_COUNT))
        }
        ResourceType::Patient => patient(pairs),
        ResourceType::Encounter => super::encounter::parse(pairs),
        ResourceType::Practitioner => {
            let (query, count) = super::scan::practitioner(pairs)?;
            Ok(R4Search { query: R4Query::Practitioner(query), count, include_practitioners: false })
        }
        ResourceType::Location => {
            let (query, count) = super::scan::location(pairs)?;
            Ok(R4Search { query: R4Query::Location(query), count, include_practitioners: false })
        }
    }
}

/// The R4 declaration of `resource` (what its search accepts).
pub(super) fn r4(resource: ResourceType) -> &'static crate::fhir::declared::ResourceDecl {
    crate::fhir::declared::decl(crate::request::FhirVersion::R4, resource)
}

/// The same grouping of pairs and refusals as on DSTU2.
pub(super) use crate::fhir::params::{Params, invalid};

/// `_count` within `min..=MAX_COUNT` (a larger one is lowered to the cap, chosen as on DSTU2).
pub(super) fn count(params: &Params<'_>, default: u32, min: u32) -> Result<u32, ParamError> {
    let Some(text) = params.single("_count")? else { return Ok(default) };
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("_count", format!("'{text}' is not a positive integer")));
    }
    let n = text.parse::<u64>().unwrap_or(u64::MAX);
    if n < u64::from(min.max(1)) {
        return Err(invalid("_count", format!("must be at least {}", min.max(1))));
    }
    Ok(u32::try_from(n).map_or(MAX_COUNT, |n| n.min(MAX_COUNT)))
}

pub(super) fn is_fhir_id(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// A comma list of ids (a `Type/` prefix of `kind` is accepted and dropped), without repeats.
pub(super) fn id_list(param: &str, value: &str, kind: Option<&str>) -> Result<Vec<String>, ParamError> {
    let mut out: Vec<String> = Vec::new();
    for element in value.split(',') {
        let id = kind.and_then(|k| element.strip_prefix(k)?.strip_prefix('/')).unwrap_or(element);
        if !is_fhir_id(id) {
            return Err(invalid(param, format!("'{element}' is not a resource id (1-64 of A-Z a-z 0-9 - .)")));
        }
        if !out.iter().any(|known| known == id) {
            out.push(id.to_owned());
        }
    }
    Ok(out)
}

pub(super) fn ids(params: &Params<'_>) -> Result<Option<Ids>, ParamError> {
    params.single("_id")?.map(|value| id_list("_id", value, None).map(Ids)).transpose()
}

pub(super) fn token(param: &str, text: &str) -> Result<Token, ParamError> {
    let (system, code) = match text.split_once('|') {
        None => (None, text),
        Some(("", _)) => return Err(invalid(param, format!("'{text}' has an empty system before '|'"))),
        Some((system, code)) => (Some(system.to_owned()), code),
    };
    if code.is_empty() || code.contains('|') {
        return Err(invalid(param, format!("'{text}' is not a token [system|]code")));
    }
    Ok(Token { system, code: code.to_owned() })
}

fn date(param: &str, text: &str) -> Result<DateParam, ParamError> {
    text.parse().map_err(|e| invalid(param, format!("'{text}': {e}")))
}

pub(super) const LOWER: [DatePrefix; 2] = [DatePrefix::Ge, DatePrefix::Gt];
pub(super) const UPPER: [DatePrefix; 2] = [DatePrefix::Le, DatePrefix::Lt];

/// One value (with any prefix: an open range; without: its period), or a lower and an upper
/// bound making a non-empty range.
pub(super) fn date_range(
    param: &str,
    values: &[&str],
    lower: &[DatePrefix],
    upper: &[DatePrefix],
) -> Result<TimeRange, ParamError> {
    let range = match values {
        [one] => date(param, one)?.range(),
        [a, b] => {
            let (a, b) = (date(param, a)?, date(param, b)?);
            let fits = |l: &DateParam, u: &DateParam| {
                l.prefix.is_some_and(|p| lower.contains(&p)) && u.prefix.is_some_and(|p| upper.contains(&p))
            };
            if !fits(&a, &b) && !fits(&b, &a) {
                let names = |p: &[DatePrefix]| p.iter().map(|p| p.as_str()).collect::<Vec<_>>().join("/");
                return Err(invalid(
                    param,
                    format!("two values must be one {} and one {} value", names(lower), names(upper)),
                ));
            }
            a.range().intersect(&b.range())
        }
        _ => return Err(invalid(param, format!("given {} times; give it once or twice", values.len()))),
    };
    if range.is_empty() {
        return Err(invalid(param, "the range is empty"));
    }
    Ok(range)
}

fn appointment(pairs: &[(String, String)], settings: ParseSettings) -> Result<R4Search, ParamError> {
    let params = Params::new(pairs, r4(ResourceType::Appointment))?;
    let count = count(&params, DEFAULT_COUNT, 1)?;
    let result =
        |query| R4Search { query: R4Query::Store(Query::Appointment(query)), count, include_practitioners: false };
    if let Some(ids) = ids(&params)? {
        // `_count` is not honored with `_id` (documented).
        if let Some(other) = params.names().find(|n| !["_id", "_count"].contains(n)) {
            return Err(ParamError::Conflict("_id".into(), other.into()));
        }
        let all = u32::try_from(ids.0.len()).unwrap_or(u32::MAX).max(1);
        return Ok(R4Search { count: all, ..result(AppointmentQuery::Ids(ids)) });
    }
    let actors = [("patient", Actor::Patient), ("practitioner", Actor::Practitioner), ("location", Actor::Location)];
    let mut given = params.names().filter_map(|n| actors.iter().find(|(a, _)| *a == n));
    let (name, actor) = match (given.next(), given.next()) {
        (Some(one), None) => *one,
        (Some((a, _)), Some((b, _))) => return Err(ParamError::Conflict((*a).into(), (*b).into())),
        (None, _) => return Err(ParamError::NoSupportedParameters),
    };
    let kind = match actor {
        Actor::Patient => "Patient",
        Actor::Practitioner => "Practitioner",
        Actor::Location => "Location",
    };
    let ids = id_list(name, params.single(name)?.unwrap_or_default(), Some(kind))?;
    let (param, requested) = match (params.has("date"), params.has("-date-or-req-period")) {
        (true, true) => return Err(ParamError::Conflict("date".into(), "-date-or-req-period".into())),
        (true, false) => ("date", false),
        (false, true) => ("-date-or-req-period", true),
        (false, false) => return Err(ParamError::Missing { missing: "date".into(), with: name.into() }),
    };
    let values = params.values(param);
    let range = match settings.date_forms {
        DateForms::Lenient => date_range(param, values, &LOWER, &UPPER)?,
        DateForms::Documented => documented_date_range(param, values)?,
    };
    let statuses = params.single("status")?.map(statuses).transpose()?;
    let end = settings.end_match;
    Ok(result(AppointmentQuery::Overlapping { actor, ids, range, statuses, requested, end }))
}

/// The Appointment page's forms only: once with a prefix and a time, or twice as `ge` + `lt`.
fn documented_date_range(param: &str, values: &[&str]) -> Result<TimeRange, ParamError> {
    let has_time = |value: &str| date(param, value).is_ok_and(|d| d.value.precision >= Precision::Minute);
    match values {
        [one] if date(param, one)?.prefix.is_none() || !has_time(one) => Err(invalid(
            param,
            "give it once with a prefix and a time (ge2020-01-01T00:00:00.000Z), or twice as ge and lt",
        )),
        [a, b] if !(has_time(a) && has_time(b)) => Err(invalid(param, "both values need a time component")),
        [_, _] => date_range(param, values, &[DatePrefix::Ge], &[DatePrefix::Lt]),
        _ => date_range(param, values, &LOWER, &UPPER),
    }
}

/// Patient: DSTU2's rules, and R4's own (fhir.cerner.com Millennium R4 Patient): `birthdate` "Must
/// not be provided with a time component"; gender "may only be provided if another parameter other
/// than '_id' is provided"; `_count` is "Not honoured when '_id' or 'identifier' are set" (every id on
/// one page; an identifier search pages by the default).
fn patient(pairs: &[(String, String)]) -> Result<R4Search, ParamError> {
    let declared = r4(ResourceType::Patient);
    let search = crate::fhir::params::parse_patient(pairs, declared)?;
    let params = Params::new(pairs, declared)?;
    if params.values("birthdate").iter().any(|v| v.contains('T')) {
        return Err(invalid("birthdate", "must not be given with a time component"));
    }
    if params.has("gender") && params.has("_id") && params.names().all(|n| ["_id", "gender", "_count"].contains(&n)) {
        return Err(invalid("gender", "may only be given with a parameter other than _id"));
    }
    let Query::Patient(query) = &search.query else { return Err(ParamError::NoSupportedParameters) };
    let count = match (&query.ids, params.has("identifier")) {
        (Some(ids), _) => u32::try_from(ids.0.len()).unwrap_or(u32::MAX).max(1),
        (None, true) => crate::fhir::params::DEFAULT_PATIENT_COUNT,
        (None, false) => search.count,
    };
    Ok(R4Search { query: R4Query::Store(search.query), count, include_practitioners: false })
}

fn statuses(value: &str) -> Result<Vec<String>, ParamError> {
    let mut out: Vec<String> = Vec::new();
    for status in value.split(',') {
        if !STATUSES.contains(&status) {
            return Err(invalid(
                "status",
                format!("'{status}' is not an Appointment status ({})", STATUSES.join(", ")),
            ));
        }
        if !out.iter().any(|s| s == status) {
            out.push(status.to_owned());
        }
    }
    Ok(out)
}

fn slot(pairs: &[(String, String)]) -> Result<R4Search, ParamError> {
    let declared = r4(ResourceType::Slot);
    let params = Params::new(pairs, declared)?;
    let count = count(&params, DEFAULT_COUNT, 5)?;
    let include = match params.single("_include")? {
        None => None,
        Some(value) => Some(declared.include(value).ok_or_else(|| {
            invalid("_include", format!("'{value}' is not supported; use {}", declared.include_list()))
        })?),
    };
    let includes = |t: ResourceType| include.is_some_and(|i| i.needs == t);
    let (include_schedule, include_practitioners) =
        (includes(ResourceType::Schedule), includes(ResourceType::Practitioner));
    let query = match ids(&params)? {
        Some(ids) => {
            if let Some(other) = params.names().find(|n| !["_id", "_count", "_include"].contains(n)) {
                return Err(ParamError::Conflict("_id".into(), other.into()));
            }
            SlotQuery::Ids { ids, include_schedule }
        }
        None => {
            let service_types = params.single("service-type")?.ok_or(ParamError::NoSupportedParameters)?;
            let starts = params.values("start");
            if starts.len() != 2 {
                return Err(invalid("start", "give it twice: one ge and one lt value with times"));
            }
            let slot_types =
                service_types.split(',').map(|t| token("service-type", t)).collect::<Result<Vec<_>, _>>()?;
            let cerner = slot_types.iter().filter(|t| t.system.as_deref().is_some_and(proprietary)).count();
            if cerner != 0 && cerner != slot_types.len() {
                return Err(invalid("service-type", "give all standard codes or all proprietary (codeSet) codes"));
            }
            let start = date_range("start", starts, &[DatePrefix::Ge], &[DatePrefix::Lt])?;
            let actors = params.single("schedule.actor")?.map(|v| v.split(',').map(str::to_owned).collect::<Vec<_>>());
            if let Some(bad) =
                actors.iter().flatten().find(|a| !a.strip_prefix("Practitioner/").is_some_and(is_fhir_id))
            {
                return Err(invalid(
                    "schedule.actor",
                    format!("'{bad}' is not a Practitioner reference (Practitioner/id)"),
                ));
            }
            let locations =
                params.single("-location")?.map(|v| id_list("-location", v, Some("Location"))).transpose()?;
            SlotQuery::ByType { slot_types, start, actors, locations, include_schedule }
        }
    };
    Ok(R4Search { query: R4Query::Store(Query::Slot(query)), count, include_practitioners })
}

/// A proprietary code's system: `https://fhir.cerner.com/<EHR source id>/codeSet/<code set>`.
fn proprietary(system: &str) -> bool {
    system.strip_prefix("https://fhir.cerner.com/").is_some_and(|rest| rest.contains("/codeSet/"))
}

#[cfg(test)]
mod tests;
