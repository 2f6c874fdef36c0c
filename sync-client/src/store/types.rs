//! What crosses the store's boundary as types rather than text: the window a complete sync covered,
//! the instants a store records, and a tenant's last outcome. Each becomes text at the SQL edge only.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{StoreError, utc_text};

/// A sync window `[start, end)`, its bounds read once as UTC instants (`YYYY-MM-DDTHH:MM:SS.ffffffZ`,
/// the text both stores compare starts on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    start: String,
    end: String,
}

impl Window {
    /// Each bound an ISO date (midnight UTC) or date-time, as [`utc_instant`](super::utc_instant)
    /// reads them; anything else is [`StoreError::InvalidWindow`] naming the bound.
    pub fn new(start: &str, end: &str) -> Result<Self, StoreError> {
        let bound = |text: &str| utc_text(text).ok_or_else(|| StoreError::InvalidWindow(text.to_owned()));
        Ok(Self { start: bound(start)?, end: bound(end)? })
    }

    /// The window of two dates: from `start` 00:00Z up to (not including) `end` 00:00Z.
    pub fn from_dates(start: time::Date, end: time::Date) -> Result<Self, StoreError> {
        Self::new(&start.to_string(), &end.to_string())
    }

    /// The start as UTC text (`YYYY-MM-DDTHH:MM:SS.ffffffZ`).
    pub fn start_utc(&self) -> &str {
        &self.start
    }

    /// The (exclusive) end as UTC text (`YYYY-MM-DDTHH:MM:SS.ffffffZ`).
    pub fn end_utc(&self) -> &str {
        &self.end
    }
}

/// How a tenant's last sync ended, as the store keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutcomeKind {
    /// Every page of the window was read and stored.
    Synced,
    /// Put off because of a long `Retry-After`; `deferred_until` says until when.
    Deferred,
    /// The tenant refused the account (not approved, withdrawn, scopes).
    Rejected,
    /// The sync stopped on an error; the run exited non-zero.
    Failed,
}

impl OutcomeKind {
    /// The word stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Synced => "synced",
            Self::Deferred => "deferred",
            Self::Rejected => "rejected",
            Self::Failed => "failed",
        }
    }

    /// The outcome a stored word names; [`StoreError::UnknownOutcome`] for any other word.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "synced" => Ok(Self::Synced),
            "deferred" => Ok(Self::Deferred),
            "rejected" => Ok(Self::Rejected),
            "failed" => Ok(Self::Failed),
            other => Err(StoreError::UnknownOutcome(other.to_owned())),
        }
    }
}

impl std::fmt::Display for OutcomeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An instant as the stores write it: RFC 3339.
pub(crate) fn instant_text(at: OffsetDateTime) -> Result<String, StoreError> {
    at.format(&Rfc3339).map_err(|_| StoreError::InvalidInstant(at.to_string()))
}

/// An optional instant as the stores write it.
pub(crate) fn optional_instant_text(at: Option<OffsetDateTime>) -> Result<Option<String>, StoreError> {
    at.map(instant_text).transpose()
}

/// A stored instant (RFC 3339 text), read back: the stores keep instants as text, the code as
/// [`OffsetDateTime`].
pub(crate) fn stored_instant(text: Option<String>) -> Result<Option<OffsetDateTime>, StoreError> {
    text.map(|text| OffsetDateTime::parse(&text, &Rfc3339).map_err(|_| StoreError::InvalidInstant(text))).transpose()
}

/// A stored outcome word, read back.
pub(crate) fn stored_outcome(text: Option<String>) -> Result<Option<OutcomeKind>, StoreError> {
    text.as_deref().map(OutcomeKind::parse).transpose()
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn a_window_is_read_once_as_utc_instants() {
        let window = Window::from_dates(date!(2026 - 11 - 28), date!(2026 - 12 - 05)).unwrap();
        assert_eq!(
            (window.start_utc(), window.end_utc()),
            ("2026-11-28T00:00:00.000000Z", "2026-12-05T00:00:00.000000Z")
        );
        let offset = Window::new("2026-11-27T20:00:00-05:00", "2026-12-05").unwrap();
        assert_eq!(offset.start_utc(), "2026-11-28T01:00:00.000000Z");
        assert!(matches!(Window::new("2026-11-28", "soon"), Err(StoreError::InvalidWindow(b)) if b == "soon"));
        // SQLite would read a bare year as a Julian day number; the window refuses it.
        assert!(matches!(Window::new("2026", "2026-12-05"), Err(StoreError::InvalidWindow(b)) if b == "2026"));
    }

    #[test]
    fn outcomes_round_trip_through_their_stored_words() {
        for kind in [OutcomeKind::Synced, OutcomeKind::Deferred, OutcomeKind::Rejected, OutcomeKind::Failed] {
            assert_eq!(OutcomeKind::parse(kind.as_str()).unwrap(), kind);
        }
        assert!(matches!(OutcomeKind::parse("Synced"), Err(StoreError::UnknownOutcome(w)) if w == "Synced"));
        assert_eq!(instant_text(datetime!(2026-11-29 00:05 UTC)).unwrap(), "2026-11-29T00:05:00Z");
    }
}
