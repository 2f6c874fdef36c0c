//! `cerner-harness sandbox` on an R4 base: the emulator's R4 base standing in for the public
//! sandbox's, reached only through the recording proxy (which routes the CapabilityStatement's
//! token URL back through itself). The client is `broken_client.py`, which speaks R4 on an R4 base.

use cerner_harness::scenario::SANDBOX;

use crate::broken_client;
use crate::sandbox::{run_sandbox, stand_in};

/// The emulator's R4 base and the sandbox tenant's locations.
async fn r4_stand_in() -> (cerner_mock::MockServer, String, String) {
    let (server, locations) = stand_in().await;
    let base = format!("{}/r4/{SANDBOX}/", server.origin().trim_end_matches('/'));
    (server, base, locations)
}

/// `sandbox` with `client_cmd`: its exit code, and its terminal output followed by the JSON Lines
/// report.
fn sandbox(base: &str, locations: &str, client_cmd: &str) -> (Option<i32>, String) {
    run_sandbox(&[
        "--fhir-base",
        base,
        "--locations",
        locations,
        "--days",
        "20",
        "--budget",
        "300",
        "--client-cmd",
        client_cmd,
    ])
}

/// The JSON Lines records of `scenario`'s checks.
fn checks_of(text: &str, scenario: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|record| record["scenario"] == scenario && record.get("check").is_some())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_r4_client_passes_the_sandbox_subset_on_the_r4_base_in_r4_terms() {
    let (server, base, locations) = r4_stand_in().await;
    let (code, text) = tokio::task::spawn_blocking({
        let base = base.clone();
        move || sandbox(&base, &locations, &broken_client("good"))
    })
    .await
    .unwrap();
    assert_eq!(code, Some(0), "{text}");
    for scenario in
        ["sandbox-happy", "sandbox-token-reuse", "sandbox-paging", "sandbox-accept", "sandbox-hygiene", "server-probes"]
    {
        let checks = checks_of(&text, scenario);
        assert!(!checks.is_empty(), "{scenario} examined nothing:\n{text}");
        assert!(checks.iter().all(|c| c["fhir_version"] == "r4"), "{scenario} is named R4: {checks:#?}");
    }
    let token = &checks_of(&text, "sandbox-token-reuse")[0];
    assert_eq!(token["evidence"], "1 token request(s)", "the token request went through the proxy: {token}");
    let accept = &checks_of(&text, "sandbox-accept")[0];
    assert!(accept["check"].as_str().unwrap().contains("application/fhir+json"), "{accept}");
    assert!(!text.contains("Media types (DSTU2)"), "the Accept scenario cites the R4 media types:\n{text}");
    let admin = cerner_mock::AdminClient::new(server.origin()).unwrap();
    let journal = admin.journal(&cerner_mock::admin_client::JournalQuery::new()).await.unwrap().entries;
    assert!(journal.iter().any(|e| e.path.starts_with("/r4/") && e.path.ends_with("/Appointment")), "R4 searched");
    assert!(!journal.iter().any(|e| e.path.starts_with("/dstu2/")), "nothing asked on DSTU2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_signs_in_for_every_request_fails_token_reuse_on_r4() {
    let (_server, base, locations) = r4_stand_in().await;
    let client = broken_client("token-per-request");
    let (code, text) = tokio::task::spawn_blocking(move || sandbox(&base, &locations, &client)).await.unwrap();
    assert_eq!(code, Some(1), "{text}");
    let token = &checks_of(&text, "sandbox-token-reuse")[0];
    assert_eq!(token["verdict"], "fail", "{token}");
    let calls: u64 = token["evidence"].as_str().unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(calls > 1, "{token}");
}
