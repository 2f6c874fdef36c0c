//! Synthetic Appointments, shaped like fhir.cerner.com's DSTU2 Appointment read example: a code
//! set 14249 type, start/end with milliseconds, `minutesDuration`, and three participants (the
//! practitioner as primary performer, the patient, the location), each `required`.
//! Appointments fill the weekdays of the range evenly, in date order, so ids rise with `start`.

use std::sync::Arc;

use super::SyntheticSpec;
use super::calendar::{self, SECS_PER_DAY, Span};
use super::json::Sink;
use super::stored::{ARRIVED, BOOKED, CANCELLED, CHECKED_IN, Catalog, FULFILLED, NOSHOW, PENDING, PROPOSED, STATUSES};
use super::stored::{StoredAppointment, mess};
use super::world::{LocationPicker, Sequence, World, id};
use crate::rng::{Rng, Stream};

const MINUTES: [u32; 6] = [15, 30, 30, 30, 45, 60];

/// Cumulative per-mille thresholds for days in the past half of the range: mostly fulfilled; of
/// those who came and were not yet seen, some checked in (R4's native status).
const PAST: [(u64, usize); 8] = [
    (760, FULFILLED),
    (785, ARRIVED),
    (800, CHECKED_IN),
    (850, BOOKED),
    (920, CANCELLED),
    (970, NOSHOW),
    (985, PENDING),
    (1000, PROPOSED),
];
/// The future half: mostly booked, nobody has arrived or failed to.
const FUTURE: [(u64, usize); 4] = [(880, BOOKED), (940, CANCELLED), (970, PENDING), (1000, PROPOSED)];

pub(super) fn appointments(spec: &SyntheticSpec, world: &World, sink: &mut Sink<'_>) {
    if world.days.is_empty() || world.patients.is_empty() || world.practitioners.is_empty() {
        return;
    }
    let dangling_from = id(spec.id_base, Sequence::Practitioner, u64::from(spec.practitioners) + 1);
    let catalog = Arc::new(Catalog::new(world).with_dangling_from(dangling_from));
    let mut rng = Rng::new(spec.seed, Stream::Appointment);
    // The mess draws from a stream of its own, so the clean data of a seed stays the same.
    let mut messy = Rng::new(spec.seed, Stream::Mess);
    let mut locations = LocationPicker::new(world.locations.len(), spec.first_location_share);
    for index in 0..spec.appointments {
        let Some(day) = world.days.get(calendar::spread(index, spec.appointments, world.days.len())) else { continue };
        let span = Span::business(&mut rng, day.day, &MINUTES);
        let status = roll(&mut rng, if day.past { &PAST } else { &FUTURE });
        let location = locations.pick(index);
        let patient = rng.index(world.patients.len());
        let practitioner = world.practitioner_at(location, &mut rng);
        let first_version = STATUSES.get(status).map_or(0, |s| s.first_version);
        let version = first_version + rng.index(2);
        let updated = span.start - 3600 - rng.below(SECS_PER_DAY as u64 * 60) as i64;
        let (Ok(patient), Ok(practitioner), Ok(location), Ok(minutes), Ok(status), Ok(version)) = (
            u32::try_from(patient),
            u32::try_from(practitioner),
            u32::try_from(location),
            u16::try_from(span.minutes),
            u8::try_from(status),
            u8::try_from(version),
        ) else {
            continue;
        };
        sink.appointment(StoredAppointment {
            catalog: catalog.clone(),
            id: id(spec.id_base, Sequence::Appointment, index),
            updated,
            start: span.start,
            minutes,
            status,
            version,
            patient,
            practitioner,
            location,
            mess: mess_flags(&mut messy, &spec.mess),
        });
    }
}

/// Three draws per appointment, whatever the shares, so the same seed marks the same ones.
fn mess_flags(rng: &mut Rng, shares: &super::Mess) -> u8 {
    let mut flags = 0;
    for (share, flag) in [
        (shares.missing_optional, mess::MISSING_OPTIONAL),
        (shares.unknown_extensions, mess::UNKNOWN_EXTENSION),
        (shares.dangling_references, mess::DANGLING_REFERENCE),
    ] {
        // A share in millionths; a share of 1 marks every appointment.
        let roll = rng.below(1_000_000);
        if (roll as f64) < share * 1_000_000.0 {
            flags |= flag;
        }
    }
    flags
}

fn roll(rng: &mut Rng, table: &[(u64, usize)]) -> usize {
    let roll = rng.below(1000);
    table.iter().find(|(upto, _)| roll < *upto).map_or(BOOKED, |(_, status)| *status)
}
