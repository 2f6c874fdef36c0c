//! Any sequence of pages leaves exactly one row per (tenant, id), holding the highest version seen.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::super::{AppointmentRecord, Store};

const TENANTS: [&str; 2] = ["tenant-a", "tenant-b"];

/// A record whose every field is a function of (tenant, id, version), so the stored row for the
/// highest version is known exactly.
fn versioned(tenant: &str, id: u8, version: u64) -> AppointmentRecord {
    AppointmentRecord {
        id: format!("id-{id}"),
        version_id: version.to_string(),
        last_updated: Some(format!("2026-11-{:02}T00:00:00Z", version % 28 + 1)),
        start: Some(format!("2026-12-{:02}T{:02}:00:00Z", id % 28 + 1, version % 24)),
        status: if version.is_multiple_of(3) { "cancelled" } else { "booked" }.into(),
        locations: vec![format!("loc-{}", version % 4)],
        raw: format!(r#"{{"tenant":"{tenant}","id":"id-{id}","v":{version}}}"#),
    }
}

/// Pages of (tenant index, [(id, version)]); versions cross 9 → 10 so text order would be wrong.
fn pages() -> impl Strategy<Value = Vec<(usize, Vec<(u8, u64)>)>> {
    let page = (0..TENANTS.len(), prop::collection::vec((0u8..6, 0u64..25), 0..12));
    prop::collection::vec(page, 1..10)
}

proptest! {
    #[test]
    fn any_sequence_of_pages_keeps_one_row_per_key_with_the_max_version(pages in pages(), runs_per_page in 1usize..4) {
        let mut store = Store::open_in_memory().unwrap();
        let mut model: BTreeMap<(&str, String), u64> = BTreeMap::new();
        let mut run = store.begin_run("2026-11-28T00:00:00Z").unwrap();
        for (n, (tenant, entries)) in pages.iter().enumerate() {
            if n % runs_per_page == 0 {
                run = store.begin_run("2026-11-28T00:00:00Z").unwrap();
            }
            let tenant = TENANTS[*tenant];
            let page: Vec<_> = entries.iter().map(|&(id, v)| versioned(tenant, id, v)).collect();
            let (outcome, rows) = store.save_page(run, tenant, &page).unwrap();
            prop_assert_eq!(outcome.inserted + outcome.updated + outcome.unchanged, page.len() as u64);
            for &(id, v) in entries {
                let max = model.entry((tenant, format!("id-{id}"))).or_insert(v);
                *max = (*max).max(v);
            }
            for row in rows {
                prop_assert_eq!(&row.version_id, &model[&(tenant, row.id.clone())].to_string());
            }
        }
        let stored = store.appointments(None).unwrap();
        prop_assert_eq!(stored.len(), model.len());
        prop_assert_eq!(store.count(None).unwrap(), model.len() as u64);
        for row in stored {
            let tenant = TENANTS.iter().find(|t| **t == row.tenant).unwrap();
            let max = model[&(*tenant, row.id.clone())];
            let id: u8 = row.id.trim_start_matches("id-").parse().unwrap();
            let expected = versioned(tenant, id, max);
            prop_assert_eq!(
                (row.version_id, row.last_updated, row.start, row.status, row.locations, row.raw),
                (expected.version_id, expected.last_updated, expected.start, expected.status, expected.locations, expected.raw)
            );
        }
    }
}
