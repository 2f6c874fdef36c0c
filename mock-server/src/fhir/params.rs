//! Search parameters: raw query pairs become typed queries at the edge, following Cerner's DSTU2
//! search rules (fhir.cerner.com DSTU2 Appointment, Patient, Practitioner, Schedule, Slot,
//! Encounter). The rest of the emulator never sees a raw parameter: the typed queries are the
//! store's ([`crate::store::query`]), and this module is the only place they are built from HTTP.

pub mod date;
mod parse;

pub use date::{DateParam, DatePrefix, PartialDateTime, Precision};
pub use parse::parse_search;
pub(crate) use parse::patient::from_params as patient_search;
pub(crate) use parse::{Params, invalid};
// The typed queries belong to the store, which runs them; this module only builds them.
pub use crate::store::query::{
    Actor, AppointmentQuery, EncounterFilter, EncounterQuery, Ids, PatientQuery, Query, SlotQuery, Text, TimeRange,
    Token,
};

/// Page size when the client gives no `_count` (Cerner's documented default for Patient is 20;
/// 50 elsewhere, chosen where undocumented).
pub const DEFAULT_COUNT: u32 = 50;
/// Page size of a Patient search without `_count` (Cerner's documented 20).
pub const DEFAULT_PATIENT_COUNT: u32 = 20;
/// Largest page the emulator serves; a larger `_count` is lowered to it (chosen).
pub const MAX_COUNT: u32 = 200;

/// A parsed search: the typed query and the page size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// What to search for.
    pub query: Query,
    /// Page size after defaults and the `MAX_COUNT` cap.
    pub count: u32,
}

/// Why a search was refused. Rendered as a 400 OperationOutcome (Patient's too-many-matches is
/// decided later, by the store, not here).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    /// None of the parameters that make a search possible was given (documented text).
    #[error("no supported search parameters provided")]
    NoSupportedParameters,
    /// A parameter the resource type does not support.
    #[error("unsupported search parameter '{0}'")]
    Unsupported(String),
    /// A parameter given more than once where that is not allowed.
    #[error("search parameter '{0}' may not be repeated")]
    Repeated(String),
    /// Two parameters that may not be combined.
    #[error("search parameters '{0}' and '{1}' may not be combined")]
    Conflict(String, String),
    /// A parameter that is required together with another one is missing.
    #[error("search parameter '{missing}' is required with '{with}'")]
    Missing {
        /// The parameter that is missing.
        missing: String,
        /// The parameter given that needs it.
        with: String,
    },
    /// A value that does not parse or breaks a rule.
    #[error("invalid value for '{param}': {reason}")]
    Invalid {
        /// The parameter's name as given.
        param: String,
        /// Why the value was refused.
        reason: String,
    },
}
