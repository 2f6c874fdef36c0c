//! Data changes between sync runs: add any served resource, reschedule, cancel or set the status
//! of an appointment, replace or remove any stored resource (a Slot booked, moved or withdrawn).
//! Each change moves `meta.versionId` on by one and sets `meta.lastUpdated` to the clock's time, as
//! Cerner does when a record changes. A batch is all or nothing: `apply` checks and parses every
//! change before it stores any.

mod apply;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ResourceType;
use super::tenant::IngestError;

/// One change, as posted to `/__admin/tenants/{tenant}/changes`. Instants are FHIR instants
/// (`2026-01-07T10:00:00.000Z`), taken as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// Adds a new resource (its `resourceType` says which table); the id must be new.
    Add {
        /// The whole resource, with `resourceType` and `id`.
        resource: Value,
    },
    /// Moves an appointment to a new start and end.
    Reschedule {
        /// The appointment's id.
        id: String,
        /// The new `start`, a FHIR instant.
        start: String,
        /// The new `end`, after `start`.
        end: String,
    },
    /// Sets an appointment's status to `cancelled` (Cerner keeps cancelled appointments).
    Cancel {
        /// The appointment's id.
        id: String,
    },
    /// Sets an appointment's status to any DSTU2 AppointmentStatus.
    SetStatus {
        /// The appointment's id.
        id: String,
        /// The new status, e.g. `booked` or `noshow`.
        status: String,
    },
    /// Replaces a stored resource of any type (its `resourceType` and `id` say which) with this
    /// one; its `meta.versionId` moves on from the stored one's, whatever the new one says.
    Replace {
        /// The whole new resource, with `resourceType` and `id`.
        resource: Value,
    },
    /// Removes a stored resource of any type: reads answer `404` as for an id never stored, and
    /// searches no longer find it.
    Remove {
        /// Its type, e.g. `Slot`.
        resource_type: String,
        /// Its id.
        id: String,
    },
}

impl Change {
    /// [`Change::Add`] of `resource`.
    pub fn add(resource: Value) -> Self {
        Self::Add { resource }
    }

    /// [`Change::Reschedule`] of appointment `id` to `start`..`end`.
    pub fn reschedule(id: impl Into<String>, start: impl Into<String>, end: impl Into<String>) -> Self {
        Self::Reschedule { id: id.into(), start: start.into(), end: end.into() }
    }

    /// [`Change::Cancel`] of appointment `id`.
    pub fn cancel(id: impl Into<String>) -> Self {
        Self::Cancel { id: id.into() }
    }

    /// [`Change::SetStatus`] of appointment `id`.
    pub fn set_status(id: impl Into<String>, status: impl Into<String>) -> Self {
        Self::SetStatus { id: id.into(), status: status.into() }
    }

    /// [`Change::Replace`] of the stored resource with `resource`'s type and id.
    pub fn replace(resource: Value) -> Self {
        Self::Replace { resource }
    }

    /// [`Change::Remove`] of the `resource_type` with this `id`.
    pub fn remove(resource_type: ResourceType, id: impl Into<String>) -> Self {
        Self::Remove { resource_type: resource_type.as_str().to_owned(), id: id.into() }
    }

    /// The type and id of the resource this change touches, so a caller can read it before and
    /// after; `None` when the change names no known type or no id (the batch is refused then).
    pub fn target(&self) -> Option<(ResourceType, &str)> {
        match self {
            Self::Add { resource } | Self::Replace { resource } => {
                Some((resource["resourceType"].as_str()?.parse().ok()?, resource["id"].as_str()?))
            }
            Self::Remove { resource_type, id } => Some((resource_type.parse().ok()?, id)),
            Self::Reschedule { id, .. } | Self::Cancel { id } | Self::SetStatus { id, .. } => {
                Some((ResourceType::Appointment, id))
            }
        }
    }
}

/// Why a batch of changes was refused; none of it was applied. Answered as 400 by the admin API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    /// A change names a resource the tenant does not have (or one an earlier change of the batch
    /// removed).
    #[error("change {index}: no {resource_type} with id {id:?}")]
    Unknown {
        /// The change's position in the batch, from 0.
        index: usize,
        /// The type it named.
        resource_type: ResourceType,
        /// The id it named.
        id: String,
    },
    /// An `add` of a resource whose id the tenant already has.
    #[error("change {index}: {resource_type} {id:?} already exists")]
    Exists {
        /// The change's position in the batch, from 0.
        index: usize,
        /// The added resource's type.
        resource_type: ResourceType,
        /// Its id.
        id: String,
    },
    /// A change that cannot be applied: a bad instant, an end not after the start, an unknown
    /// status, an unknown resource type, a resource that is not a JSON object of a known type.
    #[error("change {index}: {reason}")]
    Invalid {
        /// The change's position in the batch, from 0.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A changed resource the store could not take (a field of the wrong shape, a full table).
    #[error("change {index}: {source}")]
    Ingest {
        /// The position in the batch, from 0, of the last change to that resource.
        index: usize,
        /// Why the store refused it.
        source: IngestError,
    },
}
