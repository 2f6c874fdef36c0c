//! Search parameters: raw query pairs become typed queries at the edge, following Cerner's DSTU2
//! search rules (fhir.cerner.com DSTU2 Appointment, Patient, Practitioner, Schedule, Slot,
//! Encounter). The rest of the emulator never sees a raw parameter.

pub mod date;
mod parse;

pub use date::{DateParam, DatePrefix, PartialDateTime, Precision, TimeRange};
pub use parse::parse_search;

/// Page size when the client gives no `_count` (Cerner's documented default for Patient is 20;
/// 50 elsewhere, chosen where undocumented).
pub const DEFAULT_COUNT: u32 = 50;
pub const DEFAULT_PATIENT_COUNT: u32 = 20;
/// Largest page the emulator serves; a larger `_count` is lowered to it (chosen).
pub const MAX_COUNT: u32 = 200;

/// A parsed search: the typed query and the page size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub query: Query,
    /// Page size after defaults and the `MAX_COUNT` cap.
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    Appointment(AppointmentQuery),
    Encounter(EncounterQuery),
    Patient(PatientQuery),
    /// Practitioner and Schedule support `_id` only.
    Practitioner(Ids),
    Schedule(Ids),
    Slot(SlotQuery),
}

/// A non-empty list of resource ids (`_id=a,b,c`), in the given order, without duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids(pub Vec<String>);

/// Which actor an Appointment search is by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    Patient,
    Practitioner,
    Location,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppointmentQuery {
    /// `_id=…` (alone).
    Ids(Ids),
    /// Exactly one of `patient`/`practitioner`/`location` (a comma list of ids) plus `date`.
    ByActor {
        actor: Actor,
        /// Non-empty, without duplicates.
        ids: Vec<String>,
        /// Appointments whose `start` lies in this range.
        date: TimeRange,
        /// `status=a,b`: keep only these statuses; `None` = every status.
        statuses: Option<Vec<String>>,
    },
    /// R4's rule (`date` or `-date-or-req-period`): appointments whose start lies in `range` or
    /// whose end lies in `(range.from, range.to]`; `proposed` ones only when `requested`.
    Overlapping { actor: Actor, ids: Vec<String>, range: TimeRange, statuses: Option<Vec<String>>, requested: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncounterQuery {
    Ids(Ids),
    /// `patient=…` (comma list of patient ids).
    Patient(Vec<String>),
}

/// Patient search: at least one of the criteria other than `gender` is set.
/// String criteria match case-insensitively as a prefix of the named field (FHIR string search).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientQuery {
    pub ids: Option<Ids>,
    /// `identifier=[system|]value`.
    pub identifier: Option<Token>,
    pub name: Option<Text>,
    pub family: Option<Text>,
    pub given: Option<Text>,
    pub birthdate: Option<TimeRange>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub postal_code: Option<Text>,
    /// `male | female | other | unknown`.
    pub gender: Option<String>,
}

/// A string criterion: the start of a value, any case; with the `:exact` modifier, the whole
/// value, case included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub value: String,
    pub exact: bool,
}

impl Text {
    /// A prefix criterion (no modifier).
    pub fn prefix(value: &str) -> Self {
        Self { value: value.to_owned(), exact: false }
    }
}

/// A token parameter `[system|]code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// `None` when no `|` was given (any system).
    pub system: Option<String>,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotQuery {
    Ids {
        ids: Ids,
        include_schedule: bool,
    },
    ByType {
        /// `slot-type=[system|]code[,…]`, non-empty.
        slot_types: Vec<Token>,
        /// Slots whose `start` lies in this range.
        start: TimeRange,
        /// `schedule.actor=Type/id[,…]`, e.g. `Practitioner/593923`.
        actors: Option<Vec<String>>,
        /// `-location=id[,…]`.
        locations: Option<Vec<String>>,
        /// `_include=Slot:schedule`.
        include_schedule: bool,
    },
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
    Missing { missing: String, with: String },
    /// A value that does not parse or breaks a rule.
    #[error("invalid value for '{param}': {reason}")]
    Invalid { param: String, reason: String },
}
