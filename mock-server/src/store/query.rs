//! The typed queries the store runs: what a search asks for, with every rule of the HTTP surface
//! already applied. The FHIR layer's parameter parser builds them from query strings; the store
//! only runs them, and never sees a raw parameter.

/// A half-open range `[from, to)` of instants, in Unix milliseconds (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeRange {
    /// Inclusive start, Unix milliseconds; `i64::MIN` for no lower bound.
    pub from: i64,
    /// Exclusive end, Unix milliseconds; `i64::MAX` for no upper bound.
    pub to: i64,
}

impl TimeRange {
    /// Every instant: `i64::MIN` / `i64::MAX` stand for an open end (a lone `ge` or `lt`).
    pub const ALL: TimeRange = TimeRange::new(i64::MIN, i64::MAX);

    /// `[from, to)`; empty when `from >= to`.
    pub const fn new(from: i64, to: i64) -> Self {
        TimeRange { from, to }
    }

    /// `[from, +∞)`: a lone lower bound (`ge`, `gt`).
    pub const fn since(from: i64) -> Self {
        TimeRange::new(from, i64::MAX)
    }

    /// `(−∞, to)`: a lone upper bound (`le`, `lt`).
    pub const fn before(to: i64) -> Self {
        TimeRange::new(i64::MIN, to)
    }

    /// Whether `instant_ms` (Unix milliseconds) lies in `[from, to)`.
    pub fn contains(&self, instant_ms: i64) -> bool {
        self.from <= instant_ms && instant_ms < self.to
    }

    /// No instant lies in the range, e.g. `ge2020&lt2019`.
    pub fn is_empty(&self) -> bool {
        self.from >= self.to
    }

    /// Both ends are finite. Appointment and Slot searches require it so that a query always
    /// names a window of the schedule, as Cerner does.
    pub fn is_bounded(&self) -> bool {
        self.from != i64::MIN && self.to != i64::MAX
    }

    /// The instants in both ranges: how a lower and an upper bound combine.
    pub fn intersect(&self, other: &TimeRange) -> TimeRange {
        TimeRange::new(self.from.max(other.from), self.to.min(other.to))
    }
}

/// A search the store runs, one variant per searchable resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// An Appointment search (DSTU2 or R4 rules).
    Appointment(AppointmentQuery),
    /// An Encounter search.
    Encounter(EncounterQuery),
    /// A Patient search.
    Patient(PatientQuery),
    /// Practitioner and Schedule support `_id` only.
    Practitioner(Ids),
    /// Schedules by `_id`.
    Schedule(Ids),
    /// A Slot search.
    Slot(SlotQuery),
}

/// A non-empty list of resource ids (`_id=a,b,c`), in the given order, without duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids(pub Vec<String>);

/// Which actor an Appointment search is by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    /// `patient=`: the Patient participant.
    Patient,
    /// `practitioner=`: the Practitioner participant.
    Practitioner,
    /// `location=`: the Location participant.
    Location,
}

/// The Appointment searches Cerner supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppointmentQuery {
    /// `_id=…` (alone).
    Ids(Ids),
    /// Exactly one of `patient`/`practitioner`/`location` (a comma list of ids) plus `date`.
    ByActor {
        /// Which participant the ids name.
        actor: Actor,
        /// Non-empty, without duplicates.
        ids: Vec<String>,
        /// Appointments whose `start` lies in this range.
        date: TimeRange,
        /// `status=a,b`: keep only these statuses; `None` = every status.
        statuses: Option<Vec<String>>,
    },
    /// R4's rule (`date` or `-date-or-req-period`): appointments whose start lies in `range` or
    /// whose end matches it as `end` says; `proposed` ones only when `requested`.
    Overlapping {
        /// Which participant the ids name.
        actor: Actor,
        /// The actors' ids; non-empty, without duplicates.
        ids: Vec<String>,
        /// The `date` range (or the `-date-or-req-period` range).
        range: TimeRange,
        /// `status=a,b`: keep only these statuses; `None` = every status.
        statuses: Option<Vec<String>>,
        /// True for `-date-or-req-period`: `proposed` appointments are matched too.
        requested: bool,
        /// Which ends match the range (the profile's `appointment_end_match`).
        end: EndMatch,
    },
}

/// Which appointment ends match an R4 `date` range `[from, to)` (fhir.cerner.com R4 Appointment:
/// "appointments … that start or end within the date range provided"; where an end exactly on an
/// edge falls is not stated). The profile's `[r4] appointment_end_match`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EndMatch {
    /// An end in `[from, to)`, the same range a start must lie in (default: the page's words).
    #[default]
    InRange,
    /// An end in `(from, to]`: an appointment ending as the range starts is left out, one ending
    /// as it ends is kept.
    AfterFrom,
}

impl EndMatch {
    /// Whether an appointment ending at `end` (Unix milliseconds) matches `range` by this rule.
    pub fn matches(self, end: i64, range: &TimeRange) -> bool {
        match self {
            EndMatch::InRange => range.contains(end),
            EndMatch::AfterFrom => end > range.from && end <= range.to,
        }
    }
}

/// The Encounter searches Cerner supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncounterQuery {
    /// `_id=…` (alone).
    Ids(Ids),
    /// `patient=…` (comma list of patient ids).
    Patient(Vec<String>),
    /// R4 `account=…` (comma list of Account ids).
    Account(Vec<String>),
    /// R4 `identifier=[system|]value[,…]`: any of them.
    Identifier(Vec<Token>),
    /// R4's optional criteria narrowing one of the others.
    Filtered(Box<EncounterQuery>, EncounterFilter),
}

/// R4 Encounter criteria that narrow a search; `None` = no condition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EncounterFilter {
    /// Encounters whose period overlaps this range (one still going on has no end).
    pub date: Option<TimeRange>,
    /// R4 `status=a,b`: keep only these statuses.
    pub statuses: Option<Vec<String>>,
    /// Encounters whose `meta.lastUpdated` lies in this range.
    pub last_updated: Option<TimeRange>,
}

/// Patient search: at least one of the criteria other than `gender` is set.
/// String criteria match case-insensitively as a prefix of the named field (FHIR string search).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientQuery {
    /// `_id=…`.
    pub ids: Option<Ids>,
    /// `identifier=[system|]value`.
    pub identifier: Option<Token>,
    /// `name=`: any part of the name (family, given, text).
    pub name: Option<Text>,
    /// `family=`: the family name.
    pub family: Option<Text>,
    /// `given=`: a given name.
    pub given: Option<Text>,
    /// `birthdate=` with prefixes, as a range of instants.
    pub birthdate: Option<TimeRange>,
    /// `phone=`: a phone number, whole and ignoring ASCII case.
    pub phone: Option<String>,
    /// `email=`: an email address, whole and ignoring ASCII case.
    pub email: Option<String>,
    /// `address-postalcode=`: the postal code.
    pub postal_code: Option<Text>,
    /// `male | female | other | unknown`.
    pub gender: Option<String>,
}

/// A string criterion: the start of a value, any case; with the `:exact` modifier, the whole
/// value, case included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The text given.
    pub value: String,
    /// `:exact`: match the whole value, case included.
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
    /// The code (or value, for an identifier).
    pub code: String,
}

/// The Slot searches Cerner supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotQuery {
    /// `_id=…`, optionally with `_include=Slot:schedule`.
    Ids {
        /// The slot ids.
        ids: Ids,
        /// `_include=Slot:schedule`: add each slot's Schedule to the bundle.
        include_schedule: bool,
    },
    /// `slot-type` and `start`, optionally narrowed by actor and location.
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
