//! Synthetic Schedules and Slots, shaped like fhir.cerner.com's DSTU2 Schedule and Slot read
//! examples: Cerner's `scheduling-location` extension on both, a code set 14249 type, the
//! Practitioner as the Schedule's actor, and free or busy Slots on business hours.
//! One Schedule per Practitioner (its visit type, at its home location), so Schedule ids follow
//! Practitioner indexes and every Slot's schedule reference resolves.

use std::fmt::Write as _;

use serde::Serialize;

use super::SyntheticSpec;
use super::calendar::{self, SECS_PER_DAY, Span};
use super::json::{Coding, Concept, LocationExtension, Meta, Narrative, Period, Reference, Sink, version};
use super::world::{Person, Place, Sequence, World, id, visit_type};
use crate::rng::{Rng, Stream};
use crate::store::ResourceType;

const SLOT_MINUTES: [u32; 4] = [15, 30, 30, 60];
/// Share of slots that are free, per mille; the rest are busy.
const FREE_PER_MILLE: u64 = 700;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Schedule<'a> {
    resource_type: &'static str,
    id: &'a str,
    meta: Meta<'a>,
    text: Narrative<'a>,
    extension: [LocationExtension<'a>; 1],
    #[serde(rename = "type")]
    kind: [Concept<'a>; 1],
    actor: Reference<'a>,
    planning_horizon: Period<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Slot<'a> {
    resource_type: &'static str,
    id: &'a str,
    meta: Meta<'a>,
    text: Narrative<'a>,
    extension: [LocationExtension<'a>; 1],
    #[serde(rename = "type")]
    kind: Concept<'a>,
    schedule: Reference<'a>,
    free_busy_type: &'static str,
    start: &'a str,
    end: &'a str,
}

/// Strings one Schedule or Slot borrows, reused from one to the next.
#[derive(Default)]
struct Texts {
    id: String,
    updated: String,
    start: String,
    end: String,
    reference: String,
    div: String,
}

impl Texts {
    fn clear(&mut self) {
        for text in
            [&mut self.id, &mut self.updated, &mut self.start, &mut self.end, &mut self.reference, &mut self.div]
        {
            text.clear();
        }
    }
}

pub(super) fn schedules(spec: &SyntheticSpec, world: &World, sink: &mut Sink<'_>) {
    let mut rng = Rng::new(spec.seed, Stream::Schedule);
    let mut texts = Texts::default();
    let last_day = calendar::unix_day(spec.last_day);
    for (index, practitioner) in (0u64..).zip(&world.practitioners) {
        let Some(place) = world.locations.get(practitioner.home) else { continue };
        let (_, display) = visit_type(practitioner.visit);
        texts.clear();
        let _ = write!(texts.id, "{}", id(spec.id_base, Sequence::Schedule, index));
        let updated = world.first_secs - 1 - rng.below(SECS_PER_DAY as u64 * 90) as i64;
        calendar::push_instant(&mut texts.updated, updated);
        calendar::push_instant(&mut texts.start, world.first_secs);
        calendar::push_instant(&mut texts.end, (last_day + 1) * SECS_PER_DAY);
        let _ = write!(
            texts.div,
            "<div><p><b>Schedule</b></p><p><b>Type</b>: {display}</p><p><b>Practitioner</b>: {}</p><p><b>Location</b>: {}</p></div>",
            practitioner.display, place.html
        );
        send_schedule(world, practitioner, place, &texts, sink);
    }
}

fn send_schedule(world: &World, practitioner: &Person, place: &Place, texts: &Texts, sink: &mut Sink<'_>) {
    let (code, display) = visit_type(practitioner.visit);
    let coding = [Coding { system: &world.visit_system, code, display, user_selected: true }];
    let schedule = Schedule {
        resource_type: "Schedule",
        id: &texts.id,
        meta: Meta { version_id: version(0), last_updated: &texts.updated },
        text: Narrative::generated(&texts.div),
        extension: [LocationExtension::new(&place.reference, Some(&place.display))],
        kind: [Concept { coding: &coding, text: Some(display) }],
        actor: Reference { reference: &practitioner.reference, display: Some(&practitioner.display) },
        planning_horizon: Period { start: &texts.start, end: Some(&texts.end) },
    };
    sink.send(ResourceType::Schedule, &schedule);
}

/// The random choices behind one Slot.
struct SlotPlan {
    id: u64,
    /// Index of the Practitioner, and so of its Schedule.
    owner: usize,
    span: Span,
    free: bool,
    updated: i64,
}

pub(super) fn slots(spec: &SyntheticSpec, world: &World, sink: &mut Sink<'_>) {
    if world.days.is_empty() || world.practitioners.is_empty() {
        return;
    }
    let mut rng = Rng::new(spec.seed, Stream::Slot);
    let mut texts = Texts::default();
    for index in 0..spec.slots {
        let Some(day) = world.days.get(calendar::spread(index, spec.slots, world.days.len())) else { continue };
        let owner = rng.index(world.practitioners.len());
        let span = Span::business(&mut rng, day.day, &SLOT_MINUTES);
        let free = rng.chance(FREE_PER_MILLE);
        let updated = span.start - 3600 - rng.below(SECS_PER_DAY as u64 * 90) as i64;
        let plan = SlotPlan { id: id(spec.id_base, Sequence::Slot, index), owner, span, free, updated };
        texts.fill_slot(spec, world, &plan);
        send_slot(world, &plan, &texts, sink);
    }
}

impl Texts {
    fn fill_slot(&mut self, spec: &SyntheticSpec, world: &World, plan: &SlotPlan) {
        self.clear();
        let schedule_id = id(spec.id_base, Sequence::Schedule, plan.owner as u64);
        let (_, display) = visit_type(world.practitioners.get(plan.owner).map_or(0, |p| p.visit));
        calendar::push_number(&mut self.id, plan.id);
        calendar::push_instant(&mut self.updated, plan.updated);
        calendar::push_instant(&mut self.start, plan.span.start);
        calendar::push_instant(&mut self.end, plan.span.end());
        self.reference.push_str("Schedule/");
        calendar::push_number(&mut self.reference, schedule_id);
        for part in ["<div><p><b>Slot</b></p><p><b>Type</b>: ", display, "</p><p><b>Start</b>: "] {
            self.div.push_str(part);
        }
        calendar::push_div_instant(&mut self.div, plan.span.start);
        self.div.push_str("</p><p><b>End</b>: ");
        calendar::push_div_instant(&mut self.div, plan.span.end());
        let status = if plan.free { "Free" } else { "Busy" };
        self.div.push_str("</p><p><b>ScheduleReference</b>: ");
        calendar::push_number(&mut self.div, schedule_id);
        for part in ["</p><p><b>Status</b>: ", status, "</p></div>"] {
            self.div.push_str(part);
        }
    }
}

fn send_slot(world: &World, plan: &SlotPlan, texts: &Texts, sink: &mut Sink<'_>) {
    let Some(practitioner) = world.practitioners.get(plan.owner) else { return };
    let Some(place) = world.locations.get(practitioner.home) else { return };
    let (code, display) = visit_type(practitioner.visit);
    let coding = [Coding { system: &world.visit_system, code, display, user_selected: true }];
    let slot = Slot {
        resource_type: "Slot",
        id: &texts.id,
        meta: Meta { version_id: version(usize::from(!plan.free)), last_updated: &texts.updated },
        text: Narrative::generated(&texts.div),
        extension: [LocationExtension::new(&place.reference, None)],
        kind: Concept { coding: &coding, text: Some(display) },
        schedule: Reference { reference: &texts.reference, display: None },
        free_busy_type: if plan.free { "free" } else { "busy" },
        start: &texts.start,
        end: &texts.end,
    };
    sink.send(ResourceType::Slot, &slot);
}
