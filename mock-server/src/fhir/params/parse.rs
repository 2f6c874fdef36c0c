//! Raw query pairs → [`Search`], per resource type, following fhir.cerner.com DSTU2 search rules.
//!
//! Every type goes through the same three steps, so the first error a client sees is predictable:
//! 1. [`Params::new`]: every name must be declared for the type, with a declared modifier if any
//!    (`name:exact` on Patient; [`crate::fhir::declared`]): strict, chosen, as a typo must not
//!    silently widen a search; and no value may be empty;
//! 2. `_count`;
//! 3. the type's own rules (which parameters go together), then the values.
//!
//! Appointment, Patient and Slot have their own files; the types with one or two parameters are
//! here, with the value parsers they share.

mod appointment;
pub(crate) mod patient;
mod slot;

use super::date::{DateParam, DatePrefix, TimeRange};
use super::{DEFAULT_COUNT, EncounterQuery, Ids, MAX_COUNT, ParamError, Query, Search, Token};
use crate::fhir::declared::{self, ResourceDecl};
use crate::request::FhirVersion;
use crate::store::ResourceType;

/// The DSTU2 declaration of `resource` (what its search accepts).
pub(crate) fn dstu2(resource: ResourceType) -> &'static ResourceDecl {
    declared::decl(FhirVersion::Dstu2, resource)
}

/// Parses the decoded query pairs (in request order) of a search on `resource`.
pub fn parse_search(resource: ResourceType, pairs: &[(String, String)]) -> Result<Search, ParamError> {
    match resource {
        ResourceType::Appointment => appointment::parse(pairs),
        ResourceType::Encounter => encounter(pairs),
        ResourceType::Patient => patient::parse(pairs, dstu2(resource)),
        ResourceType::Practitioner => ids_only(pairs, resource, Query::Practitioner),
        ResourceType::Schedule => ids_only(pairs, resource, Query::Schedule),
        ResourceType::Slot => slot::parse(pairs),
        // DSTU2 has no Location resource; the R4 surface searches Locations itself.
        ResourceType::Location => Err(ParamError::Unsupported("Location".into())),
    }
}

fn search(query: Query, count: u32) -> Search {
    Search { query, count }
}

/// Practitioner and Schedule: `_id` is the only criterion.
fn ids_only(pairs: &[(String, String)], resource: ResourceType, query: fn(Ids) -> Query) -> Result<Search, ParamError> {
    let params = Params::new(pairs, dstu2(resource))?;
    let count = count(&params, DEFAULT_COUNT)?;
    let ids = ids(&params)?.ok_or(ParamError::NoSupportedParameters)?;
    Ok(search(query(ids), count))
}

/// Encounter: `_id` or `patient`, not both.
fn encounter(pairs: &[(String, String)]) -> Result<Search, ParamError> {
    let params = Params::new(pairs, dstu2(ResourceType::Encounter))?;
    let count = count(&params, DEFAULT_COUNT)?;
    if params.has("_id") && params.has("patient") {
        return Err(ParamError::Conflict("_id".into(), "patient".into()));
    }
    let query = match (ids(&params)?, params.single("patient")?) {
        (Some(ids), _) => EncounterQuery::Ids(ids),
        (None, Some(patients)) => EncounterQuery::Patient(id_list("patient", patients)?),
        (None, None) => return Err(ParamError::NoSupportedParameters),
    };
    Ok(search(Query::Encounter(query), count))
}

/// The pairs of one search grouped by name, in order of first appearance.
#[derive(Debug)]
pub(crate) struct Params<'a> {
    groups: Vec<(&'a str, Vec<&'a str>)>,
}

impl<'a> Params<'a> {
    /// Groups `pairs`, refusing names the type's declaration does not accept and empty values.
    pub(crate) fn new(pairs: &'a [(String, String)], declared: &ResourceDecl) -> Result<Self, ParamError> {
        let mut groups: Vec<(&'a str, Vec<&'a str>)> = Vec::new();
        for (name, value) in pairs {
            if !declared.accepts(name) {
                return Err(ParamError::Unsupported(name.clone()));
            }
            if value.is_empty() {
                return Err(invalid(name, "the value is empty"));
            }
            match groups.iter_mut().find(|(known, _)| known == name) {
                Some((_, values)) => values.push(value),
                None => groups.push((name, vec![value])),
            }
        }
        Ok(Params { groups })
    }

    /// Every value of `name`, in request order; empty when absent.
    pub(crate) fn values(&self, name: &str) -> &[&'a str] {
        self.groups.iter().find(|(known, _)| *known == name).map_or(&[], |(_, values)| values)
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        !self.values(name).is_empty()
    }

    /// Names given, in order of first appearance.
    pub(crate) fn names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.groups.iter().map(|(name, _)| *name)
    }

    /// The value of a parameter that may appear at most once.
    pub(crate) fn single(&self, name: &str) -> Result<Option<&'a str>, ParamError> {
        match self.values(name) {
            [] => Ok(None),
            [value] => Ok(Some(value)),
            _ => Err(ParamError::Repeated(name.to_owned())),
        }
    }

    /// Refuses any parameter but `allowed` next to `name`: `_id` searches take no filters.
    pub(crate) fn only_with(&self, name: &str, allowed: &[&str]) -> Result<(), ParamError> {
        match self.names().find(|other| *other != name && !allowed.contains(other)) {
            Some(other) => Err(ParamError::Conflict(name.to_owned(), other.to_owned())),
            None => Ok(()),
        }
    }
}

pub(crate) fn invalid(param: &str, reason: impl Into<String>) -> ParamError {
    ParamError::Invalid { param: param.to_owned(), reason: reason.into() }
}

/// `_count`: a positive integer, lowered to [`MAX_COUNT`]; `default` when absent.
fn count(params: &Params<'_>, default: u32) -> Result<u32, ParamError> {
    let Some(text) = params.single("_count")? else {
        return Ok(default);
    };
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("_count", format!("'{text}' is not a positive integer")));
    }
    // Only digits are left, so the one possible parse error is an overflow: larger than any cap.
    match text.parse::<u64>().unwrap_or(u64::MAX) {
        0 => Err(invalid("_count", "must be at least 1")),
        n => Ok(u32::try_from(n).map_or(MAX_COUNT, |n| n.min(MAX_COUNT))),
    }
}

/// `_id=a,b,c`, if given.
fn ids(params: &Params<'_>) -> Result<Option<Ids>, ParamError> {
    params.single("_id")?.map(|value| id_list("_id", value).map(Ids)).transpose()
}

/// A comma list of FHIR ids (`[A-Za-z0-9\-\.]{1,64}`), without duplicates, in the given order.
fn id_list(param: &str, value: &str) -> Result<Vec<String>, ParamError> {
    comma_list(param, value, |id| {
        if is_fhir_id(id) {
            Ok(id.to_owned())
        } else {
            Err(format!("'{id}' is not a resource id (1-64 of A-Z a-z 0-9 - .)"))
        }
    })
}

fn is_fhir_id(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// Splits a comma list (FHIR's "or"), parses each element and drops repeats, keeping order.
fn comma_list<T: PartialEq>(
    param: &str,
    value: &str,
    parse_one: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, ParamError> {
    let mut items = Vec::new();
    for element in value.split(',') {
        if element.is_empty() {
            return Err(invalid(param, format!("the list '{value}' has an empty element")));
        }
        let item = parse_one(element).map_err(|reason| invalid(param, reason))?;
        if !items.contains(&item) {
            items.push(item);
        }
    }
    Ok(items)
}

/// A token `[system|]code`. `|code` (explicitly no system) is refused rather than read as "any
/// system", which would widen the search.
fn token(text: &str) -> Result<Token, String> {
    let (system, code) = match text.split_once('|') {
        None => (None, text),
        Some(("", _)) => return Err(format!("'{text}' has an empty system before '|'")),
        Some((system, code)) => (Some(system.to_owned()), code),
    };
    if code.is_empty() || code.contains('|') {
        return Err(format!("'{text}' is not a token [system|]code"));
    }
    Ok(Token { system, code: code.to_owned() })
}

fn date_param(param: &str, text: &str) -> Result<DateParam, ParamError> {
    text.parse().map_err(|e| invalid(param, format!("'{text}': {e}")))
}

/// Which prefixes may form a closed range of two date values, e.g. `ge` + `lt` for Slot `start`.
#[derive(Debug)]
struct RangeRule {
    lower: &'static [DatePrefix],
    upper: &'static [DatePrefix],
}

impl RangeRule {
    fn describe(&self) -> String {
        let names = |prefixes: &[DatePrefix]| prefixes.iter().map(|p| p.as_str()).collect::<Vec<_>>().join("/");
        format!("one {} value and one {} value", names(self.lower), names(self.upper))
    }
}

/// A date search that must name a finite window: one value without prefix (its whole period) or
/// two values forming a non-empty range under `rule`.
fn closed_range(param: &str, values: &[&str], rule: &RangeRule) -> Result<TimeRange, ParamError> {
    match values {
        [one] => single_period(param, date_param(param, one)?, rule),
        [a, b] => pair_range(param, date_param(param, a)?, date_param(param, b)?, rule),
        _ => {
            let reason = format!("given {} times; give one value, or {}", values.len(), rule.describe());
            Err(invalid(param, reason))
        }
    }
}

/// One value names its whole period; a lone bound would leave the window open.
fn single_period(param: &str, date: DateParam, rule: &RangeRule) -> Result<TimeRange, ParamError> {
    match date.prefix {
        None | Some(DatePrefix::Eq) => Ok(date.value.period()),
        Some(prefix) => {
            let prefix = prefix.as_str();
            let reason =
                format!("a single value may not have the prefix '{prefix}'; for a range give {}", rule.describe());
            Err(invalid(param, reason))
        }
    }
}

fn pair_range(param: &str, a: DateParam, b: DateParam, rule: &RangeRule) -> Result<TimeRange, ParamError> {
    let fits = |lower: DateParam, upper: DateParam| {
        lower.prefix.is_some_and(|p| rule.lower.contains(&p)) && upper.prefix.is_some_and(|p| rule.upper.contains(&p))
    };
    if !fits(a, b) && !fits(b, a) {
        return Err(invalid(param, format!("two values must be {}", rule.describe())));
    }
    let range = a.range().intersect(&b.range());
    if range.is_empty() {
        return Err(invalid(param, "the range is empty: the lower bound is not before the upper bound"));
    }
    Ok(range)
}

#[cfg(test)]
mod tests;
