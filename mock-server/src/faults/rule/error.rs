//! Why a fault rule was refused. Each message names the field at fault, as a user wrote it in
//! the profile or the admin JSON.

use crate::faults::hostile::HostileError;
use crate::origin::OriginError;

/// Why a fault rule was refused (400 from `POST /__admin/faults`, or a profile error); the text names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// `id` was given but empty.
    #[error("id: must not be empty (DELETE /__admin/faults/{{id}} could not name it)")]
    EmptyId,
    /// Both `action` and `actions` were given.
    #[error("give either action or actions, not both")]
    ActionAndActions,
    /// Neither `action` nor `actions` was given.
    #[error("a rule needs an action or actions")]
    NoAction,
    /// `actions` is an empty list.
    #[error("actions must not be empty")]
    EmptyActions,
    /// An action is invalid.
    #[error("actions[{index}]: {source}")]
    Action {
        /// The action's position in `actions`, from 0 (0 for a lone `action`).
        index: usize,
        /// What is wrong with the action.
        source: ActionError,
    },
    /// The `match` object is invalid.
    #[error("match.{0}")]
    Match(MatchError),
}

/// Why a fault action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// A `status` action with a status outside 400–599.
    #[error("status {0} must be an error status (400-599)")]
    NotAnErrorStatus(u16),
    /// A `throttle` action's `retry_after` is not a `Retry-After` value.
    #[error(transparent)]
    RetryAfter(#[from] RetryAfterError),
    /// A `delay` longer than ten minutes.
    #[error("delay ms must be at most 600000")]
    DelayTooLong,
    /// A `stall_body` whose `ms` is 0 or over ten minutes.
    #[error("stall_body ms must be between 1 and 600000")]
    StallMs,
    #[error("dribble_body bytes_per_second must be between 1 and {max}")]
    /// A `dribble_body` rate of 0, or over the most the emulator paces.
    DribbleRate {
        /// The highest rate accepted, in bytes per second.
        max: u64,
    },
    /// An `origin` that is not a bare http(s) origin.
    #[error(transparent)]
    Origin(#[from] OriginError),
    /// A hostile-paging action with a bad parameter (e.g. a `huge_page` too large).
    #[error(transparent)]
    Hostile(#[from] HostileError),
}

/// Why a fault rule's `match` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    /// More than one of `nth`, `every`, `first` and `probability`.
    #[error("nth: give at most one of nth, every, first, probability")]
    SeveralCounters,
    /// `nth` or `every` is 0.
    #[error("nth/every: must be at least 1")]
    ZeroCounter,
    /// `probability` is outside 0..=1 (or NaN).
    #[error("probability: must be between 0 and 1")]
    Probability,
    /// `method` is empty or not letters only.
    #[error("method: must be an HTTP method such as GET")]
    Method,
}

/// Why a `retry_after` is not a `Retry-After` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetryAfterError {
    /// Delta-seconds beyond `u64`.
    #[error("retry_after {0:?} is too large")]
    TooLarge(String),
    /// Neither delta-seconds nor an HTTP-date.
    #[error("retry_after {0:?} must be delta-seconds or an HTTP-date")]
    Invalid(String),
}
