//! The window applied by the client to what it stores. DSTU2's `date` search matches an
//! Appointment by its start, R4's (`date`, `-date-or-req-period`) by overlap, so an R4 server
//! also returns an appointment from 23:30 to 00:30 across the window's start. The client keeps an
//! appointment when its start, read as a UTC instant, lies in `[start, end)`, whatever the version,
//! so both versions store the same set from the same data.

use time::{Date, OffsetDateTime};

use crate::store::{AppointmentRecord, utc_instant};

/// `[start 00:00Z, end 00:00Z)` of the configured window.
#[derive(Debug, Clone, Copy)]
pub struct StartWindow {
    start: OffsetDateTime,
    end: OffsetDateTime,
}

impl StartWindow {
    /// The window from midnight UTC of `start` to midnight UTC of `end` (exclusive).
    pub fn new(start: Date, end: Date) -> Self {
        Self { start: start.midnight().assume_utc(), end: end.midnight().assume_utc() }
    }

    /// Whether an appointment starting at `start` (a FHIR instant) belongs to the window; one
    /// without a readable start does not.
    pub fn contains(&self, start: Option<&str>) -> bool {
        start.and_then(utc_instant).is_some_and(|at| self.start <= at && at < self.end)
    }

    /// Drops the records whose start is not in the window; returns how many were dropped.
    pub fn keep_inside(&self, records: &mut Vec<AppointmentRecord>) -> u64 {
        let before = records.len();
        records.retain(|record| self.contains(record.start.as_deref()));
        u64::try_from(before - records.len()).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn a_start_is_in_the_window_from_its_first_instant_up_to_not_including_its_end() {
        let window = StartWindow::new(date!(2026 - 01 - 05), date!(2026 - 01 - 12));
        let inside = [
            "2026-01-05T00:00:00Z",
            "2026-01-05T00:00:00.000+00:00",
            "2026-01-04T19:00:00-05:00",
            "2026-01-11T23:59:59.999Z",
            "2026-01-12T00:30:00+01:00",
        ];
        for start in inside {
            assert!(window.contains(Some(start)), "{start}");
        }
        let outside = [
            "2026-01-04T23:30:00Z",
            "2026-01-05T00:30:00+01:00",
            "2026-01-12T00:00:00Z",
            "2026-01-11T19:00:00-05:00",
            "9999-12-31T23:00:00-05:00",
            "0000-01-01T00:30:00+01:00",
            "soon",
            "",
        ];
        for start in outside {
            assert!(!window.contains(Some(start)), "{start}");
        }
        assert!(!window.contains(None));
    }
}
