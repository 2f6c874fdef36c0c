//! Point 7: nothing is skipped silently. An Appointment the client cannot fully read is stored
//! with the unreadable fields absent, never dropped (and so never marked vanished); a `link` that
//! cannot be read fails the page; an OperationOutcome entry is logged with its text.

use axum::extract::Path;
use axum::routing::get;
use cerner_mock::store::LoadOptions;
use serde_json::json;

use super::*;
use crate::helpers::emulator;

on_both_versions!(unreadable_appointments_are_stored_never_dropped_nor_marked_vanished,);

const ODD_PAGE: &str = r#"{"resourceType":"Bundle","type":"searchset","entry":[
  {"resource":{"resourceType":"Appointment","id":"meta-string","meta":"v7","status":"booked","start":"2026-01-06T09:00:00Z"}},
  {"resource":{"resourceType":"Appointment","id":"actor-string","meta":{"versionId":"1"},"start":"2026-01-06T10:00:00Z","participant":[{"actor":"Location/1"}]}},
  {"resource":{"resourceType":"Appointment","id":"duplicate","status":"booked","status":"cancelled","meta":{"versionId":"1"},"start":"2026-01-06T11:00:00Z"}},
  {"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"warning","code":"processing","diagnostics":"Location 7 was not searched"}]},"search":{"mode":"outcome"}}
]}"#;

async fn unreadable_appointments_are_stored_never_dropped_nor_marked_vanished(v: FhirVersion) {
    let seg = path_segment(v);
    let env = emulator(LoadOptions::default()).await;
    let server = Hostile::start(|origin| {
        sign_in(origin).route(
            &format!("/{seg}/{{tenant}}/Appointment"),
            get(|Path(tenant): Path<String>| async move {
                match tenant.as_str() {
                    "odd" => ([("content-type", "application/json+fhir")], ODD_PAGE).into_response(),
                    _ => axum::Json(json!({"resourceType": "Bundle", "link": "next page: ask later",
                                            "entry": [{"resource": appointment("lost")}]}))
                    .into_response(),
                }
            }),
        )
    })
    .await;
    let tenants = [Tenant::good(v, &env), Tenant::hostile(v, &server, "odd"), Tenant::hostile(v, &server, "nolinks")];
    let path = config(&env, &tenants, "");
    for attempt in 0..2 {
        let run = run_client(&path, &["--json"]).await;
        assert_contained(&env, &run, "nolinks", "failed", "the Bundle's link cannot be read");
        assert_eq!(run.outcome("odd").0, "synced", "{run:#?}");
        assert_eq!(run.report("odd")["vanished"], 0, "run {attempt}");
        assert!(
            run.stderr.contains("the server's OperationOutcome: warning processing: Location 7 was not searched"),
            "{}",
            run.stderr
        );
        let rows = env.store().appointments(Some("odd")).unwrap();
        let ids: Vec<(&str, &str, Option<&str>)> =
            rows.iter().map(|r| (r.id.as_str(), r.status.as_str(), r.vanished_at.as_deref())).collect();
        assert_eq!(
            ids,
            [("meta-string", "booked", None), ("actor-string", "", None), ("duplicate", "cancelled", None)],
            "run {attempt}: every Appointment stored, none vanished"
        );
        assert!(env.store().appointments(Some("nolinks")).unwrap().is_empty(), "a page that failed stores nothing");
    }
    assert_eq!(
        server.targets().iter().filter(|t| t.starts_with(&format!("/{seg}/nolinks/Appointment"))).count(),
        2,
        "once a run"
    );
}
