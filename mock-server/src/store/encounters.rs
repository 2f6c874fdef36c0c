//! Encounter searches: by id, patient, account or identifier, narrowed by R4's `date`, `status`
//! and `_lastUpdated`. Sorted by period start, like the other searches with a time.

use super::ResourceType;
use super::query::{EncounterFilter, EncounterQuery};
use super::search::token_matches;
use super::sorted::Key;
use super::tenant::{EncounterFields, TenantData};

impl TenantData {
    pub(super) fn search_encounters(&self, query: &EncounterQuery) -> Vec<Key> {
        match query {
            EncounterQuery::Ids(ids) => self.by_ids(ResourceType::Encounter, ids),
            EncounterQuery::Patient(patients) => self.encounters_of(patients),
            EncounterQuery::Account(accounts) => {
                self.encounters_where(|f| f.accounts.iter().any(|a| accounts.contains(a)))
            }
            EncounterQuery::Identifier(tokens) => self.encounters_where(|f| {
                tokens
                    .iter()
                    .any(|t| f.identifiers.iter().any(|(system, value)| token_matches(t, system.as_deref(), value)))
            }),
            EncounterQuery::Filtered(base, filter) => {
                let mut keys = self.search_encounters(base);
                keys.retain(|(_, row)| self.encounters.get(*row as usize).is_some_and(|f| matches(f, filter)));
                keys
            }
        }
    }

    fn encounters_of(&self, patients: &[String]) -> Vec<Key> {
        let mut keys: Vec<Key> = patients
            .iter()
            .filter_map(|p| self.encounters_by_patient.get(p.as_str()))
            .flatten()
            .map(|row| self.sort_key(ResourceType::Encounter, *row))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// Accounts and identifiers have no index: few searches use them, and a scan of the
    /// encounters' fields stays cheap next to rendering the page.
    fn encounters_where(&self, keep: impl Fn(&EncounterFields) -> bool) -> Vec<Key> {
        let Some(table) = self.table(ResourceType::Encounter) else { return Vec::new() };
        let mut keys: Vec<Key> = table
            .rows()
            .map(|(row, _)| row)
            .filter(|row| self.encounters.get(*row as usize).is_some_and(&keep))
            .map(|row| self.sort_key(ResourceType::Encounter, row))
            .collect();
        keys.sort_unstable();
        keys
    }
}

fn matches(f: &EncounterFields, filter: &EncounterFilter) -> bool {
    let date_ok = filter
        .date
        .is_none_or(|range| f.start.is_some_and(|start| start < range.to) && f.end.is_none_or(|end| end >= range.from));
    date_ok
        && filter.statuses.as_ref().is_none_or(|list| f.status.as_deref().is_some_and(|s| list.iter().any(|x| x == s)))
        && filter.last_updated.is_none_or(|range| f.last_updated.is_some_and(|at| range.contains(at)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    use crate::store::query::{Ids, TimeRange, Token};

    fn tenant() -> TenantData {
        let mut data = TenantData::default();
        for json in [
            r#"{"resourceType":"Encounter","id":"1","meta":{"versionId":"1","lastUpdated":"2024-05-01T10:00:00Z"},"status":"finished","patient":{"reference":"Patient/7"},"account":[{"reference":"Account/A1"}],"identifier":[{"system":"urn:fin","value":"100"}],"period":{"start":"2024-05-01T09:00:00Z","end":"2024-05-01T09:30:00Z"}}"#,
            r#"{"resourceType":"Encounter","id":"2","meta":{"versionId":"1","lastUpdated":"2024-05-03T10:00:00Z"},"status":"in-progress","patient":{"reference":"Patient/7"},"account":[{"reference":"Account/A2"},{"reference":"Account/A1"}],"identifier":[{"system":"urn:mrn","value":"100"}],"period":{"start":"2024-05-02T09:00:00Z"}}"#,
        ] {
            data.ingest(ResourceType::Encounter, json.to_owned()).unwrap();
        }
        data
    }

    fn ids(data: &TenantData, query: EncounterQuery) -> Vec<&str> {
        let table = data.table(ResourceType::Encounter).unwrap();
        data.search_encounters(&query).iter().map(|(_, row)| &*table.row(*row).unwrap().id).collect()
    }

    #[test]
    fn accounts_and_identifiers_match_any_listed_value() {
        let data = tenant();
        assert_eq!(ids(&data, EncounterQuery::Account(vec!["A1".into()])), ["1", "2"]);
        assert_eq!(ids(&data, EncounterQuery::Account(vec!["A2".into(), "A9".into()])), ["2"]);
        let fin = Token { system: Some("urn:fin".into()), code: "100".into() };
        assert_eq!(ids(&data, EncounterQuery::Identifier(vec![fin])), ["1"]);
        let any = Token { system: None, code: "100".into() };
        assert_eq!(ids(&data, EncounterQuery::Identifier(vec![any])), ["1", "2"]);
    }

    #[test]
    fn filters_narrow_by_period_overlap_status_and_last_update() {
        let data = tenant();
        let filtered = |filter: EncounterFilter| {
            ids(&data, EncounterQuery::Filtered(Box::new(EncounterQuery::Patient(vec!["7".into()])), filter))
        };
        // Ranges as the FHIR layer parses `2024-05-01`, `2024-06` and `ge2024-05-02` (Unix ms, UTC).
        let ms = |d: time::Date| d.midnight().assume_utc().unix_timestamp() * 1000;
        let (may_1, may_2) = (ms(date!(2024 - 05 - 01)), ms(date!(2024 - 05 - 02)));
        let june = TimeRange::new(ms(date!(2024 - 06 - 01)), ms(date!(2024 - 07 - 01)));
        assert_eq!(filtered(EncounterFilter { date: Some(TimeRange::new(may_1, may_2)), ..Default::default() }), ["1"]);
        assert_eq!(filtered(EncounterFilter { date: Some(june), ..Default::default() }), ["2"]);
        let finished = Some(vec!["finished".to_owned()]);
        assert_eq!(filtered(EncounterFilter { statuses: finished, ..Default::default() }), ["1"]);
        assert_eq!(
            filtered(EncounterFilter { last_updated: Some(TimeRange::since(may_2)), ..Default::default() }),
            ["2"]
        );
        let by_id = EncounterQuery::Filtered(
            Box::new(EncounterQuery::Ids(Ids(vec!["1".into()]))),
            EncounterFilter { statuses: Some(vec!["in-progress".into()]), ..Default::default() },
        );
        assert!(ids(&data, by_id).is_empty());
    }
}
