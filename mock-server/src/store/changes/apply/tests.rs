//! Any batch of changes over a small tenant: it never panics, a refused batch leaves every row as
//! it was, and an applied one leaves each resource as its last change says (removed ones gone).

use proptest::prelude::*;
use serde_json::json;
use time::macros::datetime;

use super::*;

const IDS: [&str; 5] = ["1", "2", "3", "a1", "zz"];
const TYPES: [&str; 3] = ["Slot", "Appointment", "Organization"];

fn tenant() -> TenantData {
    let mut data = TenantData::default();
    for id in ["1", "2", "3"] {
        let slot = json!({"resourceType": "Slot", "id": id, "meta": {"versionId": "0"}, "freeBusyType": "free",
            "type": {"text": "Established Patient"}, "start": "2026-01-06T09:00:00Z", "end": "2026-01-06T09:15:00Z"});
        data.ingest(ResourceType::Slot, slot.to_string()).unwrap();
    }
    let appointment = json!({"resourceType": "Appointment", "id": "a1", "meta": {"versionId": "4"}, "status": "booked",
        "start": "2026-01-06T09:00:00Z", "end": "2026-01-06T09:30:00Z"});
    data.ingest(ResourceType::Appointment, appointment.to_string()).unwrap();
    data
}

/// Every stored row as `(type, id, JSON)`.
fn rows(data: &TenantData) -> Vec<(ResourceType, String, String)> {
    let mut rows = Vec::new();
    for resource_type in ResourceType::ALL {
        for (_, row) in data.table(resource_type).into_iter().flat_map(|t| t.rows()) {
            rows.push((resource_type, row.id.to_string(), row.json().into_owned()));
        }
    }
    rows
}

fn change() -> impl Strategy<Value = Change> {
    let pick = |items: &'static [&'static str]| proptest::sample::select(items).prop_map(str::to_owned);
    prop_oneof![
        (pick(&TYPES), pick(&IDS)).prop_map(|(t, id)| Change::Add { resource: json!({"resourceType": t, "id": id}) }),
        (pick(&TYPES), pick(&IDS), any::<bool>()).prop_map(|(t, id, busy)| {
            let status = if busy { json!("busy") } else { json!(5) };
            Change::Replace { resource: json!({"resourceType": t, "id": id, "freeBusyType": status}) }
        }),
        (pick(&TYPES), pick(&IDS)).prop_map(|(t, id)| Change::Remove { resource_type: t, id }),
        pick(&IDS).prop_map(Change::cancel),
    ]
}

proptest! {
    #[test]
    fn a_batch_applies_whole_or_not_at_all(changes in proptest::collection::vec(change(), 0..6)) {
        let mut data = tenant();
        let before = rows(&data);
        match data.apply(&changes, datetime!(2026-01-05 08:00 UTC)) {
            Err(_) => prop_assert_eq!(rows(&data), before),
            Ok(touched) => {
                for (resource_type, id) in touched {
                    let last = changes.iter().rev().find(|c| match c {
                        Change::Remove { resource_type: t, id: i } => t == resource_type.as_str() && *i == id,
                        Change::Add { resource } | Change::Replace { resource } => {
                            resource["resourceType"] == resource_type.as_str() && resource["id"] == id.as_str()
                        }
                        Change::Cancel { id: i } => resource_type == ResourceType::Appointment && *i == id,
                        _ => false,
                    });
                    let removed = matches!(last, Some(Change::Remove { .. }));
                    prop_assert_eq!(data.read(resource_type, &id).is_none(), removed, "{} {}", resource_type, id);
                }
                let counts = data.summary().counts;
                prop_assert_eq!(counts["Slot"] as usize, data.count(ResourceType::Slot));
            }
        }
    }
}

#[test]
fn a_replacement_moves_the_stored_version_on_and_a_removal_then_an_add_stores_anew() {
    let mut data = tenant();
    let now = datetime!(2026-01-05 08:00 UTC);
    let busy = json!({"resourceType": "Slot", "id": "2", "meta": {"versionId": "40"}, "freeBusyType": "busy"});
    let applied = data.apply(&[Change::replace(busy.clone()), Change::replace(busy)], now).unwrap();
    assert_eq!(applied, [(ResourceType::Slot, "2".to_owned())]);
    assert_eq!(&*data.read(ResourceType::Slot, "2").unwrap().version, "2", "0 → 1 → 2, not the given 40");
    let again = json!({"resourceType": "Appointment", "id": "a1", "status": "proposed"});
    let batch = [Change::remove(ResourceType::Appointment, "a1"), Change::add(again)];
    data.apply(&batch, now).unwrap();
    let row = data.read(ResourceType::Appointment, "a1").unwrap();
    assert_eq!((&*row.version, data.count(ResourceType::Appointment)), ("0", 1));
    assert!(row.json().contains(r#""lastUpdated":"2026-01-05T08:00:00.000Z""#), "{}", row.json());
    let refused = data.apply(&[Change::remove(ResourceType::Slot, "1"), Change::remove(ResourceType::Slot, "1")], now);
    assert_eq!(
        refused.unwrap_err().to_string(),
        "change 1: no Slot with id \"1\"",
        "a resource the batch removed is unknown to its later changes"
    );
}

#[test]
fn each_change_names_the_resource_it_touches() {
    let slot = json!({"resourceType": "Slot", "id": "6"});
    let cases = [
        (Change::add(slot.clone()), Some((ResourceType::Slot, "6"))),
        (Change::replace(slot), Some((ResourceType::Slot, "6"))),
        (Change::remove(ResourceType::Patient, "7"), Some((ResourceType::Patient, "7"))),
        (Change::cancel("8"), Some((ResourceType::Appointment, "8"))),
        (Change::set_status("9", "noshow"), Some((ResourceType::Appointment, "9"))),
        (Change::reschedule("10", "a", "b"), Some((ResourceType::Appointment, "10"))),
        (Change::replace(json!({"resourceType": "Organization", "id": "1"})), None),
        (Change::add(json!({"resourceType": "Slot"})), None),
        (Change::Remove { resource_type: "Nope".into(), id: "1".into() }, None),
    ];
    for (change, target) in cases {
        assert_eq!(change.target(), target, "{change:?}");
    }
}
