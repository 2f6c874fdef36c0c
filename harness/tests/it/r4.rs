//! The scenarios on R4 (`--fhir-version r4|both`): the broken clients (`tests/clients/broken_client.py`,
//! which reads `fhirVersion` from metadata and speaks R4 on an R4 base) are caught on R4 as on DSTU2,
//! its `good` mode passes the R4 scenarios (they are passable), a DSTU2-only client fails the
//! production tenant, and every report names the version.

use std::path::PathBuf;
use std::process::{Command, Output};

use crate::{BIN, broken_client as client};

fn rehearse(mode: &str, version: &str, scenarios: &[&str], time_limit: u64, json: &PathBuf) -> Output {
    let mut command = crate::rehearse();
    command.args(["--fhir-version", version, "--client-cmd", &client(mode), "--json"]).arg(json);
    command.args(["--time-limit", &time_limit.to_string()]);
    for scenario in scenarios {
        command.args(["--scenario", scenario]);
    }
    command.output().expect("the harness runs")
}

fn report_path(mode: &str, what: &str) -> PathBuf {
    std::env::temp_dir().join(format!("cerner-harness-r4-{mode}-{what}-{}.jsonl", std::process::id()))
}

fn json_lines(path: &PathBuf) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).expect("a JSON report");
    let _ = std::fs::remove_file(path);
    text.lines().map(|line| serde_json::from_str(line).expect("JSON lines")).collect()
}

/// One R4 run of `scenario`: exit 1, and each (check, evidence) among its failures.
fn caught_on_r4(mode: &str, scenario: &str, time_limit: u64, expected: &[(&str, &str)]) {
    let path = report_path(mode, scenario);
    let output = rehearse(mode, "r4", &[scenario], time_limit, &path);
    assert_eq!(output.status.code(), Some(1), "{mode}: {}", String::from_utf8_lossy(&output.stdout));
    let lines = json_lines(&path);
    assert!(lines.iter().filter(|l| l.get("check").is_some()).all(|l| l["fhir_version"] == "r4"));
    let failed: Vec<(String, String)> = lines
        .iter()
        .filter(|l| l["verdict"] == "fail")
        .map(|l| {
            (l["check"].as_str().unwrap_or_default().to_owned(), l["evidence"].as_str().unwrap_or_default().to_owned())
        })
        .collect();
    for (check, evidence) in expected {
        assert!(
            failed.iter().any(|(c, e)| c.starts_with(check) && e.contains(evidence)),
            "{mode} should fail {scenario} on R4 on {check:?} citing {evidence:?}; failed: {failed:#?}"
        );
    }
}

fn caught(mode: &str, scenario: &str, check: &str, evidence: &str) {
    caught_on_r4(mode, scenario, 60, &[(check, evidence)]);
}

#[test]
fn one_token_per_request_fails_token_reuse_on_r4() {
    caught("token-per-request", "token-reuse", "requests one token for", "token request(s) for");
}

#[test]
fn ignoring_retry_after_fails_retry_after_short_on_r4() {
    caught("ignore-retry-after", "retry-after-short", "waits Retry-After before the next request", "s later");
}

#[test]
fn following_a_foreign_next_link_fails_foreign_next_link_on_r4() {
    caught("foreign-next", "foreign-next-link", "never follows a next link to another origin", "1 connection");
}

#[test]
fn printing_the_secret_fails_credential_hygiene_on_r4() {
    caught("print-secret", "credential-hygiene", "never prints the secret", "holds the client secret");
}

#[test]
fn building_page_urls_fails_paging_on_r4() {
    caught("build-pages", "paging", "follows next links as given", "looks built, not followed");
}

#[test]
fn calling_a_tenant_that_rejected_it_fails_approval_revoked_on_r4() {
    caught("keep-calling-rejected", "approval-revoked", "stops calling", "request(s) after #");
}

#[test]
fn duplicates_on_a_rerun_fail_rerun_and_changes_on_r4() {
    caught("duplicates-on-rerun", "rerun-and-changes", "writes each appointment once per run", "run 2 wrote");
}

#[test]
fn credentials_kept_or_written_fail_credential_hygiene_on_r4() {
    let check = "never stores the secret, the Basic credentials or a token";
    caught("store-token", "credential-hygiene", check, "state file token-cache.json holds an access token (JWT)");
    caught("token-in-output", "credential-hygiene", check, "output line 1 (ec2458f2) holds an access token (JWT)");
}

#[test]
fn window_mistakes_fail_window_edges_on_r4() {
    let at_end = "99100003 starting 2026-01-27T00:00:00.000Z (at end 00:00:00Z) is outside but stored";
    caught("inclusive-end", "window-edges", "keeps the window's edges", at_end);
    caught_on_r4(
        "extra-day",
        "window-edges",
        60,
        &[("keeps the window's edges", at_end), ("stores exactly the ground truth", "is not in the window")],
    );
    let at_start = "99100001 starting 2026-01-06T00:00:00.000Z (at start 00:00:00Z) is inside but missing";
    caught("local-time", "window-edges", "keeps the window's edges", at_start);
}

#[test]
fn signing_in_at_a_token_url_on_another_host_fails_untrusted_token_url_on_r4() {
    caught(
        "trust-any-token-url",
        "untrusted-token-url",
        "sends nothing to the untrusted token URL's host",
        "connection(s)",
    );
}

#[test]
fn following_cycles_fails_the_paging_cycle_scenarios_on_r4() {
    for scenario in ["paging-cycle", "paging-self-link"] {
        caught("follow-cycles", scenario, "requests no page of ec2458f2 twice", "fetches again the page of #");
    }
}

#[test]
fn paging_without_a_cap_fails_endless_paging_on_r4() {
    caught_on_r4(
        "no-page-cap",
        "endless-paging",
        20,
        &[
            ("finishes within the time limit", "was killed at the time limit"),
            ("stops paging ec2458f2 within the page cap", "page requests"),
        ],
    );
}

#[test]
fn a_busy_loop_on_retry_after_0_fails_throttled_forever_on_r4() {
    caught_on_r4("busy-retry", "throttled-forever", 10, &[("waits at least 1 s after every 429", "s later")]);
}

#[test]
fn following_a_next_link_into_another_tenant_fails_foreign_tenant_next_on_r4() {
    caught("follow-other-tenant", "foreign-tenant-next", "sends nothing to tenant d075cf8b", "GET /r4/d075cf8b");
}

#[test]
fn holding_a_huge_page_in_memory_fails_huge_page_on_r4() {
    caught("read-whole-body", "huge-page", "keeps its memory under 128.0 MiB", "peak resident memory");
}

#[test]
fn an_accept_neither_version_serves_fails_accept_header_on_both() {
    let path = report_path("xml-accept", "accept-header");
    let output = rehearse("xml-accept", "both", &["accept-header"], 60, &path);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stdout));
    let failed: Vec<_> = json_lines(&path).into_iter().filter(|l| l["verdict"] == "fail").collect();
    for (version, check) in
        [("dstu2", "sends Accept: application/json+fhir"), ("r4", "sends an Accept R4 answers (application/fhir+json)")]
    {
        let line = failed.iter().find(|l| l["fhir_version"] == version && l["check"] == check);
        let evidence = line.and_then(|l| l["evidence"].as_str()).unwrap_or_default();
        assert!(evidence.contains("→ 406 sent Accept Some(\"application/fhir+xml\")"), "{version}: {failed:#?}");
    }
}

#[test]
fn a_dstu2_only_client_fails_the_production_tenant_and_misses_r4_proposed_appointments() {
    caught_on_r4(
        "dstu2-only",
        "production-tenant",
        60,
        &[
            ("keeps the proposed appointments of 7c3e9a51", "proposed missing"),
            ("stores exactly the ground truth of 7c3e9a51", "missing"),
        ],
    );
    caught("dstu2-only", "statuses", "keeps proposed appointments as proposed", "is missing or not proposed");
}

/// Every scenario on R4 is passable: the `good` mode passes each one it passes on DSTU2 (all but
/// `correlation`, which it fails on both versions: it logs no request ids), the production tenant
/// included.
#[test]
fn the_broken_clients_own_good_mode_passes_the_r4_scenarios() {
    let list = Command::new(BIN).arg("list").output().expect("the harness runs");
    let names: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|name| name != "correlation")
        .collect();
    assert!(names.len() >= 29 && names.iter().any(|n| n == "production-tenant"), "{names:?}");
    let path = report_path("good", "all");
    let scenarios: Vec<&str> = names.iter().map(String::as_str).collect();
    let output = rehearse("good", "r4", &scenarios, 300, &path);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let lines = json_lines(&path);
    let summary = &lines.last().expect("a summary")["summary"];
    assert_eq!(summary["scenarios"], names.len(), "{summary}");
    assert_eq!(summary["fhir_versions"], serde_json::json!(["r4"]));
}

#[test]
fn over_both_versions_every_report_names_the_version() {
    let dir = std::env::temp_dir().join(format!("cerner-harness-r4-reports-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (json, junit, html) = (dir.join("report.jsonl"), dir.join("junit.xml"), dir.join("report.html"));
    let output = crate::rehearse()
        .args(["--fhir-version", "both", "--scenario", "token-reuse", "--scenario", "production-tenant"])
        .args(["--client-cmd", &client("good"), "--json"])
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    for row in ["token-reuse (DSTU2)", "token-reuse (R4)", "production-tenant (R4)"] {
        assert!(stdout.lines().any(|l| l.starts_with(row)), "{row} in\n{stdout}");
    }
    assert!(!stdout.contains("production-tenant (DSTU2)"), "R4 only: {stdout}");
    assert!(stdout.contains("; FHIR DSTU2 and R4; client: "), "{stdout}");
    let lines = json_lines(&json);
    let versions: Vec<(&str, &str)> = lines
        .iter()
        .filter(|l| l.get("check").is_some())
        .map(|l| (l["scenario"].as_str().unwrap(), l["fhir_version"].as_str().unwrap()))
        .collect();
    assert!(versions.contains(&("token-reuse", "dstu2")) && versions.contains(&("token-reuse", "r4")));
    assert!(!versions.contains(&("production-tenant", "dstu2")));
    let junit = std::fs::read_to_string(&junit).unwrap();
    assert!(junit.contains("<testsuite name=\"token-reuse (R4)\"") && junit.contains("value=\"r4\""), "{junit}");
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.contains("<td>DSTU2 and R4</td>") && html.contains("<h2>token-reuse (DSTU2) "), "{html}");
    assert!(html.contains("<th>DSTU2</th><th>R4</th>"), "the versions side by side: {html}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_r4_only_scenario_named_on_dstu2_and_an_unknown_version_are_one_line_errors() {
    let output = Command::new(BIN).args(["rehearse", "--scenario", "production-tenant"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("\"production-tenant\" exists on R4 only; add --fhir-version r4 or both"), "{stderr}");
    let output = Command::new(BIN).args(["rehearse", "--fhir-version", "stu3"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("stu3"));
    let list = Command::new(BIN).arg("list").output().unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.contains("production-tenant") && text.contains("on R4 only"), "{text}");
}

#[test]
fn storing_what_r4s_overlap_search_returns_fails_window_straddle() {
    caught(
        "no-client-filter",
        "window-straddle",
        "keeps appointments by their start, not by overlap",
        "99100009 (2026-01-05T23:50:00.000Z to 2026-01-06T00:20:00.000Z) starts before the window but is stored",
    );
}
