//! FHIR date search values with their precision (`2016`, `2016-07`, `2016-07-04`,
//! `2016-07-04T10:00:00Z`) and prefixes (`ge`, `gt`, `le`, `lt`, `eq`), turned into half-open
//! time ranges. Neither `time` nor chrono holds a partial date, hence this small type.
//!
//! Follows FHIR DSTU2 "Search › date" as Cerner documents it for `date`, `start` and `birthdate`:
//! a value stands for the whole period it names, and a prefix turns that period into a bound.
//! Choices where the spec leaves room: a value with a time must carry a time zone (a server cannot
//! guess the client's), a date without a time is a UTC period, fractions of a second have exactly
//! three digits (`.sss`, as Cerner writes them) and leap seconds (`:60`) are refused.

use std::str::FromStr;

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

pub use crate::store::query::TimeRange;

const MS_PER_SECOND: i64 = 1_000;
const MS_PER_MINUTE: i64 = 60 * MS_PER_SECOND;
const MS_PER_DAY: i64 = 24 * 60 * MS_PER_MINUTE;

/// How much of a date-time was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Precision {
    /// `YYYY`: the whole year.
    Year,
    /// `YYYY-MM`: the whole month.
    Month,
    /// `YYYY-MM-DD`: the whole day.
    Day,
    /// `Thh:mm`: the whole minute.
    Minute,
    /// `Thh:mm:ss`: the whole second.
    Second,
    /// `Thh:mm:ss.sss`: one millisecond.
    Millisecond,
}

/// A date or date-time as written in a search, standing for the whole period it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDateTime {
    /// How much was given, which sets the period's length.
    pub precision: Precision,
    /// First instant of the period, Unix milliseconds.
    pub start_ms: i64,
}

/// A FHIR date search prefix; Cerner supports these five.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatePrefix {
    /// `eq`: within the period the value names (also what no prefix means).
    Eq,
    /// `ge`: at or after the period's start.
    Ge,
    /// `gt`: after the whole period (from its end on).
    Gt,
    /// `le`: before the period's end (the period included).
    Le,
    /// `lt`: before the period's start.
    Lt,
}

/// One `date=` value: an optional prefix and a partial date-time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateParam {
    /// The prefix written, if any.
    pub prefix: Option<DatePrefix>,
    /// The date or date-time after it.
    pub value: PartialDateTime,
}

/// Why a date search value was refused; the text completes "invalid value for 'date': ...".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// `date=` with nothing after it.
    #[error("empty value")]
    Empty,
    /// A prefix FHIR defines but Cerner does not support (`ne`, `sa`, `eb`, `ap`).
    #[error("prefix '{0}' is not supported; use eq, ge, gt, le or lt")]
    UnsupportedPrefix(String),
    /// A prefix alone.
    #[error("a prefix must be followed by a date")]
    MissingDate,
    #[error(
        "expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss[.sss]] followed by a time \
         zone (Z or ±hh:mm)"
    )]
    /// Not one of the date or date-time shapes.
    Format,
    /// A time without `Z` or an offset.
    #[error("a date with a time needs a time zone (Z or ±hh:mm)")]
    MissingTimeZone,
    /// A `+` written raw in a URL query decodes to a space: the commonest client mistake.
    #[error("a '+' in the time zone must be percent-encoded as %2B (a raw '+' decodes to a space)")]
    UnencodedPlus,
    /// An offset beyond ±14:00.
    #[error("time zone offsets range from -14:00 to +14:00")]
    OffsetOutOfRange,
    /// A well-formed value naming no real date or time, such as `2021-02-29` or `T24:00Z`.
    #[error("not a real date or time: {0}")]
    NotOnCalendar(String),
}

impl Precision {
    /// Length of a period of this precision that does not depend on the calendar.
    fn fixed_length_ms(self) -> Option<i64> {
        match self {
            Precision::Year | Precision::Month => None,
            Precision::Day => Some(MS_PER_DAY),
            Precision::Minute => Some(MS_PER_MINUTE),
            Precision::Second => Some(MS_PER_SECOND),
            Precision::Millisecond => Some(1),
        }
    }
}

impl PartialDateTime {
    /// First instant after the period: `2016` ends at `2017-01-01T00:00Z`.
    pub fn end_ms(&self) -> i64 {
        let length = self.precision.fixed_length_ms().unwrap_or_else(|| self.calendar_length_ms());
        self.start_ms.saturating_add(length)
    }

    /// The whole period the value names, `[start, end)`.
    pub fn period(&self) -> TimeRange {
        TimeRange::new(self.start_ms, self.end_ms())
    }

    /// Length of the year or month starting at `start_ms` (leap years, short months). A
    /// hand-built value outside the ±9999 years `time` covers cannot come from the parser; it
    /// gets the longest such period instead of a panic.
    fn calendar_length_ms(&self) -> i64 {
        let start = OffsetDateTime::from_unix_timestamp(self.start_ms.div_euclid(MS_PER_SECOND));
        let days = match (self.precision, start) {
            (Precision::Year, Ok(start)) => i64::from(time::util::days_in_year(start.year())),
            (Precision::Year, Err(_)) => 366,
            (_, Ok(start)) => i64::from(start.month().length(start.year())),
            (_, Err(_)) => 31,
        };
        days * MS_PER_DAY
    }
}

impl FromStr for PartialDateTime {
    type Err = DateError;

    fn from_str(text: &str) -> Result<Self, DateError> {
        if text.is_empty() {
            return Err(DateError::Empty);
        }
        match text.split_once('T') {
            None => syntax::date_only(text),
            Some((date, time)) => syntax::date_time(date, time),
        }
    }
}

impl DatePrefix {
    /// The prefix as written in a query, e.g. `ge`.
    pub fn as_str(self) -> &'static str {
        match self {
            DatePrefix::Eq => "eq",
            DatePrefix::Ge => "ge",
            DatePrefix::Gt => "gt",
            DatePrefix::Le => "le",
            DatePrefix::Lt => "lt",
        }
    }

    /// FHIR's other prefixes (`ne`, `sa`, `eb`, `ap`) are refused: Cerner does not support them.
    fn from_letters(letters: &str) -> Result<Self, DateError> {
        match letters {
            "eq" => Ok(DatePrefix::Eq),
            "ge" => Ok(DatePrefix::Ge),
            "gt" => Ok(DatePrefix::Gt),
            "le" => Ok(DatePrefix::Le),
            "lt" => Ok(DatePrefix::Lt),
            _ => Err(DateError::UnsupportedPrefix(letters.to_owned())),
        }
    }
}

impl DateParam {
    /// The instants the parameter matches. `ge X` = `[X.start, +∞)`, `gt X` = `[X.end, +∞)`,
    /// `le X` = `(−∞, X.end)`, `lt X` = `(−∞, X.start)`, `eq X` / `X` = `[X.start, X.end)`:
    /// a value means its whole period, so `gt 2016` starts in 2017.
    pub fn range(&self) -> TimeRange {
        let period = self.value.period();
        match self.prefix {
            None | Some(DatePrefix::Eq) => period,
            Some(DatePrefix::Ge) => TimeRange::since(period.from),
            Some(DatePrefix::Gt) => TimeRange::since(period.to),
            Some(DatePrefix::Le) => TimeRange::before(period.to),
            Some(DatePrefix::Lt) => TimeRange::before(period.from),
        }
    }
}

impl FromStr for DateParam {
    type Err = DateError;

    /// A date always starts with a digit, so leading letters are a prefix.
    fn from_str(text: &str) -> Result<Self, DateError> {
        if text.is_empty() {
            return Err(DateError::Empty);
        }
        let letters = text.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (letters, rest) = text.split_at(letters);
        let prefix = match letters {
            "" => None,
            _ => Some(DatePrefix::from_letters(letters)?),
        };
        if rest.is_empty() {
            return Err(DateError::MissingDate);
        }
        Ok(DateParam { prefix, value: rest.parse()? })
    }
}

/// The lexical grammar, kept byte-exact: only ASCII digits in fixed widths, so no input can
/// reach a slice boundary inside a multi-byte character.
mod syntax {
    use super::*;

    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as a UTC period.
    pub(super) fn date_only(text: &str) -> Result<PartialDateTime, DateError> {
        let (year, month, day) = date_fields(text)?;
        let precision = match (month, day) {
            (None, _) => Precision::Year,
            (Some(_), None) => Precision::Month,
            (Some(_), Some(_)) => Precision::Day,
        };
        let date = calendar_date(year, month.unwrap_or(1), day.unwrap_or(1))?;
        Ok(PartialDateTime { precision, start_ms: instant_ms(date, Time::MIDNIGHT, UtcOffset::UTC) })
    }

    /// `YYYY-MM-DD` `T` `hh:mm[:ss[.sss]]` then `Z` or `±hh:mm`.
    pub(super) fn date_time(date: &str, clock_and_zone: &str) -> Result<PartialDateTime, DateError> {
        let (year, Some(month), Some(day)) = date_fields(date)? else {
            return Err(DateError::Format);
        };
        if clock_and_zone.contains(' ') {
            return Err(DateError::UnencodedPlus);
        }
        let Some(zone_at) = clock_and_zone.find(['Z', '+', '-']) else {
            clock(clock_and_zone)?;
            return Err(DateError::MissingTimeZone);
        };
        let (clock_text, zone_text) = clock_and_zone.split_at(zone_at);
        let (time_of_day, precision) = clock(clock_text)?;
        let offset = zone(zone_text)?;
        let date = calendar_date(year, month, day)?;
        Ok(PartialDateTime { precision, start_ms: instant_ms(date, time_of_day, offset) })
    }

    fn date_fields(text: &str) -> Result<(i32, Option<u8>, Option<u8>), DateError> {
        let mut parts = text.split('-');
        let year = parts.next().and_then(|p| digits(p, 4)).ok_or(DateError::Format)?;
        let month = parts.next().map(|p| digits(p, 2).ok_or(DateError::Format)).transpose()?;
        let day = parts.next().map(|p| digits(p, 2).ok_or(DateError::Format)).transpose()?;
        if parts.next().is_some() {
            return Err(DateError::Format);
        }
        Ok((i32::from(year), month.map(to_u8), day.map(to_u8)))
    }

    /// `hh:mm`, `hh:mm:ss` or `hh:mm:ss.sss`.
    fn clock(text: &str) -> Result<(Time, Precision), DateError> {
        let (hms, millis) = match text.split_once('.') {
            Some((hms, fraction)) => (hms, Some(digits(fraction, 3).ok_or(DateError::Format)?)),
            None => (text, None),
        };
        let fields = hms.split(':').map(|p| digits(p, 2)).collect::<Option<Vec<u16>>>();
        let (hour, minute, second, precision) = match (fields.as_deref(), millis) {
            (Some(&[h, m]), None) => (h, m, 0, Precision::Minute),
            (Some(&[h, m, s]), None) => (h, m, s, Precision::Second),
            (Some(&[h, m, s]), Some(_)) => (h, m, s, Precision::Millisecond),
            _ => return Err(DateError::Format),
        };
        let time = Time::from_hms_milli(to_u8(hour), to_u8(minute), to_u8(second), millis.unwrap_or(0))
            .map_err(|e| DateError::NotOnCalendar(e.to_string()))?;
        Ok((time, precision))
    }

    /// `Z` or `±hh:mm`, within FHIR's `-14:00..=+14:00`.
    fn zone(text: &str) -> Result<UtcOffset, DateError> {
        if text == "Z" {
            return Ok(UtcOffset::UTC);
        }
        let (sign, rest) = match text.split_at_checked(1) {
            Some(("+", rest)) => (1, rest),
            Some(("-", rest)) => (-1, rest),
            _ => return Err(DateError::Format),
        };
        let (hours, minutes) = rest.split_once(':').ok_or(DateError::Format)?;
        let hours = digits(hours, 2).ok_or(DateError::Format)?;
        let minutes = digits(minutes, 2).ok_or(DateError::Format)?;
        if hours * 60 + minutes > 14 * 60 || minutes > 59 {
            return Err(DateError::OffsetOutOfRange);
        }
        let (hours, minutes) = (sign * i8::try_from(hours).unwrap_or(0), sign * i8::try_from(minutes).unwrap_or(0));
        UtcOffset::from_hms(hours, minutes, 0).map_err(|_| DateError::OffsetOutOfRange)
    }

    fn calendar_date(year: i32, month: u8, day: u8) -> Result<Date, DateError> {
        let month = Month::try_from(month).map_err(|e| DateError::NotOnCalendar(e.to_string()))?;
        Date::from_calendar_date(year, month, day).map_err(|e| DateError::NotOnCalendar(e.to_string()))
    }

    fn instant_ms(date: Date, time: Time, offset: UtcOffset) -> i64 {
        let instant = PrimitiveDateTime::new(date, time).assume_offset(offset);
        instant.unix_timestamp() * MS_PER_SECOND + i64::from(instant.millisecond())
    }

    /// Exactly `width` ASCII digits (at most 4, so the value fits).
    fn digits(text: &str, width: usize) -> Option<u16> {
        let ok = text.len() == width && text.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| text.parse().ok()).flatten()
    }

    /// Two-digit fields are below 100; saturating keeps this total anyway.
    fn to_u8(value: u16) -> u8 {
        u8::try_from(value).unwrap_or(u8::MAX)
    }
}

#[cfg(test)]
mod tests;
