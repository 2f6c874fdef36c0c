//! Why a fault rule was refused. Each message names the field at fault, as a user wrote it in
//! the profile or the admin JSON.

use crate::faults::hostile::HostileError;
use crate::origin::OriginError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("id: must not be empty (DELETE /__admin/faults/{{id}} could not name it)")]
    EmptyId,
    #[error("give either action or actions, not both")]
    ActionAndActions,
    #[error("a rule needs an action or actions")]
    NoAction,
    #[error("actions must not be empty")]
    EmptyActions,
    #[error("actions[{index}]: {source}")]
    Action { index: usize, source: ActionError },
    #[error("match.{0}")]
    Match(MatchError),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("status {0} must be an error status (400-599)")]
    NotAnErrorStatus(u16),
    #[error(transparent)]
    RetryAfter(#[from] RetryAfterError),
    #[error("delay ms must be at most 600000")]
    DelayTooLong,
    #[error("stall_body ms must be between 1 and 600000")]
    StallMs,
    #[error("dribble_body bytes_per_second must be between 1 and {max}")]
    DribbleRate { max: u64 },
    #[error(transparent)]
    Origin(#[from] OriginError),
    #[error(transparent)]
    Hostile(#[from] HostileError),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    #[error("nth: give at most one of nth, every, first, probability")]
    SeveralCounters,
    #[error("nth/every: must be at least 1")]
    ZeroCounter,
    #[error("probability: must be between 0 and 1")]
    Probability,
    #[error("method: must be an HTTP method such as GET")]
    Method,
}

/// Why a `retry_after` is not a `Retry-After` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetryAfterError {
    #[error("retry_after {0:?} is too large")]
    TooLarge(String),
    #[error("retry_after {0:?} must be delta-seconds or an HTTP-date")]
    Invalid(String),
}
