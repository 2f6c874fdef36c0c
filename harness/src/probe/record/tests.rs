//! The emulator's answers to every probe, compared with the project's own fixtures (the sandbox
//! tenant's documented resources for DSTU2, the emulator's reviewed R4 response snapshots for R4)
//! and, when `CERNER_DOC_EXAMPLES` names a folder of them, with fhir.cerner.com's own examples.

use std::path::Path;

use serde_json::{Value, json};

use super::super::{compare, documented};
use super::*;

/// The sandbox tenant's own fixtures (written to the shapes fhir.cerner.com documents, under the
/// documented ids) as the documented DSTU2 answers of the read probes and the `_id` searches.
fn dstu2_fixture_reference() -> Vec<Recorded> {
    let data = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/data")).join(SANDBOX_TENANT);
    let resources = |kind: &str| -> Vec<Value> {
        let text = std::fs::read_to_string(data.join(format!("{kind}.json"))).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let mut reference = Vec::new();
    for probe in probes(FhirVersion::Dstu2) {
        let (kind, rest) = probe.path.split_once(['/', '?']).unwrap_or((probe.path, ""));
        let ids: Vec<&str> = match rest.strip_prefix("_id=") {
            Some(list) => list.split("%2C").collect(),
            None if probe.name.ends_with("-read") => vec![rest],
            None => continue,
        };
        let found: Vec<Value> =
            resources(kind).into_iter().filter(|r| ids.contains(&r["id"].as_str().unwrap_or_default())).collect();
        assert_eq!(found.len(), ids.len(), "{}: the fixtures hold {ids:?}", probe.name);
        let body = if probe.name.ends_with("-read") {
            found[0].clone()
        } else {
            let entry: Vec<Value> = found.into_iter().map(|r| json!({ "fullUrl": "u", "resource": r })).collect();
            json!({ "resourceType": "Bundle", "id": "b", "type": "searchset", "total": entry.len(),
                    "link": [{ "relation": "self", "url": "u" }], "entry": entry })
        };
        let content_type = Some("application/json+fhir".to_owned());
        let fhir_version = FhirVersion::Dstu2;
        reference.push(Recorded {
            probe: probe.name.to_owned(),
            fhir_version,
            status: 200,
            content_type,
            body,
            request: None,
            headers: Default::default(),
        });
    }
    reference
}

/// The R4 probes and the emulator's reviewed R4 response snapshot that answers the same documented
/// request (the Practitioner search's snapshot asks by `_id`, the probe by the documented NPI; both
/// find the documented Practitioner).
pub(crate) const R4_SNAPSHOTS: [(&str, &str); 20] = [
    ("metadata", "it__r4__r4_metadata_secured"),
    ("metadata-open", "it__r4__r4_metadata_open"),
    ("smart-configuration", "it__r4__r4_smart_configuration"),
    ("appointment-read", "it__r4__r4_read_appointment_4817508"),
    ("appointment-search", "it__r4_search__r4_search_appointment_by_patient"),
    ("location-read", "it__r4__r4_read_Location_21250409"),
    ("location-search", "it__r4_search__r4_search_location_by_id"),
    ("location-search-physical-type", "it__r4_search__r4_search_location_by_physical_type"),
    ("patient-read", "it__r4__r4_read_Patient_12724067"),
    ("patient-search", "it__r4_search__r4_search_patient_by_id"),
    ("practitioner-read", "it__r4__r4_read_Practitioner_4122622"),
    ("practitioner-search", "it__r4_search__r4_search_practitioner_by_id"),
    ("encounter-read", "it__r4__r4_read_Encounter_97953477"),
    ("encounter-search", "it__r4_search__r4_search_encounter_by_patient"),
    ("slot-read", "it__r4__r4_read_Slot_4047611-32216049-61518614-0"),
    ("slot-search", "it__r4_search__r4_search_slot_by_service_type"),
    ("schedule-read", "it__r4__r4_read_Schedule_24477854-21304876-62852027-0"),
    ("schedule-search", "it__r4_search__r4_search_schedule_by_id"),
    ("search-no-parameters", "it__r4__r4_error_no_parameters"),
    ("unknown-id", "it__r4__r4_error_not_found"),
];

/// The emulator's R4 response snapshots (status, content type and body of each documented request,
/// reviewed against fhir.cerner.com's R4 examples when they were accepted) as the R4 reference.
fn r4_snapshot_reference() -> Vec<Recorded> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../mock-server/tests/it/snapshots"));
    R4_SNAPSHOTS
        .iter()
        .map(|(probe, snapshot)| {
            let text = std::fs::read_to_string(dir.join(format!("{snapshot}.snap"))).unwrap();
            // An insta snapshot: a `---` front matter block, then the value.
            let value = text.splitn(3, "---\n").nth(2).unwrap();
            let envelope: Value = serde_json::from_str(value).unwrap();
            Recorded {
                probe: (*probe).to_owned(),
                fhir_version: FhirVersion::R4,
                status: u16::try_from(envelope["status"].as_u64().unwrap()).unwrap(),
                content_type: envelope["headers"]["content-type"].as_str().map(str::to_owned),
                body: envelope["body"].clone(),
                request: None,
                headers: Default::default(),
            }
        })
        .collect()
}

fn departures(reference: &[Recorded], answers: &[Recorded]) -> (usize, Vec<String>) {
    let mut compared = 0;
    let mut found = Vec::new();
    for documented in reference {
        let Some(actual) = answers.iter().find(|a| a.same_probe(documented)) else { continue };
        compared += 1;
        found.extend(compare(documented, actual).iter().map(|d| format!("{} {} {}", d.probe, d.kind, d.detail)));
    }
    (compared, found)
}

fn expected_status(probe: &str) -> u16 {
    match probe {
        "search-no-parameters" => 400,
        "unknown-id" => 404,
        _ => 200,
    }
}

/// With `CERNER_DOC_EXAMPLES` naming a folder of the documentation's examples, every one of
/// `version` that maps to a probe is compared (the departures are printed, not judged: they are
/// the documentation's, listed in the README).
fn compare_with_the_documentation(version: FhirVersion, answers: &[Recorded]) {
    let Some(dir) = std::env::var_os("CERNER_DOC_EXAMPLES") else {
        eprintln!("skipped the documentation's examples: set CERNER_DOC_EXAMPLES to a folder of them");
        return;
    };
    let reference: Vec<Recorded> =
        documented(Path::new(&dir)).unwrap().into_iter().filter(|r| r.fhir_version == version).collect();
    assert!(!reference.is_empty(), "no {} example in {}", version.label(), dir.to_string_lossy());
    let (compared, found) = departures(&reference, answers);
    eprintln!("{} {} departures:\n{}", found.len(), version.label(), found.join("\n"));
    assert_eq!(compared, reference.len(), "every documented probe is compared");
}

#[tokio::test]
async fn the_emulator_answers_every_dstu2_probe_as_its_documented_fixtures_show() {
    let answers = emulator_answers(&[FhirVersion::Dstu2]).await.unwrap();
    assert_eq!(answers.len(), probes(FhirVersion::Dstu2).len());
    for answer in &answers {
        assert_eq!(answer.status, expected_status(&answer.probe), "{}: {}", answer.probe, answer.body);
    }
    let reference = dstu2_fixture_reference();
    assert_eq!(reference.len(), 9, "six reads and three _id searches");
    let (compared, found) = departures(&reference, &answers);
    assert_eq!(compared, reference.len(), "every fixture probe is compared");
    assert!(found.is_empty(), "{found:#?}");
    compare_with_the_documentation(FhirVersion::Dstu2, &answers);
}

#[tokio::test]
async fn the_emulator_answers_every_r4_probe_as_its_reviewed_snapshots_show() {
    let answers = emulator_answers(&[FhirVersion::R4]).await.unwrap();
    assert_eq!(answers.len(), probes(FhirVersion::R4).len(), "the open base's probe is asked too");
    for answer in &answers {
        assert_eq!(answer.fhir_version, FhirVersion::R4);
        assert_eq!(answer.status, expected_status(&answer.probe), "{}: {}", answer.probe, answer.body);
        if answer.body["resourceType"] == "Bundle" {
            let entries = answer.body["entry"].as_array().map_or(0, Vec::len);
            assert!(entries > 0, "{}: the documented request finds the documented resource", answer.probe);
        }
    }
    let reference = r4_snapshot_reference();
    let (compared, found) = departures(&reference, &answers);
    assert_eq!(compared, reference.len(), "every snapshot is compared");
    assert!(found.is_empty(), "{found:#?}");
    compare_with_the_documentation(FhirVersion::R4, &answers);
}

#[tokio::test]
async fn a_probe_on_the_open_base_is_skipped_without_one() {
    let server = MockServer::start(ServerConfig::new(Profile::embedded_default())).await.unwrap();
    let secured = format!("{}/r4/{SANDBOX_TENANT}", server.origin().trim_end_matches('/'));
    let answers = record(&Bases { secured, open: None }, None).await.unwrap();
    server.shutdown().await.unwrap();
    assert!(!answers.iter().any(|a| a.probe == "metadata-open"));
    assert_eq!(answers.len(), probes(FhirVersion::R4).len() - 1);
    let metadata = answers.iter().find(|a| a.probe == "metadata").unwrap();
    assert_eq!((metadata.status, metadata.body["resourceType"].as_str()), (200, Some("CapabilityStatement")));
    let read = answers.iter().find(|a| a.probe == "patient-read").unwrap();
    assert_eq!(read.status, 401, "no token, no read");
}
