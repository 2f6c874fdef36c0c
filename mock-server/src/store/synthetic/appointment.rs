//! Synthetic Appointments, shaped like fhir.cerner.com's DSTU2 Appointment read example: a code
//! set 14249 type, start/end with milliseconds, `minutesDuration`, and three participants (the
//! practitioner as primary performer, the patient, the location), each `required`.
//! Appointments fill the weekdays of the range evenly, in date order, so ids rise with `start`.

use serde::Serialize;

use super::SyntheticSpec;
use super::calendar::{self, SECS_PER_DAY, Span};
use super::json::{Coding, Concept, Meta, Narrative, PARTICIPATION_TYPE, Reference, Sink, version};
use super::names::CREDENTIALS;
use super::rng::{Rng, Stream};
use super::world::{LocationPicker, Person, Place, Sequence, World, id, visit_type};
use crate::store::ResourceType;

const MINUTES: [u32; 6] = [15, 30, 30, 30, 45, 60];

const PRIMARY_PERFORMER: [Coding<'static>; 1] =
    [Coding { system: PARTICIPATION_TYPE, code: "PPRF", display: "primary performer", user_selected: false }];

/// An appointment status, how it reads in the narrative, the participants' status that goes with
/// it, and the smallest version it implies (a status other than the first needs an update).
#[derive(Debug, Clone, Copy)]
struct Status {
    code: &'static str,
    label: &'static str,
    attendance: &'static str,
    first_version: usize,
}

const PROPOSED: Status = Status { code: "proposed", label: "Proposed", attendance: "needs-action", first_version: 0 };
const PENDING: Status = Status { code: "pending", label: "Pending", attendance: "tentative", first_version: 0 };
const BOOKED: Status = Status { code: "booked", label: "Booked", attendance: "accepted", first_version: 0 };
const ARRIVED: Status = Status { code: "arrived", label: "Arrived", attendance: "accepted", first_version: 1 };
const FULFILLED: Status = Status { code: "fulfilled", label: "Fulfilled", attendance: "accepted", first_version: 2 };
const CANCELLED: Status = Status { code: "cancelled", label: "Cancelled", attendance: "declined", first_version: 1 };
const NOSHOW: Status = Status { code: "noshow", label: "No Show", attendance: "accepted", first_version: 1 };

/// Cumulative per-mille thresholds for days in the past half of the range: mostly fulfilled.
const PAST: [(u64, Status); 7] = [
    (760, FULFILLED),
    (800, ARRIVED),
    (850, BOOKED),
    (920, CANCELLED),
    (970, NOSHOW),
    (985, PENDING),
    (1000, PROPOSED),
];
/// The future half: mostly booked, nobody has arrived or failed to.
const FUTURE: [(u64, Status); 4] = [(880, BOOKED), (940, CANCELLED), (970, PENDING), (1000, PROPOSED)];

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

/// The random choices behind one appointment (indexes into the world's tables).
struct Plan {
    id: u64,
    span: Span,
    status: Status,
    patient: usize,
    practitioner: usize,
    location: usize,
    version: usize,
    updated: i64,
}

/// Strings one appointment borrows, reused from one to the next.
#[derive(Default)]
struct Texts {
    id: String,
    updated: String,
    start: String,
    end: String,
    div: String,
}

/// The generated resources one appointment refers to.
struct Cast<'w> {
    patient: &'w Person,
    practitioner: &'w Person,
    place: &'w Place,
}

pub fn appointments(spec: &SyntheticSpec, world: &World, sink: &mut Sink<'_>) {
    if world.days.is_empty() || world.patients.is_empty() || world.practitioners.is_empty() {
        return;
    }
    let mut rng = Rng::new(spec.seed, Stream::Appointment);
    let mut locations = LocationPicker::new(world.locations.len(), spec.first_location_share);
    let mut texts = Texts::default();
    for index in 0..spec.appointments {
        let Some(day) = world.days.get(calendar::spread(index, spec.appointments, world.days.len())) else { continue };
        let span = Span::business(&mut rng, day.day, &MINUTES);
        let status = roll(&mut rng, if day.past { &PAST } else { &FUTURE });
        let location = locations.pick(index);
        let plan = Plan {
            id: id(spec.id_base, Sequence::Appointment, index),
            span,
            status,
            patient: rng.index(world.patients.len()),
            practitioner: world.practitioner_at(location, &mut rng),
            location,
            version: status.first_version + rng.index(2),
            updated: span.start - 3600 - rng.below(SECS_PER_DAY as u64 * 60) as i64,
        };
        let Some(cast) = cast(world, &plan) else { continue };
        texts.fill(&plan, &cast);
        send(world, &plan, &cast, &texts, sink);
    }
}

fn roll(rng: &mut Rng, table: &[(u64, Status)]) -> Status {
    let roll = rng.below(1000);
    table.iter().find(|(upto, _)| roll < *upto).map_or(BOOKED, |(_, status)| *status)
}

fn cast<'w>(world: &'w World, plan: &Plan) -> Option<Cast<'w>> {
    Some(Cast {
        patient: world.patients.get(plan.patient)?,
        practitioner: world.practitioners.get(plan.practitioner)?,
        place: world.locations.get(plan.location)?,
    })
}

impl Texts {
    fn fill(&mut self, plan: &Plan, cast: &Cast<'_>) {
        for text in [&mut self.id, &mut self.updated, &mut self.start, &mut self.end, &mut self.div] {
            text.clear();
        }
        let (_, visit) = visit_type(cast.practitioner.visit);
        calendar::push_number(&mut self.id, plan.id);
        calendar::push_instant(&mut self.updated, plan.updated);
        calendar::push_instant(&mut self.start, plan.span.start);
        calendar::push_instant(&mut self.end, plan.span.end());
        let div = &mut self.div;
        for part in ["<div><p><b>Appointment</b></p><p><b>Description</b>: ", visit, "</p><p><b>Type</b>: ", visit] {
            div.push_str(part);
        }
        div.push_str("</p><p><b>Start</b>: ");
        calendar::push_div_instant(div, plan.span.start);
        div.push_str("</p><p><b>End</b>: ");
        calendar::push_div_instant(div, plan.span.end());
        div.push_str("</p><p><b>Duration</b>: ");
        calendar::push_number(div, u64::from(plan.span.minutes));
        for part in [
            " Minutes</p><p><b>Status</b>: ",
            plan.status.label,
            "</p><p><b>Location</b>: ",
            &cast.place.html,
            "</p><p><b>Participants</b>:</p><p><b>Patient</b>: ",
            &cast.patient.display,
            "</p><br /><p><b>Participant</b>: ",
            &cast.practitioner.display,
            "</p><p><b>Primary</b>: Yes</p></div>",
        ] {
            div.push_str(part);
        }
    }
}

const PATIENT_TYPE: [Concept<'static>; 1] = [Concept { coding: &[], text: Some("Patient") }];

fn participant<'a>(
    kind: &'a [Concept<'a>],
    reference: &'a str,
    display: &'a str,
    status: &'static str,
) -> Participant<'a> {
    Participant { kind, actor: Reference { reference, display: Some(display) }, required: "required", status }
}

fn send(world: &World, plan: &Plan, cast: &Cast<'_>, texts: &Texts, sink: &mut Sink<'_>) {
    let (code, visit) = visit_type(cast.practitioner.visit);
    let coding = [Coding { system: &world.visit_system, code, display: visit, user_selected: true }];
    let role = CREDENTIALS.get(cast.practitioner.credential).map_or("Physicians", |c| c.role);
    let performer = [Concept::text(role), Concept { coding: &PRIMARY_PERFORMER, text: None }];
    let attendance = plan.status.attendance;
    let appointment = Appointment {
        resource_type: "Appointment",
        id: &texts.id,
        meta: Meta { version_id: version(plan.version), last_updated: &texts.updated },
        text: Narrative::generated(&texts.div),
        status: plan.status.code,
        kind: Concept { coding: &coding, text: Some(visit) },
        description: visit,
        start: &texts.start,
        end: &texts.end,
        minutes_duration: plan.span.minutes,
        participant: [
            participant(&performer, &cast.practitioner.reference, &cast.practitioner.display, attendance),
            participant(&PATIENT_TYPE, &cast.patient.reference, &cast.patient.display, attendance),
            participant(&[], &cast.place.reference, &cast.place.display, attendance),
        ],
    };
    sink.send(ResourceType::Appointment, &appointment);
}
