//! Removing a resource (the admin API's `remove` change): out of its table and out of every index
//! that names its row, so no read, search, include or summary finds it again.

use super::{PatientFields, TenantData};
use crate::store::ResourceType;

impl TenantData {
    /// Removes a resource and every index entry of it; `false` when the tenant has no such
    /// resource. Reads and searches no longer find it; its row number is not reused.
    pub fn remove(&mut self, resource_type: ResourceType, id: &str) -> bool {
        let Some((row, _)) = self.tables.get_mut(&resource_type).and_then(|table| table.remove(id)) else {
            return false;
        };
        let at = row as usize;
        match resource_type {
            ResourceType::Appointment => {
                if let Some(old) = self.appointments.get_mut(at).map(std::mem::take) {
                    self.unindex_appointment(row, &old);
                }
            }
            ResourceType::Slot => {
                if let Some(start) = self.slots.get_mut(at).map(std::mem::take).and_then(|old| old.start) {
                    self.slots_by_start.remove((start, row));
                }
            }
            ResourceType::Patient => {
                if let Some(fields) = self.patients.get_mut(at) {
                    *fields = PatientFields::default();
                }
            }
            ResourceType::Encounter => {
                let old = self.encounters.get_mut(at).map(std::mem::take).and_then(|old| old.patient);
                if let Some(rows) = old.and_then(|old| self.encounters_by_patient.get_mut(&old)) {
                    rows.retain(|r| *r != row);
                }
            }
            ResourceType::Schedule => {
                if let Some(actor) = self.schedule_actors.get_mut(at) {
                    *actor = None;
                }
            }
            ResourceType::Practitioner | ResourceType::Location => {}
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::query::{
        Actor, AppointmentQuery, EncounterQuery, Ids, PatientQuery, Query, SlotQuery, Text, TimeRange, Token,
    };

    const RESOURCES: [(ResourceType, &str); 6] = [
        (
            ResourceType::Patient,
            r#"{"resourceType":"Patient","id":"7","name":[{"family":["Peters"],"given":["Ann"]}]}"#,
        ),
        (
            ResourceType::Encounter,
            r#"{"resourceType":"Encounter","id":"8","patient":{"reference":"Patient/7"},"period":{"start":"2026-01-06T09:00:00Z"}}"#,
        ),
        (ResourceType::Schedule, r#"{"resourceType":"Schedule","id":"5","actor":{"reference":"Practitioner/3"}}"#),
        (
            ResourceType::Slot,
            r#"{"resourceType":"Slot","id":"6","type":{"coding":[{"code":"24477854"}]},"schedule":{"reference":"Schedule/5"},"freeBusyType":"free","start":"2026-01-06T09:00:00Z","end":"2026-01-06T09:15:00Z"}"#,
        ),
        (
            ResourceType::Appointment,
            r#"{"resourceType":"Appointment","id":"9","status":"booked","start":"2026-01-06T09:00:00Z","end":"2026-01-06T09:30:00Z","participant":[{"actor":{"reference":"Location/4"}},{"actor":{"reference":"Patient/7"}}]}"#,
        ),
        (ResourceType::Practitioner, r#"{"resourceType":"Practitioner","id":"3"}"#),
    ];

    fn queries() -> Vec<(ResourceType, Query)> {
        let day = TimeRange::new(1_767_657_600_000, 1_767_744_000_000);
        let slot = SlotQuery::ByType {
            slot_types: vec![Token { system: None, code: "24477854".into() }],
            start: day,
            actors: Some(vec!["Practitioner/3".into()]),
            locations: None,
            include_schedule: false,
        };
        let by_location =
            AppointmentQuery::ByActor { actor: Actor::Location, ids: vec!["4".into()], date: day, statuses: None };
        vec![
            (
                ResourceType::Patient,
                Query::Patient(PatientQuery { name: Some(Text::prefix("pet")), ..Default::default() }),
            ),
            (ResourceType::Encounter, Query::Encounter(EncounterQuery::Patient(vec!["7".into()]))),
            (ResourceType::Schedule, Query::Schedule(Ids(vec!["5".into()]))),
            (ResourceType::Slot, Query::Slot(slot)),
            (ResourceType::Appointment, Query::Appointment(by_location)),
            (ResourceType::Practitioner, Query::Practitioner(Ids(vec!["3".into()]))),
        ]
    }

    #[test]
    fn a_removed_resource_is_found_by_no_read_search_or_summary() {
        let mut data = TenantData::default();
        for (resource_type, json) in RESOURCES {
            data.ingest(resource_type, json.to_owned()).unwrap();
        }
        for (resource_type, query) in queries() {
            assert_eq!(data.search(&query).unwrap().len(), 1, "{resource_type} is found before");
        }
        assert!(!data.remove(ResourceType::Slot, "no-such-slot"));
        for (resource_type, json) in RESOURCES {
            let id = serde_json::from_str::<serde_json::Value>(json).unwrap()["id"].as_str().unwrap().to_owned();
            assert!(data.remove(resource_type, &id), "{resource_type}");
            assert!(!data.remove(resource_type, &id), "{resource_type} is removed once");
            assert!(data.read(resource_type, &id).is_none(), "{resource_type}");
        }
        for (resource_type, query) in queries() {
            assert_eq!(data.search(&query).unwrap(), [], "{resource_type} is found by no search");
        }
        let summary = data.summary();
        assert!(summary.counts.values().all(|n| *n == 0), "{:?}", summary.counts);
        assert!(summary.appointment_statuses.is_empty() && summary.appointment_starts.is_none(), "{summary:?}");
        assert!(summary.locations.is_empty() && summary.practitioners.is_empty(), "{summary:?}");
    }
}
