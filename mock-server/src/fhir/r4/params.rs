//! R4 search parameters (fhir.cerner.com R4 Appointment, Slot, Schedule, Patient, Practitioner,
//! Encounter, Location) → the store's typed queries, or a scan for Location and Practitioner.
//! Strict as on DSTU2: an unknown parameter or an empty value is a 400 naming it.

use super::scan::{LocationQuery, PractitionerQuery};
use crate::fhir::params::Precision;
use crate::fhir::params::{
    Actor, AppointmentQuery, DEFAULT_COUNT, DateParam, DatePrefix, Ids, MAX_COUNT, ParamError, Query, TimeRange, Token,
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
    /// `_revinclude=Provenance:target` on Encounter and Patient.
    pub provenance: bool,
}

impl R4Search {
    pub(super) fn new(query: R4Query, count: u32) -> Self {
        Self { query, count, include_practitioners: false, provenance: false }
    }
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

/// Which criteria a Location search needs. fhir.cerner.com R4 Location's parameter table makes
/// `-physicalType` (or `type`) "required if the `_id` parameter is not used", yet the same page's
/// examples search by `identifier` alone and by `address` alone. The profile's
/// `[r4] location_search`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocationSearch {
    /// The examples' (default: they are requests Cerner's server answered): `_id`, or any of
    /// `-physicalType`, `type`, `identifier` or an address parameter.
    #[default]
    Examples,
    /// The table's: `_id`, `-physicalType` or `type`; anything else narrows one of them.
    Table,
}

/// What an R4 search's parse depends on besides the query (the profile's `[r4]` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseSettings {
    /// The `date` forms Appointment searches accept (`[r4] appointment_date_forms`).
    pub date_forms: DateForms,
    /// Which appointment ends match a `date` range (`[r4] appointment_end_match`).
    pub end_match: crate::store::query::EndMatch,
    /// Whether Slot `start` values need a time component (`[r4] slot_start_requires_time`).
    pub slot_start_requires_time: bool,
    /// Which criteria a Location search needs (`[r4] location_search`).
    pub location_search: LocationSearch,
}

impl Default for ParseSettings {
    fn default() -> Self {
        let settings = crate::profile::R4Settings::default();
        Self::from(&settings)
    }
}

impl From<&crate::profile::R4Settings> for ParseSettings {
    fn from(settings: &crate::profile::R4Settings) -> Self {
        Self {
            date_forms: settings.appointment_date_forms,
            end_match: settings.appointment_end_match,
            slot_start_requires_time: settings.slot_start_requires_time,
            location_search: settings.location_search,
        }
    }
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
    let params = Params::new(pairs, r4(resource))?;
    match resource {
        ResourceType::Appointment => appointment(&params, settings),
        ResourceType::Slot => slot::parse(&params, settings),
        ResourceType::Schedule => {
            let ids = ids(&params)?.ok_or(ParamError::NoSupportedParameters)?;
            Ok(R4Search::new(R4Query::Store(Query::Schedule(ids)), DEFAULT_COUNT))
        }
        ResourceType::Patient => patient::parse(&params),
        ResourceType::Encounter => super::encounter::parse(&params),
        ResourceType::Practitioner => {
            let (query, count) = super::scan::practitioner(&params)?;
            Ok(R4Search::new(R4Query::Practitioner(query), count))
        }
        ResourceType::Location => {
            let (query, count) = super::scan::location(&params, settings.location_search)?;
            Ok(R4Search::new(R4Query::Location(query), count))
        }
    }
}

/// The page size of an `_id` search, where `_count` is not honoured (documented for Appointment,
/// Encounter, Patient and Practitioner): every id on one page.
pub(super) fn all_ids(ids: &Ids) -> u32 {
    u32::try_from(ids.0.len()).unwrap_or(u32::MAX).max(1)
}

/// `_revinclude`, given at most once with a value the type declares (`Provenance:target`): true
/// when given. The store holds no Provenance, so it adds no entries.
pub(super) fn rev_include(params: &Params<'_>, resource: ResourceType) -> Result<bool, ParamError> {
    let Some(value) = params.single("_revinclude")? else { return Ok(false) };
    let declared = r4(resource);
    match declared.rev_include(value) {
        Some(_) => Ok(true),
        None => Err(invalid("_revinclude", format!("'{value}' is not supported; use {}", declared.rev_include_list()))),
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

fn appointment(params: &Params<'_>, settings: ParseSettings) -> Result<R4Search, ParamError> {
    let count = count(params, DEFAULT_COUNT, 1)?;
    let result = |query, count| R4Search::new(R4Query::Store(Query::Appointment(query)), count);
    if let Some(ids) = ids(params)? {
        // `_count` is not honored with `_id` (documented).
        params.only_with("_id", &["_count"])?;
        let all = all_ids(&ids);
        return Ok(result(AppointmentQuery::Ids(ids), all));
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
    Ok(result(AppointmentQuery::Overlapping { actor, ids, range, statuses, requested, end }, count))
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

mod patient;
mod slot;
#[cfg(test)]
mod tests;
