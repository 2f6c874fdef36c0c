//! The admin API's JSON, defined once: the handlers answer with these types and
//! [`crate::AdminClient`] sends and decodes them. Types that are also the emulator's own
//! (fault rules, journal entries, data changes, tenant summaries) live with their module and are
//! re-exported here; the rest are the request and answer bodies of the admin endpoints.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use crate::faults::{FaultAction, FaultMatch, FaultRule, FaultView};
pub use crate::journal::{FaultApplied, JournalEntry, JournalQuery};
pub use crate::store::{ActorCount, AppointmentStarts, Change, TenantSummary};

/// `{"status": "..."}`: the answer of `GET /__admin/health` (`ok`) and `POST /__admin/reset`
/// (`reset`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatusBody {
    pub status: String,
}

/// `{"error": "..."}`: every admin refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: String,
}

/// The emulator's clock, as `GET`/`POST /__admin/clock` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClockState {
    #[serde(with = "time::serde::rfc3339")]
    pub now: OffsetDateTime,
    /// Whether the clock stands still until moved (`--manual-clock`); only a manual clock moves.
    pub manual: bool,
}

/// The body of `POST /__admin/clock`: exactly one of the two.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advance_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub set: Option<OffsetDateTime>,
}

/// The answer of `GET /__admin/journal`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Journal {
    pub entries: Vec<JournalEntry>,
    /// How many entries the journal keeps; older ones are dropped.
    pub capacity: u64,
    /// How many requests were recorded in all, so a test can tell whether some were dropped.
    pub recorded: u64,
}

impl Journal {
    /// The newest `seq` returned, to pass to [`JournalQuery::since`] next time.
    pub fn last_seq(&self) -> Option<u64> {
        self.entries.iter().map(|entry| entry.seq).max()
    }
}

/// The answer of `GET /__admin/faults`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FaultList {
    pub faults: Vec<FaultView>,
}

/// A tenant as `GET /__admin/tenants` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TenantInfo {
    pub id: String,
    pub name: String,
    pub fhir_base: String,
    pub open_fhir_base: String,
    pub token_url: String,
    /// Client ids of the system accounts approved for this tenant.
    pub approved_accounts: Vec<String>,
}

/// The answer of `GET /__admin/tenants`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TenantList {
    pub tenants: Vec<TenantInfo>,
}

/// A tenant with a summary of its data (`GET /__admin/tenants/{tenant}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TenantDetail {
    #[serde(flatten)]
    pub info: TenantInfo,
    pub data: TenantSummary,
}

/// The body of `POST /__admin/tenants/{tenant}/changes`: applied all or none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeBatch {
    pub changes: Vec<Change>,
}

/// The body of `POST /__admin/tenants/{tenant}/simulate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Simulate {
    /// 1..=365.
    pub days: u32,
    #[serde(default)]
    pub seed: u64,
}

/// A resource a change or simulation touched, with its new `meta.versionId`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AppliedChange {
    #[serde(rename = "resourceType")]
    pub resource_type: String,
    pub id: String,
    #[serde(rename = "versionId", default)]
    pub version_id: Option<String>,
}

/// The answer of the changes and simulate endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Applied {
    pub applied: Vec<AppliedChange>,
}
