//! The reference client passes every scenario; `list` names them all; bad arguments exit 2.

use std::process::Command;

use crate::{BIN, broken_client};

#[test]
fn the_reference_client_passes_every_scenario_with_reports() {
    let dir = std::env::temp_dir().join(format!("cerner-harness-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (json, junit, html) = (dir.join("report.jsonl"), dir.join("junit.xml"), dir.join("report.html"));
    let output = crate::rehearse()
        .args(["--time-limit", crate::GENEROUS, "--json"])
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

#[test]
fn list_failures_only_prints_only_the_failed_checks_and_keeps_the_exit_code() {
    let client = broken_client("print-secret");
    let output = Command::new(BIN)
        .args(["rehearse", "--list-failures-only", "--scenario", "credential-hygiene", "--scenario", "accept-header"])
        .args(["--client-cmd", &client])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0], "FAIL credential-hygiene: never prints the secret, the Basic credentials or a token",
        "{stdout}"
    );
    assert!(lines[1].starts_with("  expected: ") && lines[2].contains("holds the client secret"), "{stdout}");
    assert!(!stdout.contains("accept-header") && !stdout.contains("SCENARIO"), "passing scenarios stay out: {stdout}");
    assert!(lines.last().unwrap().starts_with("FAIL: 2 scenarios (1 passed, 1 failed)"), "{stdout}");
}

#[test]
fn a_passing_run_prints_no_error_lines_for_the_faults_it_injects() {
    let output = crate::rehearse()
        .args(["--time-limit", crate::GENEROUS, "--list-failures-only", "--scenario", "server-errors"])
        .args(["--scenario", "correlation"])
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert_eq!(stdout.lines().count(), 1, "only the totals: {stdout}");
    assert!(!stderr.contains("ERROR"), "injected 500s, 503s and resets logged as errors:\n{stderr}");
}
