use std::path::PathBuf;

use super::*;

/// A folder of payloads named as the documentation's examples are, holding small bodies: what is
/// tested here is the mapping of file names to probes, not the payloads.
fn folder(names: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("probe-docs-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join(R4_SUBFOLDER)).unwrap();
    for name in names {
        std::fs::write(dir.join(name), r#"{"resourceType": "Bundle"}"#).unwrap();
    }
    dir
}

const RESOURCES: [&str; 6] = ["appointment", "patient", "practitioner", "schedule", "slot", "encounter"];

fn names_of(answers: &[Recorded], version: FhirVersion) -> Vec<&str> {
    answers.iter().filter(|a| a.fhir_version == version).map(|a| a.probe.as_str()).collect()
}

#[test]
fn documented_maps_the_read_and_search_examples_to_probes() {
    let mut names: Vec<String> = RESOURCES
        .iter()
        .flat_map(|resource| ["read", "search"].map(|kind| format!("dstu2-{resource}-{kind}.json")))
        .collect();
    names.extend(["dstu2-metadata-secure.json".into(), "dstu2-appointment-create-request.json".into()]);
    let dir = folder(&names.iter().map(String::as_str).collect::<Vec<_>>());
    let answers = documented(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let probes = names_of(&answers, FhirVersion::Dstu2);
    assert_eq!((probes.len(), answers.len()), (13, 13), "{probes:?}");
    assert!(probes.contains(&"metadata") && probes.contains(&"slot-search"), "{probes:?}");
    let media = Some("application/json+fhir".to_owned());
    assert!(answers.iter().all(|a| a.status == 200 && a.body.is_object() && a.content_type == media));
}

#[test]
fn r4_examples_are_read_beside_the_dstu2_ones_or_from_the_r4_subfolder() {
    let dir = folder(&["dstu2-patient-read.json", "r4-patient-read.json", "r4-capabilitystatement-metadata-open.json"]);
    for name in ["r4-location-read.json", "r4-wellknown-smart-configuration.json", "r4-slot-read-patient-access.json"] {
        std::fs::write(dir.join(R4_SUBFOLDER).join(name), "{}").unwrap();
    }
    assert!(holds_documented(&dir).unwrap());
    let answers = documented(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(names_of(&answers, FhirVersion::Dstu2), ["patient-read"]);
    assert_eq!(
        names_of(&answers, FhirVersion::R4),
        ["metadata-open", "location-read", "patient-read", "smart-configuration"]
    );
    let media = |probe: &str| answers.iter().find(|a| a.probe == probe).and_then(|a| a.content_type.clone());
    assert_eq!(media("location-read").as_deref(), Some("application/fhir+json"));
    assert_eq!(media("smart-configuration").as_deref(), Some("application/json"));
}

#[test]
fn a_recording_is_not_taken_for_documented_payloads() {
    let dir = folder(&["patient-read.json", "metadata.json"]);
    assert!(!holds_documented(&dir).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_payload_that_is_not_json_is_an_error_naming_the_file() {
    let dir = folder(&[]);
    std::fs::write(dir.join(R4_SUBFOLDER).join("r4-patient-read.json"), "{ not json").unwrap();
    let error = documented(&dir).unwrap_err().to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(error.contains("r4-patient-read.json"), "{error}");
}

/// With `CERNER_DOC_EXAMPLES` naming a folder of the documentation's examples, every read and
/// search example maps to a probe, on each version the folder holds.
#[test]
fn the_documentation_examples_map_to_probes_when_given() {
    let Some(dir) = std::env::var_os("CERNER_DOC_EXAMPLES") else {
        eprintln!("skipped: set CERNER_DOC_EXAMPLES to a folder of fhir.cerner.com's example payloads");
        return;
    };
    let answers = documented(Path::new(&dir)).unwrap();
    for version in FhirVersion::ALL {
        let names = names_of(&answers, version);
        if names.is_empty() {
            eprintln!("no {} example in the folder", version.label());
            continue;
        }
        for resource in RESOURCES {
            for kind in ["read", "search"] {
                let name = format!("{resource}-{kind}");
                assert!(names.contains(&name.as_str()), "{} {name} not in {names:?}", version.label());
            }
        }
        assert!(names.contains(&"metadata"), "{names:?}");
    }
}

#[test]
fn files_that_match_no_probe_are_skipped() {
    for skipped in [
        "dstu2-appointment-create-request.json",
        "dstu2-patient-read-combined.json",
        "dstu2-slot-search-include-schedule.json",
        "dstu2-metadata-open.json",
        "oauth-token-response.json",
        "smart-configuration-r4.json",
        "r4-slot-search-patient-access.json",
        "r4-appointment-read-video-visit.json",
        "r4-operationoutcome-500-required.json",
        "stu3-patient-read.json",
    ] {
        assert_eq!(probe_for(skipped), None, "{skipped}");
    }
    assert_eq!(probe_for("dstu2-metadata-secure.json"), Some((FhirVersion::Dstu2, "metadata".into())));
    assert_eq!(probe_for("r4-capabilitystatement-metadata-secure.json"), Some((FhirVersion::R4, "metadata".into())));
    assert_eq!(
        probe_for("r4-slot-search-include-schedule.json"),
        Some((FhirVersion::R4, "slot-search-include-schedule".into()))
    );
    assert_eq!(probe_for("dstu2-location-read.json"), None, "Location is R4 only");
}

#[test]
fn an_entry_where_a_resource_belongs_is_unwrapped() {
    let resource = serde_json::json!({ "resourceType": "Appointment", "id": "1" });
    let entry = serde_json::json!({ "fullUrl": "https://h/Appointment/1", "resource": resource });
    assert_eq!(unwrapped(entry.clone()), resource);
    let doubly = serde_json::json!({ "resourceType": "Bundle", "entry": [{ "fullUrl": "u", "resource": entry }] });
    let expected = serde_json::json!({ "resourceType": "Bundle", "entry": [{ "fullUrl": "u", "resource": resource }] });
    assert_eq!(unwrapped(doubly), expected);
    let plain = serde_json::json!({ "resourceType": "Bundle", "entry": [{ "fullUrl": "u", "resource": resource }] });
    assert_eq!(unwrapped(plain.clone()), plain, "a well-formed Bundle is left as it is");
}
