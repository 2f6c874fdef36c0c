//! The admin API's JSON, defined once: the handlers answer with these types and the admin client
//! (`crate::admin_client`, the `admin_client` feature) sends and decodes them. Types that are also
//! the emulator's own (fault rules, journal entries, data changes, tenant summaries) live with
//! their module; the rest are the request and answer bodies of the admin endpoints.

// The answer types are public through `admin_client`; without that feature only the handlers use them.
#![cfg_attr(not(feature = "admin_client"), allow(unreachable_pub))]

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::faults::FaultView;
use crate::journal::JournalEntry;
use crate::store::{Change, TenantSummary};

/// `{"status": "..."}`: the answer of `GET /__admin/health` (`ok`) and `POST /__admin/reset`
/// (`reset`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct StatusBody {
    pub status: String,
}

/// `{"error": "..."}`: every admin refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    pub error: String,
}

/// The emulator's clock, as `GET`/`POST /__admin/clock` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClockState {
    /// The emulator's current time (RFC 3339 on the wire).
    #[serde(with = "time::serde::rfc3339")]
    pub now: OffsetDateTime,
    /// Whether the clock stands still until moved (`--manual-clock`); only a manual clock moves.
    pub manual: bool,
}

/// The body of `POST /__admin/clock`: exactly one of the two.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClockChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advance_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub set: Option<OffsetDateTime>,
}

/// The answer of `GET /__admin/journal`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Journal {
    /// The entries the query admitted, oldest first.
    pub entries: Vec<JournalEntry>,
    /// How many entries the journal keeps; older ones are dropped.
    pub capacity: u64,
    /// How many requests were recorded in all, so a test can tell whether some were dropped.
    pub recorded: u64,
}

#[cfg(feature = "admin_client")]
impl Journal {
    /// The newest `seq` returned, to pass to [`JournalQuery::since`] next time.
    pub fn last_seq(&self) -> Option<u64> {
        self.entries.iter().map(|entry| entry.seq).max()
    }
}

/// The answer of `GET /__admin/faults`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct FaultList {
    pub faults: Vec<FaultView>,
}

/// A tenant as `GET /__admin/tenants` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TenantInfo {
    /// The tenant id, as it appears in the paths.
    pub id: String,
    /// The organization's display name from the profile.
    pub name: String,
    /// The secured DSTU2 base, `{origin}/dstu2/{tenant}/`.
    pub fhir_base: String,
    /// The open (tokenless) DSTU2 base, `{origin}/open/dstu2/{tenant}/`.
    pub open_fhir_base: String,
    /// The secured R4 base, `{origin}/r4/{tenant}/`.
    pub r4_fhir_base: String,
    /// The open (tokenless) R4 base, `{origin}/open/r4/{tenant}/`.
    pub open_r4_fhir_base: String,
    /// The tenant's token endpoint.
    pub token_url: String,
    /// Client ids of the system accounts approved for this tenant.
    pub approved_accounts: Vec<String>,
}

/// The answer of `GET /__admin/tenants`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct TenantList {
    pub tenants: Vec<TenantInfo>,
}

/// A tenant with a summary of its data (`GET /__admin/tenants/{tenant}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TenantDetail {
    /// The tenant's identity and bases.
    #[serde(flatten)]
    pub info: TenantInfo,
    /// Counts of its resources, appointment statuses, starts, locations and practitioners.
    pub data: TenantSummary,
}

/// The body of `POST /__admin/tenants/{tenant}/changes`: applied all or none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangeBatch {
    pub changes: Vec<Change>,
}

/// The body of `POST /__admin/tenants/{tenant}/simulate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Simulate {
    /// 1..=365.
    pub days: u32,
    #[serde(default)]
    pub seed: u64,
}

/// A resource a change or simulation touched, with its new `meta.versionId`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AppliedChange {
    /// The resource's type, e.g. `Appointment`.
    #[serde(rename = "resourceType")]
    pub resource_type: String,
    /// The resource's id.
    pub id: String,
    /// Its `meta.versionId` after the change; `None` when the change removed it.
    #[serde(rename = "versionId", default)]
    pub version_id: Option<String>,
}

/// The answer of the changes and simulate endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct Applied {
    pub applied: Vec<AppliedChange>,
}
