//! Proof that the checks can fail: deliberately broken clients (`tests/clients/broken_client.py`,
//! one flaw each) run under the harness, and the scenario meant to catch each flaw fails with the
//! check and the evidence that name it.

use std::process::Command;

use crate::{broken_client as client, rehearse};

/// Runs `scenario` against the broken client and returns the failed checks as (check, evidence).
fn failures(mode: &str, scenario: &str, time_limit: u64) -> Vec<(String, String)> {
    let report =
        std::env::temp_dir().join(format!("cerner-harness-broken-{mode}-{scenario}-{}.jsonl", std::process::id()));
    let output = rehearse()
        .args(["--scenario", scenario, "--client-cmd", &client(mode), "--json"])
        .arg(&report)
        .args(["--time-limit", &time_limit.to_string()])
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
    assert_caught_within(mode, scenario, 60, check, evidence);
}

/// As [`assert_caught`], with the client killed after `time_limit` seconds (for flaws that loop).
fn assert_caught_within(mode: &str, scenario: &str, time_limit: u64, check: &str, evidence: &str) {
    assert_caught_all(mode, scenario, time_limit, &[(check, evidence)]);
}

/// One run of `scenario`; each (check, evidence) must be among its failures.
fn assert_caught_all(mode: &str, scenario: &str, time_limit: u64, expected: &[(&str, &str)]) {
    let failed = failures(mode, scenario, time_limit);
    for (check, evidence) in expected {
        assert!(
            failed.iter().any(|(c, e)| c.starts_with(check) && e.contains(evidence)),
            "{mode} should fail {scenario} on {check:?} citing {evidence:?}; failed: {failed:#?}"
        );
    }
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

#[test]
fn keeping_the_token_in_state_dir_fails_credential_hygiene() {
    assert_caught(
        "store-token",
        "credential-hygiene",
        "never stores the secret, the Basic credentials or a token",
        "state file token-cache.json holds an access token (JWT)",
    );
}

#[test]
fn a_token_in_an_output_field_fails_credential_hygiene() {
    assert_caught(
        "token-in-output",
        "credential-hygiene",
        "never stores the secret, the Basic credentials or a token",
        "output line 1 (ec2458f2) holds an access token (JWT)",
    );
}

#[test]
fn an_inclusive_end_fails_the_window_edges() {
    assert_caught(
        "inclusive-end",
        "window-edges",
        "keeps the window's edges",
        "99100003 starting 2026-01-27T00:00:00.000Z (at end 00:00:00Z) is outside but stored",
    );
}

#[test]
fn a_day_too_many_fails_the_window_edges() {
    assert_caught_all(
        "extra-day",
        "window-edges",
        60,
        &[
            (
                "keeps the window's edges",
                "99100003 starting 2026-01-27T00:00:00.000Z (at end 00:00:00Z) is outside but stored",
            ),
            ("stores exactly the ground truth", "is not in the window"),
        ],
    );
}

#[test]
fn a_window_read_in_a_local_time_zone_fails_the_window_edges() {
    assert_caught(
        "local-time",
        "window-edges",
        "keeps the window's edges",
        "99100001 starting 2026-01-06T00:00:00.000Z (at start 00:00:00Z) is inside but missing",
    );
}

#[test]
fn signing_in_at_a_token_url_on_another_host_fails_untrusted_token_url() {
    assert_caught(
        "trust-any-token-url",
        "untrusted-token-url",
        "sends nothing to the untrusted token URL's host",
        "connection(s)",
    );
}

#[test]
fn following_a_paging_cycle_fails_paging_cycle() {
    assert_caught("follow-cycles", "paging-cycle", "requests no page of ec2458f2 twice", "fetches again the page of #");
}

#[test]
fn following_a_self_link_fails_paging_self_link() {
    assert_caught(
        "follow-cycles",
        "paging-self-link",
        "requests no page of ec2458f2 twice",
        "fetches again the page of #",
    );
}

#[test]
fn paging_without_a_cap_fails_endless_paging() {
    assert_caught_all(
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
fn a_busy_loop_on_retry_after_0_fails_throttled_forever() {
    assert_caught_within("busy-retry", "throttled-forever", 10, "waits at least 1 s after every 429", "s later");
}

#[test]
fn following_a_next_link_into_another_tenant_fails_foreign_tenant_next() {
    assert_caught(
        "follow-other-tenant",
        "foreign-tenant-next",
        "sends nothing to tenant d075cf8b",
        "GET /dstu2/d075cf8b",
    );
}

#[test]
fn holding_a_huge_page_in_memory_fails_huge_page() {
    assert_caught("read-whole-body", "huge-page", "keeps its memory under 128.0 MiB", "peak resident memory");
}

#[test]
fn the_broken_clients_own_good_mode_passes_every_new_scenario() {
    let scenarios = [
        "window-edges",
        "credential-hygiene",
        "paging-cycle",
        "paging-self-link",
        "endless-paging",
        "throttled-forever",
        "foreign-tenant-next",
        "huge-page",
        "untrusted-token-url",
    ];
    let mut args =
        vec!["--time-limit".to_owned(), crate::GENEROUS.to_owned(), "--client-cmd".to_owned(), client("good")];
    for scenario in scenarios {
        args.extend(["--scenario".to_owned(), scenario.to_owned()]);
    }
    let output = rehearse().args(&args).output().expect("the harness runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn naming_a_tenant_without_saying_it_failed_is_no_report() {
    assert_caught(
        "silent-failures",
        "paging-cycle",
        "reports ec2458f2 as not synced",
        "names the tenant without failure or deferral",
    );
}

#[test]
fn a_v2_summary_that_calls_a_failed_tenant_synced_is_no_report() {
    assert_caught("v2-all-synced", "paging-cycle", "reports ec2458f2 as not synced", "summary: ec2458f2 synced");
}

#[test]
fn dropping_a_malformed_page_fails_malformed_page() {
    assert_caught("skip-malformed", "malformed-page", "fails ec2458f2 cleanly or syncs it", "exit code 0;");
}

/// Contract v2 clients are judged by their summary, and recovering from a corrupt page is as
/// clean as failing the tenant.
#[test]
fn a_v2_summary_and_a_recovered_malformed_page_pass() {
    for (mode, scenarios) in [
        ("v2-summary", &["paging-cycle", "retry-after-hours", "unapproved-tenant", "malformed-page"][..]),
        ("retry-malformed", &["malformed-page"][..]),
    ] {
        let mut command = rehearse();
        command.args(["--time-limit", crate::GENEROUS, "--client-cmd", &client(mode)]);
        for scenario in scenarios {
            command.args(["--scenario", scenario]);
        }
        let output = command.output().expect("the harness runs");
        assert_eq!(output.status.code(), Some(0), "{mode}: {}", String::from_utf8_lossy(&output.stdout));
    }
}

#[test]
fn never_rewriting_a_stored_appointment_fails_the_rerun_scenario() {
    assert_caught(
        "write-new-only",
        "rerun-and-changes",
        "rewrites an appointment it stored before when it changed",
        "99000002: stored by run 1; final version 0 (the emulator has 1)",
    );
}

#[test]
fn answering_every_401_with_a_new_token_fails_token_rejected_forever() {
    assert_caught(
        "retoken-forever",
        "token-rejected-forever",
        "stops asking ec2458f2 for tokens it keeps rejecting",
        "token request(s), the last #",
    );
}

#[test]
fn forgetting_a_deferral_fails_deferral_remembered() {
    assert_caught("forget-deferral", "deferral-remembered", "remembers the deferral of ec2458f2", "run 2 made");
}

#[test]
fn reading_retry_after_as_seconds_only_fails_retry_after_date() {
    assert_caught("delta-only-retry-after", "retry-after-date", "waits until the Retry-After allows", "s too early");
}

#[test]
fn a_fixed_wait_whatever_retry_after_says_fails_retry_after_date() {
    assert_caught("fixed-wait", "retry-after-date", "waits until the Retry-After allows", "s too early");
}

#[test]
fn reading_another_fhir_version_than_the_job_names_fails_happy_multi_tenant() {
    assert_caught(
        "other-version",
        "happy-multi-tenant",
        "reads only the FHIR bases the job names",
        "request(s) elsewhere, the first #",
    );
}

#[test]
fn the_good_mode_passes_the_sharper_scenarios() {
    let mut command = rehearse();
    command.args(["--time-limit", crate::GENEROUS, "--client-cmd", &client("good")]);
    for scenario in [
        "rerun-and-changes",
        "token-rejected-forever",
        "deferral-remembered",
        "retry-after-date",
        "happy-multi-tenant",
        "token-expiry",
        "foreign-redirect",
    ] {
        command.args(["--scenario", scenario]);
    }
    let output = command.output().expect("the harness runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn following_a_redirect_to_another_host_fails_foreign_redirect() {
    assert_caught("follow-redirects", "foreign-redirect", "sends nothing to the redirect's host", "1 connection(s)");
}

#[test]
fn retrying_at_once_fails_server_errors() {
    assert_caught("no-backoff", "server-errors", "backs off before retrying", "failed answer(s)");
}

#[test]
fn the_good_mode_backs_off_through_server_errors_and_resets() {
    let output = rehearse()
        .args(["--time-limit", crate::GENEROUS, "--client-cmd", &client("good"), "--scenario", "server-errors"])
        .output()
        .expect("the harness runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn a_client_without_timeouts_is_killed_on_a_stalled_body_and_on_a_dribbled_one() {
    for scenario in ["stalled-body", "dribbled-body"] {
        let expected = [("finishes within the time limit", "killed at the time limit"), ("exits 1", "killed")];
        assert_caught_all("no-read-timeout", scenario, 15, &expected);
    }
}

#[test]
fn a_read_timeout_alone_never_fires_on_a_dribbled_body() {
    assert_caught_within("read-timeout-only", "dribbled-body", 15, "finishes within the time limit", "killed");
}

#[test]
fn parallel_requests_to_one_tenant_fail_concurrency_cap() {
    assert_caught("parallel-requests", "concurrency-cap", "keeps at most 2 requests in flight to", "in flight (most: ");
}

#[test]
fn the_good_mode_with_a_total_timeout_passes_the_slow_bodies_and_the_cap() {
    let output = rehearse()
        .args(["--time-limit", crate::GENEROUS, "--client-cmd", &client("good")])
        .args(["--scenario", "stalled-body", "--scenario", "dribbled-body", "--scenario", "concurrency-cap"])
        .output()
        .expect("the harness runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
}
