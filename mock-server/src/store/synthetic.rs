//! Seeded synthetic DSTU2 data for one tenant: Practitioners, Patients, Schedules, Slots,
//! Appointments and Encounters in the shapes of fhir.cerner.com's DSTU2 examples, in any volume
//! (Synthea makes no Appointments, and a sync client must be tried against millions).
//!
//! The same [`SyntheticSpec`] always yields the same JSON byte for byte: each resource type draws
//! from its own SplitMix64 stream, nothing reads a clock, nothing iterates a hash map. Every
//! reference points at a generated Patient, Practitioner or Schedule, or at a location of the spec.
//!
//! # Layout
//! - this file: [`SyntheticSpec`] with its command-line overrides, [`SyntheticError`], and
//!   [`generate`], which fixes the order resources come out in.
//! - `calendar`, `names`: business-day arithmetic and instant text, word lists; the seeded
//!   streams are the crate's `rng` (fault rules draw from them too).
//! - `world`: what later resources refer to (locations, practitioners, patients) and the id
//!   sequences.
//! - `json`: the shared DSTU2 datatypes and the sink that serializes into one reused buffer.
//! - `practitioner`, `patient`, `scheduling` (Schedule and Slot), `appointment`, `encounter`: one
//!   builder per resource type.
//! - `stored`: appointments as the store keeps them (a few numbers and a shared catalog of what
//!   they refer to), written out as JSON when served.

mod appointment;
mod calendar;
mod encounter;
mod json;
pub mod location;
mod names;
mod patient;
mod practitioner;
/// Shared with `simulate`, whose seeded activity must be as reproducible as the data it changes.
mod scheduling;
mod stored;
mod world;

#[cfg(test)]
mod tests;

use time::Date;

use crate::store::ResourceType;
pub use stored::{Actors, StoredAppointment};

/// What to generate for one tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticSpec {
    /// Seed of the generator: the same spec and seed give the same resources, byte for byte.
    pub seed: u64,
    /// First day of the generated schedule range (UTC date), inclusive.
    pub first_day: Date,
    /// Last day, inclusive.
    pub last_day: Date,
    /// Patients to generate.
    pub patients: u32,
    /// Practitioners to generate.
    pub practitioners: u32,
    /// Appointments, spread over the weekdays of the range, the practitioners and the locations.
    pub appointments: u64,
    /// Free + busy slots in total.
    pub slots: u64,
    /// Encounters, each of a generated patient.
    pub encounters: u32,
    /// Locations as (id, display name); appointments are spread over them. If empty, generate 4.
    pub locations: Vec<(String, String)>,
    /// Share of appointments (0.0..=1.0) that go to the first location (lets the sandbox give
    /// location 21503380 a guaranteed large share); the rest are spread evenly.
    pub first_location_share: f64,
    /// Numeric base for generated ids: ids are decimal strings starting at this value, one
    /// sequence per resource type (offsets of your choice), so two tenants given the same
    /// id_base share ids (used to test tenant-scoped identity).
    pub id_base: u64,
    /// Shares of the appointments made messy, as production data is.
    pub mess: Mess,
    /// Tenant id, used in Cerner-style code system URLs like
    /// `https://fhir.cerner.com/{tenant}/codeSet/14249`.
    pub tenant: String,
}

/// `[tenants.synthetic.mess]`: shares (0..=1) of the generated appointments that leave out
/// optional elements, carry extensions with URLs nobody defined, or name a participant that does
/// not exist. Which appointments is seeded: the same seed marks the same ones.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Mess {
    /// Share that leave out `text`, `type`/`serviceType`, `description` and `minutesDuration`.
    pub missing_optional: f64,
    /// Share that carry an extension with a URL no one defined.
    pub unknown_extensions: f64,
    /// Share that name a Practitioner participant the tenant does not hold.
    pub dangling_references: f64,
}

/// A bad synthetic data spec or override; each message names the key (or field) at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SyntheticError {
    /// An override item without `=`.
    #[error("synthetic data override {0:?} is not key=value")]
    Malformed(String),
    #[error(
        "unknown synthetic data key {0:?} (known: seed, appointments, patients, practitioners, \
         slots, encounters, days_before, days_after)"
    )]
    /// A key other than the documented ones.
    UnknownKey(String),
    /// The same key twice in one override text.
    #[error("synthetic data key {0} is given more than once")]
    Duplicate(String),
    /// A value that is not a decimal number (`_` separators allowed) within the key's range.
    #[error("synthetic data key {key}={value:?} is not a whole number from 0 to {max}")]
    NotANumber {
        /// The key.
        key: String,
        /// The value as given.
        value: String,
        /// The largest value the key takes.
        max: u64,
    },
    /// Both `days_before` and `days_after` are 0.
    #[error("days_before=0 and days_after=0 leave a range of zero days")]
    ZeroDays,
    /// The range would start or end outside the dates the generator's calendar covers.
    #[error("synthetic data key {key}={days} moves the range past the dates this generator supports")]
    OutOfDates {
        /// `days_before` or `days_after`.
        key: &'static str,
        /// The days given.
        days: u64,
    },
    /// `first_day` is after `last_day`.
    #[error("synthetic date range {first}..={last} is empty (check days_before and days_after)")]
    EmptyRange {
        /// The range's first day.
        first: Date,
        /// Its last day, before `first`.
        last: Date,
    },
    /// Dated resources are wanted but the range has only Saturdays and Sundays.
    #[error("synthetic date range {first}..={last} has no weekday to schedule on (check days_before and days_after)")]
    NoWeekday {
        /// The range's first day.
        first: Date,
        /// Its last day.
        last: Date,
    },
    /// Resources were asked for that refer to a kind of which none are generated.
    #[error("synthetic data key {key}={count} needs {needs} > 0 to refer to")]
    Needs {
        /// The dated resource asked for, e.g. `appointments`.
        key: &'static str,
        /// How many were asked for.
        count: u64,
        /// The resource they refer to, e.g. `patients`.
        needs: &'static str,
    },
    /// `first_location_share` is outside `0..=1` (or NaN).
    #[error("first_location_share={0} is not between 0 and 1")]
    Share(f64),
}

/// Keeps `days_before`/`days_after` far from the limits of [`Date`] and of `i32` day arithmetic.
const MAX_DAYS: u64 = 100_000;

impl SyntheticSpec {
    /// A modest data set for `tenant` around `anchor` (30 days before, 60 after), for callers
    /// that then apply overrides: 200 practitioners, 5,000 patients, 20,000 appointments, 40,000
    /// slots, 5,000 encounters over 4 generated locations.
    pub fn around(tenant: impl Into<String>, anchor: Date) -> Self {
        let shift = |days: i32| Date::from_julian_day(anchor.to_julian_day() + days).unwrap_or(anchor);
        SyntheticSpec {
            seed: 1,
            first_day: shift(-30),
            last_day: shift(60),
            patients: 5_000,
            practitioners: 200,
            appointments: 20_000,
            slots: 40_000,
            encounters: 5_000,
            locations: Vec::new(),
            first_location_share: 0.25,
            id_base: 100_000_000,
            mess: Mess::default(),
            tenant: tenant.into(),
        }
    }

    /// Applies "key=value,key=value" overrides as given on the command line, e.g.
    /// "appointments=1000000,seed=7" (keys: seed, appointments, patients, practitioners, slots,
    /// encounters, days_before, days_after — the last two relative to an anchor day passed in).
    /// Numbers may use `_` separators. The result is checked with [`validate`](Self::validate);
    /// on error the spec may be partly changed.
    pub fn apply_overrides(&mut self, text: &str, anchor: Date) -> Result<(), SyntheticError> {
        let mut seen: Vec<&str> = Vec::new();
        let (mut before, mut after) = (None, None);
        for item in text.split(',').map(str::trim).filter(|item| !item.is_empty()) {
            let (key, value) = item.split_once('=').ok_or_else(|| SyntheticError::Malformed(item.to_owned()))?;
            let (key, value) = (key.trim(), value.trim());
            if seen.contains(&key) {
                return Err(SyntheticError::Duplicate(key.to_owned()));
            }
            seen.push(key);
            match key {
                "seed" => self.seed = number(key, value, u64::MAX)?,
                "appointments" => self.appointments = number(key, value, u64::MAX)?,
                "slots" => self.slots = number(key, value, u64::MAX)?,
                "patients" => self.patients = count(key, value)?,
                "practitioners" => self.practitioners = count(key, value)?,
                "encounters" => self.encounters = count(key, value)?,
                "days_before" => before = Some(number(key, value, MAX_DAYS)?),
                "days_after" => after = Some(number(key, value, MAX_DAYS)?),
                _ => return Err(SyntheticError::UnknownKey(key.to_owned())),
            }
        }
        self.set_range(anchor, before, after)?;
        self.validate()
    }

    fn set_range(&mut self, anchor: Date, before: Option<u64>, after: Option<u64>) -> Result<(), SyntheticError> {
        if before == Some(0) && after == Some(0) {
            return Err(SyntheticError::ZeroDays);
        }
        if let Some(days) = before {
            self.first_day = shift(anchor, "days_before", days, -1)?;
        }
        if let Some(days) = after {
            self.last_day = shift(anchor, "days_after", days, 1)?;
        }
        Ok(())
    }

    /// Checks that the spec can be generated as asked: a share in 0..=1, a range with a weekday
    /// when anything dated is wanted, and the resources that dated ones refer to.
    /// [`generate`] does not insist: it leaves out what could not refer to anything.
    pub fn validate(&self) -> Result<(), SyntheticError> {
        if !(0.0..=1.0).contains(&self.first_location_share) {
            return Err(SyntheticError::Share(self.first_location_share));
        }
        let (first, last) = (self.first_day, self.last_day);
        if first > last {
            return Err(SyntheticError::EmptyRange { first, last });
        }
        let dated = self.appointments > 0 || self.slots > 0 || self.encounters > 0;
        if dated && !has_weekday(first, last) {
            return Err(SyntheticError::NoWeekday { first, last });
        }
        needs("appointments", self.appointments, "patients", self.patients)?;
        needs("appointments", self.appointments, "practitioners", self.practitioners)?;
        needs("slots", self.slots, "practitioners", self.practitioners)?;
        needs("encounters", u64::from(self.encounters), "patients", self.patients)
    }
}

fn has_weekday(first: Date, last: Date) -> bool {
    let (first, last) = (calendar::unix_day(first), calendar::unix_day(last));
    (first..=last.min(first + 6)).any(calendar::is_weekday)
}

fn needs(key: &'static str, count: u64, needs: &'static str, have: u32) -> Result<(), SyntheticError> {
    if count > 0 && have == 0 {
        return Err(SyntheticError::Needs { key, count, needs });
    }
    Ok(())
}

fn number(key: &str, value: &str, max: u64) -> Result<u64, SyntheticError> {
    let digits: String = value.chars().filter(|&c| c != '_').collect();
    let error = || SyntheticError::NotANumber { key: key.to_owned(), value: value.to_owned(), max };
    let parsed = if digits.starts_with('+') { None } else { digits.parse::<u64>().ok() };
    parsed.filter(|&n| n <= max).ok_or_else(error)
}

fn count(key: &str, value: &str) -> Result<u32, SyntheticError> {
    let n = number(key, value, u64::from(u32::MAX))?;
    u32::try_from(n).map_err(|_| SyntheticError::NotANumber {
        key: key.to_owned(),
        value: value.to_owned(),
        max: u64::from(u32::MAX),
    })
}

/// `anchor` moved by `days` in `direction` (-1 back, 1 forward); `days` is at most [`MAX_DAYS`].
fn shift(anchor: Date, key: &'static str, days: u64, direction: i32) -> Result<Date, SyntheticError> {
    let out_of_dates = SyntheticError::OutOfDates { key, days };
    let days = i32::try_from(days).map_err(|_| out_of_dates.clone())?;
    let julian = anchor.to_julian_day().checked_add(direction * days).ok_or_else(|| out_of_dates.clone())?;
    Date::from_julian_day(julian).map_err(|_| out_of_dates)
}

/// A generated resource: compact JSON, or an appointment in the compact form the store keeps.
#[derive(Debug)]
pub enum Resource {
    /// Any resource but an appointment: its type and compact JSON.
    Json(ResourceType, String),
    /// An appointment, rendered per FHIR version when it is read.
    Appointment(StoredAppointment),
}

impl Resource {
    /// The resource's type.
    pub fn resource_type(&self) -> ResourceType {
        match self {
            Resource::Json(resource_type, _) => *resource_type,
            Resource::Appointment(_) => ResourceType::Appointment,
        }
    }

    /// The resource as compact JSON.
    pub fn into_json(self) -> (ResourceType, String) {
        match self {
            Resource::Json(resource_type, json) => (resource_type, json),
            Resource::Appointment(appointment) => {
                let mut json = String::with_capacity(appointment.json_len_hint());
                appointment.write_json(&mut json);
                (ResourceType::Appointment, json)
            }
        }
    }
}

/// Generates every resource of the spec and hands each to `emit`, in dependency
/// order: Practitioners, Patients, Schedules, Slots, Appointments, Encounters.
///
/// One Schedule is made per Practitioner. Resources that would have nothing to refer to (slots
/// without practitioners, appointments without patients, anything dated in a range without a
/// weekday) are left out; [`SyntheticSpec::validate`] reports those cases as errors.
pub fn generate(spec: &SyntheticSpec, mut emit: impl FnMut(Resource)) {
    let mut sink = json::Sink::new(&mut emit);
    let mut world = world::World::new(spec);
    practitioner::practitioners(spec, &mut world, &mut sink);
    patient::patients(spec, &mut world, &mut sink);
    scheduling::schedules(spec, &world, &mut sink);
    scheduling::slots(spec, &world, &mut sink);
    appointment::appointments(spec, &world, &mut sink);
    encounter::encounters(spec, &world, &mut sink);
}
