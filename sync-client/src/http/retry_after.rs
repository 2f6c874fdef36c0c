//! How long a server asks the client to wait (`Retry-After`), read so that no text a server sends
//! can make a tenant wait forever or panic the client: the tenant is deferred by at most a week.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// The longest wait a `Retry-After` can ask for; anything longer (10^11 s, a date in year 9999)
/// reads as this. It is far beyond any `max_retry_after`, so the tenant is deferred by this much.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// `Retry-After` as delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    parse_retry_after(headers.get(RETRY_AFTER)?.to_str().ok()?, OffsetDateTime::now_utc())
}

/// A negative number or a past date reads as zero, more than [`MAX_RETRY_AFTER`] (however many
/// digits) as that; anything else unreadable as `None`. Never panics, whatever the text.
pub fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if digits(value) {
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER));
    }
    if value.strip_prefix('-').is_some_and(digits) {
        return Some(Duration::ZERO);
    }
    let at = OffsetDateTime::parse(value, &Rfc2822).ok()?;
    let ahead = at.unix_timestamp().saturating_sub(now.unix_timestamp());
    Some(Duration::from_secs(u64::try_from(ahead).unwrap_or(0)).min(MAX_RETRY_AFTER))
}
