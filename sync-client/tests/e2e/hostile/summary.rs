//! Point 9: `run` without `--json` ends with a human summary, and `export` needs no credentials.

use axum::routing::get;
use cerner_mock::store::LoadOptions;

use super::*;
use crate::helpers::emulator;

on_both_versions!(a_run_ends_with_a_human_summary_and_export_needs_no_credentials,);

async fn a_run_ends_with_a_human_summary_and_export_needs_no_credentials(v: FhirVersion) {
    let seg = path_segment(v);
    let env = emulator(LoadOptions::default()).await;
    let server = Hostile::start(|origin| {
        sign_in(origin).route(&format!("/{seg}/{{tenant}}/Appointment"), get(|| async { "not json" }))
    })
    .await;
    let tenants = [Tenant::good(v, &env), Tenant::hostile(v, &server, "broken")];
    let path = config(&env, &tenants, "");
    let run = run_client(&path, &[]).await;
    assert_eq!(run.code, Some(1), "{run:#?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    let truth = env.truth(SANDBOX).len();
    assert_eq!(lines[0].split(": ").nth(1), Some("1 of 2 tenants synced"), "{}", run.stdout);
    assert_eq!(lines[1], format!("  synced   {SANDBOX}  {truth} new, 0 updated, 0 unchanged, 0 vanished"));
    assert!(
        lines[2].starts_with(
            "  FAILED   broken  0 new, 0 updated, 0 unchanged, 0 vanished: the answer is not a FHIR JSON Bundle"
        ),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], format!("appointments: {truth} new, 0 updated, 0 unchanged, 0 vanished"));
    assert_eq!(lines.len(), 4);
    assert_eq!(server.targets().iter().filter(|t| t.contains("/Appointment")).count(), 1, "not retried: not JSON");

    // No secret in the environment: export still reads the store the configuration names.
    let export = tokio::process::Command::new(env!("CARGO_BIN_EXE_appointment-sync"))
        .args(["export", "--config"])
        .arg(&path)
        .env_remove("HOSTILE_TEST_CLIENT_SECRET")
        .env_remove("APPOINTMENT_SYNC_STORE")
        .output()
        .await
        .unwrap();
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    assert_eq!(String::from_utf8(export.stdout).unwrap().lines().count(), truth);
}
