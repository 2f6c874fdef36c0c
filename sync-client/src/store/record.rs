//! The rows the sync engine and a store hand each other (a page's records, the rows they become,
//! a run's id, a page's counts, a tenant's state between runs) and the rule both stores follow for
//! which version of an appointment they keep.

use std::cmp::Ordering;

use time::OffsetDateTime;

use crate::fhir_version::FhirVersion;

use super::{OutcomeKind, StoreError};

/// One appointment as the sync engine saw it on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentRecord {
    /// The appointment's FHIR id (`Appointment.id`).
    pub id: String,
    /// `meta.versionId` ("0", "1", …): compared numerically when both sides parse as `u64`, else as strings.
    pub version_id: VersionId,
    /// `meta.lastUpdated` as received, when the server sent one.
    pub last_updated: Option<String>,
    /// The FHIR instant as received (any offset); windows compare on its UTC value.
    pub start: Option<String>,
    /// `Appointment.status` as received, e.g. `booked` or `cancelled`.
    pub status: String,
    /// Location ids from the participant actors.
    pub locations: Vec<String>,
    /// The resource's compact JSON.
    pub raw: String,
    /// The FHIR version of the server that sent it.
    pub fhir_version: FhirVersion,
}

/// A sync run, as numbered by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunId(pub i64);

/// What saving one page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageOutcome {
    /// Appointments not stored before.
    pub inserted: u64,
    /// Appointments stored before whose content changed (a newer version).
    pub updated: u64,
    /// Appointments stored before with the same content.
    pub unchanged: u64,
}

/// Per-tenant state kept between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantState {
    /// End time of the last complete sync (stored as RFC 3339).
    pub last_success: Option<OffsetDateTime>,
    /// Do not call this tenant before then (long `Retry-After`; stored as RFC 3339).
    pub deferred_until: Option<OffsetDateTime>,
    /// How the last sync of the tenant ended; `None` before its first run.
    pub last_outcome: Option<OutcomeKind>,
    /// Why the last sync did not end synced (the report's reason); `None` after a complete sync.
    pub message: Option<String>,
}

/// One appointment as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAppointment {
    /// The tenant id it was synced from.
    pub tenant: String,
    /// The appointment's FHIR id; unique within the tenant.
    pub id: String,
    /// The stored version's `meta.versionId`.
    pub version_id: VersionId,
    /// The stored version's `meta.lastUpdated` as received.
    pub last_updated: Option<String>,
    /// `Appointment.start` as received (any offset).
    pub start: Option<String>,
    /// `Appointment.status` as received.
    pub status: String,
    /// Location ids from the participant actors, in the resource's order.
    pub locations: Vec<String>,
    /// The resource's compact JSON as last received.
    pub raw: String,
    /// The FHIR version `raw` is in.
    pub fhir_version: FhirVersion,
    /// Set when a complete sync of a window no longer returned it; cleared when it is seen again.
    pub vanished_at: Option<String>,
}

impl StoredAppointment {
    /// The row a record becomes when it is inserted or replaces an older version.
    pub(crate) fn from_record(tenant: &str, record: &AppointmentRecord) -> Self {
        Self {
            tenant: tenant.to_owned(),
            id: record.id.clone(),
            version_id: record.version_id.clone(),
            last_updated: record.last_updated.clone(),
            start: record.start.clone(),
            status: record.status.clone(),
            locations: record.locations.clone(),
            raw: record.raw.clone(),
            fhir_version: record.fhir_version,
            vanished_at: None,
        }
    }
}

/// For each record of a page, in page order, its row as stored after the page: the rows are moved
/// out of `latest` (by id), and copied only for an id the page holds more than once.
pub(crate) fn in_page_order<K: std::borrow::Borrow<str> + std::hash::Hash + Eq>(
    page: &[AppointmentRecord],
    mut latest: std::collections::HashMap<K, StoredAppointment>,
) -> Vec<StoredAppointment> {
    let mut rows: Vec<StoredAppointment> = Vec::with_capacity(page.len());
    let mut placed: std::collections::HashMap<&str, usize> = std::collections::HashMap::with_capacity(page.len());
    for record in page.iter().rev() {
        if let Some(&at) = placed.get(record.id.as_str()) {
            let row = rows[at].clone();
            rows.push(row);
        } else if let Some(row) = latest.remove(record.id.as_str()) {
            placed.insert(&record.id, rows.len());
            rows.push(row);
        }
    }
    rows.reverse();
    rows
}

/// Whether `record` replaces the stored row: a newer `meta.versionId`, or the same one in another
/// FHIR version (the tenant's server now speaks that version). An older version never does.
pub(crate) fn replaces(record: &AppointmentRecord, stored: &StoredAppointment) -> bool {
    replaces_version(record, &stored.version_id, stored.fhir_version)
}

/// [`replaces`], given only the stored row's `meta.versionId` and FHIR version.
pub(crate) fn replaces_version(record: &AppointmentRecord, version_id: &VersionId, fhir_version: FhirVersion) -> bool {
    match record.version_id.cmp(version_id) {
        Ordering::Greater => true,
        Ordering::Equal => record.fhir_version != fhir_version,
        Ordering::Less => false,
    }
}

/// The version of a stored row's `fhir_version` text.
pub(crate) fn stored_fhir_version(tenant: &str, id: &str, text: &str) -> Result<FhirVersion, StoreError> {
    FhirVersion::from_name(text).ok_or_else(|| StoreError::UnknownFhirVersion {
        tenant: tenant.to_owned(),
        id: id.to_owned(),
        found: text.chars().take(32).collect(),
    })
}

/// `meta.versionId` order. Cerner's versions are decimal counters, so "10" must beat "9"; anything
/// else falls back to string order.
pub(crate) fn compare_versions(a: &str, b: &str) -> Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        _ => a.cmp(b),
    }
}

/// An appointment's `meta.versionId` as the server sent it ("0" when it sent none). Ordered as
/// [`compare_versions`] says: numerically when both are decimal counters, else as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VersionId(String);

impl VersionId {
    /// The version as the server sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The version as an owned string, for storing.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl From<String> for VersionId {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<&str> for VersionId {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}

impl std::fmt::Display for VersionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<&str> for VersionId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for VersionId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl PartialOrd for VersionId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for VersionId {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_versions(&self.0, &other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::VersionId;

    #[test]
    fn versions_order_as_counters_and_else_as_text() {
        let v = |text: &str| VersionId::from(text);
        assert!(v("10") > v("9"));
        assert!(v("b") > v("a"));
        assert_eq!(v("4"), "4");
        assert_eq!(v("4").to_string(), "4");
    }
}
