//! The generator's promises: determinism, counts, dates on weekday business hours, references that
//! resolve, the first location's share, the override parser, and DSTU2 shapes.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::macros::date;
use time::{OffsetDateTime, Weekday};

use super::*;

use crate::defaults::SANDBOX_TENANT as SANDBOX;

fn spec() -> SyntheticSpec {
    SyntheticSpec {
        seed: 42,
        first_day: date!(2026 - 03 - 01),
        last_day: date!(2026 - 04 - 30),
        patients: 300,
        practitioners: 12,
        appointments: 2_000,
        slots: 1_500,
        encounters: 300,
        locations: vec![
            ("21503380".into(), "OP Rehab1".into()),
            ("21304876".into(), "MX Clinic 1".into()),
            ("32216049".into(), "Baseline & East Clinic".into()),
        ],
        first_location_share: 0.4,
        id_base: 30_000_000,
        mess: Mess::default(),
        tenant: SANDBOX.into(),
    }
}

fn collect(spec: &SyntheticSpec) -> Vec<(ResourceType, String)> {
    let mut out = Vec::new();
    generate(spec, |resource| out.push(resource.into_json()));
    out
}

fn parsed(spec: &SyntheticSpec) -> Vec<(ResourceType, Value)> {
    collect(spec).into_iter().map(|(kind, json)| (kind, serde_json::from_str(&json).unwrap())).collect()
}

/// The few appointment fields some tests count, read without building a JSON tree (debug builds
/// of serde_json are slow enough for that to matter).
#[derive(serde::Deserialize)]
struct Brief {
    id: String,
    status: String,
    start: String,
    participant: Vec<BriefParticipant>,
}

#[derive(serde::Deserialize)]
struct BriefParticipant {
    actor: BriefActor,
}

#[derive(serde::Deserialize)]
struct BriefActor {
    reference: String,
}

impl Brief {
    fn location(&self) -> &str {
        &self.participant[2].actor.reference
    }

    fn start(&self) -> OffsetDateTime {
        instant(&Value::String(self.start.clone()))
    }
}

fn briefs(spec: &SyntheticSpec) -> Vec<Brief> {
    let mut out = Vec::new();
    generate(spec, |resource| {
        let (kind, json) = resource.into_json();
        if kind == ResourceType::Appointment {
            out.push(serde_json::from_str(&json).unwrap());
        }
    });
    out
}

fn of(resources: &[(ResourceType, Value)], kind: ResourceType) -> Vec<&Value> {
    resources.iter().filter(|(k, _)| *k == kind).map(|(_, v)| v).collect()
}

fn instant(value: &Value) -> OffsetDateTime {
    let text = value.as_str().unwrap_or_else(|| panic!("not a string: {value}"));
    assert!(text.ends_with(".000Z"), "{text} lacks Cerner's milliseconds");
    OffsetDateTime::parse(text, &Rfc3339).unwrap()
}

#[test]
fn the_same_spec_gives_the_same_bytes_and_another_seed_does_not() {
    let first = collect(&spec());
    assert_eq!(first, collect(&spec()));
    let other = collect(&SyntheticSpec { seed: 43, ..spec() });
    assert_eq!(first.len(), other.len());
    assert_ne!(first, other);
}

#[test]
fn more_appointments_leave_the_people_of_a_seed_unchanged() {
    let people = |spec: &SyntheticSpec| -> Vec<_> {
        collect(spec)
            .into_iter()
            .filter(|(k, _)| matches!(k, ResourceType::Patient | ResourceType::Practitioner))
            .collect()
    };
    assert_eq!(people(&spec()), people(&SyntheticSpec { appointments: 3_000, ..spec() }));
}

#[test]
fn counts_per_type_equal_the_spec_in_dependency_order() {
    let spec = spec();
    let out = collect(&spec);
    let order = [
        ResourceType::Practitioner,
        ResourceType::Patient,
        ResourceType::Schedule,
        ResourceType::Slot,
        ResourceType::Appointment,
        ResourceType::Encounter,
    ];
    let ranks: Vec<usize> = out.iter().map(|(k, _)| order.iter().position(|o| o == k).unwrap()).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "types out of dependency order");
    let count = |kind| out.iter().filter(|(k, _)| *k == kind).count() as u64;
    assert_eq!(count(ResourceType::Practitioner), u64::from(spec.practitioners));
    assert_eq!(count(ResourceType::Patient), u64::from(spec.patients));
    assert_eq!(count(ResourceType::Schedule), u64::from(spec.practitioners), "one schedule per practitioner");
    assert_eq!(count(ResourceType::Slot), spec.slots);
    assert_eq!(count(ResourceType::Appointment), spec.appointments);
    assert_eq!(count(ResourceType::Encounter), u64::from(spec.encounters));
}

#[test]
fn ids_are_unique_per_type_and_tenants_with_the_same_base_share_them() {
    let resources = parsed(&spec());
    let mut ids: BTreeMap<ResourceType, BTreeSet<String>> = BTreeMap::new();
    for (kind, value) in &resources {
        let id = value["id"].as_str().unwrap();
        assert!(id.parse::<u64>().unwrap() >= 30_000_000, "{kind}/{id} below id_base");
        assert!(ids.entry(*kind).or_default().insert(id.to_owned()), "{kind}/{id} twice");
    }
    let second = SyntheticSpec { seed: 2, tenant: crate::defaults::SECOND_TENANT.into(), ..spec() };
    let second_ids: BTreeSet<String> = briefs(&second).into_iter().map(|a| a.id).collect();
    assert_eq!(ids[&ResourceType::Appointment], second_ids);
}

#[test]
fn appointments_fall_on_weekday_business_hours_inside_the_range() {
    let spec = spec();
    for appointment in of(&parsed(&spec), ResourceType::Appointment) {
        let (start, end) = (instant(&appointment["start"]), instant(&appointment["end"]));
        assert!(start.date() >= spec.first_day && start.date() <= spec.last_day, "{start} outside range");
        assert!(!matches!(start.weekday(), Weekday::Saturday | Weekday::Sunday), "{start} on a weekend");
        assert!(start.hour() >= 8 && end.date() == start.date(), "{start} before opening");
        assert!(end.hour() < 17 || (end.hour() == 17 && end.minute() == 0), "{end} after closing");
        let minutes = (end - start).whole_minutes();
        assert!((15..=60).contains(&minutes), "{minutes} minutes");
        assert_eq!(appointment["minutesDuration"], minutes);
    }
}

#[test]
fn slots_and_encounters_fall_on_weekday_business_hours_inside_the_range() {
    let spec = spec();
    let resources = parsed(&spec);
    let spans = of(&resources, ResourceType::Slot).into_iter().map(|s| (&s["start"], &s["end"])).chain(
        of(&resources, ResourceType::Encounter).into_iter().map(|e| (&e["period"]["start"], &e["period"]["start"])),
    );
    for (start, end) in spans {
        let (start, end) = (instant(start), instant(end));
        assert!(start.date() >= spec.first_day && start.date() <= spec.last_day);
        assert!(!matches!(start.weekday(), Weekday::Saturday | Weekday::Sunday));
        assert!(start.hour() >= 8 && end.hour() <= 17 && end >= start);
    }
}

#[test]
fn every_weekday_carries_the_same_load() {
    let mut per_day: BTreeMap<Date, u32> = BTreeMap::new();
    for appointment in briefs(&spec()) {
        *per_day.entry(appointment.start().date()).or_default() += 1;
    }
    let weekdays = (1..=61)
        .filter_map(|n| Date::from_ordinal_date(2026, 59 + n).ok())
        .filter(|d| !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday))
        .count();
    assert_eq!(per_day.len(), weekdays, "every weekday of March and April 2026 has appointments");
    let (min, max) = (per_day.values().min().unwrap(), per_day.values().max().unwrap());
    assert!(max - min <= 1, "loads from {min} to {max}");
}

/// Every `reference` anywhere in a resource, with the path it was found at.
fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("reference") {
                out.push(reference.clone());
            }
            map.values().for_each(|v| references(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves_to_a_generated_resource_or_a_spec_location() {
    let spec = spec();
    let resources = parsed(&spec);
    let mut known: BTreeSet<String> =
        resources.iter().map(|(k, v)| format!("{k}/{}", v["id"].as_str().unwrap())).collect();
    known.extend(spec.locations.iter().map(|(id, _)| format!("Location/{id}")));
    let mut seen = BTreeSet::new();
    for (kind, value) in &resources {
        let mut found = Vec::new();
        references(value, &mut found);
        for reference in found {
            assert!(known.contains(&reference), "{kind}/{} refers to missing {reference}", value["id"]);
            seen.insert(reference.split('/').next().unwrap().to_owned());
        }
    }
    assert_eq!(seen, ["Location", "Patient", "Practitioner", "Schedule"].map(String::from).into());
}

#[test]
fn generated_locations_stand_in_when_the_spec_names_none() {
    let spec = SyntheticSpec { locations: Vec::new(), ..spec() };
    let mut places = BTreeSet::new();
    for appointment in briefs(&spec) {
        places.insert(appointment.location().to_owned());
    }
    assert_eq!(places.len(), 4);
    assert!(places.iter().all(|p| p.starts_with("Location/6")), "{places:?}");
}

#[test]
fn the_first_location_gets_its_share_and_the_rest_split_evenly() {
    for share in [0.0, 0.4, 0.85, 1.0] {
        let spec = SyntheticSpec { first_location_share: share, appointments: 799, ..spec() };
        let mut per_place: BTreeMap<String, u64> = BTreeMap::new();
        for appointment in briefs(&spec) {
            *per_place.entry(appointment.location().to_owned()).or_default() += 1;
        }
        let first = per_place.get("Location/21503380").copied().unwrap_or(0);
        let expected = (spec.appointments as f64 * share).floor() as u64;
        assert_eq!(first, expected, "share {share}");
        let others: Vec<u64> = per_place.iter().filter(|(p, _)| *p != "Location/21503380").map(|(_, n)| *n).collect();
        if let (Some(min), Some(max)) = (others.iter().min(), others.iter().max()) {
            assert!(max - min <= 1, "share {share}: others {others:?}");
        }
    }
}

#[test]
fn statuses_are_mostly_booked_or_fulfilled_with_some_cancellations_and_no_shows() {
    let spec = SyntheticSpec { appointments: 8_000, ..spec() };
    let mut counts: BTreeMap<(bool, String), u64> = BTreeMap::new();
    let middle = date!(2026 - 03 - 31);
    for appointment in briefs(&spec) {
        let past = appointment.start().date() < middle;
        *counts.entry((past, appointment.status)).or_default() += 1;
    }
    let share = |past: bool, status: &str| {
        let total: u64 = counts.iter().filter(|((p, _), _)| *p == past).map(|(_, n)| n).sum();
        counts.get(&(past, status.to_owned())).copied().unwrap_or(0) as f64 / total as f64
    };
    assert!((0.70..0.82).contains(&share(true, "fulfilled")), "{counts:?}");
    assert!((0.83..0.93).contains(&share(false, "booked")), "{counts:?}");
    for past in [true, false] {
        assert!((0.04..0.09).contains(&share(past, "cancelled")), "{counts:?}");
    }
    assert!((0.03..0.07).contains(&share(true, "noshow")), "{counts:?}");
    assert_eq!(share(false, "noshow") + share(false, "arrived") + share(false, "fulfilled"), 0.0);
    assert!(share(false, "proposed") > 0.01 && share(false, "pending") > 0.01);
}

#[test]
fn last_updated_precedes_the_resource_own_dates() {
    let spec = spec();
    let range_start = spec.first_day.midnight().assume_utc();
    for (kind, value) in parsed(&spec) {
        let updated = instant(&value["meta"]["lastUpdated"]);
        let own = match kind {
            ResourceType::Appointment | ResourceType::Slot => instant(&value["start"]),
            ResourceType::Encounter => instant(&value["period"]["start"]),
            _ => range_start,
        };
        assert!(updated < own, "{kind}/{}: updated {updated} not before {own}", value["id"]);
        assert!(value["meta"]["versionId"].as_str().unwrap().parse::<u8>().unwrap() <= 4);
    }
}

#[test]
fn generate_leaves_out_what_could_not_refer_to_anything() {
    let nobody = SyntheticSpec { patients: 0, practitioners: 0, ..spec() };
    assert!(collect(&nobody).is_empty());
    let weekend = SyntheticSpec { first_day: date!(2026 - 03 - 07), last_day: date!(2026 - 03 - 08), ..spec() };
    let kinds: BTreeSet<ResourceType> = collect(&weekend).into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, [ResourceType::Practitioner, ResourceType::Patient, ResourceType::Schedule].into());
    assert!(matches!(weekend.validate(), Err(SyntheticError::NoWeekday { .. })));
}

#[test]
fn overrides_set_counts_seed_and_days_around_the_anchor() {
    let mut spec = spec();
    let anchor = date!(2026 - 11 - 28);
    spec.apply_overrides(" appointments=1_000_000, seed=7,patients=10,practitioners=3,slots=0,encounters=5,days_before=2,days_after=30 ,", anchor)
        .unwrap();
    assert_eq!((spec.appointments, spec.seed, spec.patients, spec.practitioners), (1_000_000, 7, 10, 3));
    assert_eq!((spec.slots, spec.encounters), (0, 5));
    assert_eq!((spec.first_day, spec.last_day), (date!(2026 - 11 - 26), date!(2026 - 12 - 28)));
    let unchanged = spec.clone();
    spec.apply_overrides("", anchor).unwrap();
    assert_eq!(spec, unchanged);
}

#[test]
fn overrides_refuse_bad_keys_and_values_naming_the_key() {
    let anchor = date!(2026 - 11 - 28);
    let refused = |text: &str| spec().apply_overrides(text, anchor).unwrap_err();
    let cases = [
        ("appointmnets=5", "appointmnets"),
        ("patients=many", "patients"),
        ("seed=-1", "seed"),
        ("encounters=4294967296", "encounters"),
        ("slots=", "slots"),
        ("appointments", "appointments"),
        ("seed=1,seed=2", "seed"),
        ("days_before=0,days_after=0", "days_before"),
        ("days_before=99999999", "days_before"),
        ("patients=0", "patients"),
        ("practitioners=0", "practitioners"),
    ];
    for (text, key) in cases {
        let message = refused(text).to_string();
        assert!(message.contains(key), "{text:?} gave {message:?}");
    }
    // A Saturday and a Sunday hold no weekday to book on.
    let message = refused("days_before=0,days_after=1").to_string();
    assert!(message.contains("weekday") && message.contains("days_after"), "{message}");
}

#[test]
fn validate_refuses_a_share_outside_zero_to_one_and_a_reversed_range() {
    let share = SyntheticSpec { first_location_share: 1.5, ..spec() };
    assert!(share.validate().unwrap_err().to_string().contains("first_location_share"));
    let nan = SyntheticSpec { first_location_share: f64::NAN, ..spec() };
    assert!(nan.validate().is_err());
    let reversed = SyntheticSpec { first_day: date!(2026 - 05 - 01), ..spec() };
    assert!(matches!(reversed.validate(), Err(SyntheticError::EmptyRange { .. })));
    assert_eq!(spec().validate(), Ok(()));
    assert_eq!(SyntheticSpec::around(SANDBOX, date!(2026 - 11 - 28)).validate(), Ok(()));
}

proptest! {
    #[test]
    fn overrides_never_panic_on_any_text(text in ".{0,80}") {
        let _ = spec().apply_overrides(&text, date!(2026 - 11 - 28));
    }

    #[test]
    fn overrides_accept_any_count_within_range(n in 1u32.., seed in any::<u64>()) {
        let mut spec = spec();
        spec.apply_overrides(&format!("patients={n},seed={seed}"), date!(2026 - 11 - 28)).unwrap();
        prop_assert_eq!((spec.patients, spec.seed), (n, seed));
    }
}

#[test]
fn narrative_dates_and_instants_read_like_cerner() {
    let secs = OffsetDateTime::parse("2020-10-06T14:00:00Z", &Rfc3339).unwrap().unix_timestamp();
    let (mut instant, mut div) = (String::new(), String::new());
    calendar::push_instant(&mut instant, secs);
    calendar::push_div_instant(&mut div, secs);
    assert_eq!(instant, "2020-10-06T14:00:00.000Z");
    assert_eq!(div, "Oct  6, 2020  2:00 P.M. UTC");
    div.clear();
    calendar::push_div_instant(&mut div, secs - 4 * 3600 + 15 * 60);
    assert_eq!(div, "Oct  6, 2020 10:15 A.M. UTC");
}

#[test]
fn calendar_arithmetic_agrees_with_the_time_crate() {
    let mut text = String::new();
    for day in (-30_000i64..40_000).step_by(7) {
        let date = OffsetDateTime::from_unix_timestamp(day * 86_400).unwrap().date();
        text.clear();
        calendar::push_date(&mut text, day);
        assert_eq!(text, date.to_string());
        assert_eq!(calendar::unix_day(date), day);
        let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
        assert_eq!(calendar::is_weekday(day), !weekend, "{date}");
    }
}

/// DSTU2 elements (hl7.org/fhir/DSTU2) each generated type may carry, and those it must carry.
fn dstu2_elements(kind: ResourceType) -> (Vec<&'static str>, Vec<&'static str>) {
    const COMMON: [&str; 4] = ["resourceType", "id", "meta", "text"];
    let (allowed, required): (&[&str], &[&str]) = match kind {
        ResourceType::Practitioner => (&["identifier", "active", "name", "gender"], &["name", "gender"]),
        ResourceType::Patient => (
            &["identifier", "active", "name", "telecom", "gender", "birthDate", "address", "careProvider"],
            &["identifier", "name", "telecom", "gender", "birthDate", "address", "careProvider"],
        ),
        ResourceType::Schedule => {
            (&["extension", "type", "actor", "planningHorizon"], &["type", "actor", "planningHorizon"])
        }
        ResourceType::Slot => (
            &["extension", "type", "schedule", "freeBusyType", "start", "end"],
            &["type", "schedule", "freeBusyType", "start", "end"],
        ),
        ResourceType::Appointment => (
            &["status", "type", "description", "start", "end", "minutesDuration", "participant"],
            &["status", "type", "start", "end", "minutesDuration", "participant"],
        ),
        ResourceType::Encounter => (
            &["identifier", "status", "class", "type", "patient", "participant", "period", "location"],
            &["status", "class", "patient", "period", "location"],
        ),
        // Locations are R4 resources, checked with the R4 surface.
        ResourceType::Location => (&[], &[]),
    };
    let with_common = |list: &[&'static str]| COMMON.iter().chain(list).copied().collect();
    (with_common(allowed), with_common(required))
}

fn is_date(text: &str) -> bool {
    Date::parse(text, time::macros::format_description!("[year]-[month]-[day]")).is_ok()
}

fn check_coding(coding: &Value) {
    for key in ["system", "code", "display"] {
        assert!(coding[key].as_str().is_some_and(|s| !s.is_empty()), "coding lacks {key}: {coding}");
    }
    assert!(coding["userSelected"].is_boolean(), "{coding}");
}

fn check_common(kind: ResourceType, value: &Value) {
    let (allowed, required) = dstu2_elements(kind);
    let object = value.as_object().unwrap();
    for key in object.keys() {
        assert!(allowed.contains(&key.as_str()), "{kind} has non-DSTU2 element {key}");
    }
    for key in required {
        assert!(object.contains_key(key), "{kind}/{} lacks {key}", value["id"]);
    }
    assert_eq!(value["resourceType"], kind.as_str());
    assert_eq!(value["meta"].as_object().unwrap().len(), 2, "meta holds versionId and lastUpdated");
    instant(&value["meta"]["lastUpdated"]);
    assert_eq!(value["text"]["status"], "generated");
    let div = value["text"]["div"].as_str().unwrap();
    assert!(div.starts_with("<div><p><b>") && div.ends_with("</div>") && !div.contains(" & "), "{div}");
}

fn check_appointment(a: &Value) {
    // The stored form; DSTU2 answers R4's native `checked-in` as `arrived`.
    let statuses = ["proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow", "checked-in"];
    assert!(statuses.contains(&a["status"].as_str().unwrap()));
    check_coding(&a["type"]["coding"][0]);
    assert!(a["type"]["coding"][0]["system"].as_str().unwrap().ends_with(&format!("{SANDBOX}/codeSet/14249")));
    let participants = a["participant"].as_array().unwrap();
    let prefixes: Vec<&str> =
        participants.iter().map(|p| p["actor"]["reference"].as_str().unwrap().split('/').next().unwrap()).collect();
    assert_eq!(prefixes, ["Practitioner", "Patient", "Location"]);
    for p in participants {
        assert!(["required", "optional", "information-only"].contains(&p["required"].as_str().unwrap()));
        assert!(["accepted", "declined", "tentative", "needs-action"].contains(&p["status"].as_str().unwrap()));
        assert!(p["actor"]["display"].as_str().is_some_and(|d| !d.is_empty()));
    }
    check_coding(&participants[0]["type"][1]["coding"][0]);
}

fn check_resource(kind: ResourceType, v: &Value) {
    check_common(kind, v);
    match kind {
        ResourceType::Practitioner => {
            assert!(v["name"]["text"].as_str().unwrap().contains(", "), "Cerner's Last, First");
            assert!(["male", "female"].contains(&v["gender"].as_str().unwrap()));
            assert_eq!(v["identifier"][0]["value"].as_str().unwrap().len(), 10, "NPI");
        }
        ResourceType::Patient => {
            assert!(is_date(v["birthDate"].as_str().unwrap()));
            assert_eq!(v["identifier"][0]["system"], "urn:oid:2.16.840.1.113883.6.1000");
            assert_eq!(v["telecom"][0]["system"], "phone");
            assert!(v["telecom"][1]["value"].as_str().unwrap().contains('@'));
            assert_eq!(v["address"][0]["postalCode"].as_str().unwrap().len(), 5);
            assert!(v["careProvider"][0]["reference"].as_str().unwrap().starts_with("Practitioner/"));
        }
        ResourceType::Schedule => {
            check_coding(&v["type"][0]["coding"][0]);
            assert!(v["actor"]["reference"].as_str().unwrap().starts_with("Practitioner/"));
            assert!(instant(&v["planningHorizon"]["start"]) < instant(&v["planningHorizon"]["end"]));
        }
        ResourceType::Slot => {
            check_coding(&v["type"]["coding"][0]);
            assert!(["free", "busy"].contains(&v["freeBusyType"].as_str().unwrap()));
            assert!(instant(&v["start"]) < instant(&v["end"]));
        }
        ResourceType::Appointment => check_appointment(v),
        ResourceType::Encounter => {
            assert!(["planned", "finished", "cancelled"].contains(&v["status"].as_str().unwrap()));
            assert!(["outpatient", "ambulatory"].contains(&v["class"].as_str().unwrap()));
            assert!(v["patient"]["reference"].as_str().unwrap().starts_with("Patient/"));
            assert!(v["location"][0]["location"]["reference"].as_str().unwrap().starts_with("Location/"));
            instant(&v["period"]["start"]);
        }
        ResourceType::Location => {}
    }
}

#[test]
fn a_sample_of_every_type_has_the_dstu2_shape_cerner_serves() {
    let spec = spec();
    let mut checked: BTreeMap<ResourceType, usize> = BTreeMap::new();
    for (index, (kind, json)) in collect(&spec).into_iter().enumerate() {
        assert!(!json.contains('\n'), "compact JSON");
        if index % 7 == 0 || !checked.contains_key(&kind) {
            check_resource(kind, &serde_json::from_str(&json).unwrap());
            *checked.entry(kind).or_default() += 1;
        }
    }
    assert_eq!(checked.len(), 6);
}

#[test]
fn appointments_are_with_a_practitioner_whose_schedule_is_at_their_location() {
    let resources = parsed(&spec());
    let home: BTreeMap<&str, &str> = of(&resources, ResourceType::Schedule)
        .into_iter()
        .map(|s| {
            let place = s["extension"][0]["valueReference"]["reference"].as_str().unwrap();
            (s["actor"]["reference"].as_str().unwrap(), place)
        })
        .collect();
    for appointment in of(&resources, ResourceType::Appointment) {
        let practitioner = appointment["participant"][0]["actor"]["reference"].as_str().unwrap();
        let place = appointment["participant"][2]["actor"]["reference"].as_str().unwrap();
        assert_eq!(home[practitioner], place, "appointment {}", appointment["id"]);
    }
}
