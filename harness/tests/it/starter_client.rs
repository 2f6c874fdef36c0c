//! The README's starter client (`examples/clients/python/client.py`), the one written to be
//! copied, passes every scenario on both versions, as the README promises.

use std::path::PathBuf;

use crate::BIN;

#[test]
fn the_starter_client_passes_every_scenario_on_both_versions() {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/clients/python/client.py");
    let report = std::env::temp_dir().join(format!("cerner-harness-starter-{}.jsonl", std::process::id()));
    let output = crate::rehearse()
        .args(["--fhir-version", "both", "--time-limit", crate::GENEROUS, "-j", "2", "--json"])
        .arg(&report)
        .arg("--client-cmd")
        .arg(format!("python3 '{}'", script.display()))
        .output()
        .expect("the harness runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let text = std::fs::read_to_string(&report).expect("a JSON report");
    let _ = std::fs::remove_file(&report);
    let summary: serde_json::Value = serde_json::from_str(text.lines().last().expect("a summary")).unwrap();
    let summary = &summary["summary"];
    // Every scenario of the catalogue, each on every version it exists on.
    let list = std::process::Command::new(BIN).arg("list").output().expect("the harness runs");
    let listed = String::from_utf8_lossy(&list.stdout);
    let scenarios = listed.lines().filter(|l| !l.starts_with(' ')).count();
    let r4_only = listed.lines().filter(|l| l.trim() == "on R4 only").count();
    assert_eq!(summary["scenarios"], 2 * scenarios - r4_only, "{summary}");
    assert_eq!(summary["fhir_versions"], serde_json::json!(["dstu2", "r4"]), "{summary}");
    assert_eq!(
        (&summary["failed"], &summary["not_examined"]),
        (&serde_json::json!(0), &serde_json::json!(0)),
        "{summary}"
    );
}
