use super::*;
use proptest::prelude::*;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;
use time::macros::datetime;

#[test]
fn retry_after_reads_seconds_and_http_dates() {
    let now = datetime!(2026-01-05 08:00:00 UTC);
    assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
    assert_eq!(parse_retry_after("Mon, 05 Jan 2026 10:00:00 GMT", now), Some(Duration::from_secs(7200)));
    assert_eq!(parse_retry_after("Mon, 05 Jan 2026 07:00:00 GMT", now), Some(Duration::ZERO));
    assert_eq!(parse_retry_after("soon", now), None);
    assert_eq!(parse_retry_after("", now), None);
    assert_eq!(parse_retry_after("1.5", now), None);
    assert_eq!(parse_retry_after("-5", now), Some(Duration::ZERO));
    assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
    assert_eq!(parse_retry_after("100000000000", now), Some(MAX_RETRY_AFTER));
    assert_eq!(parse_retry_after("99999999999999999999999999", now), Some(MAX_RETRY_AFTER));
    assert_eq!(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now), Some(MAX_RETRY_AFTER));
    assert_eq!(parse_retry_after("Mon, 01 Jan 1900 00:00:00 GMT", now), Some(Duration::ZERO));
}

proptest! {
    #[test]
    fn retry_after_parser_never_panics(text in "\\PC{0,40}") {
        let parsed = parse_retry_after(&text, OffsetDateTime::UNIX_EPOCH);
        prop_assert!(parsed.is_none_or(|d| d <= MAX_RETRY_AFTER));
    }

    #[test]
    fn retry_after_reads_any_number_within_the_clamp(seconds in any::<u128>(), negative in any::<bool>(), now in -377_705_116_800i64..253_402_300_799) {
        let now = OffsetDateTime::from_unix_timestamp(now).unwrap();
        let text = if negative { format!("-{seconds}") } else { seconds.to_string() };
        let parsed = parse_retry_after(&text, now).unwrap();
        let expected = if negative { Duration::ZERO } else { Duration::from_secs(u64::try_from(seconds).unwrap_or(u64::MAX)).min(MAX_RETRY_AFTER) };
        prop_assert_eq!(parsed, expected);
    }

    #[test]
    fn retry_after_reads_any_http_date_within_the_clamp(at in -62_135_596_800i64..253_402_300_799, now in -62_135_596_800i64..253_402_300_799) {
        let (at, now) = (OffsetDateTime::from_unix_timestamp(at).unwrap(), OffsetDateTime::from_unix_timestamp(now).unwrap());
        if let Ok(text) = at.format(&Rfc2822) {
            let parsed = parse_retry_after(&text, now).unwrap();
            prop_assert!(parsed <= MAX_RETRY_AFTER);
            prop_assert_eq!(parsed.is_zero(), at <= now);
        }
    }
}
