//! Reading the FHIR instants of starts and window bounds as UTC, so that both stores compare and
//! sort them the same whatever offset a server wrote them with, and agree with SQLite's own date
//! functions on what counts as a date.

use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// The UTC instant of an ISO date (`YYYY-MM-DD`, midnight UTC) or date-time
/// (`YYYY-MM-DDTHH:MM[:SS[.fff…]]` then `Z`, `±HH:MM` or nothing for UTC; `T` or a space between),
/// the forms SQLite's date functions read; `None` for anything else.
pub fn utc_instant(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    let date = parse_date(text.get(..10)?)?;
    let rest = &text[10..];
    if rest.is_empty() {
        return Some(date.midnight().assume_utc());
    }
    let rest = rest.strip_prefix(['T', ' '])?;
    let (clock, offset) = split_offset(rest)?;
    let time = parse_time(clock)?;
    PrimitiveDateTime::new(date, time).assume_offset(offset).checked_to_offset(UtcOffset::UTC)
}

/// [`utc_instant`] as the text both stores compare and sort on: `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub fn utc_text(text: &str) -> Option<String> {
    let utc = utc_instant(text)?;
    let (y, m, d) = (utc.year(), u8::from(utc.month()), utc.day());
    if !(0..=9999).contains(&y) {
        return None;
    }
    let (h, min, s, micro) = (utc.hour(), utc.minute(), utc.second(), utc.microsecond());
    Some(format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{micro:06}Z"))
}

fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(&text[..4])?).ok()?;
    let month = time::Month::try_from(u8::try_from(digits(&text[5..7])?).ok()?).ok()?;
    let day = u8::try_from(digits(&text[8..10])?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// Splits `HH:MM…` from a trailing `Z`, `±HH:MM` or nothing (UTC).
fn split_offset(text: &str) -> Option<(&str, UtcOffset)> {
    if let Some(clock) = text.strip_suffix(['Z', 'z']) {
        return Some((clock, UtcOffset::UTC));
    }
    match text.len().checked_sub(6).and_then(|at| text.get(at..).map(|tail| (at, tail))) {
        Some((at, tail)) if tail.starts_with(['+', '-']) && tail.as_bytes()[3] == b':' => {
            let hours = i8::try_from(digits(&tail[1..3])?).ok()?;
            let minutes = i8::try_from(digits(&tail[4..6])?).ok()?;
            let sign = if tail.starts_with('-') { -1 } else { 1 };
            let offset = UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()?;
            Some((&text[..at], offset))
        }
        _ => Some((text, UtcOffset::UTC)),
    }
}

fn parse_time(text: &str) -> Option<Time> {
    let (hm, seconds) = match text.len() {
        5 => (text, None),
        n if n >= 8 && text.as_bytes()[5] == b':' => (&text[..5], Some(&text[6..])),
        _ => return None,
    };
    if hm.as_bytes()[2] != b':' {
        return None;
    }
    let hour = u8::try_from(digits(&hm[..2])?).ok()?;
    let minute = u8::try_from(digits(&hm[3..5])?).ok()?;
    let (second, micro) = match seconds {
        None => (0, 0),
        Some(s) => {
            let (whole, fraction) = s.split_once('.').map_or((s, None), |(w, f)| (w, Some(f)));
            if whole.len() != 2 {
                return None;
            }
            let micro = match fraction {
                None => 0,
                Some(f) => {
                    let kept: String = f.chars().take(6).collect();
                    digits(f)?;
                    digits(&kept)? * 10u32.pow(6 - u32::try_from(kept.len()).ok()?)
                }
            };
            (u8::try_from(digits(whole)?).ok()?, micro)
        }
    };
    Time::from_hms_micro(hour, minute, second, micro).ok()
}
