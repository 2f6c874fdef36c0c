//! One tenant's data: a table per type, the search fields of each row, and the indexes that
//! answer Appointment and Slot searches without scanning the tenant.
//!
//! `parsed` reads a resource before it is stored (outside the tenant's lock); `search_fields` holds
//! what searches read of each row; `removal` takes a resource out of the table and the indexes.

mod parsed;
mod removal;
mod search_fields;

use std::collections::HashMap;
use std::sync::Arc;

use hashbrown::HashSet;

use super::ResourceType;
use super::query::Actor;
use super::sorted::SortedKeys;
use super::synthetic::StoredAppointment;
use super::table::{Body, Row, Table, TableFull};

pub use parsed::Parsed;
pub use search_fields::AppointmentFields;
pub(super) use search_fields::{EncounterFields, PatientFields, SlotFields};

use parsed::{Fields, ReadAppointment, ReadPatient, ReadSlot};

/// A resource that cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    /// The text does not parse as a resource (not JSON, or a field of the wrong shape).
    #[error("not a JSON resource: {0}")]
    Json(String),
    /// A resource of another type than the table it goes into.
    #[error("resourceType {found:?} where {expected} was expected")]
    WrongType {
        /// The table's type.
        expected: ResourceType,
        /// The resource's `resourceType`.
        found: String,
    },
    /// A resource without a string `id`.
    #[error("the resource has no id")]
    NoId,
    /// The table holds as many rows as a `u32` row number can name.
    #[error(transparent)]
    Full(#[from] TableFull),
}

/// One tenant's resources, one table per type, with the search indexes over them.
#[derive(Debug, Default)]
pub struct TenantData {
    pub(super) tables: HashMap<ResourceType, Table>,
    pub(super) appointments: Vec<AppointmentFields>,
    pub(super) slots: Vec<SlotFields>,
    pub(super) patients: Vec<PatientFields>,
    pub(super) encounters: Vec<EncounterFields>,
    /// Schedule row → actor references (`Practitioner/1`).
    pub(super) schedule_actors: Vec<Option<Box<str>>>,
    /// Appointment keys by actor kind, then actor id.
    pub(super) by_actor: HashMap<Actor, HashMap<Arc<str>, SortedKeys>>,
    /// The one copy of each appointment status and actor id.
    names: HashSet<Arc<str>>,
    /// Every Slot by start.
    pub(super) slots_by_start: SortedKeys,
    pub(super) encounters_by_patient: HashMap<Box<str>, Vec<u32>>,
    /// The longest `end - start` of any appointment stored, so a search by end can read the
    /// start index from this much earlier.
    pub(super) max_appointment_span: i64,
    /// During a bulk load keys are appended and sorted once at the end.
    loading: bool,
    /// Bumped by every write access ([`super::Store::write`]): keys the cache of recent searches.
    pub(super) generation: u64,
}

impl TenantData {
    /// The table of `resource_type`, if the tenant has any of that type.
    pub fn table(&self, resource_type: ResourceType) -> Option<&Table> {
        self.tables.get(&resource_type)
    }

    /// How many resources of `resource_type` the tenant holds.
    pub fn count(&self, resource_type: ResourceType) -> usize {
        self.table(resource_type).map_or(0, Table::len)
    }

    /// The resource of `resource_type` with this id.
    pub fn read(&self, resource_type: ResourceType, id: &str) -> Option<&Row> {
        self.table(resource_type)?.get(id)
    }

    /// The Schedule id a Slot row belongs to.
    pub fn slot_schedule(&self, row: u32) -> Option<&str> {
        self.slots.get(row as usize)?.schedule.as_deref()
    }

    /// The search fields of the Appointment in table row `row`.
    pub fn appointment(&self, row: u32) -> Option<&AppointmentFields> {
        self.appointments.get(row as usize)
    }

    /// Stores (or replaces) a resource given as compact JSON, and indexes it.
    pub fn ingest(&mut self, resource_type: ResourceType, json: String) -> Result<u32, IngestError> {
        self.insert(Parsed::new(resource_type, json)?)
    }

    /// Stores a resource parsed with [`Parsed::new`] (which may run on another thread).
    pub fn insert(&mut self, parsed: Parsed) -> Result<u32, IngestError> {
        let stored = match &parsed.row.body {
            Body::Appointment(appointment) => Some(self.stored_fields(appointment)),
            Body::Json(_) => None,
        };
        let (index, _) = self.tables.entry(parsed.resource_type).or_default().upsert(parsed.row)?;
        match parsed.fields {
            Fields::Appointment(read) => {
                let fields = stored.unwrap_or_else(|| self.interned(read));
                self.index_appointment(index, fields);
            }
            Fields::Slot(read) => {
                let fields = self.interned_slot(read);
                self.index_slot(index, fields);
            }
            Fields::Patient(read) => {
                let fields = self.interned_patient(read);
                set(&mut self.patients, index, fields);
            }
            Fields::Encounter(fields) => self.index_encounter(index, fields),
            Fields::Schedule(actor) => set(&mut self.schedule_actors, index, actor),
            Fields::None => {}
        }
        Ok(index)
    }

    /// Starts a bulk load: indexes are sorted once, by [`TenantData::finish_load`].
    pub fn begin_load(&mut self) {
        self.loading = true;
    }

    /// Sorts the indexes after a bulk load.
    pub fn finish_load(&mut self) {
        self.loading = false;
        self.slots_by_start.finish();
        for keys in self.by_actor.values_mut().flat_map(HashMap::values_mut) {
            keys.finish();
        }
    }

    fn intern(&mut self, name: &str) -> Arc<str> {
        if let Some(name) = self.names.get(name) {
            return name.clone();
        }
        let name: Arc<str> = name.into();
        self.names.insert(name.clone());
        name
    }

    fn interned(&mut self, read: ReadAppointment) -> AppointmentFields {
        AppointmentFields {
            start: read.start,
            end: read.end,
            status: self.intern(&read.status),
            actors: read.actors.iter().map(|(actor, id)| (*actor, self.intern(id))).collect(),
        }
    }

    fn interned_patient(&mut self, read: ReadPatient) -> PatientFields {
        let mut all = |texts: Vec<String>| -> Box<[Arc<str>]> { texts.iter().map(|t| self.intern(t)).collect() };
        let families = all(read.families);
        let givens = all(read.givens);
        let texts = all(read.texts);
        let exact_families = all(read.exact_families);
        let exact_givens = all(read.exact_givens);
        let exact_texts = all(read.exact_texts);
        let postal_codes = all(read.postal_codes);
        let exact_postal_codes = all(read.exact_postal_codes);
        let owned = |texts: Vec<String>| -> Box<[Box<str>]> { texts.into_iter().map(String::into_boxed_str).collect() };
        PatientFields {
            families,
            givens,
            texts,
            exact_families,
            exact_givens,
            exact_texts,
            identifiers: read
                .identifiers
                .into_iter()
                .map(|(system, value)| (system.as_deref().map(|s| self.intern(s)), value.into_boxed_str()))
                .collect(),
            phones: owned(read.phones),
            emails: owned(read.emails),
            postal_codes,
            exact_postal_codes,
            gender: read.gender.as_deref().map(|g| self.intern(g)),
            birth: read.birth,
        }
    }

    fn interned_slot(&mut self, read: ReadSlot) -> SlotFields {
        SlotFields {
            start: read.start,
            free: read.free,
            types: read
                .types
                .iter()
                .map(|(system, code)| (system.as_deref().map(|s| self.intern(s)), self.intern(code)))
                .collect(),
            schedule: read.schedule.as_deref().map(|id| self.intern(id)),
            location: read.location.as_deref().map(|id| self.intern(id)),
            tie: (self.intern(&read.tie.0), self.intern(&read.tie.1)),
        }
    }

    fn stored_fields(&mut self, appointment: &StoredAppointment) -> AppointmentFields {
        let actors = appointment.actors().map_or_else(Vec::new, |a| {
            vec![(Actor::Practitioner, a.practitioner), (Actor::Patient, a.patient), (Actor::Location, a.location)]
        });
        AppointmentFields {
            start: Some(appointment.start_ms()),
            end: Some(appointment.end_ms()),
            status: self.intern(appointment.status()),
            actors: actors.into_iter().map(|(actor, id)| (actor, self.intern(id))).collect(),
        }
    }

    fn index_appointment(&mut self, row: u32, fields: AppointmentFields) {
        if let Some(old) = self.appointments.get(row as usize).cloned() {
            self.unindex_appointment(row, &old);
        }
        if let (Some(start), Some(end)) = (fields.start, fields.end) {
            self.max_appointment_span = self.max_appointment_span.max(end.saturating_sub(start));
        }
        if let Some(start) = fields.start {
            for actor in [Actor::Patient, Actor::Practitioner, Actor::Location] {
                let by_id = self.by_actor.entry(actor).or_default();
                for id in fields.actors(actor) {
                    if !by_id.contains_key(id) {
                        by_id.insert(id.clone(), SortedKeys::default());
                    }
                    let Some(keys) = by_id.get_mut(id) else { continue };
                    if self.loading {
                        keys.push((start, row));
                    } else {
                        keys.insert((start, row));
                    }
                }
            }
        }
        set(&mut self.appointments, row, fields);
    }

    fn unindex_appointment(&mut self, row: u32, old: &AppointmentFields) {
        let Some(start) = old.start else { return };
        for actor in [Actor::Patient, Actor::Practitioner, Actor::Location] {
            for id in old.actors(actor) {
                if let Some(keys) = self.by_actor.get_mut(&actor).and_then(|m| m.get_mut(id)) {
                    keys.remove((start, row));
                }
            }
        }
    }

    fn index_slot(&mut self, row: u32, fields: SlotFields) {
        if let Some(old_start) = self.slots.get(row as usize).and_then(|f| f.start) {
            self.slots_by_start.remove((old_start, row));
        }
        match fields.start {
            Some(start) if self.loading => self.slots_by_start.push((start, row)),
            Some(start) => self.slots_by_start.insert((start, row)),
            None => {}
        }
        set(&mut self.slots, row, fields);
    }

    fn index_encounter(&mut self, row: u32, fields: EncounterFields) {
        let old = self.encounters.get(row as usize).and_then(|f| f.patient.clone());
        if let Some(rows) = old.and_then(|old| self.encounters_by_patient.get_mut(&old)) {
            rows.retain(|r| *r != row);
        }
        if let Some(patient) = &fields.patient {
            self.encounters_by_patient.entry(patient.clone()).or_default().push(row);
        }
        set(&mut self.encounters, row, fields);
    }
}

/// Puts `value` at `index`, growing the vector when the row is new.
fn set<T: Default>(values: &mut Vec<T>, index: u32, value: T) {
    let index = index as usize;
    if values.len() <= index {
        values.resize_with(index + 1, T::default);
    }
    values[index] = value;
}
