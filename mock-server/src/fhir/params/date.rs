//! FHIR date search values with their precision (`2016`, `2016-07`, `2016-07-04`,
//! `2016-07-04T10:00:00Z`) and prefixes (`ge`, `gt`, `le`, `lt`, `eq`), turned into half-open
//! time ranges. Neither `time` nor chrono holds a partial date, hence this small type.

/// A half-open range `[from, to)` of instants, in Unix milliseconds (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeRange {
    pub from: i64,
    pub to: i64,
}

impl TimeRange {
    pub fn contains(&self, instant_ms: i64) -> bool {
        self.from <= instant_ms && instant_ms < self.to
    }
}

/// How much of a date-time was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Precision {
    Year,
    Month,
    Day,
    Minute,
    Second,
    Millisecond,
}

/// A date or date-time as written in a search, standing for the whole period it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDateTime {
    pub precision: Precision,
    /// First instant of the period, Unix milliseconds.
    pub start_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatePrefix {
    Eq,
    Ge,
    Gt,
    Le,
    Lt,
}

/// One `date=` value: an optional prefix and a partial date-time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateParam {
    pub prefix: Option<DatePrefix>,
    pub value: PartialDateTime,
}
