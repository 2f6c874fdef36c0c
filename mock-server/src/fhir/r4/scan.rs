//! Location and Practitioner searches. The store keeps no search fields for them (a tenant holds
//! tens of each), so these searches read each stored resource in its R4 form, in arrival order.

use serde_json::Value;

use super::params::{LocationSearch, Params, all_ids, count, id_list, ids, invalid, token};
use crate::fhir::params::{DEFAULT_COUNT, Ids, ParamError, Token};

/// Location: `_id`, or one of `-physicalType`, `type`, `identifier` or an address parameter, with
/// `name` and `organization` as narrowing criteria. Page size defaults to 100 (documented).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocationQuery {
    pub ids: Option<Ids>,
    pub physical_type: Option<Token>,
    pub kind: Option<Token>,
    pub identifier: Option<Token>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub name: Option<String>,
    pub organization: Option<String>,
}

/// Practitioner: at least one of `_id`, `identifier`, `family`, `name`, `active`, all given
/// combined with AND; `given` only with `family`; `_count` not honoured with `_id`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PractitionerQuery {
    pub ids: Option<Ids>,
    pub identifier: Option<Token>,
    pub family: Option<String>,
    pub given: Option<String>,
    pub name: Option<String>,
    pub active: Option<bool>,
}

const LOCATION_COUNT: u32 = 100;

fn text(params: &Params<'_>, name: &str) -> Result<Option<String>, ParamError> {
    Ok(params.single(name)?.map(str::to_lowercase))
}

fn one_token(params: &Params<'_>, name: &str) -> Result<Option<Token>, ParamError> {
    params.single(name)?.map(|v| token(name, v)).transpose()
}

pub(super) fn location(params: &Params<'_>, mode: LocationSearch) -> Result<(LocationQuery, u32), ParamError> {
    let count = count(params, LOCATION_COUNT, 1)?;
    let query = LocationQuery {
        ids: ids(params)?,
        physical_type: one_token(params, "-physicalType")?,
        kind: one_token(params, "type")?,
        identifier: one_token(params, "identifier")?,
        address: text(params, "address")?,
        city: text(params, "address-city")?,
        state: text(params, "address-state")?,
        postal_code: text(params, "address-postalcode")?,
        name: text(params, "name")?,
        organization: params
            .single("organization")?
            .map(|v| id_list("organization", v, Some("Organization")))
            .transpose()?
            .map(|ids| ids.join(",")),
    };
    if query.ids.is_some() {
        params.only_with("_id", &["_count"])?;
        return Ok((query, count));
    }
    // The table's reading: `-physicalType` or `type` "required if the `_id` parameter is not used".
    if mode == LocationSearch::Table && query.physical_type.is_none() && query.kind.is_none() {
        return Err(ParamError::NoSupportedParameters);
    }
    if query.city.is_some() && query.state.is_none() && query.postal_code.is_none() {
        return Err(ParamError::Missing {
            missing: "address-state or address-postalcode".into(),
            with: "address-city".into(),
        });
    }
    let narrowing = query.physical_type.is_some()
        || query.identifier.is_some()
        || query.address.is_some()
        || query.city.is_some()
        || query.state.is_some()
        || query.postal_code.is_some();
    for (name, given) in [("name", query.name.is_some()), ("organization", query.organization.is_some())] {
        if given && !narrowing {
            return Err(ParamError::Missing {
                missing: "-physicalType, identifier or an address parameter".into(),
                with: name.into(),
            });
        }
    }
    if !narrowing && query.kind.is_none() {
        return Err(ParamError::NoSupportedParameters);
    }
    Ok((query, count))
}

pub(super) fn practitioner(params: &Params<'_>) -> Result<(PractitionerQuery, u32), ParamError> {
    let count = count(params, DEFAULT_COUNT, 1)?;
    let identifier = params.single("identifier")?.map(|v| token("identifier", v)).transpose()?;
    if identifier.as_ref().is_some_and(|t| t.system.is_none()) {
        return Err(invalid("identifier", "give it as system|code"));
    }
    let active = match params.single("active")? {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => return Err(invalid("active", format!("'{other}' is not true or false"))),
    };
    let query = PractitionerQuery {
        ids: ids(params)?,
        identifier,
        family: text(params, "family")?,
        given: text(params, "given")?,
        name: text(params, "name")?,
        active,
    };
    if query.name.as_ref().is_some_and(|n| n.chars().count() < 2) {
        return Err(invalid("name", "give at least 2 characters"));
    }
    if query.given.is_some() && query.family.is_none() {
        return Err(ParamError::Missing { missing: "family".into(), with: "given".into() });
    }
    let criteria = [
        query.ids.is_some(),
        query.identifier.is_some(),
        query.family.is_some(),
        query.name.is_some(),
        query.active.is_some(),
    ];
    if !criteria.contains(&true) {
        return Err(ParamError::NoSupportedParameters);
    }
    // `_count` is not honoured with `_id` (documented).
    let count = query.ids.as_ref().map_or(count, all_ids);
    Ok((query, count))
}

/// Case-insensitive "starts with" of any of the strings.
fn starts<'a>(values: impl IntoIterator<Item = &'a Value>, prefix: &Option<String>) -> bool {
    let Some(prefix) = prefix else { return true };
    values.into_iter().filter_map(Value::as_str).any(|v| v.to_lowercase().starts_with(prefix.as_str()))
}

fn codings(concept: &Value) -> impl Iterator<Item = &Value> {
    concept["coding"].as_array().into_iter().flatten()
}

fn coding_matches(token: &Option<Token>, coding: &Value, code_key: &str) -> bool {
    token.as_ref().is_none_or(|t| {
        coding[code_key].as_str() == Some(t.code.as_str())
            && t.system.as_deref().is_none_or(|s| coding["system"].as_str() == Some(s))
    })
}

fn list(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        one => vec![one],
    }
}

impl LocationQuery {
    pub fn matches(&self, location: &Value) -> bool {
        if let Some(ids) = &self.ids {
            return location["id"].as_str().is_some_and(|id| ids.0.iter().any(|i| i == id));
        }
        let address = &location["address"];
        let address_parts: Vec<&Value> = ["text", "city", "state", "postalCode", "country", "district"]
            .iter()
            .map(|k| &address[*k])
            .chain(address["line"].as_array().into_iter().flatten())
            .collect();
        let kinds: Vec<&Value> = list(&location["type"]).into_iter().flat_map(codings).collect();
        (self.physical_type.is_none()
            || codings(&location["physicalType"]).any(|c| coding_matches(&self.physical_type, c, "code")))
            && (self.kind.is_none()
                || kinds.iter().any(|c| coding_matches(&self.kind, c, "code"))
                || self.kind.as_ref().is_some_and(|t| {
                    list(&location["type"])
                        .iter()
                        .any(|k| k["text"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(&t.code)))
                }))
            && (self.identifier.is_none()
                || list(&location["identifier"]).into_iter().any(|i| coding_matches(&self.identifier, i, "value")))
            && starts(address_parts, &self.address)
            && starts([&address["city"]], &self.city)
            && starts([&address["state"]], &self.state)
            && starts([&address["postalCode"]], &self.postal_code)
            && starts(
                std::iter::once(&location["name"]).chain(location["alias"].as_array().into_iter().flatten()),
                &self.name,
            )
            && self.organization.as_ref().is_none_or(|ids| {
                let reference = location["managingOrganization"]["reference"].as_str().unwrap_or_default();
                ids.split(',').any(|id| reference == format!("Organization/{id}"))
            })
    }
}

impl PractitionerQuery {
    /// Every criterion given holds (AND).
    pub fn matches(&self, practitioner: &Value) -> bool {
        if let Some(ids) = &self.ids
            && !practitioner["id"].as_str().is_some_and(|id| ids.0.iter().any(|i| i == id))
        {
            return false;
        }
        let names = list(&practitioner["name"]);
        let families: Vec<&Value> = names.iter().map(|n| &n["family"]).collect();
        let givens: Vec<&Value> = names.iter().flat_map(|n| n["given"].as_array().into_iter().flatten()).collect();
        let all: Vec<&Value> =
            families.iter().chain(givens.iter()).copied().chain(names.iter().map(|n| &n["text"])).collect();
        starts(families, &self.family)
            && starts(givens, &self.given)
            && starts(all, &self.name)
            && self.active.is_none_or(|a| practitioner["active"].as_bool() == Some(a))
            && (self.identifier.is_none()
                || list(&practitioner["identifier"]).into_iter().any(|i| coding_matches(&self.identifier, i, "value")))
    }
}
