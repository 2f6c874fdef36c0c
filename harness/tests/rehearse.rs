//! The reference client passes every scenario; `list` names them all; bad arguments exit 2.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_cerner-harness");

#[test]
fn the_reference_client_passes_every_scenario_with_reports() {
    let dir = std::env::temp_dir().join(format!("cerner-harness-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (json, junit, html) = (dir.join("report.jsonl"), dir.join("junit.xml"), dir.join("report.html"));
    let output = Command::new(BIN)
        .args(["rehearse", "--json"])
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let lines = std::fs::read_to_string(&json).unwrap();
    let checks: Vec<serde_json::Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(checks.len() > 40, "{} JSON lines", checks.len());
    assert!(std::fs::read_to_string(&junit).unwrap().contains("<testsuites"));
    assert!(std::fs::read_to_string(&html).unwrap().starts_with("<!DOCTYPE html>"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn list_names_every_scenario_with_its_concern() {
    let output = Command::new(BIN).arg("list").output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    for name in
        ["happy-multi-tenant", "token-reuse", "paging", "retry-after-hours", "foreign-next-link", "credential-hygiene"]
    {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    assert!(text.contains("review concern"));
}

#[test]
fn an_unknown_scenario_is_a_one_line_error_with_exit_2() {
    let output = Command::new(BIN).args(["rehearse", "--scenario", "nope"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no scenario \"nope\""));
}
