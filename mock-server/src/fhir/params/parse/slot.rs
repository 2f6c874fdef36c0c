//! Slot search (fhir.cerner.com DSTU2 Slot): `_id`, or `slot-type` + `start`, optionally narrowed
//! by `schedule.actor` and `-location`; `_include=Slot:schedule` adds the Schedules.

use super::{Params, RangeRule, closed_range, comma_list, count, id_list, ids, invalid, is_fhir_id, search, token};
use crate::fhir::params::date::DatePrefix;
use crate::fhir::params::{DEFAULT_COUNT, ParamError, Query, Search, SlotQuery, Token};
use crate::store::ResourceType;

/// Cerner documents `start` as one value or exactly a `ge` + `lt` pair.
const START_RANGE: RangeRule = RangeRule { lower: &[DatePrefix::Ge], upper: &[DatePrefix::Lt] };

/// Parameters that narrow a `slot-type` search and mean nothing without it.
const FILTERS: [&str; 2] = ["schedule.actor", "-location"];

pub(super) fn parse(pairs: &[(String, String)]) -> Result<Search, ParamError> {
    let params = Params::new(pairs, super::dstu2(ResourceType::Slot))?;
    let count = count(&params, DEFAULT_COUNT)?;
    let include_schedule = include_schedule(&params)?;
    let query = match ids(&params)? {
        Some(ids) => {
            params.only_with("_id", &["_count", "_include"])?;
            SlotQuery::Ids { ids, include_schedule }
        }
        None => by_type(&params, include_schedule)?,
    };
    Ok(search(Query::Slot(query), count))
}

/// `_include` has one documented value (declared in the DSTU2 table), `Slot:schedule`.
fn include_schedule(params: &Params<'_>) -> Result<bool, ParamError> {
    let declared = super::dstu2(ResourceType::Slot);
    match params.single("_include")? {
        None => Ok(false),
        Some(value) if declared.include(value).is_some() => Ok(true),
        Some(other) => {
            Err(invalid("_include", format!("'{other}' is not supported; only {} is", declared.include_list())))
        }
    }
}

fn by_type(params: &Params<'_>, include_schedule: bool) -> Result<SlotQuery, ParamError> {
    let starts = params.values("start");
    let slot_types = match (params.single("slot-type")?, starts.is_empty()) {
        (Some(slot_types), false) => slot_types,
        (Some(_), true) => return Err(missing("start", "slot-type")),
        (None, false) => return Err(missing("slot-type", "start")),
        (None, true) => return Err(no_criteria(params)),
    };
    let slot_types = comma_list("slot-type", slot_types, token)?;
    one_kind_of_code(&slot_types)?;
    Ok(SlotQuery::ByType {
        slot_types,
        start: closed_range("start", starts, &START_RANGE)?,
        actors: params.single("schedule.actor")?.map(actors).transpose()?,
        locations: params.single("-location")?.map(|value| id_list("-location", value)).transpose()?,
        include_schedule,
    })
}

/// "If multiple `slot-type` parameters are used they must be either all standard codes or all
/// proprietary codes" (Slot). A proprietary code's system is
/// `https://fhir.cerner.com/<EHR source id>/codeSet/<code set>`; a code without a system is
/// neither, so it goes with either kind.
fn one_kind_of_code(slot_types: &[Token]) -> Result<(), ParamError> {
    let proprietary = |system: &str| system.starts_with("https://fhir.cerner.com/") && system.contains("/codeSet/");
    let kinds: Vec<bool> = slot_types.iter().filter_map(|t| t.system.as_deref().map(proprietary)).collect();
    if kinds.windows(2).any(|pair| pair[0] != pair[1]) {
        return Err(invalid("slot-type", "codes must be all standard or all proprietary (codeSet) codes".to_owned()));
    }
    Ok(())
}

fn missing(missing: &str, with: &str) -> ParamError {
    ParamError::Missing { missing: missing.to_owned(), with: with.to_owned() }
}

/// A filter alone points at what is missing; nothing at all is Cerner's generic refusal.
fn no_criteria(params: &Params<'_>) -> ParamError {
    match params.names().find(|name| FILTERS.contains(name)) {
        Some(filter) => missing("slot-type and start", filter),
        None => ParamError::NoSupportedParameters,
    }
}

/// `schedule.actor=Type/id[,…]`: a relative reference to the Schedule's actor.
fn actors(value: &str) -> Result<Vec<String>, ParamError> {
    comma_list("schedule.actor", value, |reference| {
        let shaped = reference.split_once('/').is_some_and(|(kind, id)| is_resource_type(kind) && is_fhir_id(id));
        if shaped {
            Ok(reference.to_owned())
        } else {
            Err(format!("'{reference}' is not a reference Type/id such as Practitioner/593923"))
        }
    })
}

/// The shape of a FHIR resource type name: an ASCII capital, then letters or digits.
fn is_resource_type(text: &str) -> bool {
    text.bytes().next().is_some_and(|b| b.is_ascii_uppercase()) && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{err, invalid_reason, ok, utc_ms};
    use super::*;
    use crate::fhir::params::{Ids, TimeRange, Token};
    use crate::store::ResourceType::Slot;

    const SLOT_TYPE: &str = "https://fhir.cerner.com/ec2458f2-1e24-41c8-b71b-0e701af7583d/codeSet/14249|24477854";

    fn slot(query: &str) -> SlotQuery {
        match ok(Slot, query).query {
            Query::Slot(slot) => slot,
            other => panic!("not a Slot query: {other:?}"),
        }
    }

    #[test]
    fn the_documented_slot_search_parses_fully() {
        let query =
            format!("slot-type={SLOT_TYPE}&schedule.actor=Practitioner/593923&start=2020&_include=Slot:schedule");
        let expected = SlotQuery::ByType {
            slot_types: vec![Token {
                system: Some("https://fhir.cerner.com/ec2458f2-1e24-41c8-b71b-0e701af7583d/codeSet/14249".into()),
                code: "24477854".into(),
            }],
            start: TimeRange::new(utc_ms(2020, 1, 1), utc_ms(2021, 1, 1)),
            actors: Some(vec!["Practitioner/593923".into()]),
            locations: None,
            include_schedule: true,
        };
        assert_eq!(slot(&query), expected);
        assert_eq!(ok(Slot, &query).count, DEFAULT_COUNT);
    }

    #[test]
    fn an_id_search_may_include_the_schedule() {
        assert_eq!(
            slot("_id=7&_include=Slot:schedule"),
            SlotQuery::Ids { ids: Ids(vec!["7".into()]), include_schedule: true }
        );
        assert_eq!(slot("_id=7"), SlotQuery::Ids { ids: Ids(vec!["7".into()]), include_schedule: false });
    }

    #[test]
    fn an_id_search_takes_no_type_or_filters() {
        for (query, other) in
            [("_id=7&slot-type=1", "slot-type"), ("start=2020&_id=7", "start"), ("_id=7&-location=1", "-location")]
        {
            assert_eq!(err(Slot, query), ParamError::Conflict("_id".into(), other.into()), "{query}");
        }
    }

    #[test]
    fn a_ge_and_lt_pair_bounds_start_and_filters_narrow_it() {
        let query = "slot-type=1,2,1&start=lt2020-10-02T00:00Z&start=ge2020-10-01&-location=5,6&schedule.actor=Practitioner/1,Location/2";
        let SlotQuery::ByType { slot_types, start, actors, locations, include_schedule } = slot(query) else {
            panic!("not a search by type");
        };
        assert_eq!(slot_types.iter().map(|t| t.code.as_str()).collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(start, TimeRange::new(utc_ms(2020, 10, 1), utc_ms(2020, 10, 2)));
        assert_eq!(actors, Some(vec!["Practitioner/1".to_owned(), "Location/2".to_owned()]));
        assert_eq!(locations, Some(vec!["5".to_owned(), "6".to_owned()]));
        assert!(!include_schedule);
    }

    #[test]
    fn start_pairs_other_than_ge_and_lt_are_invalid() {
        for starts in [
            "start=gt2020&start=lt2021",
            "start=ge2020&start=le2021",
            "start=ge2020&start=ge2021",
            "start=2020&start=2021",
        ] {
            let reason = invalid_reason(Slot, &format!("slot-type=1&{starts}"), "start");
            assert!(reason.contains("one ge value and one lt value"), "{starts}: {reason}");
        }
    }

    #[test]
    fn a_single_prefixed_start_or_three_starts_are_invalid() {
        invalid_reason(Slot, "slot-type=1&start=ge2020", "start");
        invalid_reason(Slot, "slot-type=1&start=ge2020&start=lt2021&start=2020", "start");
        invalid_reason(Slot, "slot-type=1&start=ge2021&start=lt2020", "start");
        assert!(matches!(slot("slot-type=1&start=eq2020-10-01"), SlotQuery::ByType { .. }));
    }

    #[test]
    fn slot_type_and_start_need_each_other() {
        assert_eq!(err(Slot, "slot-type=1"), ParamError::Missing { missing: "start".into(), with: "slot-type".into() });
        assert_eq!(err(Slot, "start=2020"), ParamError::Missing { missing: "slot-type".into(), with: "start".into() });
        let expected = ParamError::Missing { missing: "slot-type and start".into(), with: "schedule.actor".into() };
        assert_eq!(err(Slot, "_count=3&schedule.actor=Practitioner/1"), expected);
    }

    #[test]
    fn no_criteria_is_no_supported_parameters() {
        for query in ["", "_count=3", "_include=Slot:schedule"] {
            assert_eq!(err(Slot, query), ParamError::NoSupportedParameters, "{query}");
        }
    }

    #[test]
    fn schedule_actors_must_be_type_slash_id_references() {
        for actor in ["593923", "practitioner/1", "Practitioner/", "/1", "Practitioner/1/2", "Practitioner/a b"] {
            let reason =
                invalid_reason(Slot, &format!("slot-type=1&start=2020&schedule.actor={actor}"), "schedule.actor");
            assert!(reason.contains("Type/id"), "{actor}: {reason}");
        }
    }

    #[test]
    fn include_only_accepts_slot_schedule() {
        assert!(invalid_reason(Slot, "_id=1&_include=Slot:actor", "_include").contains("Slot:schedule"));
        assert_eq!(
            err(Slot, "_id=1&_include=Slot:schedule&_include=Slot:schedule"),
            ParamError::Repeated("_include".into())
        );
    }

    #[test]
    fn slot_type_and_location_values_are_checked() {
        invalid_reason(Slot, "slot-type=1,,2&start=2020", "slot-type");
        invalid_reason(Slot, "slot-type=|1&start=2020", "slot-type");
        invalid_reason(Slot, "slot-type=1&start=2020&-location=a/b", "-location");
        assert_eq!(err(Slot, "slot-type=1&slot-type=2&start=2020"), ParamError::Repeated("slot-type".into()));
    }

    #[test]
    fn slot_types_are_all_standard_or_all_proprietary() {
        let standard = "http://snomed.info/sct|394581000";
        let reason = invalid_reason(Slot, &format!("slot-type={SLOT_TYPE},{standard}&start=2020"), "slot-type");
        assert!(reason.contains("all standard or all proprietary"), "{reason}");
        let two_standard = format!("slot-type={standard},http://snomed.info/sct|394602003&start=2020");
        assert!(matches!(slot(&two_standard), SlotQuery::ByType { .. }));
        let proprietary = format!("slot-type={SLOT_TYPE},{SLOT_TYPE}5&start=2020");
        assert!(matches!(slot(&proprietary), SlotQuery::ByType { .. }));
        assert!(matches!(slot(&format!("slot-type=1,{standard}&start=2020")), SlotQuery::ByType { .. }));
    }

    #[test]
    fn location_without_the_dash_is_unsupported() {
        assert_eq!(err(Slot, "slot-type=1&start=2020&location=1"), ParamError::Unsupported("location".into()));
    }
}
