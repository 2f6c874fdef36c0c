//! The emulator's one clock. Token issue and expiry, assertion checks, rate limits and data all ask
//! it for the time, so a manual clock makes every time-dependent behaviour testable without sleeping.

use std::sync::{Arc, Mutex, PoisonError};

use time::{Duration, OffsetDateTime, macros::datetime};

/// Where a manual clock starts unless told otherwise: a Monday morning.
pub const DEFAULT_MANUAL_START: OffsetDateTime = datetime!(2026-01-05 08:00:00 UTC);

/// A cheap-clone handle to the real or a manual clock.
#[derive(Clone, Debug)]
pub struct Clock(Arc<Inner>);

#[derive(Debug)]
enum Inner {
    System,
    Manual(Mutex<OffsetDateTime>),
}

/// A manual-clock operation on the real clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the clock is the real time; start the emulator with --manual-clock to control it")]
pub struct NotManual;

impl Clock {
    /// Real time.
    pub fn system() -> Self {
        Self(Arc::new(Inner::System))
    }

    /// A clock that stands still at `start` until advanced or set.
    pub fn manual(start: OffsetDateTime) -> Self {
        Self(Arc::new(Inner::Manual(Mutex::new(start))))
    }

    /// The current time: real UTC, or where the manual clock stands.
    pub fn now(&self) -> OffsetDateTime {
        match &*self.0 {
            Inner::System => OffsetDateTime::now_utc(),
            Inner::Manual(now) => *now.lock().unwrap_or_else(PoisonError::into_inner),
        }
    }

    /// True for a [`Clock::manual`] clock, the only kind the admin API can move.
    pub fn is_manual(&self) -> bool {
        matches!(&*self.0, Inner::Manual(_))
    }

    /// Moves a manual clock forward (or back, for a negative duration).
    pub fn advance(&self, by: Duration) -> Result<OffsetDateTime, NotManual> {
        self.update(|now| now.saturating_add(by))
    }

    /// Sets a manual clock.
    pub fn set(&self, to: OffsetDateTime) -> Result<OffsetDateTime, NotManual> {
        self.update(|_| to)
    }

    fn update(&self, f: impl FnOnce(OffsetDateTime) -> OffsetDateTime) -> Result<OffsetDateTime, NotManual> {
        match &*self.0 {
            Inner::System => Err(NotManual),
            Inner::Manual(now) => {
                let mut now = now.lock().unwrap_or_else(PoisonError::into_inner);
                *now = f(*now);
                Ok(*now)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = Clock::manual(DEFAULT_MANUAL_START);
        assert_eq!(clock.now(), DEFAULT_MANUAL_START);
        let later = clock.advance(Duration::seconds(601)).unwrap();
        assert_eq!(later - DEFAULT_MANUAL_START, Duration::seconds(601));
        assert_eq!(clock.clone().now(), later, "clones share one clock");
    }

    #[test]
    fn real_clock_refuses_manual_control() {
        assert_eq!(Clock::system().advance(Duration::SECOND), Err(NotManual));
    }
}
