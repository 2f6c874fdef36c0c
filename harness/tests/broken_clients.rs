//! Proof that the checks can fail: deliberately broken clients (tests/clients/broken_client.py,
//! one flaw each) run under the harness, and the scenario meant to catch each flaw fails with the
//! check and the evidence that name it.

use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_cerner-harness");

fn client(mode: &str) -> String {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/clients/broken_client.py");
    format!("python3 '{}' {mode}", script.display())
}

/// Runs `scenario` against the broken client and returns the failed checks as (check, evidence).
fn failures(mode: &str, scenario: &str) -> Vec<(String, String)> {
    let report = std::env::temp_dir().join(format!("cerner-harness-broken-{mode}-{}.jsonl", std::process::id()));
    let output = Command::new(BIN)
        .args(["rehearse", "--scenario", scenario, "--client-cmd", &client(mode), "--json"])
        .arg(&report)
        .output()
        .expect("the harness runs");
    assert_eq!(output.status.code(), Some(1), "{mode}: {}", String::from_utf8_lossy(&output.stdout));
    let text = std::fs::read_to_string(&report).expect("a JSON report");
    let _ = std::fs::remove_file(&report);
    text.lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("JSON lines"))
        .filter(|check| check["verdict"] == "fail")
        .map(|check| {
            (
                check["check"].as_str().unwrap_or_default().to_owned(),
                check["evidence"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn assert_caught(mode: &str, scenario: &str, check: &str, evidence: &str) {
    let failed = failures(mode, scenario);
    assert!(
        failed.iter().any(|(c, e)| c.starts_with(check) && e.contains(evidence)),
        "{mode} should fail {scenario} on {check:?} citing {evidence:?}; failed: {failed:#?}"
    );
}

#[test]
fn python3_is_available_for_the_broken_clients() {
    let status = Command::new("python3").arg("--version").status().expect("python3 runs the broken clients");
    assert!(status.success());
}

#[test]
fn one_token_per_request_fails_token_reuse() {
    assert_caught("token-per-request", "token-reuse", "requests one token for", "token request(s) for");
}

#[test]
fn ignoring_retry_after_fails_the_short_retry_after_scenario() {
    assert_caught("ignore-retry-after", "retry-after-short", "waits Retry-After before the next request", "s later");
}

#[test]
fn following_a_foreign_next_link_fails_the_foreign_link_scenario() {
    assert_caught("foreign-next", "foreign-next-link", "never follows a next link to another origin", "1 connection");
}

#[test]
fn printing_the_secret_fails_credential_hygiene() {
    assert_caught("print-secret", "credential-hygiene", "never prints the secret", "holds the client secret");
}

#[test]
fn building_page_urls_fails_paging() {
    assert_caught("build-pages", "paging", "follows next links as given", "looks built, not followed");
}

#[test]
fn calling_a_tenant_that_rejected_it_fails_approval_revoked() {
    assert_caught("keep-calling-rejected", "approval-revoked", "stops calling", "request(s) after #");
}

#[test]
fn duplicates_on_a_rerun_fail_the_rerun_scenario() {
    assert_caught("duplicates-on-rerun", "rerun-and-changes", "writes each appointment once per run", "run 2 wrote");
}
