//! Synthetic Appointments as the store keeps them: the handful of numbers that make one (48 bytes)
//! and a [`Catalog`], shared by all of a tenant's appointments, holding what they refer to already
//! written as JSON text. An appointment's JSON is written from these when it is served, byte for
//! byte what serializing the DSTU2 shape of `appointment` gives (a test holds the two together), so
//! a million appointments take tens of megabytes instead of a gigabyte and a half.
//!
//! This file holds the statuses, the stored form and its writer; `catalog` builds the shared text.

use std::sync::Arc;

use super::calendar::push_number;
use super::json::version;

mod catalog;

pub(super) use catalog::Catalog;
use catalog::{PatientText, PlaceText, PractitionerText};

/// An appointment status, how it reads in the narrative, the participants' status that goes with
/// it, and the smallest version it implies (a status other than the first needs an update).
#[derive(Debug, Clone, Copy)]
pub(super) struct Status {
    pub code: &'static str,
    pub label: &'static str,
    pub attendance: &'static str,
    pub first_version: usize,
}

pub(super) const PROPOSED: usize = 0;
pub(super) const PENDING: usize = 1;
pub(super) const BOOKED: usize = 2;
pub(super) const ARRIVED: usize = 3;
pub(super) const FULFILLED: usize = 4;
pub(super) const CANCELLED: usize = 5;
pub(super) const NOSHOW: usize = 6;
/// R4's native status (fhir.cerner.com R4 Appointment: "R4 exposes a native checked-in status");
/// DSTU2 answers it as `arrived`.
pub(super) const CHECKED_IN: usize = 7;

/// Every status a synthetic appointment takes, indexed by the constants above.
pub(super) const STATUSES: [Status; 8] = [
    Status { code: "proposed", label: "Proposed", attendance: "needs-action", first_version: 0 },
    Status { code: "pending", label: "Pending", attendance: "tentative", first_version: 0 },
    Status { code: "booked", label: "Booked", attendance: "accepted", first_version: 0 },
    Status { code: "arrived", label: "Arrived", attendance: "accepted", first_version: 1 },
    Status { code: "fulfilled", label: "Fulfilled", attendance: "accepted", first_version: 2 },
    Status { code: "cancelled", label: "Cancelled", attendance: "declined", first_version: 1 },
    Status { code: "noshow", label: "No Show", attendance: "accepted", first_version: 1 },
    Status { code: "checked-in", label: "Checked-In", attendance: "accepted", first_version: 1 },
];

/// One synthetic appointment: its own numbers, and indexes into its tenant's `Catalog`.
#[derive(Debug, Clone)]
pub struct StoredAppointment {
    pub(super) catalog: Arc<Catalog>,
    pub(super) id: u64,
    /// `meta.lastUpdated` and `start`, in Unix seconds.
    pub(super) updated: i64,
    pub(super) start: i64,
    pub(super) minutes: u16,
    /// Index into [`STATUSES`].
    pub(super) status: u8,
    pub(super) version: u8,
    pub(super) patient: u32,
    pub(super) practitioner: u32,
    pub(super) location: u32,
    /// Which of the [`mess`] flags apply (`[tenants.synthetic.mess]`).
    pub(super) mess: u8,
}

/// The ways a synthetic appointment can be messy, as bits of [`StoredAppointment::mess`].
pub(super) mod mess {
    /// No `text`, `type`, `description` or `minutesDuration` (all optional in DSTU2 and R4).
    pub(crate) const MISSING_OPTIONAL: u8 = 1;
    /// An `extension` whose URL no one defined.
    pub(crate) const UNKNOWN_EXTENSION: u8 = 2;
    /// A fourth participant, a Practitioner that does not exist.
    pub(crate) const DANGLING_REFERENCE: u8 = 4;
    /// The URL of the undefined extensions (`.invalid` can never resolve).
    pub(crate) const EXTENSION_URL: &str = "https://extensions.example.invalid/StructureDefinition/undefined-";
}

/// The ids an appointment's participants refer to.
#[derive(Debug, Clone, Copy)]
pub struct Actors<'a> {
    /// The Patient participant's id.
    pub patient: &'a str,
    /// The Practitioner participant's id.
    pub practitioner: &'a str,
    /// The Location participant's id.
    pub location: &'a str,
}

impl StoredAppointment {
    /// The appointment's numeric FHIR id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// `meta.versionId`.
    pub fn version(&self) -> &'static str {
        version(usize::from(self.version))
    }

    /// `Appointment.status` as R4 writes it (`proposed`, `booked`, `checked-in`, …); DSTU2 answers `checked-in` as `arrived`.
    pub fn status(&self) -> &'static str {
        self.status_entry().code
    }

    /// `start`, in Unix milliseconds.
    pub fn start_ms(&self) -> i64 {
        self.start * 1000
    }

    /// `end`, in Unix milliseconds.
    pub fn end_ms(&self) -> i64 {
        (self.start + i64::from(self.minutes) * 60) * 1000
    }

    fn status_entry(&self) -> &'static Status {
        STATUSES.get(usize::from(self.status)).unwrap_or(&STATUSES[BOOKED])
    }

    fn parts(&self) -> Option<(&PractitionerText, &PatientText, &PlaceText)> {
        let catalog = &*self.catalog;
        Some((
            catalog.practitioners.get(self.practitioner as usize)?,
            catalog.patients.get(self.patient as usize)?,
            catalog.places.get(self.location as usize)?,
        ))
    }

    /// The participants' ids; `None` when the catalog lacks one of them.
    pub fn actors(&self) -> Option<Actors<'_>> {
        let (practitioner, patient, place) = self.parts()?;
        Some(Actors { patient: &patient.id, practitioner: &practitioner.id, location: &place.id })
    }

    /// About how many bytes [`write_json`](Self::write_json) writes (never fewer).
    pub fn json_len_hint(&self) -> usize {
        self.parts().map_or(0, |(practitioner, patient, place)| {
            700 + practitioner.div_head.len()
                + practitioner.div_tail.len()
                + practitioner.visit.len()
                + practitioner.participant.len()
                + 2 * patient.display.len()
                + patient.participant.len()
                + place.html.len()
                + place.participant.len()
        })
    }

    /// About how many bytes [`write_r4_json`](Self::write_r4_json) writes (never fewer), so a
    /// bundle's buffer is sized once: R4's is about a tenth longer than DSTU2's, and a buffer
    /// sized from DSTU2's grew (and copied the whole page) while the last entries were written.
    pub fn json_len_hint_r4(&self) -> usize {
        self.parts().map_or(0, |(practitioner, patient, place)| {
            // The fixed text of DSTU2's 700, the two `extension` flags and `requestedPeriod`.
            1100 + practitioner.div_head_r4.len()
                + practitioner.div_tail.len()
                + practitioner.visit_r4.len()
                + practitioner.participant_r4.len()
                + 2 * patient.display.len()
                + patient.participant.len()
                + place.html.len()
                + place.participant.len()
                + self.catalog.cancelation_reason_r4.len()
        })
    }

    /// Appends the appointment's compact JSON to `out`.
    pub fn write_json(&self, out: &mut String) {
        self.write(out, false);
    }

    /// Appends the appointment's compact R4 JSON to `out`: byte for byte what the R4 renderer
    /// makes of [`write_json`](Self::write_json)'s output (a test holds the two together).
    pub fn write_r4_json(&self, out: &mut String) {
        self.write(out, true);
    }

    fn write(&self, out: &mut String, r4: bool) {
        let Some((practitioner, patient, place)) = self.parts() else { return };
        let status = self.status_entry();
        let Some(texts) = self.catalog.statuses.get(usize::from(self.status)).or(self.catalog.statuses.get(BOOKED))
        else {
            return;
        };
        let end = self.start + i64::from(self.minutes) * 60;
        out.push_str(r#"{"resourceType":"Appointment","id":""#);
        push_number(out, self.id);
        out.push_str(r#"","meta":{"versionId":""#);
        out.push_str(self.version());
        out.push_str(r#"","lastUpdated":""#);
        self.catalog.push_instant(out, self.updated);
        let sparse = self.mess & mess::MISSING_OPTIONAL != 0;
        if sparse {
            out.push_str(r#""},"status":""#);
        } else {
            out.push_str(r#""},"text":{"status":"generated","div":""#);
            out.push_str(if r4 { &practitioner.div_head_r4 } else { &practitioner.div_head });
            self.catalog.push_div_instant(out, self.start);
            out.push_str("</p><p><b>End</b>: ");
            self.catalog.push_div_instant(out, end);
            out.push_str("</p><p><b>Duration</b>: ");
            push_number(out, u64::from(self.minutes));
            out.push_str(&texts.div);
            out.push_str(&place.html);
            out.push_str("</p><p><b>Participants</b>:</p><p><b>Patient</b>: ");
            out.push_str(&patient.display);
            out.push_str(&practitioner.div_tail);
        }
        out.push_str(if r4 { &texts.r4 } else { &texts.dstu2 });
        if sparse {
            out.push_str(r#""start":""#);
        } else {
            out.push_str(if r4 { &practitioner.visit_r4 } else { &practitioner.visit });
        }
        self.catalog.push_instant(out, self.start);
        out.push_str(r#"","end":""#);
        self.catalog.push_instant(out, end);
        if sparse {
            out.push_str(r#"","#);
        } else {
            out.push_str(r#"","minutesDuration":"#);
            push_number(out, u64::from(self.minutes));
            out.push(',');
        }
        out.push_str(if r4 { &practitioner.participant_r4 } else { &practitioner.participant });
        out.push_str(status.attendance);
        out.push_str(&patient.participant);
        out.push_str(status.attendance);
        out.push_str(&place.participant);
        out.push_str(status.attendance);
        out.push('"');
        if self.mess & mess::DANGLING_REFERENCE != 0 {
            out.push_str(r#"},{"type":[{"text":"Consulting"}],"actor":{"reference":"Practitioner/"#);
            push_number(out, self.catalog.dangling_from.wrapping_add(self.id % 997));
            out.push_str(r#"","display":"Unknown Practitioner"},"required":"optional","status":""#);
            out.push_str(status.attendance);
            out.push('"');
        }
        out.push_str("}]");
        if self.mess & mess::UNKNOWN_EXTENSION != 0 {
            out.push_str(r#","extension":[{"url":""#);
            out.push_str(mess::EXTENSION_URL);
            push_number(out, self.id % 7);
            out.push_str(r#"","valueString":"legacy-"#);
            push_number(out, self.id);
            out.push_str(r#""}]"#);
        }
        if r4 && self.status == PROPOSED as u8 {
            // R4 keeps a request's period in `requestedPeriod` (the R4 renderer's choice).
            out.push_str(r#","requestedPeriod":[{"start":""#);
            self.catalog.push_instant(out, self.start);
            out.push_str(r#"","end":""#);
            self.catalog.push_instant(out, end);
            out.push_str(r#""}]"#);
        }
        out.push('}');
    }
}

#[cfg(test)]
mod tests;
