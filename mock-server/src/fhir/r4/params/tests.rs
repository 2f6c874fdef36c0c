//! R4 searches parsed end to end: the documented Appointment and Slot searches, their counts, and
//! refusals that always reach the client as an R4 OperationOutcome.

use super::*;
use crate::fhir::params::SlotQuery;
use axum::response::IntoResponse;
use proptest::prelude::*;

fn pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

fn ok(resource: ResourceType, query: &str) -> R4Search {
    parse(resource, &pairs(query)).unwrap_or_else(|e| panic!("{query}: {e}"))
}

fn overlapping(query: &str) -> (Actor, Vec<String>, TimeRange, bool) {
    match ok(ResourceType::Appointment, query).query {
        R4Query::Store(Query::Appointment(AppointmentQuery::Overlapping { actor, ids, range, requested, .. })) => {
            (actor, ids, range, requested)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_documented_appointment_search_is_an_open_range_from_an_instant() {
    let (actor, ids, range, requested) = overlapping("patient=12724066&date=ge2020-01-01T22:22:16.270Z");
    assert_eq!((actor, ids, requested), (Actor::Patient, vec!["12724066".to_owned()], false));
    assert_eq!((range.from, range.to), (1_577_917_336_270, i64::MAX));
}

#[test]
fn the_dstu2_date_forms_and_the_request_period_are_accepted() {
    assert_eq!(overlapping("location=1&date=2020").2, "2020".parse::<DateParam>().unwrap().range());
    let pair = overlapping("location=Location/1&-date-or-req-period=lt2021&-date-or-req-period=ge2020");
    assert_eq!((pair.1, pair.3), (vec!["1".to_owned()], true));
    assert_eq!(ok(ResourceType::Appointment, "_id=1,2,3&_count=1").count, 3, "_count is not honored with _id");
}

#[test]
fn slot_counts_and_schedule_ids_follow_the_r4_pages() {
    assert_eq!(ok(ResourceType::Slot, "_id=1").count, DEFAULT_COUNT);
    assert_eq!(ok(ResourceType::Slot, "_id=1&_count=500").count, MAX_COUNT);
    assert!(parse(ResourceType::Slot, &pairs("_id=1&_count=4")).is_err());
    assert!(parse(ResourceType::Schedule, &pairs("_id=1&_count=4")).is_err());
    let include = ok(ResourceType::Slot, "_id=1&_include=Schedule:actor:Practitioner");
    assert!(include.include_practitioners);
}

const SLOT_BY_TYPE: &str = "start=ge2016-01-23T22:05:47Z&start=lt2020-06-08T18:13:55Z&service-type=";

fn slot_refusal(query: &str) -> ParamError {
    parse(ResourceType::Slot, &pairs(query)).expect_err(query)
}

fn slot_actors(query: &str) -> Option<Vec<String>> {
    match ok(ResourceType::Slot, query).query {
        R4Query::Store(Query::Slot(SlotQuery::ByType { actors, .. })) => actors,
        other => panic!("{other:?}"),
    }
}

/// fhir.cerner.com Millennium R4 Slot, Parameters: "`schedule.actor` | No | [`reference`] | A
/// single or comma separated list of Practitioner references. Example:
/// `schedule.actor=Practitioner/1234`"; its CapabilityStatement: "Must be Practitioner actors". A
/// reference parameter may name its target by id alone (FHIR R4 Search, reference): a bare id is
/// a Practitioner's.
#[test]
fn slot_schedule_actor_takes_practitioner_references_and_bare_ids() {
    let base = format!("{SLOT_BY_TYPE}1&schedule.actor=");
    let both = Some(vec!["Practitioner/1234".to_owned(), "Practitioner/5".to_owned()]);
    assert_eq!(slot_actors(&format!("{base}Practitioner/1234,Practitioner/5")), both);
    assert_eq!(slot_actors(&format!("{base}1234,Practitioner/5,5")), both, "a bare id, and a repeat dropped");
    for actor in ["Location/32216049", "Practitioner/1234,Location/5", "Patient/1", "Practitioner/", "a/b"] {
        let error = slot_refusal(&format!("{base}{actor}"));
        assert!(
            matches!(&error, ParamError::Invalid { param, reason } if param == "schedule.actor"
                && reason.contains("not a Practitioner reference")),
            "{actor}: {error}"
        );
    }
}

/// fhir.cerner.com Millennium R4 Slot, Notes: "both the prefixes `ge` and `lt` must be used … (e.g.
/// &start=ge2020-04-08T18:13:55Z&start=lt2020-06-08T18:13:55Z)"; its CapabilityStatement: "Time
/// component should be provided for both the instances". Required unless `[r4]
/// slot_start_requires_time = false`.
#[test]
fn slot_start_needs_times_unless_the_profile_says_otherwise() {
    let dates = "service-type=1&start=ge2016-01-23&start=lt2020-06-08T18:13:55Z";
    let error = slot_refusal(dates);
    assert!(
        matches!(&error, ParamError::Invalid { param, reason } if param == "start" && reason.contains("no time")),
        "{error}"
    );
    let lenient = ParseSettings { slot_start_requires_time: false, ..ParseSettings::default() };
    assert!(parse_with(ResourceType::Slot, &pairs(dates), lenient).is_ok());
    assert!(parse(ResourceType::Slot, &pairs(&format!("{SLOT_BY_TYPE}1"))).is_ok());
}

/// fhir.cerner.com Millennium R4 Patient and Encounter: "`_revinclude` … May be provided once with
/// the value of `Provenance:target`"; Encounter: "It may be provided with the
/// `_id/patient/subject/account` parameter".
#[test]
fn revinclude_provenance_is_taken_once_on_patient_and_encounter() {
    for (resource, query) in [
        (ResourceType::Patient, "_id=12724066"),
        (ResourceType::Patient, "family=smart"),
        (ResourceType::Encounter, "_id=1,2"),
        (ResourceType::Encounter, "patient=1"),
        (ResourceType::Encounter, "account=F1"),
    ] {
        assert!(ok(resource, &format!("{query}&_revinclude=Provenance:target")).provenance, "{query}");
        assert!(!ok(resource, query).provenance, "{query}");
        let twice = format!("{query}&_revinclude=Provenance:target&_revinclude=Provenance:target");
        assert_eq!(parse(resource, &pairs(&twice)), Err(ParamError::Repeated("_revinclude".into())));
        let error = parse(resource, &pairs(&format!("{query}&_revinclude=Provenance:agent"))).expect_err(query);
        assert!(matches!(&error, ParamError::Invalid { param, .. } if param == "_revinclude"), "{error}");
    }
    for resource in [ResourceType::Appointment, ResourceType::Slot, ResourceType::Location] {
        let error = parse(resource, &pairs("_id=1&_revinclude=Provenance:target")).expect_err("not declared");
        assert_eq!(error, ParamError::Unsupported("_revinclude".into()));
    }
    let alone = parse(ResourceType::Patient, &pairs("_revinclude=Provenance:target"));
    assert_eq!(alone, Err(ParamError::NoSupportedParameters));
}

/// fhir.cerner.com Millennium R4 Slot, Notes: "If multiple `service-type` parameters are used they
/// must be either all standard codes or all proprietary codes" and "When using proprietary codes,
/// the system should be `https://fhir.cerner.com/<your EHR source id>/codeSet/<code set>`".
#[test]
fn slot_service_types_are_all_standard_or_all_proprietary_of_any_code_set() {
    let cerner = |set: &str, code: &str| format!("https://fhir.cerner.com/ec2458f2/codeSet/{set}%7C{code}");
    let standard = "http://snomed.info/sct%7C394581000";
    let all_cerner = format!("{SLOT_BY_TYPE}{},{}", cerner("14249", "1"), cerner("222", "2"));
    assert!(parse(ResourceType::Slot, &pairs(&all_cerner)).is_ok(), "two Millennium code sets are one kind");
    for mixed in [format!("{},{standard}", cerner("14249", "1")), format!("{},{standard}", cerner("222", "2"))] {
        let error = slot_refusal(&format!("{SLOT_BY_TYPE}{mixed}"));
        assert!(matches!(&error, ParamError::Invalid { param, .. } if param == "service-type"), "{mixed}: {error}");
    }
    let lookalike = format!("{SLOT_BY_TYPE}http://example.org/codeSet/222%7C2,{standard}");
    assert!(parse(ResourceType::Slot, &pairs(&lookalike)).is_ok(), "only fhir.cerner.com code sets are proprietary");
}

fn any_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    let names = prop_oneof![
        Just("_id".to_owned()),
        Just("patient".to_owned()),
        Just("location".to_owned()),
        Just("date".to_owned()),
        Just("-date-or-req-period".to_owned()),
        Just("status".to_owned()),
        Just("_count".to_owned()),
        Just("service-type".to_owned()),
        Just("start".to_owned()),
        Just("_include".to_owned()),
        Just("-physicalType".to_owned()),
        Just("address-city".to_owned()),
        Just("name".to_owned()),
        Just("family".to_owned()),
        Just("given".to_owned()),
        Just("subject".to_owned()),
        Just("account".to_owned()),
        Just("identifier".to_owned()),
        Just("_lastUpdated".to_owned()),
        Just("_revinclude".to_owned()),
        Just("schedule.actor".to_owned()),
        "\\PC{0,12}",
    ];
    let values = prop_oneof![
        "(ge|gt|le|lt|eq|ne)?[0-9]{4}(-[0-9]{2}(-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{3})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?",
        "[0-9a-zA-Z,|/:.-]{0,24}",
        "\\PC{0,24}",
    ];
    proptest::collection::vec((names, values), 0..6)
}

proptest! {
    /// Any query on any R4 type parses or is refused with a 400 OperationOutcome `invalid`.
    #[test]
    fn r4_parsers_never_panic_and_refuse_with_an_operation_outcome(
        pairs in any_pairs(),
        resource in proptest::sample::select(ResourceType::ALL.to_vec()),
    ) {
        if let Err(e) = parse(resource, &pairs) {
            let response = super::super::R4Error::from(e).into_response();
            prop_assert_eq!(response.status(), axum::http::StatusCode::BAD_REQUEST);
            prop_assert_eq!(&response.headers()["content-type"], super::super::FHIR_JSON_R4);
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let bytes = runtime.block_on(axum::body::to_bytes(response.into_body(), 1 << 16)).unwrap();
            let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            prop_assert_eq!(&body["resourceType"], "OperationOutcome");
            prop_assert_eq!(&body["issue"][0]["code"], "invalid");
            prop_assert!(body["issue"][0]["diagnostics"].as_str().is_some_and(|d| !d.is_empty()));
        }
    }
}
