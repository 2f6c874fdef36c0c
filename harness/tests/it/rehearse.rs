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

#[test]
fn a_bad_fleet_is_a_one_line_error_with_exit_2() {
    for bad in ["40", "0:100", "40:x", "40:-5"] {
        let output = crate::rehearse().args(["--fleet", bad, "--scenario", "paging"]).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{bad}: {stderr}");
        assert!(stderr.contains("--fleet") && stderr.contains("TENANTS:APPOINTMENTS_PER_TENANT"), "{stderr}");
    }
}

#[test]
fn every_report_gives_the_rates_and_the_fleet_budget() {
    let dir = std::env::temp_dir().join(format!("cerner-harness-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (json, junit, html) = (dir.join("report.jsonl"), dir.join("junit.xml"), dir.join("report.html"));
    let output = crate::rehearse()
        .args(["--time-limit", crate::GENEROUS, "--scenario", "happy-multi-tenant", "--fleet", "40:2000"])
        .args(["--client-cmd", &broken_client("good"), "--json"])
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("requests/appointment") && stdout.contains("Fleet budget: fleet 40×2000:"), "{stdout}");
    let lines = std::fs::read_to_string(&json).unwrap();
    let summary: serde_json::Value = serde_json::from_str(lines.lines().last().unwrap()).unwrap();
    let rates = summary["summary"]["rates"].as_array().unwrap();
    assert_eq!(rates.len(), 2, "{summary}");
    for field in ["peak_rps", "max_in_flight", "requests_per_appointment", "throttled"] {
        assert!(rates.iter().all(|r| r[field].is_number()), "{field}: {summary}");
    }
    assert_eq!(rates[0]["max_in_flight"], 1, "the test client asks one request at a time");
    let fleet = &summary["summary"]["fleet"];
    assert_eq!((fleet["fleet"]["tenants"].as_u64(), fleet["fits_in_a_day"].as_bool()), (Some(40), Some(true)));
    let junit = std::fs::read_to_string(&junit).unwrap();
    assert!(junit.contains(".peak_rps\" value=\"") && junit.contains("name=\"fleet.hours\""), "{junit}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("class=\"rate-svg\"") && page.contains("Fleet budget"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failing_checks_support_note_names_the_request_and_holds_no_secret() {
    let json = std::env::temp_dir().join(format!("cerner-harness-support-{}.jsonl", std::process::id()));
    let output = crate::rehearse()
        .args(["--time-limit", "60", "--scenario", "retry-after-short"])
        .args(["--client-cmd", &broken_client("ignore-retry-after"), "--json"])
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = std::fs::read_to_string(&json).unwrap();
    let _ = std::fs::remove_file(&json);
    let failed: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|c: &serde_json::Value| c["verdict"] == "fail")
        .collect();
    assert!(!failed.is_empty());
    for check in &failed {
        let note = check["support_note"].as_str().expect("every failing check has a note");
        for part in
            ["Time (UTC): ", "Request: GET http://127.0.0.1:", "Status: ", "X-Request-Id: ", "opc-request-id: /"]
        {
            assert!(note.contains(part), "{part} in {note}");
        }
        for never in ["harness-", "Bearer", "eyJ", "\"resourceType\""] {
            assert!(!note.contains(never), "{never} in {note}");
        }
    }
}
