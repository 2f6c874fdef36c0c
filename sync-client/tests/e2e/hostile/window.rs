//! The window is applied by the client to what it stores: a server that returns appointments by
//! overlap (as R4's `date` does) or past either edge gets only those whose start lies in
//! `[start, end)` stored, the same set on both versions.

use axum::routing::get;
use cerner_mock::store::LoadOptions;
use serde_json::json;

use super::*;
use crate::helpers::emulator;

on_both_versions!(only_appointments_starting_in_the_window_are_stored_whatever_the_server_returns);

/// `(id, start, end)` around the window 2025-12-22 .. 2026-02-03 and whether it is kept.
const EDGES: [(&str, &str, &str, bool); 7] = [
    ("straddles-start", "2025-12-21T23:30:00Z", "2025-12-22T00:30:00Z", false),
    ("at-start", "2025-12-22T00:00:00.000Z", "2025-12-22T00:30:00Z", true),
    ("offset-inside", "2025-12-21T20:00:00-05:00", "2025-12-21T21:00:00-05:00", true),
    ("last-instant", "2026-02-02T23:59:59.999Z", "2026-02-03T00:29:59Z", true),
    ("straddles-end", "2026-02-02T23:30:00Z", "2026-02-03T00:30:00Z", true),
    ("at-end", "2026-02-03T00:00:00Z", "2026-02-03T00:30:00Z", false),
    ("offset-after", "2026-02-02T20:00:00-05:00", "2026-02-02T21:00:00-05:00", false),
];

async fn only_appointments_starting_in_the_window_are_stored_whatever_the_server_returns(v: FhirVersion) {
    let seg = path_segment(v);
    let env = emulator(LoadOptions::default()).await;
    let server = Hostile::start(|origin| {
        let resources: Vec<Value> = EDGES
            .iter()
            .map(|(id, start, end, _)| {
                let mut resource = appointment(id);
                resource["start"] = json!(start);
                resource["end"] = json!(end);
                resource
            })
            .collect();
        sign_in(origin).route(
            &format!("/{seg}/edges/Appointment"),
            get(move || {
                let resources = resources.clone();
                async move { axum::Json(bundle(resources, None)) }
            }),
        )
    })
    .await;
    let tenants = [Tenant::good(v, &env), Tenant::hostile(v, &server, "edges")];
    let run = run_client(&config(&env, &tenants, ""), &["--json"]).await;
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(env.stored(SANDBOX), env.truth(SANDBOX), "the good tenant's store");
    let mut kept: Vec<(String, String)> =
        EDGES.iter().filter(|edge| edge.3).map(|(id, ..)| ((*id).to_owned(), "1".to_owned())).collect();
    kept.sort();
    assert_eq!(env.stored("edges"), kept);
    assert_eq!(run.report("edges")["outside_window"], 3, "{run:#?}");
    assert_eq!(run.report("edges")["inserted"], 4, "{run:#?}");
}
