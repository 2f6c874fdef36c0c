//! R4 Encounter searches: each criterion, and `date`, `status` and `_lastUpdated` narrowing them, on
//! the sandbox's encounters (`97855447`: patient 12724067, finished, 2020-01-14 15:00–16:30, FIN
//! 15988; `97953477`: patient 12724066, in progress since 2020-03-04, FIN 16000).

use crate::assert_envelope;
use crate::helpers::*;
use crate::r4::R4_SCOPES;

#[tokio::test]
async fn encounter_criteria_and_filters_select_what_they_name() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, R4_SCOPES).await;
    let cases: [(&str, &[&str]); 14] = [
        ("subject=Patient/12724067&date=2020-01-14", &["97855447"]),
        ("patient=12724067&date=2020-01-15", &[]),
        ("patient=12724067&date=ge2020-01-14T16:00:00Z&date=lt2020-01-15", &["97855447"]),
        ("patient=12724067&date=ge2020-01-14T16:31:00Z", &[]),
        // Still in progress: every later date lies in its period.
        ("patient=12724066&date=ge2030-01-01", &["97953477"]),
        ("patient=12724066&date=lt2020-03-04", &[]),
        ("identifier=15988", &["97855447"]),
        ("identifier=15988,16000", &["97855447", "97953477"]),
        ("identifier=15988,16000&status=in-progress", &["97953477"]),
        ("identifier=15988,16000&status=finished,cancelled", &["97855447"]),
        ("identifier=16000&_lastUpdated=ge2020-03-05T00:00:00Z&_lastUpdated=lt2020-03-06", &["97953477"]),
        ("identifier=16000&_lastUpdated=lt2020-03-05", &[]),
        ("patient=12724067&_lastUpdated=2020-01-15", &["97855447"]),
        ("account=Account/F97855447", &[]),
    ];
    for (query, expected) in cases {
        let bundle = app.r4_ok(&format!("/r4/{SANDBOX}/Encounter?{query}"), &token).await;
        assert_eq!(entry_ids(&bundle, "Encounter"), expected, "{query}");
        assert_eq!(bundle["total"].as_u64(), Some(expected.len() as u64), "{query}");
    }
    let env = app
        .envelope(
            app.r4(
                &format!("/r4/{SANDBOX}/Encounter?patient=12724066&date=ge2020-03-01&status=in-progress"),
                Some(&token),
            )
            .await,
        )
        .await;
    assert_eq!(env["status"], 200);
    assert_envelope!("r4_encounter_by_patient_date_status", env);
}

#[tokio::test]
async fn encounter_refusals_are_r4_operation_outcomes_naming_the_parameter() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, R4_SCOPES).await;
    for (query, needle) in [
        ("identifier=15988&account=1", "'identifier' and 'account' may not be combined"),
        ("identifier=15988&date=2020", "'patient' is required with 'date'"),
        ("patient=1&date=ge2020&date=ge2021", "two values"),
        ("patient=1&_lastUpdated=2020&_lastUpdated=ge2020&_lastUpdated=lt2021", "_lastUpdated"),
        ("patient=1&_lastUpdated=ne2020", "_lastUpdated"),
        ("patient=1&status=booked", "not an Encounter status"),
        ("_id=97855447&status=finished", "may not be combined"),
        ("status=finished", "no supported search parameters provided"),
    ] {
        let env = app.envelope(app.r4(&format!("/r4/{SANDBOX}/Encounter?{query}"), Some(&token)).await).await;
        assert_eq!(env["status"], 400, "{query}: {env:#}");
        assert_eq!(env["headers"]["content-type"], "application/fhir+json; charset=utf-8");
        assert_eq!(env["body"]["resourceType"], "OperationOutcome");
        let diagnostics = env["body"]["issue"][0]["diagnostics"].as_str().unwrap_or_default();
        assert!(diagnostics.contains(needle), "{query}: {diagnostics:?} lacks {needle:?}");
    }
}
