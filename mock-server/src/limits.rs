//! Rate limits for the FHIR API (per account and tenant) and the token endpoint (per account), so a
//! client's backoff can be tested. Cerner publishes no numbers, so the defaults are generous and a
//! scenario lowers them. A throttled request is answered 429 Too Many Requests (RFC 6585 §4) with
//! `Retry-After` in delta-seconds (RFC 9110 §10.2.3), never an absolute date.
//!
//! The algorithm is GCRA from the `governor` crate, run on the emulator's [`Clock`] rather than a
//! hardware clock: with a manual clock every decision, and every `Retry-After`, is deterministic.

use std::num::NonZeroU32;
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::DashMapStateStore;
use governor::{NotUntil, Quota, RateLimiter};

use crate::clock::Clock;

/// The largest number any limit setting takes. governor keeps its state in `u64` nanoseconds and
/// multiplies the emission interval by the burst: a minute times a million is about two years, far
/// from overflow, and far above anything a scenario needs.
pub const MAX_SETTING: u32 = 1_000_000;

/// The profile's `[limits]` section. Defaults are generous: a polite client never hits them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitSettings {
    /// Off turns every check into a pass, for load tests of a client's own throughput.
    pub enabled: bool,
    /// Sustained FHIR requests per second per (account, tenant).
    pub fhir_per_second: u32,
    /// FHIR requests an idle (account, tenant) may send at once before the sustained rate applies.
    pub fhir_burst: u32,
    /// Sustained token requests per minute per account; a client should reuse its token, not ask
    /// for one per request.
    pub token_per_minute: u32,
    /// Token requests an idle account may send at once (e.g. one per tenant at start-up).
    pub token_burst: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self { enabled: true, fhir_per_second: 20, fhir_burst: 50, token_per_minute: 30, token_burst: 10 }
    }
}

/// A rate-limit setting out of range; `field` is its name in the profile's `[limits]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error("{field}: must be at least 1")]
    Zero { field: &'static str },
    #[error("{field}: must be at most {MAX_SETTING}")]
    TooLarge { field: &'static str },
}

impl LimitError {
    /// The setting at fault.
    pub fn field(&self) -> &'static str {
        match self {
            LimitError::Zero { field } | LimitError::TooLarge { field } => field,
        }
    }

    /// What is wrong with it, without the field's name.
    pub fn reason(&self) -> String {
        match self {
            LimitError::Zero { .. } => "must be at least 1".to_owned(),
            LimitError::TooLarge { .. } => format!("must be at most {MAX_SETTING}"),
        }
    }
}

impl LimitSettings {
    /// Checks the numbers; the error names the field. They are checked even when disabled, so
    /// turning limits on never reveals a broken profile.
    pub fn validate(&self) -> Result<(), LimitError> {
        let fields = [
            ("fhir_per_second", self.fhir_per_second),
            ("fhir_burst", self.fhir_burst),
            ("token_per_minute", self.token_per_minute),
            ("token_burst", self.token_burst),
        ];
        for (field, value) in fields {
            if value == 0 {
                return Err(LimitError::Zero { field });
            }
            if value > MAX_SETTING {
                return Err(LimitError::TooLarge { field });
            }
        }
        Ok(())
    }
}

/// Over the limit: how long to wait, in whole seconds, rounded up, never 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after_seconds: u64,
}

impl Throttled {
    /// Rounds up, so a client that waits exactly this long is let through; never 0, because
    /// `Retry-After: 0` invites an immediate retry that would be throttled again.
    fn after(wait: Duration) -> Self {
        let seconds = wait.as_nanos().div_ceil(1_000_000_000);
        Self { retry_after_seconds: u64::try_from(seconds).unwrap_or(u64::MAX).max(1) }
    }
}

/// governor's view of the emulator's clock, so a manual clock drives every decision.
#[derive(Debug, Clone)]
struct EmulatorClock(Clock);

impl governor::clock::Clock for EmulatorClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        instant(&self.0)
    }
}

/// The clock's time as nanoseconds since the Unix epoch. Times outside 1970..2262 saturate, which
/// keeps governor's `u64` arithmetic (instant + theoretical arrival time) clear of overflow.
fn instant(clock: &Clock) -> Nanos {
    let nanos = clock.now().unix_timestamp_nanos().clamp(0, i128::from(i64::MAX));
    Nanos::from(u64::try_from(nanos).unwrap_or(0))
}

type Keyed<K> = RateLimiter<K, DashMapStateStore<K>, EmulatorClock, NoOpMiddleware<Nanos>>;

/// The keyed limiters; replaced as a whole on reset, since governor cannot clear its state.
struct Limiters {
    fhir: Keyed<(String, String)>,
    token: Keyed<String>,
}

impl Limiters {
    fn new(settings: &LimitSettings, clock: &Clock) -> Self {
        let fhir = Quota::per_second(clamped(settings.fhir_per_second)).allow_burst(clamped(settings.fhir_burst));
        let token = Quota::per_minute(clamped(settings.token_per_minute)).allow_burst(clamped(settings.token_burst));
        Self {
            fhir: RateLimiter::dashmap_with_clock(fhir, EmulatorClock(clock.clone())),
            token: RateLimiter::dashmap_with_clock(token, EmulatorClock(clock.clone())),
        }
    }
}

/// A setting as governor needs it: unvalidated zeros or huge numbers must not panic in `new`.
fn clamped(value: u32) -> NonZeroU32 {
    NonZeroU32::new(value.clamp(1, MAX_SETTING)).unwrap_or(NonZeroU32::MIN)
}

/// The emulator's rate limits: one GCRA state per (client, tenant) for FHIR and per client for
/// tokens. State grows with the number of distinct keys, which a test run keeps small.
pub struct RateLimits {
    settings: LimitSettings,
    clock: Clock,
    limiters: RwLock<Limiters>,
}

impl RateLimits {
    pub fn new(settings: &LimitSettings, clock: Clock) -> Self {
        let limiters = RwLock::new(Limiters::new(settings, &clock));
        Self { settings: settings.clone(), clock, limiters }
    }

    /// One FHIR request by `client` on `tenant`.
    pub fn check_fhir(&self, client: &str, tenant: &str) -> Result<(), Throttled> {
        if !self.settings.enabled {
            return Ok(());
        }
        let limiters = self.limiters.read().unwrap_or_else(PoisonError::into_inner);
        limiters.fhir.check_key(&(client.to_owned(), tenant.to_owned())).map_err(|not| self.throttled(&not))
    }

    /// One token request by `client` (the client id as presented, verified or not): an attacker
    /// guessing secrets is throttled like anyone else.
    pub fn check_token(&self, client: &str) -> Result<(), Throttled> {
        if !self.settings.enabled {
            return Ok(());
        }
        let limiters = self.limiters.read().unwrap_or_else(PoisonError::into_inner);
        limiters.token.check_key(&client.to_owned()).map_err(|not| self.throttled(&not))
    }

    /// Forgets all state (used by the admin reset).
    pub fn reset(&self) {
        let fresh = Limiters::new(&self.settings, &self.clock);
        *self.limiters.write().unwrap_or_else(PoisonError::into_inner) = fresh;
    }

    pub fn settings(&self) -> &LimitSettings {
        &self.settings
    }

    /// The wait measured on the emulator's clock, the one the client's retry will be judged by.
    fn throttled(&self, not_until: &NotUntil<Nanos>) -> Throttled {
        Throttled::after(not_until.wait_time_from(instant(&self.clock)))
    }
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let limiters = self.limiters.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("RateLimits")
            .field("settings", &self.settings)
            .field("fhir_keys", &limiters.fhir.len())
            .field("token_keys", &limiters.token.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::Duration as Span;

    use super::*;
    use crate::clock::DEFAULT_MANUAL_START;

    fn limits(fhir_per_second: u32, fhir_burst: u32, token_per_minute: u32, token_burst: u32) -> (RateLimits, Clock) {
        let settings = LimitSettings { enabled: true, fhir_per_second, fhir_burst, token_per_minute, token_burst };
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
        assert_eq!(limits.settings().fhir_burst, 0, "settings() reports what was configured");
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
}
