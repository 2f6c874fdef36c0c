//! Appointment search (fhir.cerner.com DSTU2 Appointment): `_id` alone, or exactly one of
//! `patient` / `practitioner` / `location` plus `date`; optional `status`.

use super::{Params, RangeRule, closed_range, comma_list, count, id_list, ids, search};
use crate::fhir::params::date::DatePrefix;
use crate::fhir::params::{Actor, AppointmentQuery, DEFAULT_COUNT, Ids, ParamError, Query, Search};
use crate::store::ResourceType;

const ACTORS: [(&str, Actor); 3] =
    [("patient", Actor::Patient), ("practitioner", Actor::Practitioner), ("location", Actor::Location)];

/// `date` is one value, or a `ge`/`gt` with a `le`/`lt`.
const DATE_RANGE: RangeRule =
    RangeRule { lower: &[DatePrefix::Ge, DatePrefix::Gt], upper: &[DatePrefix::Le, DatePrefix::Lt] };

/// DSTU2 AppointmentStatus codes.
const STATUSES: [&str; 7] = ["proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow"];

pub(super) fn parse(pairs: &[(String, String)]) -> Result<Search, ParamError> {
    let params = Params::new(pairs, super::dstu2(ResourceType::Appointment))?;
    let count = count(&params, DEFAULT_COUNT)?;
    let query = match ids(&params)? {
        Some(ids) => by_ids(&params, ids)?,
        None => by_actor(&params)?,
    };
    Ok(search(Query::Appointment(query), count))
}

/// `_id` takes no filters (chosen: Cerner documents it alone).
fn by_ids(params: &Params<'_>, ids: Ids) -> Result<AppointmentQuery, ParamError> {
    params.only_with("_id", &["_count"])?;
    Ok(AppointmentQuery::Ids(ids))
}

fn by_actor(params: &Params<'_>) -> Result<AppointmentQuery, ParamError> {
    let (name, actor) = the_actor(params)?;
    let ids = params.single(name)?.map(|value| id_list(name, value)).transpose()?.unwrap_or_default();
    let dates = params.values("date");
    if dates.is_empty() {
        return Err(ParamError::Missing { missing: "date".into(), with: name.into() });
    }
    let date = closed_range("date", dates, &DATE_RANGE)?;
    let statuses = params.single("status")?.map(statuses).transpose()?;
    Ok(AppointmentQuery::ByActor { actor, ids, date, statuses })
}

/// The one actor parameter given; two different ones conflict (in request order).
fn the_actor(params: &Params<'_>) -> Result<(&'static str, Actor), ParamError> {
    let mut given = params.names().filter_map(|name| ACTORS.into_iter().find(|(actor, _)| *actor == name));
    match (given.next(), given.next()) {
        (Some(actor), None) => Ok(actor),
        (Some((first, _)), Some((second, _))) => Err(ParamError::Conflict(first.into(), second.into())),
        (None, _) if params.has("date") => {
            Err(ParamError::Missing { missing: "patient, practitioner or location".into(), with: "date".into() })
        }
        (None, _) => Err(ParamError::NoSupportedParameters),
    }
}

/// The statuses asked for; `arrived` also finds appointments stored with R4's native
/// `checked-in`, which DSTU2 answers as `arrived`.
fn statuses(value: &str) -> Result<Vec<String>, ParamError> {
    let mut statuses = comma_list("status", value, |status| {
        if STATUSES.contains(&status) {
            Ok(status.to_owned())
        } else {
            Err(format!("'{status}' is not an Appointment status ({})", STATUSES.join(", ")))
        }
    })?;
    if statuses.iter().any(|s| s == "arrived") {
        statuses.push("checked-in".to_owned());
    }
    Ok(statuses)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{err, invalid_reason, ok, utc_ms};
    use super::*;
    use crate::fhir::params::{MAX_COUNT, TimeRange};
    use crate::store::ResourceType::Appointment;

    fn by_actor(query: &str) -> (Actor, Vec<String>, TimeRange, Option<Vec<String>>) {
        match ok(Appointment, query).query {
            Query::Appointment(AppointmentQuery::ByActor { actor, ids, date, statuses }) => {
                (actor, ids, date, statuses)
            }
            other => panic!("not a search by actor: {other:?}"),
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_documented_patient_and_year_search_covers_the_whole_year() {
        let (actor, ids, date, statuses) = by_actor("patient=12724066&date=2020");
        assert_eq!((actor, ids, statuses), (Actor::Patient, strings(&["12724066"]), None));
        assert_eq!(date, TimeRange::new(utc_ms(2020, 1, 1), utc_ms(2021, 1, 1)));
        assert_eq!(ok(Appointment, "patient=12724066&date=2020").count, DEFAULT_COUNT);
    }

    #[test]
    fn the_documented_location_range_search_parses_fully() {
        let query = "date=ge2020-10-01&date=lt2020-11-01&location=21503380,21503381&status=booked,cancelled&_count=100";
        let (actor, ids, date, statuses) = by_actor(query);
        assert_eq!((actor, ids), (Actor::Location, strings(&["21503380", "21503381"])));
        assert_eq!(date, TimeRange::new(utc_ms(2020, 10, 1), utc_ms(2020, 11, 1)));
        assert_eq!(statuses, Some(strings(&["booked", "cancelled"])));
        assert_eq!(ok(Appointment, query).count, 100);
    }

    #[test]
    fn the_documented_id_search_is_alone() {
        let search = ok(Appointment, "_id=4817508");
        assert_eq!(search.query, Query::Appointment(AppointmentQuery::Ids(Ids(strings(&["4817508"])))));
    }

    #[test]
    fn a_practitioner_search_takes_a_day_with_eq_or_without_prefix() {
        let (actor, _, date, _) = by_actor("practitioner=593923&date=eq2020-10-01");
        assert_eq!((actor, date), (Actor::Practitioner, TimeRange::new(utc_ms(2020, 10, 1), utc_ms(2020, 10, 2))));
        assert_eq!(by_actor("date=2020-10-01&practitioner=593923").2, date);
    }

    #[test]
    fn gt_and_le_bounds_form_a_range_in_either_order() {
        let (_, _, date, _) = by_actor("location=1&date=le2020-10-31&date=gt2020-09");
        assert_eq!(date, TimeRange::new(utc_ms(2020, 10, 1), utc_ms(2020, 11, 1)));
    }

    #[test]
    fn repeated_actor_ids_are_kept_once_in_order() {
        assert_eq!(by_actor("patient=2,1,2&date=2020").1, strings(&["2", "1"]));
    }

    #[test]
    fn an_actor_without_a_date_is_missing_the_date() {
        let expected = ParamError::Missing { missing: "date".into(), with: "location".into() };
        assert_eq!(err(Appointment, "location=1"), expected);
    }

    #[test]
    fn a_date_without_an_actor_is_missing_the_actor() {
        let expected = ParamError::Missing { missing: "patient, practitioner or location".into(), with: "date".into() };
        assert_eq!(err(Appointment, "date=2020"), expected);
    }

    #[test]
    fn no_parameters_or_only_filters_are_no_supported_parameters() {
        for query in ["", "_count=10", "status=booked"] {
            assert_eq!(err(Appointment, query), ParamError::NoSupportedParameters, "{query}");
        }
    }

    #[test]
    fn repeating_an_actor_is_refused() {
        assert_eq!(err(Appointment, "patient=1&patient=2&date=2020"), ParamError::Repeated("patient".into()));
    }

    #[test]
    fn combining_two_actors_is_a_conflict_named_in_request_order() {
        let expected = ParamError::Conflict("practitioner".into(), "patient".into());
        assert_eq!(err(Appointment, "practitioner=1&date=2020&patient=2"), expected);
    }

    #[test]
    fn id_with_an_actor_date_or_status_is_a_conflict() {
        for (query, other) in
            [("_id=1&patient=2", "patient"), ("date=2020&_id=1", "date"), ("_id=1&status=booked", "status")]
        {
            assert_eq!(err(Appointment, query), ParamError::Conflict("_id".into(), other.into()), "{query}");
        }
    }

    #[test]
    fn a_single_prefixed_date_is_refused() {
        for query in ["patient=1&date=ge2020", "patient=1&date=lt2020"] {
            assert!(invalid_reason(Appointment, query, "date").contains("single value"), "{query}");
        }
    }

    #[test]
    fn two_dates_must_be_one_lower_and_one_upper_bound() {
        for dates in
            ["date=ge2020&date=gt2021", "date=le2020&date=lt2021", "date=2020&date=lt2021", "date=eq2020&date=2021"]
        {
            let reason = invalid_reason(Appointment, &format!("patient=1&{dates}"), "date");
            assert!(reason.contains("ge/gt") && reason.contains("le/lt"), "{dates}: {reason}");
        }
    }

    #[test]
    fn an_empty_date_range_is_refused() {
        let reason = invalid_reason(Appointment, "patient=1&date=ge2020-11-01&date=lt2020-11-01", "date");
        assert!(reason.contains("empty"), "{reason}");
        assert!(invalid_reason(Appointment, "patient=1&date=gt2020&date=le2020", "date").contains("empty"));
    }

    #[test]
    fn three_dates_are_refused_with_the_count() {
        let reason = invalid_reason(Appointment, "patient=1&date=ge2020&date=lt2021&date=2020", "date");
        assert!(reason.contains("3 times"), "{reason}");
    }

    #[test]
    fn malformed_or_unsupported_date_values_are_invalid() {
        for date in ["2020-13", "ne2020", "2020-10-01T10:00", "sa2020", "ap2020", "eb2020"] {
            invalid_reason(Appointment, &format!("patient=1&date={date}"), "date");
        }
    }

    #[test]
    fn statuses_must_be_dstu2_appointment_statuses() {
        let all = "proposed,pending,booked,arrived,fulfilled,cancelled,noshow";
        // `arrived` also asks for R4's `checked-in`, which DSTU2 answers as `arrived`.
        assert_eq!(by_actor(&format!("patient=1&date=2020&status={all}")).3.map(|s| s.len()), Some(8));
        invalid_reason(Appointment, "patient=1&date=2020&status=checked-in", "status");
        assert!(invalid_reason(Appointment, "patient=1&date=2020&status=booked,done", "status").contains("'done'"));
        invalid_reason(Appointment, "patient=1&date=2020&status=Booked", "status");
        invalid_reason(Appointment, "patient=1&date=2020&status=booked,", "status");
    }

    #[test]
    fn status_may_not_be_repeated() {
        let query = "patient=1&date=2020&status=booked&status=arrived";
        assert_eq!(err(Appointment, query), ParamError::Repeated("status".into()));
    }

    #[test]
    fn actor_ids_must_be_fhir_ids() {
        assert!(invalid_reason(Appointment, "patient=Patient/1&date=2020", "patient").contains("'Patient/1'"));
        invalid_reason(Appointment, "location=1,,2&date=2020", "location");
    }

    #[test]
    fn a_large_count_is_lowered_to_the_cap() {
        assert_eq!(ok(Appointment, "patient=1&date=2020&_count=5000").count, MAX_COUNT);
    }

    #[test]
    fn parameters_appointment_does_not_support_are_refused() {
        for (query, name) in
            [("patient=1&date=2020&foo=1", "foo"), ("patient:missing=true", "patient:missing"), ("start=2020", "start")]
        {
            assert_eq!(err(Appointment, query), ParamError::Unsupported(name.into()), "{query}");
        }
    }
}
