//! Date values: the documented formats, the calendar, prefixes as ranges, and property tests
//! against an independent civil-calendar reference (Hinnant's `days_from_civil`).

use proptest::prelude::*;

use super::*;

const HOUR: i64 = 60 * MS_PER_MINUTE;

/// Days since 1970-01-01 of a proleptic Gregorian date, written without the `time` crate so the
/// tests check the parser against something else.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn utc_ms(year: i64, month: i64, day: i64) -> i64 {
    days_from_civil(year, month, day) * MS_PER_DAY
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn period(text: &str) -> TimeRange {
    text.parse::<PartialDateTime>().unwrap().period()
}

fn range(text: &str) -> TimeRange {
    text.parse::<DateParam>().unwrap().range()
}

fn error(text: &str) -> DateError {
    text.parse::<DateParam>().unwrap_err()
}

#[test]
fn a_year_is_the_whole_utc_year() {
    let value: PartialDateTime = "2016".parse().unwrap();
    assert_eq!(value.precision, Precision::Year);
    assert_eq!(value.period(), TimeRange::new(utc_ms(2016, 1, 1), utc_ms(2017, 1, 1)));
}

#[test]
fn a_month_is_the_whole_utc_month_with_leap_februaries() {
    assert_eq!(period("2016-02"), TimeRange::new(utc_ms(2016, 2, 1), utc_ms(2016, 3, 1)));
    assert_eq!(period("2015-02").to - period("2015-02").from, 28 * MS_PER_DAY);
    assert_eq!(period("2016-12"), TimeRange::new(utc_ms(2016, 12, 1), utc_ms(2017, 1, 1)));
    assert_eq!("2016-07".parse::<PartialDateTime>().unwrap().precision, Precision::Month);
}

#[test]
fn a_day_is_24_utc_hours() {
    assert_eq!(period("2016-07-04"), TimeRange::new(utc_ms(2016, 7, 4), utc_ms(2016, 7, 5)));
}

#[test]
fn a_minute_with_an_offset_is_that_minute_in_utc() {
    let start = utc_ms(2016, 7, 4) + 8 * HOUR;
    let value: PartialDateTime = "2016-07-04T10:00+02:00".parse().unwrap();
    assert_eq!(value.precision, Precision::Minute);
    assert_eq!(value.period(), TimeRange::new(start, start + MS_PER_MINUTE));
}

#[test]
fn seconds_and_milliseconds_are_that_second_and_that_millisecond() {
    let start = utc_ms(2016, 7, 4) + 15 * HOUR + 30 * MS_PER_MINUTE + 5_000;
    assert_eq!(period("2016-07-04T10:30:05-05:00"), TimeRange::new(start, start + 1_000));
    assert_eq!(period("2016-07-04T15:30:05.250Z"), TimeRange::new(start + 250, start + 251));
}

#[test]
fn an_offset_can_move_the_instant_into_another_day() {
    assert_eq!(period("2016-01-01T00:30+01:00").from, utc_ms(2015, 12, 31) + 23 * HOUR + 30 * MS_PER_MINUTE);
}

#[test]
fn the_calendar_extremes_parse_without_overflow() {
    assert_eq!(period("0000"), TimeRange::new(utc_ms(0, 1, 1), utc_ms(1, 1, 1)));
    assert_eq!(period("9999").to, utc_ms(10_000, 1, 1));
    assert_eq!(period("9999-12-31T23:59:59.999-14:00").from, utc_ms(10_000, 1, 1) + 14 * HOUR - 1);
}

#[test]
fn a_time_without_a_time_zone_is_refused() {
    assert_eq!(error("2016-07-04T10:00"), DateError::MissingTimeZone);
    assert_eq!(error("2016-07-04T10:00:00.000"), DateError::MissingTimeZone);
}

#[test]
fn a_plus_decoded_to_a_space_gets_a_hint_to_encode_it() {
    assert_eq!(error("ge2016-07-04T10:00 02:00"), DateError::UnencodedPlus);
    assert!(DateError::UnencodedPlus.to_string().contains("%2B"));
}

#[test]
fn dates_that_are_not_on_the_calendar_are_refused() {
    for text in ["2021-02-29", "1900-02-29", "2016-04-31", "2016-13", "2016-00", "2016-01-00"] {
        assert!(matches!(error(text), DateError::NotOnCalendar(_)), "{text}");
    }
    for text in ["2016-07-04T24:00Z", "2016-07-04T23:60Z", "2016-07-04T23:59:60Z"] {
        assert!(matches!(error(text), DateError::NotOnCalendar(_)), "{text}");
    }
}

#[test]
fn leap_days_of_leap_years_parse() {
    assert_eq!(period("2000-02-29").from, utc_ms(2000, 2, 29));
    assert_eq!(period("2020-02-29").from, utc_ms(2020, 2, 29));
}

#[test]
fn malformed_dates_are_refused_as_format_errors() {
    let malformed = [
        "16",
        "20160",
        "2016-7",
        "2016-07-4",
        "20160704",
        "2016-07-04T10Z",
        "2016-07-04T",
        "2016-07-04T10:00:00.1Z",
        "2016-07-04T10:00:00.1234Z",
        "2016-07-04T10:00z",
        "2016-07-04t10:00Z",
        "2016-07-04 10:00Z",
        "2016-07-04T10:00Zjunk",
        "2016-07T10:00Z",
        "+2016",
        "-2016",
        "2016-",
        "2016--07",
        "２０１６",
        "2016-07-04T10:00+0200",
        "2016-07-04T10:00+2:00",
        "2016-07-04T10:00.000Z",
    ];
    for text in malformed {
        assert_eq!(error(text), DateError::Format, "{text}");
    }
}

#[test]
fn offsets_beyond_fourteen_hours_are_refused() {
    assert_eq!(error("2016-07-04T10:00+14:30"), DateError::OffsetOutOfRange);
    assert_eq!(error("2016-07-04T10:00-15:00"), DateError::OffsetOutOfRange);
    assert_eq!(error("2016-07-04T10:00+05:60"), DateError::OffsetOutOfRange);
    assert_eq!(period("2016-07-04T14:00+14:00").from, utc_ms(2016, 7, 4));
}

#[test]
fn prefixes_turn_the_period_into_bounds() {
    let (start, end) = (utc_ms(2016, 1, 1), utc_ms(2017, 1, 1));
    assert_eq!(range("2016"), TimeRange::new(start, end));
    assert_eq!(range("eq2016"), TimeRange::new(start, end));
    assert_eq!(range("ge2016"), TimeRange::new(start, i64::MAX));
    assert_eq!(range("gt2016"), TimeRange::new(end, i64::MAX));
    assert_eq!(range("le2016"), TimeRange::new(i64::MIN, end));
    assert_eq!(range("lt2016"), TimeRange::new(i64::MIN, start));
}

#[test]
fn the_prefix_is_kept_on_the_parsed_value() {
    let param: DateParam = "lt2020-11-01".parse().unwrap();
    assert_eq!(param.prefix, Some(DatePrefix::Lt));
    assert_eq!(param.value.precision, Precision::Day);
    assert_eq!("2020".parse::<DateParam>().unwrap().prefix, None);
}

#[test]
fn fhir_prefixes_cerner_does_not_support_are_refused() {
    for prefix in ["ne", "sa", "eb", "ap", "GE", "x", "gte"] {
        assert_eq!(error(&format!("{prefix}2016")), DateError::UnsupportedPrefix(prefix.to_owned()));
    }
}

#[test]
fn a_prefix_without_a_date_or_an_empty_value_is_refused() {
    assert_eq!(error("ge"), DateError::MissingDate);
    assert_eq!(error(""), DateError::Empty);
    assert_eq!("".parse::<PartialDateTime>().unwrap_err(), DateError::Empty);
}

#[test]
fn prefixes_print_as_written() {
    let all = [DatePrefix::Eq, DatePrefix::Ge, DatePrefix::Gt, DatePrefix::Le, DatePrefix::Lt];
    assert_eq!(all.map(DatePrefix::as_str), ["eq", "ge", "gt", "le", "lt"]);
}

#[test]
fn ranges_intersect_contain_and_know_when_they_are_empty_or_open() {
    let lower = range("ge2020-10-01");
    let upper = range("lt2020-11-01");
    let month = lower.intersect(&upper);
    assert_eq!(month, period("2020-10"));
    assert!(month.is_bounded() && !lower.is_bounded() && !upper.is_bounded());
    assert!(month.contains(month.from) && !month.contains(month.to));
    assert!(range("gt2020").intersect(&range("lt2020")).is_empty());
    assert!(!TimeRange::ALL.is_bounded() && !TimeRange::ALL.is_empty());
}

#[test]
fn hand_built_values_outside_the_calendar_do_not_panic() {
    for precision in [Precision::Year, Precision::Month, Precision::Millisecond] {
        for start_ms in [i64::MIN, i64::MAX, i64::MAX - 1] {
            let value = PartialDateTime { precision, start_ms };
            assert!(value.end_ms() >= start_ms);
        }
    }
}

/// The fields of a valid date value of some precision; offsets in minutes.
#[derive(Debug, Clone)]
struct Parts {
    year: i64,
    month: i64,
    day: i64,
    clock: [i64; 4],
    precision: Precision,
    offset_minutes: i64,
}

fn precisions() -> impl Strategy<Value = Precision> {
    prop_oneof![
        Just(Precision::Year),
        Just(Precision::Month),
        Just(Precision::Day),
        Just(Precision::Minute),
        Just(Precision::Second),
        Just(Precision::Millisecond),
    ]
}

fn parts() -> impl Strategy<Value = Parts> {
    let clock = (0i64..24, 0i64..60, 0i64..60, 0i64..1000);
    (0i64..=9999, 1i64..=12, 1i64..=31, clock, precisions(), -14 * 60i64..=14 * 60).prop_map(
        |(year, month, day, (h, m, s, ms), precision, offset_minutes)| Parts {
            year,
            month,
            day: day.min(days_in_month(year, month)),
            clock: [h, m, s, ms],
            precision,
            offset_minutes,
        },
    )
}

fn format(p: &Parts) -> String {
    let [h, m, s, ms] = p.clock;
    let (year, month) = (format!("{:04}", p.year), format!("{:04}-{:02}", p.year, p.month));
    let day = format!("{month}-{:02}", p.day);
    let zone = match p.offset_minutes {
        0 => "Z".to_owned(),
        o => format!("{}{:02}:{:02}", if o < 0 { '-' } else { '+' }, o.abs() / 60, o.abs() % 60),
    };
    match p.precision {
        Precision::Year => year,
        Precision::Month => month,
        Precision::Day => day,
        Precision::Minute => format!("{day}T{h:02}:{m:02}{zone}"),
        Precision::Second => format!("{day}T{h:02}:{m:02}:{s:02}{zone}"),
        Precision::Millisecond => format!("{day}T{h:02}:{m:02}:{s:02}.{ms:03}{zone}"),
    }
}

fn expected(p: &Parts) -> TimeRange {
    let [h, m, s, ms] = p.clock;
    let local = utc_ms(p.year, p.month, p.day) - p.offset_minutes * MS_PER_MINUTE;
    let (from, length) = match p.precision {
        Precision::Year => (utc_ms(p.year, 1, 1), utc_ms(p.year + 1, 1, 1) - utc_ms(p.year, 1, 1)),
        Precision::Month => (utc_ms(p.year, p.month, 1), days_in_month(p.year, p.month) * MS_PER_DAY),
        Precision::Day => (utc_ms(p.year, p.month, p.day), MS_PER_DAY),
        Precision::Minute => (local + h * HOUR + m * MS_PER_MINUTE, MS_PER_MINUTE),
        Precision::Second => (local + h * HOUR + m * MS_PER_MINUTE + s * 1_000, 1_000),
        Precision::Millisecond => (local + h * HOUR + m * MS_PER_MINUTE + s * 1_000 + ms, 1),
    };
    TimeRange::new(from, from + length)
}

proptest! {
    #[test]
    fn the_date_parser_never_panics_on_any_string(text in any::<String>()) {
        let _ = text.parse::<DateParam>();
    }

    #[test]
    fn the_date_parser_never_panics_on_date_like_strings(text in "[a-z]{0,2}[-+:.TZ0-9]{0,30}") {
        if let Ok(param) = text.parse::<DateParam>() {
            let _ = param.range();
        }
    }

    #[test]
    fn formatted_valid_dates_round_trip_to_their_period(p in parts()) {
        let value: PartialDateTime = format(&p).parse().unwrap();
        prop_assert_eq!(value.precision, p.precision);
        prop_assert_eq!(value.period(), expected(&p));
    }

    #[test]
    fn a_single_valid_value_is_a_non_empty_range_from_its_period_start(
        p in parts(),
        eq in any::<bool>(),
    ) {
        let text = format!("{}{}", if eq { "eq" } else { "" }, format(&p));
        let param: DateParam = text.parse().unwrap();
        prop_assert!(!param.range().is_empty());
        prop_assert_eq!(param.range().from, param.value.start_ms);
        prop_assert_eq!(param.range(), expected(&p));
    }

    #[test]
    fn prefixed_values_bound_the_range_by_their_period(p in parts()) {
        let period = expected(&p);
        let text = format(&p);
        prop_assert_eq!(range(&format!("ge{text}")), TimeRange::new(period.from, i64::MAX));
        prop_assert_eq!(range(&format!("gt{text}")), TimeRange::new(period.to, i64::MAX));
        prop_assert_eq!(range(&format!("le{text}")), TimeRange::new(i64::MIN, period.to));
        prop_assert_eq!(range(&format!("lt{text}")), TimeRange::new(i64::MIN, period.from));
    }
}
