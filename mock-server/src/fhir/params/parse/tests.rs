//! Rules shared by every type (`_id`, `_count`, empty values, strictness), the `_id`-only types,
//! Encounter, and property tests over [`parse_search`]. Appointment, Patient and Slot rules are
//! tested next to their parsers.

use proptest::prelude::*;

use super::*;
use crate::fhir::params::{Actor, AppointmentQuery, DEFAULT_PATIENT_COUNT};

/// Splits a test query string `a=1&b=2` into pairs (already decoded: tests write plain text).
pub(super) fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

pub(super) fn ok(resource: ResourceType, query: &str) -> Search {
    parse_search(resource, &pairs(query)).unwrap_or_else(|e| panic!("{resource} {query}: {e}"))
}

pub(super) fn err(resource: ResourceType, query: &str) -> ParamError {
    parse_search(resource, &pairs(query)).expect_err(query)
}

/// Asserts the search is refused as an invalid value of `param` and returns the reason.
pub(super) fn invalid_reason(resource: ResourceType, query: &str, param: &str) -> String {
    match err(resource, query) {
        ParamError::Invalid { param: got, reason } if got == param => reason,
        other => panic!("{query}: expected an invalid '{param}', got {other:?}"),
    }
}

/// Start of a UTC day in Unix milliseconds.
pub(super) fn utc_ms(year: i32, month: u8, day: u8) -> i64 {
    let month = time::Month::try_from(month).unwrap();
    let date = time::Date::from_calendar_date(year, month, day).unwrap();
    date.midnight().assume_utc().unix_timestamp() * 1_000
}

fn ids(items: &[&str]) -> Ids {
    Ids(items.iter().map(|s| (*s).to_owned()).collect())
}

#[test]
fn practitioner_and_schedule_search_by_id_only() {
    assert_eq!(ok(ResourceType::Practitioner, "_id=593923").query, Query::Practitioner(ids(&["593923"])));
    assert_eq!(ok(ResourceType::Schedule, "_id=1,2").query, Query::Schedule(ids(&["1", "2"])));
    assert_eq!(err(ResourceType::Practitioner, "name=Smith"), ParamError::Unsupported("name".into()));
    // fhir.cerner.com DSTU2 Practitioner and Schedule document `_id` alone: no `_count`.
    assert_eq!(err(ResourceType::Schedule, "_count=5"), ParamError::Unsupported("_count".into()));
    assert_eq!(err(ResourceType::Practitioner, "_id=1&_count=5"), ParamError::Unsupported("_count".into()));
    assert_eq!(err(ResourceType::Schedule, ""), ParamError::NoSupportedParameters);
}

#[test]
fn ids_are_deduplicated_keeping_their_first_order() {
    assert_eq!(ok(ResourceType::Practitioner, "_id=b,a,b,c,a").query, Query::Practitioner(ids(&["b", "a", "c"])));
}

#[test]
fn ids_use_the_fhir_id_charset() {
    let longest = "a".repeat(64);
    assert_eq!(
        ok(ResourceType::Schedule, &format!("_id=A-z.9,{longest}")).query,
        Query::Schedule(ids(&["A-z.9", &longest]))
    );
    for bad in ["a,,b", ",a", "a,", "a_b", "a/b", "é", &"a".repeat(65)] {
        invalid_reason(ResourceType::Schedule, &format!("_id={bad}"), "_id");
    }
}

#[test]
fn id_may_not_be_repeated() {
    assert_eq!(err(ResourceType::Practitioner, "_id=1&_id=2"), ParamError::Repeated("_id".into()));
}

#[test]
fn count_defaults_per_type_and_is_capped() {
    assert_eq!(ok(ResourceType::Schedule, "_id=1").count, DEFAULT_COUNT);
    assert_eq!(ok(ResourceType::Patient, "_id=1").count, DEFAULT_PATIENT_COUNT);
    assert_eq!(ok(ResourceType::Encounter, "_id=1&_count=1").count, 1);
    assert_eq!(ok(ResourceType::Encounter, "_id=1&_count=007").count, 7);
    assert_eq!(ok(ResourceType::Encounter, "_id=1&_count=200").count, MAX_COUNT);
    assert_eq!(ok(ResourceType::Encounter, "_id=1&_count=99999999999999999999999").count, MAX_COUNT);
}

#[test]
fn count_must_be_a_positive_integer() {
    for bad in ["0", "-1", "+5", "ten", "1.5", " 5", "000"] {
        invalid_reason(ResourceType::Encounter, &format!("_id=1&_count={bad}"), "_count");
    }
    assert_eq!(err(ResourceType::Encounter, "_id=1&_count=1&_count=2"), ParamError::Repeated("_count".into()));
}

#[test]
fn encounter_searches_by_id_or_by_patient_but_not_both() {
    assert_eq!(ok(ResourceType::Encounter, "_id=9").query, Query::Encounter(EncounterQuery::Ids(ids(&["9"]))));
    let by_patient = EncounterQuery::Patient(vec!["12724066".into(), "1".into()]);
    assert_eq!(ok(ResourceType::Encounter, "patient=12724066,1").query, Query::Encounter(by_patient));
    assert_eq!(err(ResourceType::Encounter, "patient=1&_id=9"), ParamError::Conflict("_id".into(), "patient".into()));
    assert_eq!(err(ResourceType::Encounter, ""), ParamError::NoSupportedParameters);
    assert_eq!(err(ResourceType::Encounter, "patient=1&patient=2"), ParamError::Repeated("patient".into()));
}

#[test]
fn an_empty_value_is_invalid_for_every_type() {
    for resource in ResourceType::DSTU2 {
        let reason = invalid_reason(resource, "_id=", "_id");
        assert!(reason.contains("empty"), "{resource}: {reason}");
    }
    invalid_reason(ResourceType::Appointment, "patient=1&date=", "date");
}

#[test]
fn modifiers_and_unknown_names_are_unsupported_for_every_type() {
    for resource in ResourceType::DSTU2 {
        assert_eq!(err(resource, "_id:missing=true"), ParamError::Unsupported("_id:missing".into()));
        assert_eq!(err(resource, "_id=1&_sort=date"), ParamError::Unsupported("_sort".into()));
        assert_eq!(err(resource, "_id=1&=x"), ParamError::Unsupported(String::new()));
    }
}

#[test]
fn no_parameters_at_all_is_no_supported_parameters_for_every_type() {
    for resource in ResourceType::DSTU2 {
        assert_eq!(err(resource, ""), ParamError::NoSupportedParameters, "{resource}");
    }
}

#[test]
fn errors_name_the_parameter_and_the_reason() {
    let message = err(ResourceType::Appointment, "patient=1&date=ge2020").to_string();
    assert!(message.starts_with("invalid value for 'date': "), "{message}");
    assert!(message.contains("'ge'"), "{message}");
    let message = err(ResourceType::Appointment, "patient=1&date=2020-02-30").to_string();
    assert!(message.contains("'2020-02-30'"), "{message}");
}

fn any_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    let names = prop_oneof![
        Just("_id".to_owned()),
        Just("_count".to_owned()),
        Just("date".to_owned()),
        Just("start".to_owned()),
        Just("patient".to_owned()),
        Just("location".to_owned()),
        Just("slot-type".to_owned()),
        Just("schedule.actor".to_owned()),
        Just("_include".to_owned()),
        Just("birthdate".to_owned()),
        Just("gender".to_owned()),
        any::<String>(),
    ];
    let values = prop_oneof!["[a-z]{0,2}[-+:.TZ0-9]{0,25}", "[A-Za-z0-9,|/:.-]{0,20}", any::<String>()];
    proptest::collection::vec((names, values), 0..6)
}

fn resource_types() -> impl Strategy<Value = ResourceType> {
    proptest::sample::select(ResourceType::DSTU2.to_vec())
}

/// A valid Appointment search by actor and the query it must parse to.
fn appointment_search() -> impl Strategy<Value = (Vec<(String, String)>, Search)> {
    let actor = proptest::sample::select(vec![
        ("patient", Actor::Patient),
        ("practitioner", Actor::Practitioner),
        ("location", Actor::Location),
    ]);
    let actor_ids = proptest::collection::vec("[0-9]{1,3}", 1..5);
    let statuses = proptest::option::of(proptest::sample::subsequence(vec!["booked", "cancelled", "noshow"], 1..=3));
    let count = proptest::option::of(1u32..1000);
    let day = (1970i32..2100, 1u8..=12, 1u8..=28);
    (actor, actor_ids, statuses, count, day, 1i64..60).prop_map(
        |((name, actor), actor_ids, statuses, count, (y, m, d), days)| {
            let from = utc_ms(y, m, d);
            let to = from + days * 86_400_000;
            let upper = time::OffsetDateTime::from_unix_timestamp(to / 1_000).unwrap().date();
            let mut pairs = vec![
                ("date".to_owned(), format!("ge{y:04}-{m:02}-{d:02}")),
                (name.to_owned(), actor_ids.join(",")),
                ("date".to_owned(), format!("lt{upper}")),
            ];
            pairs.extend(statuses.as_ref().map(|s| ("status".to_owned(), s.join(","))));
            pairs.extend(count.map(|c| ("_count".to_owned(), c.to_string())));
            let mut unique: Vec<String> = Vec::new();
            actor_ids.into_iter().for_each(|id| {
                if !unique.contains(&id) {
                    unique.push(id)
                }
            });
            let query = AppointmentQuery::ByActor {
                actor,
                ids: unique,
                date: TimeRange { from, to },
                statuses: statuses.map(|s| s.into_iter().map(str::to_owned).collect()),
            };
            (
                pairs,
                Search { query: Query::Appointment(query), count: count.map_or(DEFAULT_COUNT, |c| c.min(MAX_COUNT)) },
            )
        },
    )
}

proptest! {
    #[test]
    fn parse_search_never_panics_on_any_pairs(resource in resource_types(), pairs in any_pairs()) {
        let _ = parse_search(resource, &pairs);
    }

    #[test]
    fn generated_appointment_searches_parse_to_the_expected_query((pairs, expected) in appointment_search()) {
        prop_assert_eq!(parse_search(ResourceType::Appointment, &pairs), Ok(expected));
    }

    #[test]
    fn a_single_day_appointment_search_covers_that_day(
        (y, m, d) in (1i32..=9999, 1u8..=12, 1u8..=28),
        id in "[0-9]{1,8}",
    ) {
        let pairs = vec![("location".to_owned(), id.clone()), ("date".to_owned(), format!("{y:04}-{m:02}-{d:02}"))];
        let Query::Appointment(AppointmentQuery::ByActor { date, ids, .. }) = parse_search(ResourceType::Appointment, &pairs).unwrap().query else {
            panic!("not a search by actor");
        };
        prop_assert_eq!(ids, vec![id]);
        prop_assert_eq!(date, TimeRange::new(utc_ms(y, m, d), utc_ms(y, m, d) + 86_400_000));
    }
}
