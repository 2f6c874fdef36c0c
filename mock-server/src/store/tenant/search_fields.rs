//! What searches read of each row, kept beside the tables so that a search never parses a
//! resource's JSON.

use std::sync::Arc;

use crate::store::query::Actor;

/// Search fields of an Appointment. Statuses and actor ids are interned per tenant: a million
/// appointments name a few statuses and a few thousand actors.
#[derive(Debug, Clone, Default)]
pub struct AppointmentFields {
    /// `start`, Unix milliseconds; `None` when the appointment has none (a proposed one).
    pub start: Option<i64>,
    /// R4 searches match an appointment whose start or end lies in the range.
    pub end: Option<i64>,
    /// `status`, interned.
    pub status: Arc<str>,
    /// Each participant's actor (Patient, Practitioner or Location) and its id.
    pub actors: Box<[(Actor, Arc<str>)]>,
}

impl AppointmentFields {
    /// The ids of the participants of this kind.
    pub fn actors(&self, actor: Actor) -> impl Iterator<Item = &Arc<str>> {
        self.actors.iter().filter(move |(kind, _)| *kind == actor).map(|(_, id)| id)
    }
}

/// Search fields of a Slot. Its texts are interned per tenant, as an appointment's are: half a
/// million slots name a few types, schedules and locations.
#[derive(Debug, Clone, Default)]
pub(crate) struct SlotFields {
    pub start: Option<i64>,
    pub free: bool,
    /// `(system, code)` of each `type.coding`.
    pub types: Box<[SlotType]>,
    pub schedule: Option<Arc<str>>,
    pub location: Option<Arc<str>>,
    /// What ties in `start` are ordered by (Slot: "sorted first by start …, followed by
    /// slot-type and Scheduling Location display"): the type's text (or first coding's display or
    /// code), then the location's display.
    pub tie: (Arc<str>, Arc<str>),
}

/// A slot type's `(system, code)`.
pub(super) type SlotType = (Option<Arc<str>>, Arc<str>);

/// `(system, value)` of an identifier: the system interned, the value a patient's own.
pub(super) type Identifier = (Option<Arc<str>>, Box<str>);

/// Search fields of a Patient. Names, postal codes, gender and identifier systems are interned
/// per tenant (a hundred thousand patients share a few thousand names).
#[derive(Debug, Clone, Default)]
pub(crate) struct PatientFields {
    /// Lower-cased family names, given names, and name texts (prefix searches).
    pub families: Box<[Arc<str>]>,
    pub givens: Box<[Arc<str>]>,
    pub texts: Box<[Arc<str>]>,
    /// The same names as written (`:exact` searches).
    pub exact_families: Box<[Arc<str>]>,
    pub exact_givens: Box<[Arc<str>]>,
    pub exact_texts: Box<[Arc<str>]>,
    pub identifiers: Box<[Identifier]>,
    pub phones: Box<[Box<str>]>,
    pub emails: Box<[Box<str>]>,
    pub postal_codes: Box<[Arc<str>]>,
    pub exact_postal_codes: Box<[Arc<str>]>,
    pub gender: Option<Arc<str>>,
    pub birth: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct EncounterFields {
    pub patient: Option<Box<str>>,
    pub start: Option<i64>,
    /// `None` while the encounter goes on.
    pub end: Option<i64>,
    pub status: Option<Box<str>>,
    pub last_updated: Option<i64>,
    /// `(system, value)` of each identifier.
    pub identifiers: Vec<(Option<String>, String)>,
    /// Ids of the Accounts the encounter names.
    pub accounts: Vec<String>,
}
