//! Applying a batch of [`Change`]s to one tenant: each change is checked against the data as the
//! batch's earlier changes leave it, every resource the batch ends with is parsed, and only then is
//! anything stored or removed, so a batch that cannot apply changes nothing.

use std::collections::HashMap;

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Change, ChangeError};
use crate::store::fields::{format_instant_ms, instant_ms};
use crate::store::tenant::{Parsed, TenantData};
use crate::store::{ResourceType, UnknownType};

/// DSTU2's statuses and R4's native `checked-in` (which DSTU2 answers as `arrived`).
const STATUSES: [&str; 8] =
    ["proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow", "checked-in"];

type Key = (ResourceType, String);

/// What the batch makes of one resource so far.
struct Pending {
    /// The last change to it, from 0.
    index: usize,
    /// Its new content; `None` when the batch removes it.
    resource: Option<Value>,
}

/// The resources the batch changes, in the order it first changes them.
#[derive(Default)]
struct Batch {
    pending: HashMap<Key, Pending>,
    order: Vec<Key>,
}

impl Batch {
    fn set(&mut self, key: Key, index: usize, resource: Option<Value>) {
        if !self.pending.contains_key(&key) {
            self.order.push(key.clone());
        }
        self.pending.insert(key, Pending { index, resource });
    }
}

impl TenantData {
    /// Applies every change or none. Returns the `(type, id)` of each changed or removed resource.
    pub fn apply(
        &mut self,
        changes: &[Change],
        now: OffsetDateTime,
    ) -> Result<Vec<(ResourceType, String)>, ChangeError> {
        let now_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
        let stamp = format_instant_ms(now_ms).unwrap_or_default();
        let mut batch = Batch::default();
        for (index, change) in changes.iter().enumerate() {
            let (key, resource) = self.changed(index, change, &batch)?;
            batch.set(key, index, resource);
        }
        let Batch { mut pending, order } = batch;
        let mut ready = Vec::with_capacity(order.len());
        for key in &order {
            let Some(Pending { index, resource }) = pending.remove(key) else { continue };
            let parsed = match resource {
                Some(mut resource) => {
                    resource["meta"]["lastUpdated"] = json!(stamp);
                    let parsed = Parsed::new(key.0, resource.to_string());
                    Some(parsed.map_err(|source| ChangeError::Ingest { index, source })?)
                }
                None => None,
            };
            ready.push((index, key, parsed));
        }
        for (index, (resource_type, id), parsed) in ready {
            match parsed {
                // Only a table of `u32::MAX` rows refuses a parsed resource.
                Some(parsed) => {
                    self.insert(parsed).map_err(|source| ChangeError::Ingest { index, source })?;
                }
                // A resource the batch both added and removed was never stored.
                None => {
                    self.remove(*resource_type, id);
                }
            }
        }
        Ok(order)
    }

    /// The resource as it will be after `change` (`None`: removed), with its version moved on.
    fn changed(&self, index: usize, change: &Change, batch: &Batch) -> Result<(Key, Option<Value>), ChangeError> {
        let invalid = |reason: String| ChangeError::Invalid { index, reason };
        let (id, mut resource) = match change {
            Change::Add { resource } => return self.added(index, resource, batch).map(|(key, v)| (key, Some(v))),
            Change::Replace { resource } => {
                let key = identify(index, resource)?;
                let current = self.current(index, &key, batch)?;
                let mut resource = resource.clone();
                resource["meta"]["versionId"] = json!(next_version(&current));
                return Ok((key, Some(resource)));
            }
            Change::Remove { resource_type, id } => {
                let resource_type = resource_type.parse().map_err(|e: UnknownType| invalid(e.to_string()))?;
                let key = (resource_type, id.clone());
                self.current(index, &key, batch)?;
                return Ok((key, None));
            }
            Change::Reschedule { id, .. } | Change::Cancel { id } | Change::SetStatus { id, .. } => {
                (id.clone(), self.current(index, &(ResourceType::Appointment, id.clone()), batch)?)
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
            Change::Add { .. } | Change::Replace { .. } | Change::Remove { .. } => {}
        }
        resource["meta"]["versionId"] = json!(next_version(&resource));
        Ok(((ResourceType::Appointment, id), Some(resource)))
    }

    /// The resource as the batch's earlier changes leave it, or as stored.
    fn current(&self, index: usize, key: &Key, batch: &Batch) -> Result<Value, ChangeError> {
        let unknown = || ChangeError::Unknown { index, resource_type: key.0, id: key.1.clone() };
        if let Some(pending) = batch.pending.get(key) {
            return pending.resource.clone().ok_or_else(unknown);
        }
        let row = self.read(key.0, &key.1).ok_or_else(unknown)?;
        serde_json::from_str(&row.json()).map_err(|e| ChangeError::Invalid { index, reason: e.to_string() })
    }

    fn added(&self, index: usize, resource: &Value, batch: &Batch) -> Result<(Key, Value), ChangeError> {
        let key = identify(index, resource)?;
        let there = match batch.pending.get(&key) {
            Some(pending) => pending.resource.is_some(),
            None => self.read(key.0, &key.1).is_some(),
        };
        if there {
            return Err(ChangeError::Exists { index, resource_type: key.0, id: key.1 });
        }
        let mut resource = resource.clone();
        if resource["meta"]["versionId"].as_str().is_none() {
            resource["meta"]["versionId"] = json!("0");
        }
        Ok((key, resource))
    }
}

/// The type and id of a resource a change gives whole, which must be a JSON object whose `meta`,
/// if any, is an object.
fn identify(index: usize, resource: &Value) -> Result<Key, ChangeError> {
    let invalid = |reason: String| ChangeError::Invalid { index, reason };
    if !resource.is_object() || !(resource["meta"].is_object() || resource["meta"].is_null()) {
        return Err(invalid("the resource must be a JSON object whose meta, if any, is an object".into()));
    }
    let resource_type: ResourceType = resource["resourceType"]
        .as_str()
        .unwrap_or_default()
        .parse()
        .map_err(|e: UnknownType| invalid(e.to_string()))?;
    let id =
        resource["id"].as_str().filter(|id| !id.is_empty()).ok_or_else(|| invalid("the resource has no id".into()))?;
    Ok((resource_type, id.to_owned()))
}

/// The `meta.versionId` after `resource`'s (Cerner's versions are decimal counters).
fn next_version(resource: &Value) -> String {
    let current = resource["meta"]["versionId"].as_str().and_then(|v| v.parse::<u64>().ok());
    current.map_or(1, |v| v.saturating_add(1)).to_string()
}

#[cfg(test)]
mod tests;
