//! The DSTU2 datatypes the generated resources share, as serde structs that borrow every string,
//! and the [`Sink`] that serializes a resource into a reused buffer and hands it on as compact
//! JSON (appointments it hands on as they are stored). Borrowing keeps a million resources free of
//! per-field allocations.

use serde::Serialize;

use super::Resource;
use super::stored::StoredAppointment;
use crate::store::ResourceType;

/// `meta.versionId` values: resources are generated at a small version.
const VERSIONS: [&str; 5] = ["0", "1", "2", "3", "4"];

/// The `meta.versionId` text of a small version number (larger ones read as the largest).
pub(super) fn version(n: usize) -> &'static str {
    VERSIONS.get(n.min(VERSIONS.len() - 1)).copied().unwrap_or("0")
}

pub(super) const SCHEDULING_LOCATION: &str =
    "https://fhir-ehr.cerner.com/dstu2/StructureDefinition/scheduling-location";
pub(super) const RENDERED_VALUE: &str = "http://hl7.org/fhir/StructureDefinition/rendered-value";
pub(super) const IDENTIFIER_TYPE: &str = "http://hl7.org/fhir/v2/0203";
pub(super) const PARTICIPATION_TYPE: &str = "http://hl7.org/fhir/v3/ParticipationType";

#[derive(Serialize)]
pub(super) struct Meta<'a> {
    #[serde(rename = "versionId")]
    pub version_id: &'a str,
    #[serde(rename = "lastUpdated")]
    pub last_updated: &'a str,
}

#[derive(Serialize)]
pub(super) struct Narrative<'a> {
    pub status: &'static str,
    pub div: &'a str,
}

impl<'a> Narrative<'a> {
    pub(super) fn generated(div: &'a str) -> Self {
        Narrative { status: "generated", div }
    }
}

#[derive(Serialize)]
pub(super) struct Reference<'a> {
    pub reference: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<&'a str>,
}

#[derive(Serialize)]
pub(super) struct Coding<'a> {
    pub system: &'a str,
    pub code: &'a str,
    pub display: &'a str,
    #[serde(rename = "userSelected")]
    pub user_selected: bool,
}

#[derive(Serialize)]
pub(super) struct Concept<'a> {
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub coding: &'a [Coding<'a>],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<&'a str>,
}

impl<'a> Concept<'a> {
    pub(super) fn text(text: &'a str) -> Self {
        Concept { coding: &[], text: Some(text) }
    }
}

#[derive(Serialize)]
pub(super) struct Period<'a> {
    pub start: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<&'a str>,
}

/// Cerner's `scheduling-location` extension on Schedule and Slot.
#[derive(Serialize)]
pub(super) struct LocationExtension<'a> {
    pub url: &'static str,
    #[serde(rename = "valueReference")]
    pub value_reference: Reference<'a>,
}

impl<'a> LocationExtension<'a> {
    pub(super) fn new(reference: &'a str, display: Option<&'a str>) -> Self {
        LocationExtension { url: SCHEDULING_LOCATION, value_reference: Reference { reference, display } }
    }
}

#[derive(Serialize)]
pub(super) struct Identifier<'a> {
    #[serde(rename = "use")]
    pub use_: &'static str,
    #[serde(rename = "type")]
    pub kind: Concept<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<&'a str>,
    pub value: &'a str,
    /// Cerner's zero-padded rendering of an MRN.
    #[serde(rename = "_value", skip_serializing_if = "Option::is_none")]
    pub rendered: Option<Rendered<'a>>,
    pub period: Period<'a>,
}

#[derive(Serialize)]
pub(super) struct Rendered<'a> {
    pub extension: [StringExtension<'a>; 1],
}

#[derive(Serialize)]
pub(super) struct StringExtension<'a> {
    pub url: &'static str,
    #[serde(rename = "valueString")]
    pub value_string: &'a str,
}

#[derive(Serialize)]
pub(super) struct HumanName<'a> {
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub text: &'a str,
    pub family: [&'a str; 1],
    pub given: [&'a str; 1],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub suffix: &'a [&'a str],
    pub period: Period<'a>,
}

/// Serializes resources into one reused buffer and hands each on as an exactly sized `String`.
pub(super) struct Sink<'e> {
    buf: Vec<u8>,
    emit: &'e mut dyn FnMut(Resource),
}

impl<'e> Sink<'e> {
    pub(super) fn new(emit: &'e mut dyn FnMut(Resource)) -> Self {
        Sink { buf: Vec::with_capacity(4096), emit }
    }

    pub(super) fn appointment(&mut self, appointment: StoredAppointment) {
        (self.emit)(Resource::Appointment(appointment));
    }

    /// Serializing these borrowed structs cannot fail (no maps, no custom impls); should it ever,
    /// the resource is logged and left out rather than panicking inside the store's loader.
    pub(super) fn send<T: Serialize>(&mut self, kind: ResourceType, resource: &T) {
        self.buf.clear();
        if let Err(error) = serde_json::to_writer(&mut self.buf, resource) {
            tracing::error!(%kind, %error, "synthetic resource failed to serialize; left out");
            return;
        }
        match std::str::from_utf8(&self.buf) {
            Ok(json) => (self.emit)(Resource::Json(kind, json.to_owned())),
            Err(error) => tracing::error!(%kind, %error, "synthetic resource is not UTF-8; left out"),
        }
    }
}
