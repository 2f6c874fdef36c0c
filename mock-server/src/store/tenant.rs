//! One tenant's data: a table per type, the search fields of each row, and the indexes that
//! answer Appointment and Slot searches without scanning the tenant.

use std::collections::HashMap;
use std::sync::Arc;

use hashbrown::HashSet;

use super::ResourceType;
use super::fields::{self, ResourceDoc};
use super::query::Actor;
use super::sorted::SortedKeys;
use super::synthetic::StoredAppointment;
use super::table::{Body, Row, Table, TableFull, version_text};

/// Search fields of an Appointment. Statuses and actor ids are interned per tenant: a million
/// appointments name a few statuses and a few thousand actors.
#[derive(Debug, Clone, Default)]
pub struct AppointmentFields {
    pub start: Option<i64>,
    /// R4 searches match an appointment whose start or end lies in the range.
    pub end: Option<i64>,
    pub status: Arc<str>,
    /// Each participant's actor (Patient, Practitioner or Location) and its id.
    pub actors: Box<[(Actor, Arc<str>)]>,
}

impl AppointmentFields {
    pub fn actors(&self, actor: Actor) -> impl Iterator<Item = &Arc<str>> {
        self.actors.iter().filter(move |(kind, _)| *kind == actor).map(|(_, id)| id)
    }
}

/// An Appointment's search fields as read, before interning.
#[derive(Debug, Default)]
struct ReadAppointment {
    start: Option<i64>,
    end: Option<i64>,
    status: String,
    actors: Vec<(Actor, String)>,
}

/// Search fields of a Slot. Its texts are interned per tenant, as an appointment's are: half a
/// million slots name a few types, schedules and locations.
#[derive(Debug, Clone, Default)]
pub struct SlotFields {
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
pub type SlotType = (Option<Arc<str>>, Arc<str>);

/// A Slot's search fields as read, before interning.
#[derive(Debug, Default)]
struct ReadSlot {
    start: Option<i64>,
    free: bool,
    types: Vec<(Option<String>, String)>,
    schedule: Option<String>,
    location: Option<String>,
    tie: (String, String),
}

#[derive(Debug, Clone, Default)]
pub struct PatientFields {
    /// Lower-cased family names, given names, and name texts (prefix searches).
    pub families: Vec<String>,
    pub givens: Vec<String>,
    pub texts: Vec<String>,
    /// The same names as written (`:exact` searches).
    pub exact_families: Vec<String>,
    pub exact_givens: Vec<String>,
    pub exact_texts: Vec<String>,
    pub identifiers: Vec<(Option<String>, String)>,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub postal_codes: Vec<String>,
    pub exact_postal_codes: Vec<String>,
    pub gender: Option<String>,
    pub birth: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct EncounterFields {
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

/// A resource that cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    #[error("not a JSON resource: {0}")]
    Json(String),
    #[error("resourceType {found:?} where {expected} was expected")]
    WrongType { expected: ResourceType, found: String },
    #[error("the resource has no id")]
    NoId,
    #[error(transparent)]
    Full(#[from] TableFull),
}

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
    pub fn table(&self, resource_type: ResourceType) -> Option<&Table> {
        self.tables.get(&resource_type)
    }

    pub fn count(&self, resource_type: ResourceType) -> usize {
        self.table(resource_type).map_or(0, Table::len)
    }

    pub fn read(&self, resource_type: ResourceType, id: &str) -> Option<&Row> {
        self.table(resource_type)?.get(id)
    }

    /// The Schedule id a Slot row belongs to.
    pub fn slot_schedule(&self, row: u32) -> Option<&str> {
        self.slots.get(row as usize)?.schedule.as_deref()
    }

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
            Fields::Patient(fields) => set(&mut self.patients, index, fields),
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

/// A resource read and checked, ready to insert: its row and its search fields.
#[derive(Debug)]
pub struct Parsed {
    resource_type: ResourceType,
    row: Row,
    fields: Fields,
}

#[derive(Debug)]
enum Fields {
    /// Read from JSON; an appointment in its stored form carries its fields in its row.
    Appointment(ReadAppointment),
    Slot(ReadSlot),
    Patient(PatientFields),
    Encounter(EncounterFields),
    Schedule(Option<Box<str>>),
    None,
}

impl Parsed {
    /// Parses `json` once, checking its type and id and reading its search fields.
    pub fn new(resource_type: ResourceType, json: String) -> Result<Self, IngestError> {
        if resource_type == ResourceType::Location {
            return Self::without_fields(resource_type, json);
        }
        let doc: ResourceDoc = serde_json::from_str(&json).map_err(|e| IngestError::Json(e.to_string()))?;
        if doc.resource_type != resource_type.as_str() {
            return Err(IngestError::WrongType { expected: resource_type, found: doc.resource_type });
        }
        let id: Box<str> = doc.id.as_deref().filter(|id| !id.is_empty()).ok_or(IngestError::NoId)?.into();
        let version = version_text(doc.meta.version_id.as_deref().unwrap_or("0"));
        let fields = match resource_type {
            ResourceType::Appointment => Fields::Appointment(appointment_fields(doc)),
            ResourceType::Slot => Fields::Slot(slot_fields(doc)),
            ResourceType::Patient => Fields::Patient(patient_fields(doc)),
            ResourceType::Encounter => Fields::Encounter(encounter_fields(&doc)),
            ResourceType::Schedule => Fields::Schedule(doc.actor.reference.map(Into::into)),
            ResourceType::Practitioner | ResourceType::Location => Fields::None,
        };
        Ok(Self { resource_type, row: Row { id, version, body: Body::Json(json.into_boxed_str().into()) }, fields })
    }

    fn without_fields(resource_type: ResourceType, json: String) -> Result<Self, IngestError> {
        let doc: fields::IdDoc = serde_json::from_str(&json).map_err(|e| IngestError::Json(e.to_string()))?;
        if doc.resource_type != resource_type.as_str() {
            return Err(IngestError::WrongType { expected: resource_type, found: doc.resource_type });
        }
        let id: Box<str> = doc.id.as_deref().filter(|id| !id.is_empty()).ok_or(IngestError::NoId)?.into();
        let version = version_text(doc.meta.version_id.as_deref().unwrap_or("0"));
        Ok(Self {
            resource_type,
            row: Row { id, version, body: Body::Json(json.into_boxed_str().into()) },
            fields: Fields::None,
        })
    }

    /// A synthetic appointment in its stored form (nothing to parse).
    pub fn appointment(appointment: StoredAppointment) -> Self {
        let (id, version) = (appointment.id().to_string().into(), version_text(appointment.version()));
        let row = Row { id, version, body: Body::Appointment(appointment) };
        Self { resource_type: ResourceType::Appointment, row, fields: Fields::Appointment(ReadAppointment::default()) }
    }
}

fn encounter_fields(doc: &ResourceDoc) -> EncounterFields {
    EncounterFields {
        patient: doc.patient.reference.as_deref().and_then(|r| fields::reference_id(r, "Patient")).map(Into::into),
        start: doc.period.start.as_deref().and_then(fields::instant_ms),
        end: doc.period.end.as_deref().and_then(fields::instant_ms),
        status: doc.status.as_deref().map(Into::into),
        last_updated: doc.meta.last_updated.as_deref().and_then(fields::instant_ms),
        identifiers: doc.identifier.iter().filter_map(|i| Some((i.system.clone(), i.value.clone()?))).collect(),
        accounts: doc
            .account
            .iter()
            .filter_map(|a| a.reference.as_deref().and_then(|r| fields::reference_id(r, "Account")))
            .map(str::to_owned)
            .collect(),
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

fn appointment_fields(doc: ResourceDoc) -> ReadAppointment {
    let mut fields = ReadAppointment {
        start: doc.start.as_deref().and_then(fields::instant_ms),
        end: doc.end.as_deref().and_then(fields::instant_ms),
        status: doc.status.unwrap_or_default(),
        actors: Vec::with_capacity(doc.participant.len()),
    };
    for reference in doc.participant.iter().filter_map(|p| p.actor.reference.as_deref()) {
        let kinds = [(Actor::Patient, "Patient"), (Actor::Practitioner, "Practitioner"), (Actor::Location, "Location")];
        if let Some((actor, id)) = kinds.iter().find_map(|(a, t)| Some((*a, fields::reference_id(reference, t)?))) {
            fields.actors.push((actor, id.to_owned()));
        }
    }
    fields
}

fn slot_fields(doc: ResourceDoc) -> ReadSlot {
    let scheduling_location = doc.extension.iter().find(|e| e.url == fields::SCHEDULING_LOCATION);
    let location = scheduling_location
        .and_then(|e| e.value_reference.reference.as_deref())
        .and_then(|r| fields::reference_id(r, "Location"))
        .map(Into::into);
    let location_display = scheduling_location.and_then(|e| e.value_reference.display.as_deref()).unwrap_or_default();
    let type_text = doc.kind.first().and_then(|concept| {
        concept
            .text
            .as_deref()
            .or_else(|| concept.coding.first().and_then(|c| c.display.as_deref().or(c.code.as_deref())))
    });
    let tie = (type_text.unwrap_or_default().into(), location_display.into());
    ReadSlot {
        tie,
        start: doc.start.as_deref().and_then(fields::instant_ms),
        free: doc.free_busy_type.as_deref() == Some("free"),
        types: doc
            .kind
            .into_iter()
            .flat_map(|concept| concept.coding)
            .filter_map(|c| Some((c.system, c.code?)))
            .collect(),
        schedule: doc.schedule.reference.as_deref().and_then(|r| fields::reference_id(r, "Schedule")).map(Into::into),
        location,
    }
}

fn patient_fields(doc: ResourceDoc) -> PatientFields {
    let lower = |s: &String| s.to_lowercase();
    let telecom = |system: &str| -> Vec<String> {
        doc.telecom
            .iter()
            .filter(|t| t.system.as_deref() == Some(system))
            .filter_map(|t| t.value.as_deref().map(str::to_lowercase))
            .collect()
    };
    PatientFields {
        families: doc.name.iter().flat_map(|n| n.family.iter().map(lower)).collect(),
        givens: doc.name.iter().flat_map(|n| n.given.iter().map(lower)).collect(),
        texts: doc.name.iter().filter_map(|n| n.text.as_ref().map(lower)).collect(),
        exact_families: doc.name.iter().flat_map(|n| n.family.iter().cloned()).collect(),
        exact_givens: doc.name.iter().flat_map(|n| n.given.iter().cloned()).collect(),
        exact_texts: doc.name.iter().filter_map(|n| n.text.clone()).collect(),
        exact_postal_codes: doc.address.iter().filter_map(|a| a.postal_code.clone()).collect(),
        identifiers: doc.identifier.iter().filter_map(|i| Some((i.system.clone(), i.value.clone()?))).collect(),
        phones: telecom("phone"),
        emails: telecom("email"),
        postal_codes: doc.address.iter().filter_map(|a| a.postal_code.as_deref().map(str::to_lowercase)).collect(),
        gender: doc.gender.clone(),
        birth: doc.birth_date.as_deref().and_then(fields::instant_ms),
    }
}
