//! Hospitals differ: the reference client and the test client's good mode pass
//! `tenant-without-scope`, `limited-account`, `tenant-capabilities`, `rescheduled` and `messy-data`
//! on DSTU2 and R4, and each flaw of `tests/clients/broken_client.py` meant for them fails the check that names
//! it, with its evidence, on both versions.

use crate::{broken_client, rehearse};

const SCENARIOS: [&str; 5] =
    ["tenant-without-scope", "limited-account", "tenant-capabilities", "rescheduled", "messy-data"];

/// Runs `scenarios` on both versions with `client`; the exit code and the JSON lines.
fn run(client: &str, scenarios: &[&str], what: &str) -> (Option<i32>, Vec<serde_json::Value>) {
    let report = std::env::temp_dir().join(format!("cerner-harness-hospitals-{what}-{}.jsonl", std::process::id()));
    let mut command = rehearse();
    for scenario in scenarios {
        command.args(["--scenario", scenario]);
    }
    let output = command
        .args(["--fhir-version", "both", "--client-cmd", client, "--time-limit", "120", "--json"])
        .arg(&report)
        .output()
        .expect("the harness runs");
    let text = std::fs::read_to_string(&report).unwrap_or_default();
    let _ = std::fs::remove_file(&report);
    (output.status.code(), text.lines().map(|l| serde_json::from_str(l).expect("JSON lines")).collect())
}

#[test]
fn the_reference_client_passes_every_hospital_scenario_on_both_versions() {
    let (code, lines) = run(&format!("{} client", crate::BIN), &SCENARIOS, "reference");
    let failed: Vec<_> = lines.iter().filter(|l| l["verdict"] == "fail").collect();
    assert_eq!(code, Some(0), "{failed:#?}");
    let checks = lines.iter().filter(|l| l.get("check").is_some()).count();
    assert!(checks >= SCENARIOS.len() * 2 * 6, "every scenario examined something on both versions: {checks}");
}

#[test]
fn the_good_test_client_passes_them_too() {
    let (code, lines) = run(&broken_client("good"), &SCENARIOS, "good");
    let failed: Vec<_> = lines.iter().filter(|l| l["verdict"] == "fail").collect();
    assert_eq!(code, Some(0), "{failed:#?}");
}

/// `mode` fails `scenario` on both versions with `check` citing `evidence`.
fn caught(mode: &str, scenario: &str, check: &str, evidence: &str) {
    let (code, lines) = run(&broken_client(mode), &[scenario], mode);
    assert_eq!(code, Some(1), "{mode}");
    for version in ["dstu2", "r4"] {
        let found = lines.iter().any(|l| {
            l["fhir_version"] == version
                && l["verdict"] == "fail"
                && l["check"].as_str().is_some_and(|c| c.starts_with(check))
                && l["evidence"].as_str().is_some_and(|e| e.contains(evidence))
        });
        let failed: Vec<_> = lines.iter().filter(|l| l["verdict"] == "fail").collect();
        assert!(
            found,
            "{mode} should fail {scenario} ({version}) on {check:?} citing {evidence:?}; failed: {failed:#?}"
        );
    }
}

#[test]
fn searching_where_appointments_are_not_granted_fails_tenant_without_scope() {
    caught("ignore-granted-scope", "tenant-without-scope", "reads the granted scope", "answered 403");
}

#[test]
fn retrying_a_refused_sign_in_fails_limited_account() {
    caught("retry-sign-in", "limited-account", "bounds its sign-in attempts", "5 token request(s)");
}

#[test]
fn a_refusal_without_its_reason_fails_limited_account() {
    caught("vague-refusal", "limited-account", "says why it could not sign in", "none names the refusal");
}

#[test]
fn a_search_the_metadata_does_not_offer_fails_tenant_capabilities() {
    caught("ignore-capabilities", "tenant-capabilities", "sends no search the hospital does not offer", "location=");
}

#[test]
fn assuming_one_tenant_metadata_for_all_fails_tenant_capabilities() {
    caught("metadata-once", "tenant-capabilities", "reads the metadata of 0b8a0111", "never read");
}

#[test]
fn following_dangling_references_fails_messy_data() {
    caught("follow-references", "messy-data", "follows no dangling reference", "/Practitioner/");
}

#[test]
fn crashing_on_a_missing_optional_element_fails_messy_data() {
    caught("strict-shape", "messy-data", "exits 0", "exit code 1");
}

#[test]
fn dropping_unknown_extensions_fails_messy_data() {
    caught("normalize", "messy-data", "the data was messy, and kept so", "0 with an unknown extension");
}

#[test]
fn keeping_the_rows_of_an_earlier_run_fails_rescheduled() {
    caught("write-new-only", "rescheduled", "rewrites the rescheduled appointment", "run 2 did not write 430000214");
    caught("write-new-only", "rescheduled", "rewrites the cancelled appointment", "run 2 did not write 430000230");
}

#[test]
fn never_marking_a_row_vanished_fails_rescheduled() {
    caught("no-vanish", "rescheduled", "reports the appointment moved out of the window vanished", "vanished 0");
}

#[test]
fn counting_every_row_updated_fails_rescheduled() {
    caught("update-everything", "rescheduled", "updates exactly the changed rows", "updated 290");
    caught("update-everything", "rescheduled", "reports no change where only slots churned", "updated 194");
}
