//! Business-day arithmetic on Unix day numbers and the two text forms of an instant: the FHIR
//! `instant` (`2020-10-06T14:00:00.000Z`, Cerner always prints milliseconds) and the narrative form
//! of Cerner's `text.div` (`Oct  6, 2020  2:00 P.M. UTC`). Written by hand because formatting a
//! million appointments through `time`'s format descriptions costs more than generating them.

use std::fmt::Write as _;

use time::Date;

pub(super) const SECS_PER_DAY: i64 = 86_400;
/// Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;
/// Business hours in minutes after midnight UTC: visits start at 08:00 and end by 17:00.
pub(super) const OPENS: u32 = 8 * 60;
pub(super) const CLOSES: u32 = 17 * 60;

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

pub(super) fn unix_day(date: Date) -> i64 {
    i64::from(date.to_julian_day()) - UNIX_EPOCH_JULIAN_DAY
}

/// Monday to Friday (1970-01-01 was a Thursday).
pub(super) fn is_weekday(day: i64) -> bool {
    (day + 3).rem_euclid(7) < 5
}

/// A weekday that visits can be booked on.
#[derive(Debug, Clone, Copy)]
pub(super) struct Workday {
    pub day: i64,
    /// In the first half of the range. The generator never reads a clock, so it cannot know
    /// "today"; the first half plays the past (fulfilled, no-shows), the second the future.
    pub past: bool,
}

/// The weekdays of `first..=last`, oldest first; empty when the range holds none.
pub(super) fn workdays(first: Date, last: Date) -> Vec<Workday> {
    let (first, last) = (unix_day(first), unix_day(last));
    let middle = first + (last - first + 1) / 2;
    (first..=last).filter(|&day| is_weekday(day)).map(|day| Workday { day, past: day < middle }).collect()
}

/// A visit: its start in Unix seconds and its length.
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    pub start: i64,
    pub minutes: u32,
}

impl Span {
    /// A visit on `day` lasting one of `lengths` minutes, starting on a quarter hour and ending by
    /// closing time. `lengths` is a non-empty table of at most nine hours.
    pub(super) fn business(rng: &mut crate::rng::Rng, day: i64, lengths: &[u32]) -> Span {
        let minutes = lengths.get(rng.index(lengths.len())).copied().unwrap_or(15);
        let quarters = (CLOSES - OPENS).saturating_sub(minutes) / 15 + 1;
        let start_minute = OPENS + 15 * rng.below(u64::from(quarters)) as u32;
        Span { start: day * SECS_PER_DAY + i64::from(start_minute) * 60, minutes }
    }

    pub(super) fn end(self) -> i64 {
        self.start + i64::from(self.minutes) * 60
    }
}

/// Which of `days` days item `index` of `count` falls on: consecutive blocks whose sizes differ by
/// at most one, so every day carries the same load and ids rise with the date.
pub(super) fn spread(index: u64, count: u64, days: usize) -> usize {
    let day = u128::from(index) * days as u128 / u128::from(count.max(1));
    usize::try_from(day).unwrap_or(0)
}

/// (year, month 0..12, day of month) of a Unix day, by Howard Hinnant's `civil_from_days`.
fn civil(day: i64) -> (i64, usize, i64) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let dom = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 2 } else { mp - 10 };
    (yoe + era * 400 + i64::from(month <= 1), month as usize, dom)
}

fn push_two(out: &mut String, n: i64) {
    out.push_str(two(n));
}

/// `n % 100` as two digits, from a table: instants are written for every appointment served.
fn two(n: i64) -> &'static str {
    const DIGITS: &str = "00010203040506070809101112131415161718192021222324252627282930313233343536373839\
                          40414243444546474849505152535455565758596061626364656667686970717273747576777879\
                          8081828384858687888990919293949596979899";
    let at = 2 * n.rem_euclid(100) as usize;
    DIGITS.get(at..at + 2).unwrap_or("00")
}

/// `YYYY-MM-DD`.
pub(super) fn push_date(out: &mut String, day: i64) {
    let (year, month, dom) = civil(day);
    if (0..10_000).contains(&year) {
        push_two(out, year / 100);
        push_two(out, year % 100);
    } else {
        let _ = write!(out, "{year:04}");
    }
    out.push('-');
    push_two(out, month as i64 + 1);
    out.push('-');
    push_two(out, dom);
}

/// A FHIR instant with Cerner's millisecond precision: `YYYY-MM-DDTHH:MM:SS.000Z`.
pub(super) fn push_instant(out: &mut String, secs: i64) {
    push_date(out, secs.div_euclid(SECS_PER_DAY));
    push_time(out, secs);
}

/// The time of day of an instant, after its date: `THH:MM:SS.000Z`.
pub(super) fn push_time(out: &mut String, secs: i64) {
    let time = secs.rem_euclid(SECS_PER_DAY);
    if time % 60 == 0 {
        // Visits start and end on the minute.
        out.push_str(MINUTES.whole(time / 60));
    } else {
        out.push_str(MINUTES.iso(time / 60));
        push_two(out, time % 60);
        out.push_str(".000Z");
    }
}

/// The text of every minute of a day in both forms, written once: a search writes four instants
/// for each appointment it answers, and composing each from its digits was a tenth of the time of
/// a 50-entry search.
struct MinuteTexts {
    /// `THH:MM:`, [`ISO_MINUTE`] bytes a minute.
    iso: String,
    /// `THH:MM:00.000Z`, [`WHOLE_MINUTE`] bytes a minute.
    whole: String,
    /// `  H:MM A.M. UTC` (the hour padded to two places), [`NARRATIVE_MINUTE`] bytes a minute.
    narrative: String,
}

const MINUTES_PER_DAY: i64 = 24 * 60;
const ISO_MINUTE: usize = "THH:MM:".len();
const NARRATIVE_MINUTE: usize = "  H:MM A.M. UTC".len();
const WHOLE_MINUTE: usize = "THH:MM:00.000Z".len();

static MINUTES: std::sync::LazyLock<MinuteTexts> = std::sync::LazyLock::new(|| {
    let mut iso = String::with_capacity(ISO_MINUTE * MINUTES_PER_DAY as usize);
    let mut narrative = String::with_capacity(NARRATIVE_MINUTE * MINUTES_PER_DAY as usize);
    let mut whole = String::with_capacity(WHOLE_MINUTE * MINUTES_PER_DAY as usize);
    for minute in 0..MINUTES_PER_DAY {
        let start = iso.len();
        iso.push('T');
        push_two(&mut iso, minute / 60);
        iso.push(':');
        push_two(&mut iso, minute % 60);
        iso.push(':');
        whole.push_str(&iso[start..]);
        whole.push_str("00.000Z");
        compose_div_time(&mut narrative, minute * 60);
    }
    MinuteTexts { iso, whole, narrative }
});

impl MinuteTexts {
    /// `minute` is in `0..MINUTES_PER_DAY`.
    fn iso(&self, minute: i64) -> &str {
        let at = minute as usize * ISO_MINUTE;
        self.iso.get(at..at + ISO_MINUTE).unwrap_or("T00:00:")
    }

    fn whole(&self, minute: i64) -> &str {
        let at = minute as usize * WHOLE_MINUTE;
        self.whole.get(at..at + WHOLE_MINUTE).unwrap_or("T00:00:00.000Z")
    }

    fn narrative(&self, minute: i64) -> &str {
        let at = minute as usize * NARRATIVE_MINUTE;
        self.narrative.get(at..at + NARRATIVE_MINUTE).unwrap_or(" 12:00 A.M. UTC")
    }
}

/// Cerner's narrative date, day padded with a space: `Oct  6, 2020`.
pub(super) fn push_div_date(out: &mut String, day: i64) {
    let (year, month, dom) = civil(day);
    out.push_str(MONTHS.get(month).copied().unwrap_or("Jan"));
    out.push_str(if dom < 10 { "  " } else { " " });
    push_number(out, dom.unsigned_abs());
    out.push_str(", ");
    if year < 0 {
        out.push('-');
    }
    push_number(out, year.unsigned_abs());
}

/// Cerner's narrative date and time: `Oct  6, 2020  2:00 P.M. UTC`.
pub(super) fn push_div_instant(out: &mut String, secs: i64) {
    push_div_date(out, secs.div_euclid(SECS_PER_DAY));
    push_div_time(out, secs);
}

/// The narrative time of day, after its date: `  2:00 P.M. UTC`.
pub(super) fn push_div_time(out: &mut String, secs: i64) {
    out.push_str(MINUTES.narrative(secs.rem_euclid(SECS_PER_DAY) / 60));
}

/// [`push_div_time`] from the digits (what the table holds).
fn compose_div_time(out: &mut String, secs: i64) {
    let minutes = secs.rem_euclid(SECS_PER_DAY) / 60;
    let (hour, minute) = (minutes / 60, minutes % 60);
    let hour12 = if hour % 12 == 0 { 12 } else { hour % 12 };
    out.push_str(if hour12 < 10 { "  " } else { " " });
    push_number(out, hour12.unsigned_abs());
    out.push(':');
    push_two(out, minute);
    out.push_str(if hour < 12 { " A.M. UTC" } else { " P.M. UTC" });
}

/// A number in decimal, without `fmt`'s machinery: ids and references are written millions of
/// times, and `write!` was a tenth of the generation time (`itoa` also skips the UTF-8 check a
/// hand-made digit buffer needs).
pub(super) fn push_number(out: &mut String, n: u64) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// Escapes text from outside (location names from the profile) for the XHTML `text.div`.
pub(super) fn push_html(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_minute_of_the_table_reads_as_composed_from_its_digits() {
        for secs in (-SECS_PER_DAY..2 * SECS_PER_DAY).step_by(47) {
            let time = secs.rem_euclid(SECS_PER_DAY);
            let mut iso = String::new();
            push_time(&mut iso, secs);
            assert_eq!(iso, format!("T{:02}:{:02}:{:02}.000Z", time / 3600, time / 60 % 60, time % 60));
            let (mut narrative, mut composed) = (String::new(), String::new());
            push_div_time(&mut narrative, secs);
            compose_div_time(&mut composed, secs);
            assert_eq!(narrative, composed, "{secs}");
        }
        for minute in 0..MINUTES_PER_DAY {
            let mut iso = String::new();
            push_time(&mut iso, minute * 60);
            assert_eq!(iso, format!("T{:02}:{:02}:00.000Z", minute / 60, minute % 60));
        }
        let mut two_pm = String::new();
        push_div_time(&mut two_pm, 14 * 3600);
        assert_eq!(two_pm, "  2:00 P.M. UTC");
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0, 7, 10, 99, 430_000_019, u64::MAX] {
            let mut out = "x".to_owned();
            push_number(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
    }
}
