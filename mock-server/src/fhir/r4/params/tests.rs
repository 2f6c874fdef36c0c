//! R4 searches parsed end to end: the documented Appointment and Slot searches, their counts, and
//! refusals that always reach the client as an R4 OperationOutcome.

use super::*;
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

/// fhir.cerner.com Millennium R4 Slot, Parameters: "`schedule.actor` | No | [`reference`] | A
/// single or comma separated list of Practitioner references. Example:
/// `schedule.actor=Practitioner/1234`".
#[test]
fn slot_schedule_actor_takes_only_practitioner_references() {
    let base = format!("{SLOT_BY_TYPE}1&schedule.actor=");
    assert!(parse(ResourceType::Slot, &pairs(&format!("{base}Practitioner/1234,Practitioner/5"))).is_ok());
    for actor in ["Location/32216049", "Practitioner/1234,Location/5", "1234", "Patient/1", "Practitioner/"] {
        let error = slot_refusal(&format!("{base}{actor}"));
        assert!(
            matches!(&error, ParamError::Invalid { param, reason } if param == "schedule.actor"
                && reason.contains("not a Practitioner reference")),
            "{actor}: {error}"
        );
    }
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
