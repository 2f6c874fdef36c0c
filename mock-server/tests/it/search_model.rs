//! Model-based test: for any valid Appointment query, what the emulator returns equals a brute-force
//! filter over every appointment of the tenant, in the same order (by start).

use std::sync::OnceLock;

use cerner_mock::Profile;
use cerner_mock::clock::DEFAULT_MANUAL_START;
use cerner_mock::fhir::params::{Actor, parse_search};
use cerner_mock::store::{AppointmentFields, LoadOptions, ResourceType, Store};
use proptest::prelude::*;
use time::{Date, Duration, Month};

use crate::helpers::SANDBOX;

/// The actor kinds in the order the model's lists keep them.
const ACTORS: [Actor; 3] = [Actor::Patient, Actor::Practitioner, Actor::Location];

fn store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(|| {
        Store::load(&Profile::embedded_default(), DEFAULT_MANUAL_START.date(), &LoadOptions::default()).unwrap()
    })
}

/// `(patients, practitioners, locations)` that appear in the sandbox's appointments.
fn actor_ids() -> &'static [Vec<String>; 3] {
    static IDS: OnceLock<[Vec<String>; 3]> = OnceLock::new();
    IDS.get_or_init(|| {
        let data = store().read(SANDBOX).unwrap();
        let mut ids: [Vec<String>; 3] = Default::default();
        let rows = data.table(ResourceType::Appointment).unwrap().len() as u32;
        for fields in (0..rows).filter_map(|row| data.appointment(row)) {
            for (all, actor) in ids.iter_mut().zip(ACTORS) {
                all.extend(fields.actors(actor).map(|id| id.to_string()));
            }
        }
        for list in &mut ids {
            list.sort();
            list.dedup();
        }
        ids
    })
}

fn midnight_ms(date: Date) -> i64 {
    date.midnight().assume_utc().unix_timestamp() * 1000
}

/// A date value at some precision and the period it stands for, computed without the emulator.
fn period(day: Date, precision: u8) -> (String, i64, i64) {
    match precision {
        0 => {
            let start = Date::from_calendar_date(day.year(), Month::January, 1).unwrap();
            let end = Date::from_calendar_date(day.year() + 1, Month::January, 1).unwrap();
            (format!("{}", day.year()), midnight_ms(start), midnight_ms(end))
        }
        1 => {
            let start = day.replace_day(1).unwrap();
            let end = start.checked_add(Duration::days(i64::from(day.month().length(day.year())))).unwrap();
            (format!("{}-{:02}", day.year(), day.month() as u8), midnight_ms(start), midnight_ms(end))
        }
        _ => {
            let text = format!("{}-{:02}-{:02}", day.year(), day.month() as u8, day.day());
            (text, midnight_ms(day), midnight_ms(day.next_day().unwrap()))
        }
    }
}

/// Days after the start, precision, strict lower bound (`gt`), strict upper bound (`lt`).
type EndBound = (i64, u8, bool, bool);

#[derive(Debug, Clone)]
struct Case {
    actor: usize,
    picks: Vec<usize>,
    unknown_id: bool,
    dates: (i64, u8, Option<EndBound>),
    statuses: Option<Vec<&'static str>>,
}

fn cases() -> impl Strategy<Value = Case> {
    let statuses = proptest::sample::subsequence(
        vec!["proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow"],
        1..4,
    );
    (
        0usize..3,
        proptest::collection::vec(any::<usize>(), 1..4),
        any::<bool>(),
        (-20i64..35, 0u8..3, proptest::option::of((0i64..30, 0u8..3, any::<bool>(), any::<bool>()))),
        proptest::option::of(statuses),
    )
        .prop_map(|(actor, picks, unknown_id, dates, statuses)| Case { actor, picks, unknown_id, dates, statuses })
}

/// The query's parameters and the brute-force filter it stands for.
fn build(case: &Case) -> (Vec<(String, String)>, impl Fn(&AppointmentFields) -> bool) {
    let all = &actor_ids()[case.actor];
    let mut ids: Vec<String> = case.picks.iter().map(|p| all[p % all.len()].clone()).collect();
    if case.unknown_id {
        ids.push("1".into());
    }
    ids.dedup();
    let name = ["patient", "practitioner", "location"][case.actor];
    let mut params = vec![(name.to_owned(), ids.join(","))];
    let today = DEFAULT_MANUAL_START.date();
    let (offset, precision, pair) = case.dates;
    let (text, mut from, mut to) = period(today + Duration::days(offset), precision);
    match pair {
        None => params.push(("date".into(), text)),
        Some((length, end_precision, strict_low, strict_high)) => {
            let (end_text, end_from, end_to) = period(today + Duration::days(offset + length), end_precision);
            params.push(("date".into(), format!("{}{text}", if strict_low { "gt" } else { "ge" })));
            params.push(("date".into(), format!("{}{end_text}", if strict_high { "lt" } else { "le" })));
            if strict_low {
                from = to;
            }
            to = if strict_high { end_from } else { end_to };
        }
    }
    if let Some(statuses) = &case.statuses {
        params.push(("status".into(), statuses.join(",")));
    }
    let actor = case.actor;
    let statuses = case.statuses.clone();
    let filter = move |f: &AppointmentFields| {
        f.start.is_some_and(|s| from <= s && s < to)
            && f.actors(ACTORS[actor]).any(|id| ids.iter().any(|wanted| **id == **wanted))
            && statuses.as_ref().is_none_or(|list| {
                // DSTU2's `arrived` also finds R4's native `checked-in`, which DSTU2 answers as `arrived`.
                list.contains(&&*f.status) || (&*f.status == "checked-in" && list.contains(&"arrived"))
            })
    };
    (params, filter)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn appointment_search_equals_a_brute_force_filter(case in cases()) {
        let (params, filter) = build(&case);
        let search = match parse_search(ResourceType::Appointment, &params) {
            Ok(search) => search,
            // An empty pair range (e.g. gt and lt of the same day) is refused by design.
            Err(e) => { prop_assert!(e.to_string().contains("date"), "{params:?}: {e}"); return Ok(()); }
        };
        let data = store().read(SANDBOX).unwrap();
        let got: Vec<u32> = data.search(&search.query).unwrap().into_iter().map(|(_, row)| row).collect();
        let rows = data.table(ResourceType::Appointment).unwrap().len() as u32;
        let mut expected: Vec<(i64, u32)> = (0..rows)
            .filter_map(|row| data.appointment(row).filter(|f| filter(f)).map(|f| (f.start.unwrap_or(0), row)))
            .collect();
        expected.sort_unstable();
        let expected: Vec<u32> = expected.into_iter().map(|(_, row)| row).collect();
        prop_assert_eq!(got, expected, "{:?}", params);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(50))]

    /// The ground truth a harness compares a client's store with is what the client's own search of
    /// the window (`location=…&date=geFROM&date=ltTO`) returns.
    #[test]
    fn the_window_ground_truth_is_the_clients_search(picks in proptest::collection::vec(any::<usize>(), 1..4), offset in -20i64..20, days in 1i64..30) {
        let all = &actor_ids()[2];
        let locations: Vec<String> = picks.iter().map(|p| all[p % all.len()].clone()).collect();
        let today = DEFAULT_MANUAL_START.date();
        let day = |d: Date| format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day());
        let (from, to) = (day(today + Duration::days(offset)), day(today + Duration::days(offset + days)));
        let mut ids = locations.clone();
        ids.sort();
        ids.dedup();
        let params = vec![
            ("location".to_owned(), ids.join(",")),
            ("date".to_owned(), format!("ge{from}")),
            ("date".to_owned(), format!("lt{to}")),
        ];
        let data = store().read(SANDBOX).unwrap();
        let query = parse_search(ResourceType::Appointment, &params).unwrap().query;
        let table = data.table(ResourceType::Appointment).unwrap();
        let mut expected: Vec<String> =
            data.search(&query).unwrap().into_iter().map(|(_, row)| table.row(row).unwrap().id.to_string()).collect();
        expected.sort();
        let got: Vec<String> = data.appointments_in_window(&locations, &from, &to).into_iter().map(|a| a.id).collect();
        prop_assert_eq!(got, expected);
    }
}

#[test]
fn a_window_that_is_not_two_days_holds_nothing() {
    let data = store().read(SANDBOX).unwrap();
    let locations = actor_ids()[2].clone();
    assert!(!data.appointments_in_window(&locations, "2000-01-01", "2100-01-01").is_empty());
    assert!(data.appointments_in_window(&locations, "2000-01", "2100-01-01").is_empty());
    assert!(data.appointments_in_window(&locations, "2000-01-01", "tomorrow").is_empty());
}
