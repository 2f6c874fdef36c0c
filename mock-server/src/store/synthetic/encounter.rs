//! Synthetic Encounters, a simplified form of fhir.cerner.com's DSTU2 Encounter read example: a FIN
//! identifier, status, class, type, the patient, an attending practitioner, the period and one
//! location. Encounters fill the weekdays of the range evenly, like appointments.

use std::fmt::Write as _;

use serde::Serialize;

use super::SyntheticSpec;
use super::calendar::{self, SECS_PER_DAY, Span};
use super::json::{Coding, Concept, Identifier, Meta, Narrative, PARTICIPATION_TYPE, Period, Reference, Sink, version};
use super::world::{Person, Place, Sequence, World, id};
use crate::rng::{Rng, Stream};
use crate::store::ResourceType;

const MINUTES: [u32; 4] = [15, 30, 45, 60];
/// FIN numbers start here, above the sandbox fixtures' five-digit ones.
const FIRST_FIN: u64 = 5_000_000;
/// (class, type text): most clinic visits are outpatient.
const CLASSES: [(&str, &str); 4] = [
    ("outpatient", "Outpatient"),
    ("outpatient", "Outpatient"),
    ("outpatient", "Outpatient"),
    ("ambulatory", "Recurring"),
];

const ATTENDER: [Coding<'static>; 1] =
    [Coding { system: PARTICIPATION_TYPE, code: "ATND", display: "attender", user_selected: false }];

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Encounter<'a> {
    resource_type: &'static str,
    id: &'a str,
    meta: Meta<'a>,
    text: Narrative<'a>,
    identifier: [Identifier<'a>; 1],
    status: &'static str,
    class: &'static str,
    #[serde(rename = "type")]
    kind: [Concept<'a>; 1],
    patient: Reference<'a>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    participant: &'a [EncounterParticipant<'a>],
    period: Period<'a>,
    location: [EncounterLocation<'a>; 1],
}

#[derive(Serialize)]
struct EncounterParticipant<'a> {
    #[serde(rename = "type")]
    kind: [Concept<'a>; 1],
    individual: Reference<'a>,
}

#[derive(Serialize)]
struct EncounterLocation<'a> {
    location: Reference<'a>,
    status: &'static str,
}

/// The random choices behind one encounter.
struct Plan<'w> {
    index: u64,
    span: Span,
    /// (encounter status, narrative label, location status).
    status: (&'static str, &'static str, &'static str),
    class: (&'static str, &'static str),
    patient: &'w Person,
    attending: Option<&'w Person>,
    place: &'w Place,
    version: usize,
    updated: i64,
}

/// Strings one encounter borrows, reused from one to the next.
#[derive(Default)]
struct Texts {
    id: String,
    updated: String,
    start: String,
    end: String,
    fin: String,
    div: String,
}

pub(super) fn encounters(spec: &SyntheticSpec, world: &World, sink: &mut Sink<'_>) {
    if world.days.is_empty() || world.patients.is_empty() || world.locations.is_empty() {
        return;
    }
    let mut rng = Rng::new(spec.seed, Stream::Encounter);
    let mut texts = Texts::default();
    let count = u64::from(spec.encounters);
    for index in 0..count {
        let Some(plan) = plan(&mut rng, world, index, count) else { continue };
        texts.fill(spec, &plan);
        send(&plan, &texts, sink);
    }
}

fn plan<'w>(rng: &mut Rng, world: &'w World, index: u64, count: u64) -> Option<Plan<'w>> {
    let day = world.days.get(calendar::spread(index, count, world.days.len()))?;
    let span = Span::business(rng, day.day, &MINUTES);
    let status = match (day.past, rng.below(100)) {
        (true, 0..95) => ("finished", "Finished", "completed"),
        (false, 0..95) => ("planned", "Planned", "planned"),
        _ => ("cancelled", "Cancelled", "completed"),
    };
    let location = rng.index(world.locations.len());
    let attending = world.practitioner_at(location, rng);
    Some(Plan {
        index,
        span,
        status,
        class: CLASSES.get(rng.index(CLASSES.len())).copied().unwrap_or(CLASSES[0]),
        patient: world.patients.get(rng.index(world.patients.len()))?,
        attending: world.practitioners.get(attending),
        place: world.locations.get(location)?,
        version: rng.index(3),
        updated: span.start - 3600 - rng.below(SECS_PER_DAY as u64 * 30) as i64,
    })
}

impl Texts {
    fn fill(&mut self, spec: &SyntheticSpec, plan: &Plan<'_>) {
        for text in [&mut self.id, &mut self.updated, &mut self.start, &mut self.end, &mut self.fin, &mut self.div] {
            text.clear();
        }
        let _ = write!(self.id, "{}", id(spec.id_base, Sequence::Encounter, plan.index));
        calendar::push_instant(&mut self.updated, plan.updated);
        calendar::push_instant(&mut self.start, plan.span.start);
        calendar::push_instant(&mut self.end, plan.span.end());
        let _ = write!(self.fin, "{}", FIRST_FIN + plan.index);
        let (class, label) = (plan.class.1, plan.status.1);
        let _ = write!(
            self.div,
            "<div><p><b>Encounter</b></p><p><b>Patient Name</b>: {}</p><p><b>Location</b>: {}</p><p><b>Type</b>: {class}</p><p><b>Class</b>: {class}</p><p><b>Status</b>: {label}</p><p><b>Period Start Date</b>: ",
            plan.patient.display, plan.place.html
        );
        calendar::push_div_instant(&mut self.div, plan.span.start);
        self.div.push_str("</p>");
        if let Some(attending) = plan.attending {
            let _ = write!(self.div, "<p><b>Attending Physician</b>: {}</p>", attending.display);
        }
        self.div.push_str("</div>");
    }
}

fn send(plan: &Plan<'_>, texts: &Texts, sink: &mut Sink<'_>) {
    let attending = plan.attending.map(|person| EncounterParticipant {
        kind: [Concept { coding: &ATTENDER, text: Some("Attending Physician") }],
        individual: Reference { reference: &person.reference, display: Some(&person.display) },
    });
    let finished = plan.status.0 == "finished";
    let encounter = Encounter {
        resource_type: "Encounter",
        id: &texts.id,
        meta: Meta { version_id: version(plan.version), last_updated: &texts.updated },
        text: Narrative::generated(&texts.div),
        identifier: [Identifier {
            use_: "usual",
            kind: Concept::text("FIN NBR"),
            system: None,
            value: &texts.fin,
            rendered: None,
            period: Period { start: &texts.start, end: None },
        }],
        status: plan.status.0,
        class: plan.class.0,
        kind: [Concept::text(plan.class.1)],
        patient: Reference { reference: &plan.patient.reference, display: Some(&plan.patient.display) },
        participant: attending.as_slice(),
        period: Period { start: &texts.start, end: finished.then_some(texts.end.as_str()) },
        location: [EncounterLocation {
            location: Reference { reference: &plan.place.reference, display: Some(&plan.place.display) },
            status: plan.status.2,
        }],
    };
    sink.send(ResourceType::Encounter, &encounter);
}
