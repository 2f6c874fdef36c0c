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

mod in_flight;
pub(crate) use in_flight::{InFlight, InFlightGuard, hold_until_sent};

/// The largest number any limit setting takes. governor keeps its state in `u64` nanoseconds and
/// multiplies the emission interval by the burst: a minute times a million is about two years, far
/// from overflow, and far above anything a scenario needs.
pub(crate) const MAX_SETTING: u32 = 1_000_000;

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
    /// FHIR requests one (account, tenant) may have in flight at once; the excess is answered
    /// `in_flight_status`. Off (`None`) by default: Cerner documents no such cap, other EHRs have one.
    pub max_in_flight: Option<u32>,
    /// The answer to a request over `max_in_flight`: an error status (Cerner's 429 by default),
    /// with the protocol's error body.
    pub in_flight_status: u16,
    /// The `Retry-After` (seconds) sent with that answer when it is a 429 or a 503.
    pub in_flight_retry_after: u64,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            fhir_per_second: 20,
            fhir_burst: 50,
            token_per_minute: 30,
            token_burst: 10,
            max_in_flight: None,
            in_flight_status: 429,
            in_flight_retry_after: 1,
        }
    }
}

/// Longest `in_flight_retry_after`: a day.
pub(crate) const MAX_IN_FLIGHT_RETRY_AFTER: u64 = 86_400;

/// A rate-limit setting out of range; `field` is its name in the profile's `[limits]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error("{field}: must be at least 1")]
    Zero { field: &'static str },
    #[error("{field}: must be at most {MAX_SETTING}")]
    TooLarge { field: &'static str },
    #[error("in_flight_status: must be an error status (400-599)")]
    NotAnErrorStatus,
    #[error("in_flight_retry_after: must be at most {MAX_IN_FLIGHT_RETRY_AFTER}")]
    RetryAfterTooLong,
}

impl LimitError {
    /// The setting at fault.
    pub fn field(&self) -> &'static str {
        match self {
            LimitError::Zero { field } | LimitError::TooLarge { field } => field,
            LimitError::NotAnErrorStatus => "in_flight_status",
            LimitError::RetryAfterTooLong => "in_flight_retry_after",
        }
    }

    /// What is wrong with it, without the field's name.
    pub fn reason(&self) -> String {
        match self {
            LimitError::Zero { .. } => "must be at least 1".to_owned(),
            LimitError::TooLarge { .. } => format!("must be at most {MAX_SETTING}"),
            LimitError::NotAnErrorStatus => "must be an error status (400-599)".to_owned(),
            LimitError::RetryAfterTooLong => format!("must be at most {MAX_IN_FLIGHT_RETRY_AFTER}"),
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
            ("max_in_flight", self.max_in_flight.unwrap_or(1)),
        ];
        for (field, value) in fields {
            if value == 0 {
                return Err(LimitError::Zero { field });
            }
            if value > MAX_SETTING {
                return Err(LimitError::TooLarge { field });
            }
        }
        if !(400..=599).contains(&self.in_flight_status) {
            return Err(LimitError::NotAnErrorStatus);
        }
        if self.in_flight_retry_after > MAX_IN_FLIGHT_RETRY_AFTER {
            return Err(LimitError::RetryAfterTooLong);
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
    in_flight: InFlight,
    /// Tenants with limits of their own (`[tenants.limits]`): their settings and limiters.
    tenants: std::collections::HashMap<String, (LimitSettings, RwLock<Limiters>)>,
}

impl RateLimits {
    pub fn new(settings: &LimitSettings, clock: Clock) -> Self {
        let limiters = RwLock::new(Limiters::new(settings, &clock));
        Self {
            settings: settings.clone(),
            clock,
            limiters,
            in_flight: InFlight::default(),
            tenants: Default::default(),
        }
    }

    /// Counts a FHIR request of `client` on `tenant` in flight until the guard drops (always, so
    /// the journal can say how many were open); `Err` carries the guard of a request over
    /// `max_in_flight` (the tenant's own when it has `[tenants.limits]`), to be answered
    /// `in_flight_status` (it stays counted while it is answered).
    pub fn enter_fhir(&self, client: &str, tenant: &str, capped: bool) -> Result<InFlightGuard, InFlightGuard> {
        let guard = self.in_flight.enter(client, tenant);
        let (settings, _) = self.at(Some(tenant));
        match settings.max_in_flight {
            Some(cap) if capped && settings.enabled && guard.at_arrival > cap => Err(guard),
            _ => Ok(guard),
        }
    }

    /// Gives each of `tenants` its own settings (`[tenants.limits]`) and limiters, so requests
    /// there count against that tenant's limits and not the others'.
    pub fn with_tenants(mut self, tenants: impl IntoIterator<Item = (String, LimitSettings)>) -> Self {
        for (tenant, settings) in tenants {
            let limiters = RwLock::new(Limiters::new(&settings, &self.clock));
            self.tenants.insert(tenant, (settings, limiters));
        }
        self
    }

    /// The settings and limiters that apply at `tenant`.
    fn at(&self, tenant: Option<&str>) -> (&LimitSettings, &RwLock<Limiters>) {
        match tenant.and_then(|t| self.tenants.get(t)) {
            Some((settings, limiters)) => (settings, limiters),
            None => (&self.settings, &self.limiters),
        }
    }

    /// One FHIR request by `client` on `tenant`.
    pub fn check_fhir(&self, client: &str, tenant: &str) -> Result<(), Throttled> {
        let (settings, limiters) = self.at(Some(tenant));
        if !settings.enabled {
            return Ok(());
        }
        let limiters = limiters.read().unwrap_or_else(PoisonError::into_inner);
        limiters.fhir.check_key(&(client.to_owned(), tenant.to_owned())).map_err(|not| self.throttled(&not))
    }

    /// One token request by `client` (the client id as presented, verified or not): an attacker
    /// guessing secrets is throttled like anyone else.
    pub fn check_token(&self, client: &str) -> Result<(), Throttled> {
        self.check_token_at(client, None)
    }

    /// One token request by `client` at `tenant`'s token URL: a tenant with limits of its own
    /// counts it against them.
    pub fn check_token_at(&self, client: &str, tenant: Option<&str>) -> Result<(), Throttled> {
        let (settings, limiters) = self.at(tenant);
        if !settings.enabled {
            return Ok(());
        }
        let limiters = limiters.read().unwrap_or_else(PoisonError::into_inner);
        limiters.token.check_key(&client.to_owned()).map_err(|not| self.throttled(&not))
    }

    /// FHIR requests of `client` on `tenant` in flight now.
    pub fn in_flight_now(&self, client: &str, tenant: &str) -> u32 {
        self.in_flight.now(client, tenant)
    }

    /// Forgets all state (used by the admin reset).
    pub fn reset(&self) {
        let fresh = Limiters::new(&self.settings, &self.clock);
        *self.limiters.write().unwrap_or_else(PoisonError::into_inner) = fresh;
        for (settings, limiters) in self.tenants.values() {
            *limiters.write().unwrap_or_else(PoisonError::into_inner) = Limiters::new(settings, &self.clock);
        }
    }

    /// The settings that apply at `tenant`: its `[tenants.limits]`, else `[limits]`.
    pub fn settings_at(&self, tenant: Option<&str>) -> &LimitSettings {
        self.at(tenant).0
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
mod tests;
