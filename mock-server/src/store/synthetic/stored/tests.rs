//! The stored form writes exactly the bytes serde writes for the DSTU2 Appointment shape.

use serde::Serialize;
use time::macros::date;

use super::super::calendar::{push_div_instant, push_instant};
use super::super::json::{Coding, Concept, Meta, Narrative, PARTICIPATION_TYPE, Reference, Sink};
use super::super::names::CREDENTIALS;
use super::super::world::{World, visit_type};
use super::super::{Resource, SyntheticSpec, generate, patient, practitioner};
use super::*;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Appointment<'a> {
    resource_type: &'static str,
    id: &'a str,
    meta: Meta<'a>,
    text: Narrative<'a>,
    status: &'static str,
    #[serde(rename = "type")]
    kind: Concept<'a>,
    description: &'a str,
    start: &'a str,
    end: &'a str,
    minutes_duration: u32,
    participant: [Participant<'a>; 3],
}

#[derive(Serialize)]
struct Participant<'a> {
    #[serde(rename = "type", skip_serializing_if = "<[_]>::is_empty")]
    kind: &'a [Concept<'a>],
    actor: Reference<'a>,
    required: &'static str,
    status: &'static str,
}

fn participant<'a>(kind: &'a [Concept<'a>], person: (&'a str, &'a str), status: &'static str) -> Participant<'a> {
    let (reference, display) = person;
    Participant { kind, actor: Reference { reference, display: Some(display) }, required: "required", status }
}

/// The appointment as serde writes the DSTU2 shape, from the world it was generated in.
fn serialized(world: &World, a: &StoredAppointment) -> String {
    let (patient, practitioner) = (&world.patients[a.patient as usize], &world.practitioners[a.practitioner as usize]);
    let place = &world.locations[a.location as usize];
    let status = STATUSES[usize::from(a.status)];
    let (code, visit) = visit_type(practitioner.visit);
    let text = |f: &dyn Fn(&mut String)| {
        let mut out = String::new();
        f(&mut out);
        out
    };
    let end = a.start + i64::from(a.minutes) * 60;
    let div = text(&|out| {
        out.push_str(&format!(
            "<div><p><b>Appointment</b></p><p><b>Description</b>: {visit}</p><p><b>Type</b>: {visit}</p><p><b>Start</b>: "
        ));
        push_div_instant(out, a.start);
        out.push_str("</p><p><b>End</b>: ");
        push_div_instant(out, end);
        out.push_str(&format!(
            "</p><p><b>Duration</b>: {} Minutes</p><p><b>Status</b>: {}</p><p><b>Location</b>: {}</p><p><b>Participants</b>:</p><p><b>Patient</b>: {}</p><br /><p><b>Participant</b>: {}</p><p><b>Primary</b>: Yes</p></div>",
            a.minutes, status.label, place.html, patient.display, practitioner.display
        ));
    });
    let (id, updated) = (a.id.to_string(), text(&|out| push_instant(out, a.updated)));
    let (start, end) = (text(&|out| push_instant(out, a.start)), text(&|out| push_instant(out, end)));
    let coding = [Coding { system: &world.visit_system, code, display: visit, user_selected: true }];
    let primary =
        [Coding { system: PARTICIPATION_TYPE, code: "PPRF", display: "primary performer", user_selected: false }];
    let role = CREDENTIALS[practitioner.credential].role;
    let performer = [Concept::text(role), Concept { coding: &primary, text: None }];
    let patient_type = [Concept::text("Patient")];
    let appointment = Appointment {
        resource_type: "Appointment",
        id: &id,
        meta: Meta { version_id: a.version(), last_updated: &updated },
        text: Narrative::generated(&div),
        status: status.code,
        kind: Concept { coding: &coding, text: Some(visit) },
        description: visit,
        start: &start,
        end: &end,
        minutes_duration: u32::from(a.minutes),
        participant: [
            participant(&performer, (&practitioner.reference, &practitioner.display), status.attendance),
            participant(&patient_type, (&patient.reference, &patient.display), status.attendance),
            participant(&[], (&place.reference, &place.display), status.attendance),
        ],
    };
    serde_json::to_string(&appointment).unwrap()
}

fn spec(locations: Vec<(String, String)>) -> SyntheticSpec {
    SyntheticSpec {
        seed: 9,
        first_day: date!(2026 - 03 - 01),
        last_day: date!(2026 - 04 - 30),
        patients: 200,
        practitioners: 12,
        appointments: 3_000,
        slots: 10,
        encounters: 10,
        locations,
        first_location_share: 0.4,
        id_base: 30_000_000,
        mess: super::super::Mess::default(),
        tenant: "t\"quoted\\".into(),
    }
}

#[test]
fn stored_appointments_write_the_bytes_serde_writes() {
    let odd = vec![
        ("1".to_owned(), "Quote \" and backslash \\ & <tag>".to_owned()),
        ("2".to_owned(), "Tab\there, é and \u{1}".to_owned()),
        ("3".to_owned(), "Plain".to_owned()),
    ];
    for spec in [spec(odd), spec(Vec::new())] {
        let mut world = World::new(&spec);
        let mut ignore = |_: Resource| {};
        let mut sink = Sink::new(&mut ignore);
        practitioner::practitioners(&spec, &mut world, &mut sink);
        patient::patients(&spec, &mut world, &mut sink);
        let mut seen = 0;
        generate(&spec, |resource| {
            if let Resource::Appointment(a) = resource {
                let mut json = String::new();
                a.write_json(&mut json);
                assert_eq!(json, serialized(&world, &a));
                assert!(a.json_len_hint() >= json.len());
                json.clear();
                a.write_r4_json(&mut json);
                assert!(a.json_len_hint_r4() >= json.len(), "{} < {}", a.json_len_hint_r4(), json.len());
                seen += 1;
            }
        });
        assert_eq!(seen, 3_000);
    }
}

#[test]
fn messy_appointments_are_valid_json_in_both_versions_and_keep_what_is_required() {
    let all = super::super::Mess { missing_optional: 1.0, unknown_extensions: 1.0, dangling_references: 1.0 };
    let spec = SyntheticSpec { mess: all, appointments: 200, ..spec(Vec::new()) };
    let mut seen = 0;
    generate(&spec, |resource| {
        if let Resource::Appointment(a) = resource {
            for r4 in [false, true] {
                let mut json = String::new();
                if r4 {
                    a.write_r4_json(&mut json)
                } else {
                    a.write_json(&mut json)
                }
                let hint = if r4 { a.json_len_hint_r4() } else { a.json_len_hint() };
                assert!(hint >= json.len(), "{hint} < {}", json.len());
                let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
                assert!(value.get("text").is_none() && value.get("minutesDuration").is_none(), "{json}");
                assert!(value.get("type").is_none() && value.get("serviceType").is_none(), "{json}");
                assert!(value["start"].is_string() && value["end"].is_string() && value["status"].is_string());
                assert!(value["extension"][0]["url"].as_str().unwrap().starts_with(mess::EXTENSION_URL));
                let participants = value["participant"].as_array().unwrap();
                assert_eq!(participants.len(), 4, "{json}");
                let dangling = participants[3]["actor"]["reference"].as_str().unwrap();
                let id: u64 = dangling.strip_prefix("Practitioner/").unwrap().parse().unwrap();
                assert!(id > 30_000_000 + u64::from(spec.practitioners), "{dangling} is past the generated ones");
            }
            seen += 1;
        }
    });
    assert_eq!(seen, 200);
}
