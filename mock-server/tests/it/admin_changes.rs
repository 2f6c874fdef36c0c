//! The `replace` and `remove` data changes (`POST /__admin/tenants/{tenant}/changes`), on any stored
//! type: a replaced or removed resource is what reads and searches answer next, on DSTU2 and R4,
//! through every cache the emulator keeps (searches of 256+ matches, R4 renderings of stored
//! rows, synthetic appointments in their compact form); unknown ids refuse the whole batch.

use cerner_mock::store::{Body, Change, ResourceType};
use serde_json::{Value, json};

use crate::helpers::*;

const SLOT_TYPES: &str = "24477854,26054577,24477861,24477868,24477875,24477882,24477889,24477896";
const DSTU2_SLOTS: &str = "Slot?slot-type={types}&start=ge2025-01-01&start=lt2027-01-01&_count=100";
const R4_SLOTS: &str = "Slot?service-type={types}&start=ge2025-01-01T00:00:00Z&start=lt2027-01-01T00:00:00Z&_count=100";
const DSTU2_APPOINTMENTS: &str = "Appointment?location=21503380&date=ge2025-01-01&date=lt2027-01-01&_count=100";
const R4_APPOINTMENTS: &str =
    "Appointment?location=21503380&date=ge2025-01-01T00:00:00.000Z&date=lt2027-01-01T00:00:00.000Z&_count=100";

/// The default profile without rate limits (these tests page through whole searches several
/// times), with `synthetic` overrides.
async fn unlimited_app(synthetic: Option<&str>) -> TestApp {
    let mut profile = cerner_mock::Profile::embedded_default();
    profile.limits.enabled = false;
    let load = cerner_mock::store::LoadOptions { synthetic: synthetic.map(str::to_owned) };
    spawn_app_with_profile(profile, load).await
}

/// A FHIR GET on `version`'s base with its media type.
async fn get(app: &TestApp, version: &str, path: &str, token: &str) -> reqwest::Response {
    let accept = if version == "r4" { "application/fhir+json" } else { "application/json+fhir" };
    let url = if path.starts_with("http") { path.to_owned() } else { app.url(&format!("/{version}/{SANDBOX}/{path}")) };
    app.http.get(url).header("accept", accept).bearer_auth(token).send().await.expect("the emulator answers")
}

/// Every id a search matches, following `next` to the end (at most 100 pages).
async fn all_ids(app: &TestApp, version: &str, query: &str, kind: &str, token: &str) -> Vec<String> {
    let (mut ids, mut next) = (Vec::new(), Some(query.replace("{types}", SLOT_TYPES)));
    for _ in 0..100 {
        let Some(path) = next.take() else { break };
        let response = get(app, version, &path, token).await;
        assert_eq!(response.status(), 200, "{version} {path}");
        let bundle: Value = response.json().await.unwrap();
        ids.extend(entry_ids(&bundle, kind));
        next = link(&bundle, "next").map(str::to_owned);
    }
    assert!(next.is_none(), "the search ends within 100 pages");
    ids
}

async fn read(app: &TestApp, version: &str, kind: &str, id: &str, token: &str) -> (u16, Value) {
    let response = get(app, version, &format!("{kind}/{id}"), token).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

/// The read of a removed id answers exactly as the read of an id never stored.
async fn reads_as_unknown(app: &TestApp, kind: &str, id: &str, token: &str) {
    for version in ["dstu2", "r4"] {
        let (status, body) = read(app, version, kind, id, token).await;
        let (never_status, never) = read(app, version, kind, "no-such-id-1", token).await;
        assert_eq!((status, never_status), (404, 404), "{version} {kind}/{id}");
        assert_eq!(body.to_string(), never.to_string().replace("no-such-id-1", id), "{version}");
    }
}

#[tokio::test]
async fn replaced_added_and_removed_slots_show_in_every_search_although_searches_are_cached() {
    let app = unlimited_app(None).await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let before = all_ids(&app, "dstu2", DSTU2_SLOTS, "Slot", &token).await;
    assert!(before.len() >= 256, "large enough to be cached: {}", before.len());
    assert_eq!(all_ids(&app, "r4", R4_SLOTS, "Slot", &token).await, before, "R4 finds the same free slots");
    let (booked, moved, removed) = (before[7].clone(), before[100].clone(), before[200].clone());
    // R4 renders the slot once and keeps it with its row: a replacement must not answer the old one.
    assert_eq!(read(&app, "r4", "Slot", &booked, &token).await.1["status"], "free");

    let (_, mut busy) = read(&app, "dstu2", "Slot", &booked, &token).await;
    let version: u64 = busy["meta"]["versionId"].as_str().unwrap().parse().unwrap();
    busy["freeBusyType"] = json!("busy");
    busy["meta"]["versionId"] = json!("77");
    let (_, mut later) = read(&app, "dstu2", "Slot", &moved, &token).await;
    later["start"] = json!("2030-03-04T09:00:00.000Z");
    later["end"] = json!("2030-03-04T09:30:00.000Z");
    let mut added = later.clone();
    added["id"] = json!("99300001");
    added["start"] = json!("2026-01-09T07:00:00.000Z");
    added["end"] = json!("2026-01-09T07:15:00.000Z");
    added.as_object_mut().unwrap().remove("meta");
    let changes = [
        Change::replace(busy),
        Change::replace(later),
        Change::remove(ResourceType::Slot, &removed),
        Change::add(added),
    ];
    let applied = app.admin.apply_changes(SANDBOX, &changes).await.unwrap();
    let versions: Vec<_> = applied.iter().map(|a| (a.id.as_str(), a.version_id.as_deref())).collect();
    let next = (version + 1).to_string();
    assert_eq!(versions[0], (booked.as_str(), Some(next.as_str())), "the stored version moves on, not the given one");
    assert_eq!(versions[2..], [(removed.as_str(), None), ("99300001", Some("0"))]);

    let mut expected: Vec<String> =
        before.iter().filter(|id| ![&booked, &moved, &removed].contains(id)).cloned().collect();
    let dstu2 = all_ids(&app, "dstu2", DSTU2_SLOTS, "Slot", &token).await;
    assert!(dstu2.contains(&"99300001".to_owned()), "the added slot is found");
    expected.insert(dstu2.iter().position(|id| id == "99300001").unwrap(), "99300001".to_owned());
    assert_eq!(dstu2, expected, "DSTU2: no busy, moved or removed slot, the new one in its place");
    assert_eq!(all_ids(&app, "r4", R4_SLOTS, "Slot", &token).await, expected, "R4 alike");

    for version in ["dstu2", "r4"] {
        let (status, slot) = read(&app, version, "Slot", &booked, &token).await;
        assert_eq!((status, slot["meta"]["versionId"].as_str()), (200, Some(next.as_str())), "{version}");
        assert_eq!(slot["meta"]["lastUpdated"], "2026-01-05T08:00:00.000Z", "{version}: the clock's time");
        let busy = if version == "r4" { &slot["status"] } else { &slot["freeBusyType"] };
        assert_eq!(busy, "busy", "{version}");
        let (_, slot) = read(&app, version, "Slot", &moved, &token).await;
        assert_eq!(slot["start"].as_str().map(|s| &s[..16]), Some("2030-03-04T09:00"), "{version}");
    }
    reads_as_unknown(&app, "Slot", &removed, &token).await;
    let by_id = get(&app, "dstu2", &format!("Slot?_id={removed},{booked}"), &token).await;
    assert_eq!(
        entry_ids(&by_id.json().await.unwrap(), "Slot"),
        [booked.as_str()],
        "a search by _id finds no removed slot"
    );
}

#[tokio::test]
async fn replaced_and_removed_synthetic_appointments_show_in_every_search_although_searches_are_cached() {
    let app = unlimited_app(Some("appointments=4000")).await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let before = all_ids(&app, "dstu2", DSTU2_APPOINTMENTS, "Appointment", &token).await;
    assert!(before.len() >= 256, "large enough to be cached: {}", before.len());
    let r4_before = all_ids(&app, "r4", R4_APPOINTMENTS, "Appointment", &token).await;
    let (replaced, removed) = (before[50].clone(), before[150].clone());
    for id in [&replaced, &removed] {
        let data = app.server.state().store();
        let data = data.read(SANDBOX).unwrap();
        let row = data.read(ResourceType::Appointment, id).unwrap();
        assert!(matches!(row.body, Body::Appointment(_)), "{id} is stored in its compact synthetic form");
    }
    let summary = app.admin.tenant(SANDBOX).await.unwrap().data;

    let (_, mut resource) = read(&app, "dstu2", "Appointment", &replaced, &token).await;
    resource["status"] = json!("noshow");
    resource["start"] = json!("2031-05-06T10:00:00.000Z");
    resource["end"] = json!("2031-05-06T10:30:00.000Z");
    let changes = [Change::replace(resource), Change::remove(ResourceType::Appointment, &removed)];
    app.admin.apply_changes(SANDBOX, &changes).await.unwrap();

    let gone =
        |ids: &[String]| ids.iter().filter(|id| **id != replaced && **id != removed).cloned().collect::<Vec<_>>();
    assert_eq!(all_ids(&app, "dstu2", DSTU2_APPOINTMENTS, "Appointment", &token).await, gone(&before));
    assert_eq!(all_ids(&app, "r4", R4_APPOINTMENTS, "Appointment", &token).await, gone(&r4_before));
    let later = "Appointment?location=21503380&date=2031-05-06";
    assert_eq!(
        entry_ids(&get(&app, "dstu2", later, &token).await.json().await.unwrap(), "Appointment"),
        [replaced.as_str()]
    );
    let (_, r4) = read(&app, "r4", "Appointment", &replaced, &token).await;
    assert_eq!(r4["status"], "noshow", "{r4}");
    reads_as_unknown(&app, "Appointment", &removed, &token).await;

    let after = app.admin.tenant(SANDBOX).await.unwrap().data;
    assert_eq!(after.counts["Appointment"], summary.counts["Appointment"] - 1, "the summary counts no removed row");
    let statuses: u64 = after.appointment_statuses.values().sum();
    assert_eq!(statuses, after.counts["Appointment"], "nor its status");
    let location =
        |s: &cerner_mock::store::TenantSummary| s.locations.iter().find(|l| l.id == "21503380").unwrap().appointments;
    assert_eq!(location(&after), location(&summary) - 1, "nor its location");
}

/// Raw JSON, for batches the typed client cannot express (bad ones).
async fn post_changes(app: &TestApp, changes: Value) -> (u16, String) {
    let url = app.url(&format!("/__admin/tenants/{SANDBOX}/changes"));
    let response = app.http.post(url).json(&json!({ "changes": changes })).send().await.unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (status, body["error"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn an_unknown_id_or_a_resource_the_store_cannot_take_refuses_the_whole_batch() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let (_, original) = read(&app, "dstu2", "Appointment", "4817508", &token).await;
    let mut cancelled = original.clone();
    cancelled["status"] = json!("cancelled");
    let mut bad_shape = original.clone();
    bad_shape["start"] = json!(5);
    let refused = [
        (
            json!([{ "op": "replace", "resource": cancelled }, { "op": "remove", "resource_type": "Slot", "id": "nope-1" }]),
            "change 1: no Slot with id \"nope-1\"",
        ),
        (
            json!([{ "op": "replace", "resource": { "resourceType": "Slot", "id": "nope-2" } }]),
            "change 0: no Slot with id \"nope-2\"",
        ),
        (
            json!([{ "op": "remove", "resource_type": "Appointment", "id": "4817508" }, { "op": "cancel", "id": "4817508" }]),
            "change 1: no Appointment with id \"4817508\"",
        ),
        (
            json!([{ "op": "remove", "resource_type": "Appointment", "id": "4817508" }, { "op": "replace", "resource": cancelled }]),
            "change 1: no Appointment with id \"4817508\"",
        ),
        (json!([{ "op": "remove", "resource_type": "Organization", "id": "1" }]), "change 0: "),
        (
            json!([{ "op": "replace", "resource": { "resourceType": "Appointment" } }]),
            "change 0: the resource has no id",
        ),
        (json!([{ "op": "replace", "resource": [] }]), "change 0: the resource must be a JSON object"),
        (
            json!([{ "op": "cancel", "id": "4817508" }, { "op": "replace", "resource": bad_shape }]),
            "change 1: not a JSON resource",
        ),
    ];
    for (batch, error) in refused {
        let (status, text) = post_changes(&app, batch.clone()).await;
        assert_eq!(status, 400, "{batch}");
        assert!(text.starts_with(error), "{batch}: {text}");
    }
    for bad in [json!([{ "op": "remove", "id": "1" }]), json!([{ "op": "replace" }])] {
        assert_eq!(post_changes(&app, bad.clone()).await.0, 400, "{bad}");
    }
    let (status, now) = read(&app, "dstu2", "Appointment", "4817508", &token).await;
    assert_eq!((status, &now), (200, &original), "no refused batch changed anything");

    // Removed and added again in one batch: a new resource under the old id.
    let (status, _) = post_changes(
        &app,
        json!([{ "op": "remove", "resource_type": "Appointment", "id": "4817508" }, { "op": "add", "resource": cancelled }]),
    )
    .await;
    assert_eq!(status, 200);
    let (_, again) = read(&app, "dstu2", "Appointment", "4817508", &token).await;
    assert_eq!((&again["status"], &again["meta"]["versionId"]), (&json!("cancelled"), &original["meta"]["versionId"]));
}
