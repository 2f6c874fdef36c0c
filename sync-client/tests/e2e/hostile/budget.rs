//! A slow but endless server cannot hold a run: a tenant still syncing after
//! `tenant_time_budget` is failed with that reason, and the other tenants finish.

use axum::extract::RawQuery;
use axum::routing::get;
use cerner_mock::store::LoadOptions;

use super::*;
use crate::helpers::emulator;

on_both_versions!(a_slow_endless_server_is_stopped_by_the_tenant_time_budget);

async fn a_slow_endless_server_is_stopped_by_the_tenant_time_budget(v: FhirVersion) {
    let seg = path_segment(v);
    let env = emulator(LoadOptions::default()).await;
    let server = Hostile::start(|origin| {
        let origin = origin.to_owned();
        sign_in(&origin).route(
            &format!("/{seg}/slow/Appointment"),
            get(move |RawQuery(query): RawQuery| {
                let origin = origin.clone();
                async move {
                    // Every page comes, slowly, and names one more.
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    let page: u64 = query
                        .as_deref()
                        .and_then(|q| q.strip_prefix("page="))
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0);
                    let next = format!("{origin}/{seg}/slow/Appointment?page={}", page + 1);
                    axum::Json(bundle(vec![appointment(&format!("slow-{page}"))], Some(&next)))
                }
            }),
        )
    })
    .await;
    let tenants = [Tenant::good(v, &env), Tenant::hostile(v, &server, "slow")];
    let run = run_client(&config(&env, &tenants, "tenant_time_budget = 2"), &["--json"]).await;
    assert_contained(&env, &run, "slow", "failed", "the sync did not finish within tenant_time_budget (2s)");
    let pages = run.report("slow")["pages"].as_u64().unwrap();
    assert!(pages < 10_000, "stopped before max_pages: {pages}");
    assert!(run.stderr.contains("tenant_time_budget"), "the log says why: {}", run.stderr);
}
