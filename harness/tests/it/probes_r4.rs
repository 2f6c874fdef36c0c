//! `record` and `diff` on R4: the emulator's R4 bases recorded like a real server's, then compared
//! with the emulator; and a folder of documented R4 payloads (`r4-<probe>.json`, beside the DSTU2
//! ones or in an `r4/` subfolder) compared probe by probe.

use std::path::{Path, PathBuf};
use std::process::Command;

use cerner_harness::scenario::SANDBOX;

use crate::{BIN, CLIENT_ID, CLIENT_SECRET, emulator};

fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cerner-harness-{what}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn diff(dir: &Path, strict: bool) -> (Option<i32>, String) {
    let mut command = Command::new(BIN);
    command.arg("diff").arg(dir);
    if strict {
        command.arg("--strict");
    }
    let output = command.output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_r4_recording_of_the_emulator_diffs_clean_and_a_changed_one_does_not() {
    let server = emulator().await;
    let origin = server.origin().trim_end_matches('/').to_owned();
    let dir = temp_dir("record-r4");
    let record = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || {
            Command::new(BIN)
                .args(["record", "--fhir-base", &format!("{origin}/r4/{SANDBOX}/")])
                .args(["--open-base", &format!("{origin}/open/r4/{SANDBOX}/"), "--out"])
                .arg(&dir)
                .env("CERNER_CLIENT_ID", CLIENT_ID)
                .env("CERNER_CLIENT_SECRET", CLIENT_SECRET)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&record.stdout);
    assert_eq!(record.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&record.stderr));
    assert!(stdout.contains("recorded 22 R4 probes"), "{stdout}");
    let location: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("location-read.json")).unwrap()).unwrap();
    assert_eq!((location["fhir_version"].as_str(), location["status"].as_u64()), (Some("r4"), Some(200)));
    assert_eq!(location["body"]["id"], "21250409");
    let open: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("metadata-open.json")).unwrap()).unwrap();
    assert!(open["body"]["rest"][0]["security"].get("extension").is_none(), "the open base names no oauth-uris");
    for file in std::fs::read_dir(&dir).unwrap() {
        let stored = std::fs::read_to_string(file.unwrap().path()).unwrap();
        // The profile's secret is a plain word, so it is looked for as a whole value; a token is a JWT.
        let secret = format!("\"{CLIENT_SECRET}\"");
        assert!(!stored.contains(&secret) && !stored.contains("\"eyJ"), "no secret or token is stored");
    }

    let (code, text) = diff(&dir, true);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("R4: 22 probes compared with the recording: 0 difference(s)"), "{text}");
    assert!(!text.contains("DSTU2:"), "only the recording's version is compared: {text}");

    // A recording whose Location lacks an element the emulator serves: `extra`, and --strict fails.
    let mut changed = location.clone();
    changed["body"].as_object_mut().unwrap().remove("address");
    std::fs::write(dir.join("location-read.json"), changed.to_string()).unwrap();
    let (code, text) = diff(&dir, true);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("R4    location-read            extra         Location.address"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The emulator's reviewed R4 response snapshots (status, content type, body of the documented
/// requests) as `r4-<probe>.json` payloads: the project's own R4 fixtures.
fn own_r4_examples(dir: &Path) -> usize {
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mock-server/tests/it/snapshots");
    let own = [
        ("capabilitystatement-metadata-secure", "it__r4__r4_metadata_secured"),
        ("wellknown-smart-configuration", "it__r4__r4_smart_configuration"),
        ("location-read", "it__r4__r4_read_Location_21250409"),
        ("patient-search", "it__r4_search__r4_search_patient_by_id"),
        ("slot-read", "it__r4__r4_read_Slot_4047611-32216049-61518614-0"),
    ];
    for (name, snapshot) in own {
        let text = std::fs::read_to_string(snapshots.join(format!("{snapshot}.snap"))).unwrap();
        let envelope: serde_json::Value = serde_json::from_str(text.splitn(3, "---\n").nth(2).unwrap()).unwrap();
        std::fs::write(dir.join(format!("r4-{name}.json")), envelope["body"].to_string()).unwrap();
    }
    own.len()
}

#[test]
fn documented_r4_payloads_in_an_r4_subfolder_are_compared_with_the_emulators_r4_answers() {
    let dir = temp_dir("documented-r4");
    std::fs::create_dir_all(dir.join("r4")).unwrap();
    let written = own_r4_examples(&dir.join("r4"));
    let (code, text) = diff(&dir, true);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(&format!("R4: {written} probes compared with the documented payloads: 0 difference(s)")),
        "{text}"
    );

    // The same payloads beside DSTU2 ones; one made to depart from the emulator's Location.
    let location = dir.join("r4/r4-location-read.json");
    let mut body: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&location).unwrap()).unwrap();
    body["hoursOfOperation"] = serde_json::json!([{ "allDay": true }]);
    std::fs::write(dir.join("r4-location-read.json"), body.to_string()).unwrap();
    std::fs::remove_file(location).unwrap();
    let (code, text) = diff(&dir, false);
    assert_eq!(code, Some(0), "without --strict a difference is reported, not failed: {text}");
    assert!(text.contains("R4    location-read            missing       Location.hoursOfOperation[].allDay"), "{text}");
    assert!(
        text.contains(&format!("R4: {written} probes compared with the documented payloads: 1 difference(s)")),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_folder_with_nothing_to_compare_is_a_clear_error() {
    let dir = temp_dir("diff-empty");
    let (code, text) = diff(&dir, false);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("holds no recording") && text.lines().count() == 1, "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// With `CERNER_DOC_EXAMPLES` naming a folder of fhir.cerner.com's examples (R4 in its `r4/`
/// subfolder), `diff` compares every R4 example that maps to a probe.
#[test]
fn the_documentations_r4_examples_are_compared_when_given() {
    let Some(dir) = std::env::var_os("CERNER_DOC_EXAMPLES") else {
        eprintln!("skipped: set CERNER_DOC_EXAMPLES to a folder of fhir.cerner.com's example payloads");
        return;
    };
    let (code, text) = diff(Path::new(&dir), false);
    assert_eq!(code, Some(0), "{text}");
    let r4 = text.lines().find(|l| l.starts_with("R4: ")).unwrap_or_else(|| panic!("no R4 example compared: {text}"));
    eprintln!("{text}");
    let compared: usize = r4["R4: ".len()..].split(' ').next().unwrap().parse().unwrap();
    assert!(compared >= 14, "a read and a search of each of the seven types at least: {r4}");
    assert!(!text.contains("not a probe of this harness"), "{text}");
}
