//! What later resources refer to: the locations, the practitioners and patients already generated,
//! the weekdays of the range, and the id sequences. Built once per [`generate`](super::generate)
//! call so every reference a resource carries points at something that exists.

use std::fmt::Write as _;

use super::SyntheticSpec;
use super::calendar::{self, SECS_PER_DAY, Workday};
use super::names::DEFAULT_LOCATIONS;
use crate::rng::Rng;

/// Offsets of each type's id sequence from `id_base`. Ids only need to be unique per type; the
/// offsets keep the types apart so a stray id in a log names its type at a glance.
#[derive(Debug, Clone, Copy)]
pub(super) enum Sequence {
    Practitioner = 0,
    Patient = 1,
    Schedule = 2,
    Slot = 3,
    Appointment = 4,
    Encounter = 5,
    Location = 6,
}

const SEQUENCE_STRIDE: u64 = 100_000_000;

/// The id of item `index` of a sequence. Wrapping keeps ids unique even for an `id_base` near
/// `u64::MAX`, instead of overflowing.
pub(super) fn id(base: u64, sequence: Sequence, index: u64) -> u64 {
    base.wrapping_add(sequence as u64 * SEQUENCE_STRIDE).wrapping_add(index)
}

/// A location, referenced but never served (DSTU2 has no Location resource).
#[derive(Debug)]
pub(super) struct Place {
    pub display: String,
    /// `Location/{id}`.
    pub reference: String,
    /// The display escaped for `text.div`: names come from the profile and may hold `&`.
    pub html: String,
}

/// A generated Practitioner or Patient as others refer to it.
#[derive(Debug)]
pub(super) struct Person {
    pub id: u64,
    /// `Patient/{id}` or `Practitioner/{id}`, written once for the many resources that refer to it.
    pub reference: String,
    /// Cerner's "Family, Given" (with a credential for practitioners).
    pub display: String,
    /// Practitioners: index into `VISIT_TYPES` of what they see patients for.
    pub visit: usize,
    /// Practitioners: index into `locations` of where they work.
    pub home: usize,
    /// Practitioners: index into `CREDENTIALS`.
    pub credential: usize,
}

#[derive(Debug)]
pub(super) struct World {
    /// `https://fhir.cerner.com/{tenant}/codeSet/14249`.
    pub visit_system: String,
    pub days: Vec<Workday>,
    pub locations: Vec<Place>,
    pub practitioners: Vec<Person>,
    pub patients: Vec<Person>,
    /// Midnight UTC of `first_day`, in Unix seconds: records kept before the range start before it.
    pub first_secs: i64,
}

impl World {
    pub(super) fn new(spec: &SyntheticSpec) -> Self {
        World {
            visit_system: format!("https://fhir.cerner.com/{}/codeSet/14249", spec.tenant),
            days: calendar::workdays(spec.first_day, spec.last_day),
            locations: places(spec),
            practitioners: Vec::with_capacity(spec.practitioners as usize),
            patients: Vec::with_capacity(spec.patients as usize),
            first_secs: calendar::unix_day(spec.first_day) * SECS_PER_DAY,
        }
    }
}

impl World {
    /// A practitioner who works at `location` (practitioner `p` works at `p % locations`), so an
    /// appointment's practitioner, location and the practitioner's Schedule agree; any
    /// practitioner when nobody works there.
    pub(super) fn practitioner_at(&self, location: usize, rng: &mut Rng) -> usize {
        let (staff, places) = (self.practitioners.len(), self.locations.len().max(1));
        if location >= staff {
            return rng.index(staff);
        }
        let working_there = (staff - location - 1) / places + 1;
        location + places * rng.index(working_there)
    }
}

fn places(spec: &SyntheticSpec) -> Vec<Place> {
    let place = |id: &str, display: &str| {
        let mut html = String::new();
        calendar::push_html(&mut html, display);
        Place { display: display.to_owned(), reference: format!("Location/{id}"), html }
    };
    if !spec.locations.is_empty() {
        return spec.locations.iter().map(|(id, display)| place(id, display)).collect();
    }
    let mut id_text = String::new();
    (0u64..)
        .zip(DEFAULT_LOCATIONS)
        .map(|(index, display)| {
            id_text.clear();
            let _ = write!(id_text, "{}", id(spec.id_base, Sequence::Location, index));
            place(&id_text, display)
        })
        .collect()
}

/// Chooses each appointment's location: exactly `floor(n * share)` of the first `n` go to the
/// first location (error diffusion, not a coin toss, so a test can rely on the share) and the rest
/// rotate over the others.
#[derive(Debug)]
pub(super) struct LocationPicker {
    count: usize,
    share: f64,
    others: u64,
}

impl LocationPicker {
    pub(super) fn new(count: usize, share: f64) -> Self {
        let share = if share.is_nan() { 0.0 } else { share.clamp(0.0, 1.0) };
        LocationPicker { count, share, others: 0 }
    }

    /// The location index of item `index` (items are asked for in order).
    pub(super) fn pick(&mut self, index: u64) -> usize {
        let rest = self.count.saturating_sub(1) as u64;
        let first_due = (index + 1) as f64 * self.share;
        if rest == 0 || first_due.floor() > (index as f64 * self.share).floor() {
            return 0;
        }
        self.others += 1;
        1 + ((self.others - 1) % rest) as usize
    }
}

/// The (code, display) of a visit type of code set 14249.
pub(super) fn visit_type(index: usize) -> (&'static str, &'static str) {
    super::names::VISIT_TYPES.get(index).copied().unwrap_or(("24477854", "Established Patient"))
}
