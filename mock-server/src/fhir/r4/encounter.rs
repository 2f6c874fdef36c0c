//! R4 Encounter search parameters (fhir.cerner.com Millennium R4 Encounter): one of `_id`,
//! `patient`, `subject` (or `subject:Patient`), `account`, `identifier`; optional `date` (with
//! `patient` or `subject`, each value prefixed by ge, gt, le or lt), `status` (with `patient` or
//! `subject`; planned, in-progress, finished, cancelled), `_lastUpdated` (at most twice), `_count`
//! (honoured with `patient` or `subject` only: "`_count` and `status` must be provided with
//! patient", and "Not honored when '_id' is set"), `_revinclude=Provenance:target` with any
//! criterion.

use super::params::{
    LOWER, Params, R4Query, R4Search, UPPER, all_ids, count, date_range, id_list, ids, invalid, rev_include, token,
};
use crate::fhir::params::{DEFAULT_COUNT, DateParam, EncounterFilter, EncounterQuery, ParamError, Query};
use crate::store::ResourceType;

/// The parameters of which exactly one makes a search.
const CRITERIA: [&str; 6] = ["_id", "patient", "subject", "subject:Patient", "account", "identifier"];

/// The criteria `date` and `status` go with.
const PATIENT: [&str; 3] = ["patient", "subject", "subject:Patient"];

/// The Encounter statuses Cerner's R4 search accepts (a subset of R4 EncounterStatus).
const STATUSES: [&str; 4] = ["planned", "in-progress", "finished", "cancelled"];

pub(super) fn parse(params: &Params<'_>) -> Result<R4Search, ParamError> {
    let count = count(params, DEFAULT_COUNT, 1)?;
    let provenance = rev_include(params, ResourceType::Encounter)?;
    let criteria: Vec<&str> = params.names().filter(|n| CRITERIA.contains(n)).collect();
    let name = match criteria.as_slice() {
        [] => return Err(ParamError::NoSupportedParameters),
        [one] => *one,
        [first, second, ..] => return Err(ParamError::Conflict((*first).into(), (*second).into())),
    };
    let value = params.single(name)?.unwrap_or_default();
    if params.has("status") && !PATIENT.contains(&name) {
        return Err(ParamError::Missing { missing: "patient".into(), with: "status".into() });
    }
    // `_count` is honoured with a patient only; an account or identifier search pages by the default.
    let mut count = if PATIENT.contains(&name) { count } else { DEFAULT_COUNT };
    let base = match name {
        "_id" => {
            // Chosen: `_id` stands alone, as on Appointment (with `_revinclude`, as documented).
            params.only_with("_id", &["_count", "_revinclude"])?;
            let ids = ids(params)?.ok_or(ParamError::NoSupportedParameters)?;
            count = all_ids(&ids);
            EncounterQuery::Ids(ids)
        }
        "account" => EncounterQuery::Account(id_list(name, value, Some("Account"))?),
        "identifier" => EncounterQuery::Identifier(value.split(',').map(|t| token(name, t)).collect::<Result<_, _>>()?),
        _ => EncounterQuery::Patient(id_list(name, value, Some("Patient"))?),
    };
    if params.has("date") && !PATIENT.contains(&name) {
        return Err(ParamError::Missing { missing: "patient".into(), with: "date".into() });
    }
    prefixed_dates(params.values("date"))?;
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
    Ok(R4Search { provenance, ..R4Search::new(R4Query::Store(Query::Encounter(query)), count) })
}

/// Every `date` value carries a ge, gt, le or lt prefix.
fn prefixed_dates(values: &[&str]) -> Result<(), ParamError> {
    for text in values {
        let date: DateParam = text.parse().map_err(|e| invalid("date", format!("'{text}': {e}")))?;
        if !date.prefix.is_some_and(|p| LOWER.contains(&p) || UPPER.contains(&p)) {
            return Err(invalid("date", format!("'{text}' must be prefixed by ge, gt, le or lt")));
        }
    }
    Ok(())
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

    fn search(pairs: &[(String, String)]) -> Result<R4Search, ParamError> {
        parse(&Params::new(pairs, super::super::params::r4(ResourceType::Encounter))?)
    }

    fn parsed(query: &str) -> Result<EncounterQuery, ParamError> {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        search(&pairs).map(|search| match search.query {
            R4Query::Store(Query::Encounter(q)) => q,
            other => panic!("{other:?}"),
        })
    }

    fn range(text: &str) -> TimeRange {
        text.parse::<DateParam>().unwrap().range()
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
        let Ok(EncounterQuery::Filtered(base, _)) = parsed("identifier=urn:x%7C15988&_lastUpdated=ge2020") else {
            panic!("identifier with _lastUpdated")
        };
        assert!(matches!(*base, EncounterQuery::Identifier(ref t) if t[0].code == "15988"));
    }

    /// fhir.cerner.com Millennium R4 Encounter, Parameters: "`subject` | Conditional |
    /// [`reference`] | The patient present at the Encounter. … Example: `subject=Patient/12345` or
    /// `subject:Patient=12345`".
    #[test]
    fn subject_patient_is_a_synonym_of_subject() {
        let patient = Ok(EncounterQuery::Patient(vec!["12345".into()]));
        assert_eq!(parsed("subject:Patient=12345"), patient);
        assert_eq!(parsed("subject=Patient/12345"), patient);
        assert!(matches!(parsed("subject:Patient=12345&status=finished"), Ok(EncounterQuery::Filtered(..))));
        assert!(parsed("subject:Patient=1&account=2").expect_err("two criteria").to_string().contains("combined"));
    }

    /// fhir.cerner.com Millennium R4 Encounter, Parameters: "`date` | No | [`dateTime`] | Datetime
    /// range into which the Encounter's period datetime falls. Must be prefixed by 'ge', 'gt', 'le'
    /// or 'lt'."
    #[test]
    fn date_must_carry_a_ge_gt_le_or_lt_prefix() {
        let error = parsed("patient=1&date=ne2020-03-04").expect_err("ne");
        assert!(matches!(&error, ParamError::Invalid { param, .. } if param == "date"), "{error}");
        for query in ["patient=1&date=2020-03-04", "patient=1&date=eq2020-03-04", "patient=1&date=2020-03-04T10:00:00Z"]
        {
            let error = parsed(query).expect_err(query);
            assert!(
                matches!(&error, ParamError::Invalid { param, reason } if param == "date"
                && reason.contains("must be prefixed by ge, gt, le or lt")),
                "{query}: {error}"
            );
        }
        assert!(parsed("patient=1&date=ge2020-03-01T00:00:00.000Z&date=lt2020-03-05").is_ok());
        for prefix in ["ge", "gt", "le", "lt"] {
            assert!(parsed(&format!("patient=1&date={prefix}2020-03-04")).is_ok(), "{prefix}");
        }
        let error = parsed("patient=1&date=ge2020&date=2021").expect_err("second value unprefixed");
        assert!(error.to_string().contains("'2021' must be prefixed"), "{error}");
    }

    /// fhir.cerner.com Millennium R4 Encounter, Notes: "`status` valid parameters are `planned`,
    /// `in-progress`, `finished`, `cancelled`" and "`_count` and `status` must be provided with
    /// patient".
    #[test]
    fn status_is_one_of_four_codes_and_only_with_patient_or_subject() {
        for status in ["planned", "in-progress", "finished", "cancelled"] {
            assert!(parsed(&format!("patient=1&status={status}")).is_ok(), "{status}");
        }
        for status in ["arrived", "triaged", "onleave", "entered-in-error", "unknown", "booked"] {
            let error = parsed(&format!("subject=Patient/1&status={status}")).expect_err(status);
            assert!(matches!(&error, ParamError::Invalid { param, .. } if param == "status"), "{status}: {error}");
        }
        let missing = Err(ParamError::Missing { missing: "patient".into(), with: "status".into() });
        for query in ["_id=1&status=finished", "account=F1&status=finished", "identifier=15988&status=finished"] {
            assert_eq!(parsed(query), missing, "{query}");
        }
    }

    /// fhir.cerner.com Millennium R4 Encounter (its CapabilityStatement), `_count`: "The maximum
    /// number of results to return in a page. Not honored when '_id' is set."
    #[test]
    fn count_is_not_honoured_with_id() {
        let pairs: Vec<(String, String)> =
            [("_id", "1,2,3"), ("_count", "1")].into_iter().map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
        assert_eq!(search(&pairs).map(|s| s.count), Ok(3));
        let pairs = [("patient".to_owned(), "1".to_owned()), ("_count".to_owned(), "1".to_owned())];
        assert_eq!(search(&pairs).map(|s| s.count), Ok(1));
        // "`_count` and `status` must be provided with patient": an account or identifier search
        // pages by the default.
        for criterion in ["account", "identifier"] {
            let pairs = [(criterion.to_owned(), "F1".to_owned()), ("_count".to_owned(), "1".to_owned())];
            assert_eq!(search(&pairs).map(|s| s.count), Ok(DEFAULT_COUNT), "{criterion}");
        }
    }

    #[test]
    fn refusals_name_the_parameter() {
        let refused = |query: &str| parsed(query).expect_err(query).to_string();
        assert_eq!(refused("status=finished"), "no supported search parameters provided");
        assert!(refused("patient=1&account=2").contains("'patient' and 'account'"));
        assert!(refused("_id=1&date=ge2020").contains("'_id' and 'date'"));
        assert!(refused("account=1&date=ge2020").contains("'patient' is required with 'date'"));
        assert!(refused("patient=1&_lastUpdated=ge2020&_lastUpdated=gt2020").contains("_lastUpdated"));
        assert!(refused("patient=1&_lastUpdated=ge2020&_lastUpdated=lt2021&_lastUpdated=lt2022").contains("3 times"));
        assert!(refused("patient=1&_lastUpdated=ne2020").contains("_lastUpdated"));
        assert!(refused("patient=1&status=booked").contains("not an Encounter status"));
        assert!(refused("identifier=%7C15988").contains("identifier"));
    }
}
