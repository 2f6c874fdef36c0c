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
        ("subject=Patient/12724067&date=ge2020-01-14&date=lt2020-01-15", &["97855447"]),
        ("patient=12724067&date=ge2020-01-15&date=lt2020-01-16", &[]),
        ("patient=12724067&date=ge2020-01-14T16:00:00Z&date=lt2020-01-15", &["97855447"]),
        ("patient=12724067&date=ge2020-01-14T16:31:00Z", &[]),
        // Still in progress: every later date lies in its period.
        ("patient=12724066&date=ge2030-01-01", &["97953477"]),
        ("patient=12724066&date=lt2020-03-04", &[]),
        ("identifier=15988", &["97855447"]),
        ("identifier=15988,16000", &["97855447", "97953477"]),
        ("patient=12724066,12724067&status=in-progress", &["97953477"]),
        ("subject=Patient/12724066,Patient/12724067&status=finished,cancelled", &["97855447"]),
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
        ("_id=97855447&status=finished", "'patient' is required with 'status'"),
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

/// fhir.cerner.com Millennium R4 Encounter, Parameters: "`date` | No | [`dateTime`] | Datetime
/// range into which the Encounter's period datetime falls. Must be prefixed by 'ge', 'gt', 'le' or
/// 'lt'." Notes: "`status` valid parameters are `planned`, `in-progress`, `finished`, `cancelled`"
/// and "`_count` and `status` must be provided with patient".
#[tokio::test]
async fn encounter_date_needs_a_prefix_and_status_is_four_codes_with_a_patient() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, R4_SCOPES).await;
    for (query, param, needle) in [
        ("patient=12724066&date=2020-03-04", "date", "must be prefixed by ge, gt, le or lt"),
        ("patient=12724066&date=eq2020-03-04", "date", "must be prefixed by ge, gt, le or lt"),
        ("patient=12724066&status=arrived", "status", "not an Encounter status"),
        ("identifier=urn:oid:1.2.243.58%7C110219457&status=finished", "patient", "'patient' is required with 'status'"),
        ("account=F97855447&status=finished", "patient", "'patient' is required with 'status'"),
    ] {
        let env = app.envelope(app.r4(&format!("/r4/{SANDBOX}/Encounter?{query}"), Some(&token)).await).await;
        assert_eq!(env["status"], 400, "{query}: {env:#}");
        let issue = &env["body"]["issue"][0];
        assert_eq!(issue["code"], "invalid", "{query}");
        let diagnostics = issue["diagnostics"].as_str().unwrap_or_default();
        assert!(diagnostics.contains(needle) && diagnostics.contains(&format!("'{param}'")), "{query}: {diagnostics}");
    }
    let bundle =
        app.r4_ok(&format!("/r4/{SANDBOX}/Encounter?patient=12724066&date=ge2020-03-01T00:00:00.000Z"), &token).await;
    assert_eq!(entry_ids(&bundle, "Encounter"), ["97953477"]);
    let bundle = app.r4_ok(&format!("/r4/{SANDBOX}/Encounter?patient=12724066&status=in-progress"), &token).await;
    assert_eq!(entry_ids(&bundle, "Encounter"), ["97953477"]);
}

/// fhir.cerner.com Millennium R4 Encounter (its CapabilityStatement), `_count`: "The maximum
/// number of results to return in a page. Not honored when '_id' is set."
#[tokio::test]
async fn encounter_count_is_not_honoured_with_id() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, R4_SCOPES).await;
    let bundle = app.r4_ok(&format!("/r4/{SANDBOX}/Encounter?_id=97855447,97953477&_count=1"), &token).await;
    let mut ids = entry_ids(&bundle, "Encounter");
    ids.sort_unstable();
    assert_eq!(ids, ["97855447", "97953477"]);
    let links = bundle["link"].as_array().cloned().unwrap_or_default();
    assert!(links.iter().all(|l| l["relation"] != "next"), "{links:?}");
    let paged = app.r4_ok(&format!("/r4/{SANDBOX}/Encounter?patient=12724066,12724067&_count=1"), &token).await;
    assert_eq!(entry_ids(&paged, "Encounter").len(), 1, "_count is honoured with patient");
}

/// fhir.cerner.com Millennium R4 Encounter, Parameters: "`subject` | Conditional | [`reference`] |
/// The patient present at the Encounter. … Example: `subject=Patient/12345` or
/// `subject:Patient=12345`".
#[tokio::test]
async fn encounter_subject_patient_searches_as_subject() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, R4_SCOPES).await;
    let by_modifier = app.r4_ok(&format!("/r4/{SANDBOX}/Encounter?subject:Patient=12724066"), &token).await;
    let by_patient = app.r4_ok(&format!("/r4/{SANDBOX}/Encounter?patient=12724066"), &token).await;
    assert_eq!(entry_ids(&by_modifier, "Encounter"), ["97953477"]);
    assert_eq!(entry_ids(&by_modifier, "Encounter"), entry_ids(&by_patient, "Encounter"));
    assert_eq!(by_modifier["total"], by_patient["total"]);
}
