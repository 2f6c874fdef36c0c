//! A resource read and checked before it is stored: parsing happens once, and may run on a thread
//! other than the one holding the tenant's lock. Texts are read as owned strings here; the tenant
//! interns them when the resource is inserted.

use crate::store::ResourceType;
use crate::store::fields::{self, ResourceDoc};
use crate::store::query::Actor;
use crate::store::synthetic::StoredAppointment;
use crate::store::table::{Body, Row, version_text};

use super::{EncounterFields, IngestError};

/// An Appointment's search fields as read, before interning.
#[derive(Debug, Default)]
pub(super) struct ReadAppointment {
    pub(super) start: Option<i64>,
    pub(super) end: Option<i64>,
    pub(super) status: String,
    pub(super) actors: Vec<(Actor, String)>,
}

/// A Slot's search fields as read, before interning.
#[derive(Debug, Default)]
pub(super) struct ReadSlot {
    pub(super) start: Option<i64>,
    pub(super) free: bool,
    pub(super) types: Vec<(Option<String>, String)>,
    pub(super) schedule: Option<String>,
    pub(super) location: Option<String>,
    pub(super) tie: (String, String),
}

/// A Patient's search fields as read, before interning (names, postal codes, gender and
/// identifier systems repeat across patients; identifier values, phones and emails do not).
#[derive(Debug, Default)]
pub(super) struct ReadPatient {
    pub(super) families: Vec<String>,
    pub(super) givens: Vec<String>,
    pub(super) texts: Vec<String>,
    pub(super) exact_families: Vec<String>,
    pub(super) exact_givens: Vec<String>,
    pub(super) exact_texts: Vec<String>,
    pub(super) identifiers: Vec<(Option<String>, String)>,
    pub(super) phones: Vec<String>,
    pub(super) emails: Vec<String>,
    pub(super) postal_codes: Vec<String>,
    pub(super) exact_postal_codes: Vec<String>,
    pub(super) gender: Option<String>,
    pub(super) birth: Option<i64>,
}

/// A resource read and checked, ready to insert: its row and its search fields.
#[derive(Debug)]
pub struct Parsed {
    pub(super) resource_type: ResourceType,
    pub(super) row: Row,
    pub(super) fields: Fields,
}

#[derive(Debug)]
pub(super) enum Fields {
    /// Read from JSON; an appointment in its stored form carries its fields in its row.
    Appointment(ReadAppointment),
    Slot(ReadSlot),
    Patient(ReadPatient),
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

/// A proposed appointment with no `start` of its own is placed by its first `requestedPeriod`
/// (fhir.cerner.com R4 Appointment: `-date-or-req-period` "also returns appointments with a status
/// of `proposed` that either are requested to start or end between the dates provided").
fn appointment_fields(doc: ResourceDoc) -> ReadAppointment {
    let requested =
        doc.requested_period.first().filter(|_| doc.start.is_none() && doc.status.as_deref() == Some("proposed"));
    let (start, end) = match requested {
        Some(period) => (period.start.as_deref(), period.end.as_deref()),
        None => (doc.start.as_deref(), doc.end.as_deref()),
    };
    let mut fields = ReadAppointment {
        start: start.and_then(fields::instant_ms),
        end: end.and_then(fields::instant_ms),
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

fn patient_fields(doc: ResourceDoc) -> ReadPatient {
    let lower = |s: &String| s.to_lowercase();
    let telecom = |system: &str| -> Vec<String> {
        doc.telecom
            .iter()
            .filter(|t| t.system.as_deref() == Some(system))
            .filter_map(|t| t.value.as_deref().map(str::to_lowercase))
            .collect()
    };
    ReadPatient {
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
