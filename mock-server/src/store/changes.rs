//! Data changes between sync runs: add an appointment (or any served resource), reschedule or
//! cancel one. Each change moves `meta.versionId` on by one and sets `meta.lastUpdated` to the
//! clock's time, as Cerner does when a record changes. A batch is all or nothing.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::ResourceType;
use super::fields::instant_ms;
use super::tenant::{IngestError, TenantData};

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
}

/// Why a batch of changes was refused; none of it was applied. Answered as 400 by the admin API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    /// A change names an appointment the tenant does not have.
    #[error("change {index}: no Appointment with id {id:?}")]
    UnknownAppointment {
        /// The change's position in the batch, from 0.
        index: usize,
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
    /// A change that cannot be applied: a bad instant, an end not after the start, an unknown status, an added resource that is not a JSON object of a known type.
    #[error("change {index}: {reason}")]
    Invalid {
        /// The change's position in the batch, from 0.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A changed resource the store could not take (no id, a wrong type, a full table).
    #[error("change {index}: {source}")]
    Ingest {
        /// The changed resource's position, from 0, among those the batch changed.
        index: usize,
        /// Why the store refused it.
        source: IngestError,
    },
}

/// DSTU2's statuses and R4's native `checked-in` (which DSTU2 answers as `arrived`).
const STATUSES: [&str; 8] =
    ["proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow", "checked-in"];

impl TenantData {
    /// Applies every change or none. Returns the `(type, id)` of each changed resource.
    pub fn apply(
        &mut self,
        changes: &[Change],
        now: OffsetDateTime,
    ) -> Result<Vec<(ResourceType, String)>, ChangeError> {
        let now_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
        let stamp = super::fields::format_instant_ms(now_ms).unwrap_or_default();
        let mut pending: HashMap<(ResourceType, String), Value> = HashMap::new();
        let mut order = Vec::new();
        for (index, change) in changes.iter().enumerate() {
            let (resource_type, id, resource) = self.changed(index, change, &pending)?;
            let key = (resource_type, id);
            if !pending.contains_key(&key) {
                order.push(key.clone());
            }
            pending.insert(key, resource);
        }
        for (index, key) in order.iter().enumerate() {
            let mut resource = pending.remove(key).unwrap_or_default();
            resource["meta"]["lastUpdated"] = json!(stamp);
            self.ingest(key.0, resource.to_string()).map_err(|source| ChangeError::Ingest { index, source })?;
        }
        Ok(order)
    }

    /// The resource as it will be after `change`, with its version moved on.
    fn changed(
        &self,
        index: usize,
        change: &Change,
        pending: &HashMap<(ResourceType, String), Value>,
    ) -> Result<(ResourceType, String, Value), ChangeError> {
        let invalid = |reason: String| ChangeError::Invalid { index, reason };
        let (id, mut resource) = match change {
            Change::Add { resource } => return self.added(index, resource, pending),
            Change::Reschedule { id, .. } | Change::Cancel { id } | Change::SetStatus { id, .. } => {
                (id.clone(), self.current_appointment(index, id, pending)?)
            }
        };
        match change {
            Change::Reschedule { start, end, .. } => {
                let (from, to) = (instant_ms(start), instant_ms(end));
                let (Some(from), Some(to)) = (from, to) else {
                    return Err(invalid("start and end must be FHIR instants".into()));
                };
                if to <= from {
                    return Err(invalid("end must be after start".into()));
                }
                resource["start"] = json!(start);
                resource["end"] = json!(end);
                resource["minutesDuration"] = json!((to - from) / 60_000);
            }
            Change::Cancel { .. } => resource["status"] = json!("cancelled"),
            Change::SetStatus { status, .. } if STATUSES.contains(&status.as_str()) => {
                resource["status"] = json!(status)
            }
            Change::SetStatus { status, .. } => return Err(invalid(format!("{status:?} is not an AppointmentStatus"))),
            Change::Add { .. } => {}
        }
        bump_version(&mut resource);
        Ok((ResourceType::Appointment, id, resource))
    }

    fn current_appointment(
        &self,
        index: usize,
        id: &str,
        pending: &HashMap<(ResourceType, String), Value>,
    ) -> Result<Value, ChangeError> {
        if let Some(resource) = pending.get(&(ResourceType::Appointment, id.to_owned())) {
            return Ok(resource.clone());
        }
        let row = self
            .read(ResourceType::Appointment, id)
            .ok_or_else(|| ChangeError::UnknownAppointment { index, id: id.to_owned() })?;
        serde_json::from_str(&row.json()).map_err(|e| ChangeError::Invalid { index, reason: e.to_string() })
    }

    fn added(
        &self,
        index: usize,
        resource: &Value,
        pending: &HashMap<(ResourceType, String), Value>,
    ) -> Result<(ResourceType, String, Value), ChangeError> {
        let invalid = |reason: String| ChangeError::Invalid { index, reason };
        if !resource.is_object() || !(resource["meta"].is_object() || resource["meta"].is_null()) {
            return Err(invalid("the resource must be a JSON object whose meta, if any, is an object".into()));
        }
        let resource_type: ResourceType = resource["resourceType"]
            .as_str()
            .unwrap_or_default()
            .parse()
            .map_err(|e: super::UnknownType| invalid(e.to_string()))?;
        let id = resource["id"]
            .as_str()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| invalid("the resource has no id".into()))?;
        let key = (resource_type, id.to_owned());
        if self.read(resource_type, id).is_some() || pending.contains_key(&key) {
            return Err(ChangeError::Exists { index, resource_type, id: id.to_owned() });
        }
        let mut resource = resource.clone();
        if resource["meta"]["versionId"].as_str().is_none() {
            resource["meta"]["versionId"] = json!("0");
        }
        Ok((resource_type, key.1, resource))
    }
}

/// `meta.versionId` + 1 (Cerner's versions are decimal counters).
fn bump_version(resource: &mut Value) {
    let next = resource["meta"]["versionId"].as_str().and_then(|v| v.parse::<u64>().ok()).map_or(1, |v| v + 1);
    resource["meta"]["versionId"] = json!(next.to_string());
}
