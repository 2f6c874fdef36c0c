//! `cerner-harness sandbox` against the emulator standing in for the public sandbox (real clock,
//! reached only through the recording proxy).

use std::process::Command;

use cerner_harness::scenario::SANDBOX;

use crate::{BIN, CLIENT_ID, CLIENT_SECRET, emulator};

/// The emulator, and the sandbox tenant's location ids as `--locations` takes them.
pub(crate) async fn stand_in() -> (cerner_mock::MockServer, String) {
    let server = emulator().await;
    let admin = cerner_mock::AdminClient::new(server.origin()).unwrap();
    let locations = admin.tenant(SANDBOX).await.unwrap().data.locations;
    let ids: Vec<String> = locations.into_iter().map(|l| l.id).collect();
    (server, ids.join(","))
}

/// `cerner-harness sandbox` with `args` and a JSON Lines report: its exit code, and its terminal
/// output followed by the report.
pub(crate) fn run_sandbox(args: &[&str]) -> (Option<i32>, String) {
    let report = std::env::temp_dir().join(format!("cerner-harness-sandbox-{}.jsonl", uuid::Uuid::new_v4()));
    let output = Command::new(BIN)
        .arg("sandbox")
        .args(args)
        .arg("--json")
        .arg(&report)
        .env("CERNER_CLIENT_ID", CLIENT_ID)
        .env("CERNER_CLIENT_SECRET", CLIENT_SECRET)
        .output()
        .unwrap();
    let checks = std::fs::read_to_string(&report).unwrap_or_default();
    let _ = std::fs::remove_file(&report);
    let text =
        format!("{}{}{checks}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code(), text)
}

fn run(base: String, locations: String, budget: &str) -> (Option<i32>, String) {
    run_sandbox(&["--fhir-base", &base, "--locations", &locations, "--budget", budget, "--days", "20"])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_client_passes_the_sandbox_subset_and_the_server_probes() {
    let (server, locations) = stand_in().await;
    let base = format!("{}/dstu2/{SANDBOX}/", server.origin());
    let (code, text) = tokio::task::spawn_blocking(move || run(base, locations, "300")).await.unwrap();
    assert_eq!(code, Some(0), "{text}");
    let followed = text.split("next links served, all followed").next().and_then(|head| head.rsplit('"').next());
    let served: usize = followed.and_then(|n| n.trim().parse().ok()).unwrap_or(0);
    assert!(served > 0, "the data spans pages, so next links were served and followed:\n{text}");
    for scenario in
        ["sandbox-happy", "sandbox-token-reuse", "sandbox-paging", "sandbox-accept", "sandbox-hygiene", "server-probes"]
    {
        assert!(text.contains(scenario), "{scenario} missing:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_budget_stops_the_rehearsal_with_a_failed_check() {
    let (server, locations) = stand_in().await;
    let base = format!("{}/dstu2/{SANDBOX}/", server.origin());
    let (code, text) = tokio::task::spawn_blocking(move || run(base, locations, "4")).await.unwrap();
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("sandbox-happy") && text.contains("FAIL"), "{text}");
}

/// rehearse's rule in the sandbox: a client that asked nothing leaves the paging, Accept and token
/// checks with nothing to examine: "not examined", never PASS, and the run exits 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_with_nothing_to_examine_are_not_examined_and_exit_2() {
    let (server, locations) = stand_in().await;
    let base = format!("{}/dstu2/{SANDBOX}/", server.origin());
    let args = move || {
        run_sandbox(&["--fhir-base", &base, "--locations", &locations, "--budget", "50", "--client-cmd", "exit 0"])
    };
    let (code, text) = tokio::task::spawn_blocking(args).await.unwrap();
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("\"verdict\":\"not_examined\""), "{text}");
    assert!(text.contains("nothing to examine: the run had no Appointment search"), "{text}");
}
