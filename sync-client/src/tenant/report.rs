//! How a tenant's sync ended and what it did: the run summary's entries.

/// How a tenant's sync ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Every page of the window was read and stored; vanished appointments are marked.
    Synced,
    /// A `Retry-After` longer than allowed: try again after `until` (RFC 3339 in JSON).
    Deferred {
        /// When the server said it may be asked again.
        #[serde(with = "time::serde::rfc3339")]
        until: time::OffsetDateTime,
        /// Why the tenant was deferred (e.g. the `Retry-After` and the allowed maximum).
        reason: String,
    },
    /// The tenant refused the account (not approved, approval withdrawn, scopes).
    Rejected {
        /// What the token endpoint answered, e.g. its `error` code and description.
        reason: String,
    },
    /// Anything else stopped the sync: network, server errors, a hostile answer, the store. The run exits non-zero.
    Failed {
        /// One line saying what went wrong; never a token or secret.
        reason: String,
        /// The server's `X-Request-Id` of the failing response, when it sent one, for Cerner support.
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
    /// The tenant id from the configuration.
    pub tenant: String,
    /// The FHIR version the tenant's metadata declared; absent when discovery did not get that far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fhir_version: Option<crate::fhir_version::FhirVersion>,
    /// How the sync ended; flattened into the JSON object with an `outcome` tag.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Search result pages read and stored.
    pub pages: u64,
    /// Appointments stored for the first time.
    pub inserted: u64,
    /// Appointments already stored whose content changed.
    pub updated: u64,
    /// Appointments already stored with identical content.
    pub unchanged: u64,
    /// Stored appointments in the window that the server no longer returned, now marked vanished.
    pub vanished: u64,
    /// Appointments the server returned whose start is not in the window (R4 matches by
    /// overlap): not stored.
    pub outside_window: u64,
    /// HTTP requests sent to the tenant (metadata, token and search), retries included.
    pub requests: u64,
    /// Requests sent again after a transient failure (5xx, a dropped connection, a timeout).
    pub retries: u64,
    /// Times a 429 was waited out before asking again.
    pub waits: u64,
    /// Access tokens requested from the tenant's token endpoint.
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
