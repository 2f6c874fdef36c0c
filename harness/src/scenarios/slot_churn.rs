//! Slot churn between two runs (the `rescheduled` scenario): free slots added, existing slots
//! booked at a new start (a `replace`), others removed, through the emulator's changes API; and
//! what the emulator's store shows of it, before and after, so a check that relies on the churn
//! first proves it happened. No appointment changes with it.

use cerner_mock::admin_client::{Change, ResourceType};
use serde_json::{Value, json};

use super::rescheduled::version;
use crate::evidence::Evidence;

/// Free slots added at each tenant between the runs.
const SLOTS: u32 = 3;
/// Synthetic slots of both tenants (the default profile seeds slot ids from 330000000 on, 500 at
/// the Second Hospital) replaced between the runs by a busy slot at a new start: booked.
const BOOKED_SLOTS: [&str; 2] = ["330000101", "330000202"];
/// Synthetic slots of both tenants removed between the runs.
const REMOVED_SLOTS: [&str; 2] = ["330000151", "330000252"];

/// [`SLOTS`] free slots added inside the window (ids from `first` on), [`BOOKED_SLOTS`] booked at
/// a new start, [`REMOVED_SLOTS`] removed.
pub(super) fn changes(first: u32) -> Vec<Change> {
    let added = (1..=SLOTS).map(|n| Change::add(slot(&(first + n).to_string(), "free", &format!("2026-01-1{n}T16"))));
    let booked = (1..).zip(BOOKED_SLOTS).map(|(n, id)| Change::replace(slot(id, "busy", &format!("2026-01-2{n}T10"))));
    let removed = REMOVED_SLOTS.into_iter().map(|id| Change::remove(ResourceType::Slot, id));
    added.chain(booked).chain(removed).collect()
}

/// A 15-minute slot starting at `hour` (`2026-01-11T16`).
fn slot(id: &str, free_busy: &str, hour: &str) -> Value {
    json!({
        "resourceType": "Slot", "id": id, "meta": { "versionId": "0" },
        "extension": [{
            "url": "https://fhir-ehr.cerner.com/dstu2/StructureDefinition/scheduling-location",
            "valueReference": { "reference": "Location/21304876" }
        }],
        "type": { "text": "Established Patient" },
        "schedule": { "reference": "Schedule/24477854-21304876-62852027-0" },
        "freeBusyType": free_busy,
        "start": format!("{hour}:00:00.000Z"), "end": format!("{hour}:15:00.000Z")
    })
}

/// The slot churn at `tenant` as the emulator's store shows it: slots added (absent before, held
/// after), changed (held before and after, with another version and another status or start) and
/// removed (held before, absent after).
pub(super) fn shown(ev: &Evidence, tenant: &str) -> (usize, usize, usize) {
    let (mut added, mut changed, mut removed) = (0, 0, 0);
    for c in ev.changed.iter().filter(|c| c.tenant == tenant && c.resource_type == "Slot") {
        let (before, after) = (&c.before, &c.stored);
        match (before.is_null(), after.is_null()) {
            (true, false) => added += 1,
            (false, true) => removed += 1,
            (false, false)
                if version(before) != version(after)
                    && (before["freeBusyType"] != after["freeBusyType"] || before["start"] != after["start"]) =>
            {
                changed += 1
            }
            _ => {}
        }
    }
    (added, changed, removed)
}
