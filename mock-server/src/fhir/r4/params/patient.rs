//! R4 Patient search (fhir.cerner.com Millennium R4 Patient): DSTU2's rules, and R4's own:
//! `birthdate` "Must not be provided with a time component"; gender "may only be provided if
//! another parameter other than '_id' is provided"; `_count` is "Not honoured when '_id' or
//! 'identifier' are set" (every id on one page; an identifier search pages by the default);
//! `_revinclude` "May be provided once with the value of `Provenance:target`".

use super::{Params, R4Query, R4Search, all_ids, invalid, rev_include};
use crate::fhir::params::{DEFAULT_PATIENT_COUNT, ParamError, Query, patient_search};
use crate::store::ResourceType;

pub(super) fn parse(params: &Params<'_>) -> Result<R4Search, ParamError> {
    let provenance = rev_include(params, ResourceType::Patient)?;
    let search = patient_search(params)?;
    if params.values("birthdate").iter().any(|v| v.contains('T')) {
        return Err(invalid("birthdate", "must not be given with a time component"));
    }
    let beside_id = ["_id", "gender", "_count", "_revinclude"];
    if params.has("gender") && params.has("_id") && params.names().all(|n| beside_id.contains(&n)) {
        return Err(invalid("gender", "may only be given with a parameter other than _id"));
    }
    let Query::Patient(query) = &search.query else { return Err(ParamError::NoSupportedParameters) };
    let count = match (&query.ids, params.has("identifier")) {
        (Some(ids), _) => all_ids(ids),
        (None, true) => DEFAULT_PATIENT_COUNT,
        (None, false) => search.count,
    };
    Ok(R4Search { provenance, ..R4Search::new(R4Query::Store(search.query), count) })
}
