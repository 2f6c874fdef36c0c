//! `record` and `diff`: the emulator recorded like a real server (it stands in for the sandbox),
//! then compared with itself and with the documented payloads.

use std::process::Command;

use cerner_harness::scenario::SANDBOX;

use crate::{BIN, CLIENT_ID, CLIENT_SECRET, emulator};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_of_the_emulator_diffs_clean_against_the_emulator() {
    let server = emulator().await;
    let dir = std::env::temp_dir().join(format!("cerner-harness-record-{}", std::process::id()));
    let base = format!("{}/dstu2/{SANDBOX}/", server.origin());
    let record = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || {
            Command::new(BIN)
                .args(["record", "--fhir-base", &base, "--out"])
                .arg(&dir)
                .env("CERNER_CLIENT_ID", CLIENT_ID)
                .env("CERNER_CLIENT_SECRET", CLIENT_SECRET)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(record.status.code(), Some(0), "{}", String::from_utf8_lossy(&record.stderr));
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert!(files >= 13, "{files} probe files");
    let stored = std::fs::read_to_string(dir.join("appointment-read.json")).unwrap();
    assert!(!stored.contains("secret") && !stored.contains("eyJhbGci"), "no secret or token is stored");
    let diff = Command::new(BIN).args(["diff", "--strict"]).arg(&dir).output().unwrap();
    let text = String::from_utf8_lossy(&diff.stdout);
    assert_eq!(diff.status.code(), Some(0), "{text}");
    assert!(text.contains("0 difference(s)"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A folder of documented payloads as `diff` reads them (`dstu2-<probe>.json`): the sandbox
/// tenant's own fixtures, written to the documented shapes under the documented ids, for the read
/// probes; or, when `CERNER_DOC_EXAMPLES` names one, the documentation's own examples.
fn documented_folder() -> (std::path::PathBuf, bool) {
    if let Some(dir) = std::env::var_os("CERNER_DOC_EXAMPLES") {
        return (dir.into(), false);
    }
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/data").join(SANDBOX);
    let dir = std::env::temp_dir().join(format!("cerner-harness-documented-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (probe, kind, id) in [
        ("appointment-read", "Appointment", "4817508"),
        ("patient-read", "Patient", "12724067"),
        ("practitioner-read", "Practitioner", "4122622"),
        ("encounter-read", "Encounter", "97953477"),
    ] {
        let all: Vec<serde_json::Value> =
            serde_json::from_str(&std::fs::read_to_string(data.join(format!("{kind}.json"))).unwrap()).unwrap();
        let resource = all.into_iter().find(|r| r["id"] == id).unwrap();
        std::fs::write(dir.join(format!("dstu2-{probe}.json")), resource.to_string()).unwrap();
    }
    (dir, true)
}

#[test]
fn the_documented_payloads_are_compared_probe_by_probe() {
    let (examples, own) = documented_folder();
    let output = Command::new(BIN).arg("diff").arg(&examples).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.contains("probes compared with the documented payloads"), "{text}");
    if own {
        assert!(text.contains("4 probes compared") && text.contains("0 difference(s)"), "{text}");
        let _ = std::fs::remove_dir_all(&examples);
    }
}
