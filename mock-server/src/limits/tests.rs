//! The rate limits on a manual clock: bursts, per-key budgets, rounding of `Retry-After`, reset, and
//! the `[limits]` section's checks, so a client's backoff sees the same numbers on every run.

use proptest::prelude::*;
use time::Duration as Span;

use super::*;
use crate::clock::DEFAULT_MANUAL_START;

fn limits(fhir_per_second: u32, fhir_burst: u32, token_per_minute: u32, token_burst: u32) -> (RateLimits, Clock) {
    let settings = LimitSettings {
        enabled: true,
        fhir_per_second,
        fhir_burst,
        token_per_minute,
        token_burst,
        ..Default::default()
    };
    let clock = Clock::manual(DEFAULT_MANUAL_START);
    (RateLimits::new(&settings, clock.clone()), clock)
}

fn throttled(seconds: u64) -> Result<(), Throttled> {
    Err(Throttled { retry_after_seconds: seconds })
}

#[test]
fn a_fhir_burst_passes_and_the_next_request_waits_one_second() {
    let (limits, _clock) = limits(2, 3, 30, 10);
    for _ in 0..3 {
        assert_eq!(limits.check_fhir("acme", "t1"), Ok(()));
    }
    assert_eq!(limits.check_fhir("acme", "t1"), throttled(1));
}

#[test]
fn waiting_retry_after_seconds_lets_the_next_request_through() {
    let (limits, clock) = limits(2, 3, 30, 10);
    while limits.check_fhir("acme", "t1").is_ok() {}
    let Err(wait) = limits.check_fhir("acme", "t1") else { panic!("still over the limit") };
    clock.advance(Span::seconds(wait.retry_after_seconds.try_into().unwrap())).unwrap();
    assert_eq!(limits.check_fhir("acme", "t1"), Ok(()));
}

#[test]
fn a_partial_second_is_rounded_up() {
    let (limits, clock) = limits(3, 1, 30, 10);
    assert_eq!(limits.check_fhir("acme", "t1"), Ok(()));
    clock.advance(Span::milliseconds(100)).unwrap();
    assert_eq!(limits.check_fhir("acme", "t1"), throttled(1), "233 ms left");
}

#[test]
fn fhir_limits_are_per_client_and_tenant() {
    let (limits, _clock) = limits(1, 1, 30, 10);
    assert_eq!(limits.check_fhir("acme", "t1"), Ok(()));
    assert_eq!(limits.check_fhir("acme", "t1"), throttled(1));
    assert_eq!(limits.check_fhir("acme", "t2"), Ok(()), "same client, other tenant");
    assert_eq!(limits.check_fhir("zenith", "t1"), Ok(()), "other client, same tenant");
    assert_eq!(limits.check_token("acme"), Ok(()), "tokens are counted apart");
}

#[test]
fn the_token_limit_per_minute_asks_to_wait_up_to_a_minute() {
    let (limits, clock) = limits(20, 50, 1, 1);
    assert_eq!(limits.check_token("acme"), Ok(()));
    assert_eq!(limits.check_token("acme"), throttled(60));
    assert_eq!(limits.check_token("zenith"), Ok(()), "each client has its own budget");
    clock.advance(Span::seconds(59)).unwrap();
    assert_eq!(limits.check_token("acme"), throttled(1));
    clock.advance(Span::seconds(1)).unwrap();
    assert_eq!(limits.check_token("acme"), Ok(()));
}

#[test]
fn a_clock_set_back_still_gives_an_honest_retry_after() {
    let (limits, clock) = limits(20, 50, 1, 1);
    assert_eq!(limits.check_token("acme"), Ok(()));
    clock.advance(Span::seconds(-30)).unwrap();
    assert_eq!(limits.check_token("acme"), throttled(90));
    clock.advance(Span::seconds(90)).unwrap();
    assert_eq!(limits.check_token("acme"), Ok(()));
}

#[test]
fn disabled_limits_pass_everything() {
    let settings = LimitSettings { enabled: false, fhir_burst: 1, token_burst: 1, ..LimitSettings::default() };
    let limits = RateLimits::new(&settings, Clock::manual(DEFAULT_MANUAL_START));
    for _ in 0..1000 {
        assert_eq!(limits.check_fhir("acme", "t1"), Ok(()));
        assert_eq!(limits.check_token("acme"), Ok(()));
    }
}

#[test]
fn reset_forgets_every_client() {
    let (limits, _clock) = limits(1, 1, 1, 1);
    assert_eq!((limits.check_fhir("acme", "t1"), limits.check_token("acme")), (Ok(()), Ok(())));
    assert!(limits.check_fhir("acme", "t1").is_err() && limits.check_token("acme").is_err());
    limits.reset();
    assert_eq!((limits.check_fhir("acme", "t1"), limits.check_token("acme")), (Ok(()), Ok(())));
}

#[test]
fn zero_settings_are_clamped_instead_of_panicking() {
    let (limits, _clock) = limits(0, 0, 0, 0);
    assert_eq!(limits.check_fhir("acme", "t1"), Ok(()));
    assert_eq!(limits.check_fhir("acme", "t1"), throttled(1));
    assert_eq!(limits.settings_at(None).fhir_burst, 0, "settings_at(None) reports what was configured");
}

#[test]
fn validate_names_the_field() {
    assert_eq!(LimitSettings::default().validate(), Ok(()));
    let zero = LimitSettings { fhir_burst: 0, ..LimitSettings::default() };
    assert_eq!(zero.validate(), Err(LimitError::Zero { field: "fhir_burst" }));
    assert_eq!(zero.validate().unwrap_err().to_string(), "fhir_burst: must be at least 1");
    let huge = LimitSettings { token_per_minute: MAX_SETTING + 1, ..LimitSettings::default() };
    assert_eq!(huge.validate().unwrap_err().field(), "token_per_minute");
}

#[test]
fn the_limits_section_fills_in_defaults_and_refuses_unknown_fields() {
    let settings: LimitSettings = toml::from_str("fhir_burst = 5").unwrap();
    assert_eq!(settings, LimitSettings { fhir_burst: 5, ..LimitSettings::default() });
    assert!(toml::from_str::<LimitSettings>("fhir_per_minute = 5").is_err());
}

proptest! {
    #[test]
    fn throttled_means_wait_at_least_a_second_and_waiting_is_enough(
        fhir in (1..=100u32, 1..=100u32),
        token in (1..=100u32, 1..=20u32),
        steps in prop::collection::vec((0..1500i64, any::<bool>(), 0..3usize), 1..80),
    ) {
        let (limits, clock) = limits(fhir.0, fhir.1, token.0, token.1);
        let check = |is_fhir: bool, client: &str| {
            if is_fhir { limits.check_fhir(client, "t1") } else { limits.check_token(client) }
        };
        for (millis, is_fhir, client) in steps {
            clock.advance(Span::milliseconds(millis)).unwrap();
            let client = ["acme", "zenith", "umbrella"][client];
            if let Err(Throttled { retry_after_seconds }) = check(is_fhir, client) {
                prop_assert!(retry_after_seconds >= 1);
                let bound = if is_fhir { 1 } else { 60 };
                prop_assert!(retry_after_seconds <= bound, "{} > {}", retry_after_seconds, bound);
                clock.advance(Span::seconds(retry_after_seconds.try_into().unwrap())).unwrap();
                prop_assert_eq!(check(is_fhir, client), Ok(()));
            }
        }
    }
}

#[test]
fn max_in_flight_is_off_by_default_and_caps_per_client_and_tenant_when_set() {
    let clock = Clock::manual(DEFAULT_MANUAL_START);
    let open = RateLimits::new(&LimitSettings::default(), clock.clone());
    let held: Vec<_> = (0..10).map(|_| open.enter_fhir("acme", "t1", true)).collect();
    assert!(held.iter().all(Result::is_ok), "no cap by default");
    assert_eq!(held.last().unwrap().as_ref().unwrap().at_arrival, 10, "but every request is counted");
    let settings = LimitSettings { max_in_flight: Some(2), ..LimitSettings::default() };
    let capped = RateLimits::new(&settings, clock);
    let first = capped.enter_fhir("acme", "t1", true).unwrap();
    let _second = capped.enter_fhir("acme", "t1", true).unwrap();
    let third = capped.enter_fhir("acme", "t1", true).unwrap_err();
    assert_eq!(third.at_arrival, 3);
    assert!(capped.enter_fhir("acme", "t2", true).is_ok(), "another tenant has its own slots");
    assert!(capped.enter_fhir("zenith", "t1", true).is_ok(), "another account too");
    assert!(capped.enter_fhir("acme", "t1", false).is_ok(), "an unverified request is answered 401, not capped");
    drop((first, third));
    assert!(capped.enter_fhir("acme", "t1", true).is_ok(), "a finished request frees its slot");
}

#[test]
fn the_in_flight_settings_are_checked() {
    let toml_ok: LimitSettings =
        toml::from_str("max_in_flight = 4\nin_flight_status = 503\nin_flight_retry_after = 2").unwrap();
    assert_eq!((toml_ok.max_in_flight, toml_ok.in_flight_status, toml_ok.in_flight_retry_after), (Some(4), 503, 2));
    assert_eq!(toml_ok.validate(), Ok(()));
    let bad = |settings: LimitSettings| settings.validate().unwrap_err().to_string();
    assert_eq!(
        bad(LimitSettings { max_in_flight: Some(0), ..Default::default() }),
        "max_in_flight: must be at least 1"
    );
    assert!(
        bad(LimitSettings { max_in_flight: Some(MAX_SETTING + 1), ..Default::default() }).starts_with("max_in_flight")
    );
    assert!(bad(LimitSettings { in_flight_status: 200, ..Default::default() }).starts_with("in_flight_status"));
    assert!(
        bad(LimitSettings { in_flight_retry_after: 86_401, ..Default::default() }).starts_with("in_flight_retry_after")
    );
}
