//! How a tenant's sync ended and what it did: the run summary's entries.

/// How a tenant's sync ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Synced,
    /// A `Retry-After` longer than allowed: try again after `until` (RFC 3339 in JSON).
    Deferred {
        #[serde(with = "time::serde::rfc3339")]
        until: time::OffsetDateTime,
        reason: String,
    },
    /// The tenant refused the account (not approved, approval withdrawn, scopes).
    Rejected {
        reason: String,
    },
    Failed {
        reason: String,
        request_id: Option<String>,
    },
}

impl Outcome {
    /// The outcome with every credential its texts may quote masked ([`crate::redact`]): reasons
    /// and request ids hold what a server sent.
    pub fn redacted(self) -> Self {
        use crate::redact::redact;
        match self {
            Self::Synced => Self::Synced,
            Self::Deferred { until, reason } => Self::Deferred { until, reason: redact(&reason) },
            Self::Rejected { reason } => Self::Rejected { reason: redact(&reason) },
            Self::Failed { reason, request_id } => {
                Self::Failed { reason: redact(&reason), request_id: request_id.as_deref().map(redact) }
            }
        }
    }

    /// The outcome as the store keeps it, without its details.
    pub fn kind(&self) -> crate::store::OutcomeKind {
        use crate::store::OutcomeKind;
        match self {
            Self::Synced => OutcomeKind::Synced,
            Self::Deferred { .. } => OutcomeKind::Deferred,
            Self::Rejected { .. } => OutcomeKind::Rejected,
            Self::Failed { .. } => OutcomeKind::Failed,
        }
    }
}

/// What a tenant's sync did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TenantReport {
    pub tenant: String,
    /// The FHIR version the tenant's metadata declared; absent when discovery did not get that far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fhir_version: Option<crate::fhir_version::FhirVersion>,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub pages: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub vanished: u64,
    /// Appointments the server returned whose start is not in the window (R4 matches by
    /// overlap): not stored.
    pub outside_window: u64,
    pub requests: u64,
    pub retries: u64,
    pub waits: u64,
    pub tokens: u64,
}

impl TenantReport {
    /// A report of a tenant on which nothing has been done yet.
    pub fn new(tenant: &str, outcome: Outcome) -> Self {
        Self {
            tenant: tenant.to_owned(),
            fhir_version: None,
            outcome,
            pages: 0,
            inserted: 0,
            updated: 0,
            unchanged: 0,
            vanished: 0,
            outside_window: 0,
            requests: 0,
            retries: 0,
            waits: 0,
            tokens: 0,
        }
    }
}
