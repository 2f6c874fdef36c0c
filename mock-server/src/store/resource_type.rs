//! The resource types the emulator serves. Location is served on R4 only: DSTU2 has no Location
//! resource, and there locations appear only as references.

use std::fmt;
use std::str::FromStr;

/// The resource types the emulator stores and serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceType {
    /// `Appointment`: what sync clients read.
    Appointment,
    /// `Encounter`: a patient's visit, searched by patient (and on R4 by account or identifier).
    Encounter,
    /// `Patient`: an appointment's patient participant.
    Patient,
    /// `Practitioner`: an appointment's provider participant, and a schedule's actor.
    Practitioner,
    /// `Schedule`: a practitioner's calendar that slots belong to.
    Schedule,
    /// `Slot`: a free or busy time of a schedule.
    Slot,
    /// `Location`: R4 only (DSTU2 names locations by reference).
    Location,
}

impl ResourceType {
    /// Every type, Appointment first.
    pub const ALL: [ResourceType; 7] = [
        ResourceType::Appointment,
        ResourceType::Encounter,
        ResourceType::Patient,
        ResourceType::Practitioner,
        ResourceType::Schedule,
        ResourceType::Slot,
        ResourceType::Location,
    ];

    /// The types the DSTU2 surface serves (every type but Location).
    pub const DSTU2: [ResourceType; 6] = [
        ResourceType::Appointment,
        ResourceType::Encounter,
        ResourceType::Patient,
        ResourceType::Practitioner,
        ResourceType::Schedule,
        ResourceType::Slot,
    ];

    /// Whether the DSTU2 surface serves this type.
    pub fn in_dstu2(self) -> bool {
        self != ResourceType::Location
    }

    /// The FHIR `resourceType` name, e.g. `Appointment`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::Appointment => "Appointment",
            ResourceType::Encounter => "Encounter",
            ResourceType::Patient => "Patient",
            ResourceType::Practitioner => "Practitioner",
            ResourceType::Schedule => "Schedule",
            ResourceType::Slot => "Slot",
            ResourceType::Location => "Location",
        }
    }
}

impl fmt::Display for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Not a type the emulator serves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("resource type {0:?} is not supported")]
pub struct UnknownType(pub String);

impl FromStr for ResourceType {
    type Err = UnknownType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| UnknownType(s.to_owned()))
    }
}
