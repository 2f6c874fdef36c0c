//! Runs a typed query against one tenant: every match as a `(sort key, row)` pair, in the
//! documented order (Appointments and Slots by `start`, the rest by arrival). Appointment and Slot
//! searches read ranges of sorted indexes; only Patient's name/phone/… criteria scan the patients.

use std::collections::HashSet;
use std::sync::Arc;

use time::Date;
use time::macros::format_description;

use super::ResourceType;
use super::query::{Actor, AppointmentQuery, EndMatch, Ids, PatientQuery, Query, SlotQuery, Text, TimeRange, Token};
use super::sorted::Key;
use super::tenant::TenantData;
use crate::request::FhirVersion;

/// The first instant of a UTC day written `YYYY-MM-DD`, in Unix milliseconds.
fn day_start_ms(day: &str) -> Option<i64> {
    let day = Date::parse(day, format_description!("[year]-[month]-[day]")).ok()?;
    let seconds = day.midnight().assume_utc().unix_timestamp();
    seconds.checked_mul(1000)
}

/// More Patient matches than this is a 422 (documented).
pub const PATIENT_MATCH_LIMIT: usize = 1000;

/// Why the store refused to run a search.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// A Patient search matching more than [`PATIENT_MATCH_LIMIT`] patients (Cerner answers 422).
    #[error("the search matches more than {PATIENT_MATCH_LIMIT} patients; narrow it")]
    TooManyPatients,
}

/// An appointment as the store holds it: what a sync of its window should end with.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WindowAppointment {
    /// The appointment's id.
    pub id: String,
    /// Its current `meta.versionId`.
    pub version: String,
    /// Its current status, as R4 writes it (see [`WindowAppointment::status_on`]).
    pub status: String,
}

impl WindowAppointment {
    /// The status as `version` answers it: DSTU2 has no code for R4's native `checked-in`, and
    /// answers it as `arrived`.
    pub fn status_on(&self, version: FhirVersion) -> &str {
        match (version, self.status.as_str()) {
            (FhirVersion::Dstu2, "checked-in") => "arrived",
            (_, status) => status,
        }
    }
}

impl TenantData {
    /// Every appointment of `locations` whose start lies in `[from, to)` (ISO dates, `YYYY-MM-DD`,
    /// as UTC days), sorted by id: the ground truth a harness or a test compares a sync client's
    /// store with. It runs the query a client's `location=…&date=ge{from}&date=lt{to}` search
    /// parses to; a date that is not `YYYY-MM-DD` matches nothing.
    pub fn appointments_in_window(&self, locations: &[String], from: &str, to: &str) -> Vec<WindowAppointment> {
        let (Some(from), Some(to), Some(table)) =
            (day_start_ms(from), day_start_ms(to), self.table(ResourceType::Appointment))
        else {
            return Vec::new();
        };
        let mut ids: Vec<String> = Vec::with_capacity(locations.len());
        for location in locations {
            if !ids.contains(location) {
                ids.push(location.clone());
            }
        }
        let date = TimeRange::new(from, to);
        let query = Query::Appointment(AppointmentQuery::ByActor { actor: Actor::Location, ids, date, statuses: None });
        let mut rows: Vec<WindowAppointment> = self
            .search(&query)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(_, row)| {
                let stored = table.row(row)?;
                let status = self.appointment(row).map(|f| f.status.to_string()).unwrap_or_default();
                Some(WindowAppointment { id: stored.id.to_string(), version: stored.version.to_string(), status })
            })
            .collect();
        rows.sort();
        rows
    }

    /// Every match of `query`, sorted.
    pub fn search(&self, query: &Query) -> Result<Vec<Key>, SearchError> {
        let keys = match query {
            Query::Appointment(q) => self.search_appointments(q),
            Query::Encounter(q) => self.search_encounters(q),
            Query::Patient(q) => return self.search_patients(q),
            Query::Practitioner(ids) => self.by_ids(ResourceType::Practitioner, ids),
            Query::Schedule(ids) => self.by_ids(ResourceType::Schedule, ids),
            Query::Slot(SlotQuery::Ids { ids, .. }) => self.by_ids(ResourceType::Slot, ids),
            Query::Slot(q @ SlotQuery::ByType { .. }) => self.search_slots(q),
        };
        Ok(keys)
    }

    /// The sort key of a row: its start for Appointments, Slots and Encounters, else 0.
    pub(super) fn sort_key(&self, resource_type: ResourceType, row: u32) -> Key {
        let start = match resource_type {
            ResourceType::Appointment => self.appointments.get(row as usize).and_then(|f| f.start),
            ResourceType::Slot => self.slots.get(row as usize).and_then(|f| f.start),
            ResourceType::Encounter => self.encounters.get(row as usize).and_then(|f| f.start),
            _ => None,
        };
        (start.unwrap_or(0), row)
    }

    pub(super) fn by_ids(&self, resource_type: ResourceType, ids: &Ids) -> Vec<Key> {
        let Some(table) = self.table(resource_type) else { return Vec::new() };
        let mut keys: Vec<Key> =
            ids.0.iter().filter_map(|id| table.find(id)).map(|row| self.sort_key(resource_type, row)).collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    fn search_appointments(&self, query: &AppointmentQuery) -> Vec<Key> {
        let (actor, ids, date, statuses) = match query {
            AppointmentQuery::Ids(ids) => return self.by_ids(ResourceType::Appointment, ids),
            AppointmentQuery::ByActor { actor, ids, date, statuses } => (actor, ids, date, statuses),
            AppointmentQuery::Overlapping { actor, ids, range, statuses, requested, end } => {
                return self.overlapping_appointments(*actor, ids, range, statuses.as_deref(), *requested, *end);
            }
        };
        let Some(index) = self.by_actor.get(actor) else { return Vec::new() };
        let status_ok = |row: u32| match statuses {
            None => true,
            Some(list) => self.appointment(row).is_some_and(|f| list.iter().any(|s| *s == *f.status)),
        };
        let mut keys: Vec<Key> = ids
            .iter()
            .filter_map(|id| index.get(id.as_str()))
            .flat_map(|keys| keys.range(date.from, date.to).iter().copied())
            .filter(|(_, row)| status_ok(*row))
            .collect();
        if ids.len() > 1 {
            // One sorted run per actor: the stable sort finds the runs and merges them, in about
            // linear time, where an unstable sort would start from scratch on every page.
            keys.sort();
            keys.dedup();
        }
        keys
    }

    /// R4's appointment search on the same index: the start index read from `max span` before the
    /// range, then each candidate checked by its start and end.
    fn overlapping_appointments(
        &self,
        actor: Actor,
        ids: &[String],
        range: &TimeRange,
        statuses: Option<&[String]>,
        requested: bool,
        end: EndMatch,
    ) -> Vec<Key> {
        let Some(index) = self.by_actor.get(&actor) else { return Vec::new() };
        let from = range.from.saturating_sub(self.max_appointment_span);
        let keep = |row: u32| {
            let Some(f) = self.appointment(row) else { return false };
            let in_range = f.start.is_some_and(|s| range.contains(s)) || f.end.is_some_and(|e| end.matches(e, range));
            in_range
                && (requested || &*f.status != "proposed")
                && statuses.is_none_or(|list| list.iter().any(|s| *s == *f.status))
        };
        let mut keys: Vec<Key> = ids
            .iter()
            .filter_map(|id| index.get(id.as_str()))
            .flat_map(|keys| keys.range(from, range.to).iter().copied())
            .filter(|(_, row)| keep(*row))
            .collect();
        if ids.len() > 1 {
            keys.sort();
            keys.dedup();
        }
        keys
    }

    fn search_slots(&self, query: &SlotQuery) -> Vec<Key> {
        let SlotQuery::ByType { slot_types, start, actors, locations, .. } = query else { return Vec::new() };
        let schedules = actors.as_ref().map(|actors| self.schedules_of(actors));
        let mut keys: Vec<Key> = self
            .slots_by_start
            .range(start.from, start.to)
            .iter()
            .copied()
            .filter(|(_, row)| {
                let Some(slot) = self.slots.get(*row as usize) else { return false };
                slot.free
                    && slot_types
                        .iter()
                        .any(|t| slot.types.iter().any(|(system, code)| token_matches(t, system.as_deref(), code)))
                    && schedules.as_ref().is_none_or(|s| slot.schedule.as_deref().is_some_and(|id| s.contains(id)))
                    && locations
                        .as_ref()
                        .is_none_or(|l| slot.location.as_deref().is_some_and(|id| l.iter().any(|x| x == id)))
            })
            .collect();
        self.order_slot_ties(&mut keys);
        keys
    }

    /// Orders slots that start at the same time by slot type, then scheduling location display,
    /// as Cerner sorts them (a stable sort: equal ones keep their row order). The keys stay
    /// sorted by `start`; within a start they no longer follow the row, which is why Slot pages
    /// find their cursor by position (the FHIR layer's `page_bounds_in_order`).
    fn order_slot_ties(&self, keys: &mut [Key]) {
        let tie = |row: u32| self.slots.get(row as usize).map(|slot| (&slot.tie.0, &slot.tie.1));
        keys.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| tie(a.1).cmp(&tie(b.1))).then(a.1.cmp(&b.1)));
    }

    /// Ids of the schedules whose actor is one of `actors` (`Practitioner/593923`).
    fn schedules_of(&self, actors: &[String]) -> HashSet<&str> {
        let Some(table) = self.table(ResourceType::Schedule) else { return HashSet::new() };
        table
            .rows()
            .filter(|(row, _)| {
                self.schedule_actors
                    .get(*row as usize)
                    .and_then(Option::as_deref)
                    .is_some_and(|actor| actors.iter().any(|a| a == actor))
            })
            .map(|(_, row)| &*row.id)
            .collect()
    }

    fn search_patients(&self, query: &PatientQuery) -> Result<Vec<Key>, SearchError> {
        let Some(table) = self.table(ResourceType::Patient) else { return Ok(Vec::new()) };
        let candidates: Vec<u32> = match &query.ids {
            Some(ids) => ids.0.iter().filter_map(|id| table.find(id)).collect(),
            None => table.rows().map(|(row, _)| row).collect(),
        };
        let mut keys = Vec::new();
        for row in candidates {
            if self.patients.get(row as usize).is_some_and(|p| patient_matches(p, query)) {
                if keys.len() == PATIENT_MATCH_LIMIT {
                    return Err(SearchError::TooManyPatients);
                }
                keys.push((0, row));
            }
        }
        keys.sort_unstable();
        keys.dedup();
        Ok(keys)
    }
}

pub(super) fn token_matches(token: &Token, system: Option<&str>, code: &str) -> bool {
    token.code == code && token.system.as_deref().is_none_or(|s| Some(s) == system)
}

/// FHIR string search: case-insensitive "starts with" on the lower-cased values; with `:exact`,
/// the whole value as written.
fn text_matches(lower: &[Arc<str>], exact: &[Arc<str>], text: &Text) -> bool {
    if text.exact {
        return exact.iter().any(|v| **v == *text.value);
    }
    let prefix = text.value.to_lowercase();
    lower.iter().any(|v| v.starts_with(&prefix))
}

fn any_equals(values: &[Box<str>], wanted: &Option<String>) -> bool {
    wanted.as_ref().is_none_or(|w| values.iter().any(|v| v.eq_ignore_ascii_case(w)))
}

fn in_range(value: Option<i64>, range: &Option<TimeRange>) -> bool {
    range.as_ref().is_none_or(|r| value.is_some_and(|v| r.contains(v)))
}

fn patient_matches(p: &super::tenant::PatientFields, q: &PatientQuery) -> bool {
    // `name` matches any part of any name; checked without building a list per patient.
    let name_ok = q.name.as_ref().is_none_or(|name| {
        text_matches(&p.families, &p.exact_families, name)
            || text_matches(&p.givens, &p.exact_givens, name)
            || text_matches(&p.texts, &p.exact_texts, name)
    });
    let text_ok = |lower: &[Arc<str>], exact: &[Arc<str>], text: &Option<Text>| {
        text.as_ref().is_none_or(|text| text_matches(lower, exact, text))
    };
    name_ok
        && text_ok(&p.families, &p.exact_families, &q.family)
        && text_ok(&p.givens, &p.exact_givens, &q.given)
        && text_ok(&p.postal_codes, &p.exact_postal_codes, &q.postal_code)
        && any_equals(&p.phones, &q.phone)
        && any_equals(&p.emails, &q.email)
        && in_range(p.birth, &q.birthdate)
        && q.gender.as_ref().is_none_or(|g| p.gender.as_deref() == Some(g.as_str()))
        && q.identifier
            .as_ref()
            .is_none_or(|t| p.identifiers.iter().any(|(system, value)| token_matches(t, system.as_deref(), value)))
}
