//! R4 Encounter search parameters (fhir.cerner.com R4 Encounter): one of `_id`, `patient`,
//! `subject`, `account`, `identifier`; optional `date` (with `patient` or `subject`), `status`,
//! `_lastUpdated` (at most twice), `_count`.

use super::params::{LOWER, Params, R4Query, R4Search, UPPER, count, date_range, id_list, ids, invalid, token};
use crate::fhir::params::{DEFAULT_COUNT, EncounterFilter, EncounterQuery, ParamError, Query};

/// The parameters of which exactly one makes a search.
const CRITERIA: [&str; 5] = ["_id", "patient", "subject", "account", "identifier"];

/// R4 EncounterStatus codes.
const STATUSES: [&str; 9] =
    ["planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled", "entered-in-error", "unknown"];

pub(super) fn parse(pairs: &[(String, String)]) -> Result<R4Search, ParamError> {
    let params = Params::new(pairs, super::params::r4(crate::store::ResourceType::Encounter))?;
    let count = count(&params, DEFAULT_COUNT, 1)?;
    let criteria: Vec<&str> = params.names().filter(|n| CRITERIA.contains(n)).collect();
    let name = match criteria.as_slice() {
        [] => return Err(ParamError::NoSupportedParameters),
        [one] => *one,
        [first, second, ..] => return Err(ParamError::Conflict((*first).into(), (*second).into())),
    };
    let value = params.single(name)?.unwrap_or_default();
    let base = match name {
        "_id" => {
            // Chosen: `_id` stands alone, as on Appointment.
            if let Some(other) = params.names().find(|n| !["_id", "_count"].contains(n)) {
                return Err(ParamError::Conflict("_id".into(), other.into()));
            }
            EncounterQuery::Ids(ids(&params)?.ok_or(ParamError::NoSupportedParameters)?)
        }
        "account" => EncounterQuery::Account(id_list(name, value, Some("Account"))?),
        "identifier" => EncounterQuery::Identifier(value.split(',').map(|t| token(name, t)).collect::<Result<_, _>>()?),
        _ => EncounterQuery::Patient(id_list(name, value, Some("Patient"))?),
    };
    if params.has("date") && !matches!(name, "patient" | "subject") {
        return Err(ParamError::Missing { missing: "patient".into(), with: "date".into() });
    }
    let range = |param: &str| {
        let values = params.values(param);
        (!values.is_empty()).then(|| date_range(param, values, &LOWER, &UPPER)).transpose()
    };
    let filter = EncounterFilter {
        date: range("date")?,
        statuses: params.single("status")?.map(statuses).transpose()?,
        last_updated: range("_lastUpdated")?,
    };
    let query =
        if filter == EncounterFilter::default() { base } else { EncounterQuery::Filtered(Box::new(base), filter) };
    Ok(R4Search { query: R4Query::Store(Query::Encounter(query)), count, include_practitioners: false })
}

fn statuses(value: &str) -> Result<Vec<String>, ParamError> {
    let mut out: Vec<String> = Vec::new();
    for status in value.split(',') {
        if !STATUSES.contains(&status) {
            return Err(invalid("status", format!("'{status}' is not an Encounter status ({})", STATUSES.join(", "))));
        }
        if !out.iter().any(|s| s == status) {
            out.push(status.to_owned());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::params::TimeRange;

    fn parsed(query: &str) -> Result<EncounterQuery, ParamError> {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        parse(&pairs).map(|search| match search.query {
            R4Query::Store(Query::Encounter(q)) => q,
            other => panic!("{other:?}"),
        })
    }

    fn range(text: &str) -> TimeRange {
        text.parse::<crate::fhir::params::DateParam>().unwrap().range()
    }

    #[test]
    fn each_criterion_alone_and_the_filters_on_top() {
        let patient = EncounterQuery::Patient(vec!["12724066".into()]);
        assert_eq!(parsed("subject=Patient/12724066"), Ok(patient.clone()));
        assert_eq!(parsed("account=Account/F1,F2"), Ok(EncounterQuery::Account(vec!["F1".into(), "F2".into()])));
        let filtered =
            parsed("patient=12724066&date=ge2020-01-01&date=lt2021&status=finished,in-progress&_lastUpdated=2020");
        let filter = EncounterFilter {
            date: Some(range("ge2020-01-01").intersect(&range("lt2021"))),
            statuses: Some(vec!["finished".into(), "in-progress".into()]),
            last_updated: Some(range("2020")),
        };
        assert_eq!(filtered, Ok(EncounterQuery::Filtered(Box::new(patient), filter)));
        let Ok(EncounterQuery::Filtered(base, _)) = parsed("identifier=urn:x%7C15988&status=finished") else {
            panic!("identifier with status")
        };
        assert!(matches!(*base, EncounterQuery::Identifier(ref t) if t[0].code == "15988"));
    }

    #[test]
    fn refusals_name_the_parameter() {
        let refused = |query: &str| parsed(query).expect_err(query).to_string();
        assert_eq!(refused("status=finished"), "no supported search parameters provided");
        assert!(refused("patient=1&account=2").contains("'patient' and 'account'"));
        assert!(refused("_id=1&status=finished").contains("'_id' and 'status'"));
        assert!(refused("account=1&date=2020").contains("'patient' is required with 'date'"));
        assert!(refused("patient=1&_lastUpdated=ge2020&_lastUpdated=gt2020").contains("_lastUpdated"));
        assert!(refused("patient=1&_lastUpdated=ge2020&_lastUpdated=lt2021&_lastUpdated=lt2022").contains("3 times"));
        assert!(refused("patient=1&_lastUpdated=ne2020").contains("_lastUpdated"));
        assert!(refused("patient=1&status=booked").contains("not an Encounter status"));
        assert!(refused("identifier=%7C15988").contains("identifier"));
    }
}
