//! Point 2: throttling always ends. Point 3 (first half): a Retry-After of any size cannot crash
//! or wrap a tenant.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::Path;
use axum::http::StatusCode;

use axum::routing::{get, post};
use cerner_mock::store::LoadOptions;

use super::*;
use crate::helpers::emulator;

on_both_versions!(
    retry_afters_of_zero_past_negative_garbage_or_missing_wait_the_floor_and_the_tenant_is_deferred,
    a_429_on_metadata_or_the_token_endpoint_is_waited_out,
    retry_afters_of_centuries_or_year_9999_defer_the_tenant_without_overflow,
);

/// A 429 with this `Retry-After` (none when `None`).
fn throttled(retry_after: Option<&str>) -> Response {
    let mut response = (StatusCode::TOO_MANY_REQUESTS, "slow down").into_response();
    if let Some(value) = retry_after {
        response.headers_mut().insert("retry-after", value.parse().unwrap());
    }
    response
}

fn gaps(seen: &[Seen]) -> Vec<Duration> {
    seen.windows(2).map(|w| w[1].at - w[0].at).collect()
}

async fn retry_afters_of_zero_past_negative_garbage_or_missing_wait_the_floor_and_the_tenant_is_deferred(
    v: FhirVersion,
) {
    let seg = path_segment(v);
    let env = emulator(LoadOptions::default()).await;
    const VALUES: [Option<&str>; 6] =
        [Some("0"), Some("Mon, 05 Jan 2015 08:00:00 GMT"), Some("-30"), Some("soon"), None, Some("0.5")];
    let count = Arc::new(AtomicUsize::new(0));
    let server = Hostile::start(|origin| {
        sign_in(origin).route(
            &format!("/{seg}/{{tenant}}/Appointment"),
            get(move || async move { throttled(VALUES[count.fetch_add(1, Ordering::SeqCst) % VALUES.len()]) }),
        )
    })
    .await;
    let tenants = [Tenant::good(v, &env), Tenant::hostile(v, &server, "busy")];
    let run = run_client(&config(&env, &tenants, ""), &["--json"]).await;
    assert_contained(&env, &run, "busy", "deferred", "still answering 429 after 5 waits in a row");
    let searches: Vec<Seen> = server.seen().into_iter().filter(|s| s.target.contains("/Appointment")).collect();
    assert_eq!(searches.len(), 6, "five waits, then deferred: {searches:#?}");
    for gap in gaps(&searches) {
        assert!(gap >= Duration::from_millis(990), "a 429 was answered after {gap:?}, under the 1 s floor");
    }
    assert_eq!(run.report("busy")["waits"], 5);
    assert!(env.store().tenant_state("busy").unwrap().unwrap().deferred_until.is_some());
}

async fn a_429_on_metadata_or_the_token_endpoint_is_waited_out(v: FhirVersion) {
    let seg = path_segment(v);
    let env = emulator(LoadOptions::default()).await;
    let (metadata_calls, token_calls) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let server = Hostile::start(|origin| {
        let conformance = metadata(v, &format!("{origin}/token"));
        Router::new()
            .route(
                &format!("/{seg}/{{tenant}}/metadata"),
                get(move || async move {
                    match metadata_calls.fetch_add(1, Ordering::SeqCst) {
                        0 => throttled(Some("0")),
                        _ => axum::Json(conformance).into_response(),
                    }
                }),
            )
            .route(
                "/token",
                post(move || async move {
                    match token_calls.fetch_add(1, Ordering::SeqCst) {
                        0 => throttled(None),
                        _ => axum::Json(token(serde_json::json!(570))).into_response(),
                    }
                }),
            )
            .route(
                &format!("/{seg}/{{tenant}}/Appointment"),
                get(|Path(tenant): Path<String>| async move { axum::Json(bundle(vec![appointment(&tenant)], None)) }),
            )
    })
    .await;
    let tenants = [Tenant::good(v, &env), Tenant::hostile(v, &server, "slow")];
    let run = run_client(&config(&env, &tenants, ""), &["--json"]).await;
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(run.outcome("slow").0, "synced");
    assert_eq!(run.report("slow")["waits"], 2);
    assert_eq!(env.stored(SANDBOX), env.truth(SANDBOX));
    assert_eq!(env.stored("slow"), [("slow".to_owned(), "1".to_owned())]);
    let seen = server.seen();
    let targets: Vec<&str> = seen.iter().map(|s| s.target.as_str()).collect();
    assert_eq!(targets.len(), 5, "{targets:#?}");
    assert!(targets[0].ends_with("/metadata") && targets[1].ends_with("/metadata"));
    assert!(targets[2] == "/token" && targets[3] == "/token");
    assert!(gaps(&seen[..2])[0] >= Duration::from_millis(990) && gaps(&seen[2..4])[0] >= Duration::from_millis(990));
}

async fn retry_afters_of_centuries_or_year_9999_defer_the_tenant_without_overflow(v: FhirVersion) {
    let seg = path_segment(v);
    let env = emulator(LoadOptions::default()).await;
    let server = Hostile::start(|origin| {
        sign_in(origin).route(
            &format!("/{seg}/{{tenant}}/Appointment"),
            get(|Path(tenant): Path<String>| async move {
                match tenant.as_str() {
                    "seconds" => throttled(Some("100000000000")),
                    "digits" => throttled(Some("999999999999999999999999999999")),
                    _ => throttled(Some("Fri, 31 Dec 9999 23:59:59 GMT")),
                }
            }),
        )
    })
    .await;
    let tenants = [
        Tenant::good(v, &env),
        Tenant::hostile(v, &server, "seconds"),
        Tenant::hostile(v, &server, "digits"),
        Tenant::hostile(v, &server, "date"),
    ];
    let run = run_client(&config(&env, &tenants, ""), &["--json"]).await;
    let week = time::OffsetDateTime::now_utc() + time::Duration::days(7);
    for tenant in ["seconds", "digits", "date"] {
        assert_contained(&env, &run, tenant, "deferred", "asked to wait 604800s (more than max_retry_after, 300s)");
        let until = run.report(tenant)["until"].as_str().unwrap().to_owned();
        let until = time::OffsetDateTime::parse(&until, &time::format_description::well_known::Rfc3339).unwrap();
        assert!((until - week).abs() < time::Duration::minutes(5), "{tenant}: deferred until {until}");
        let calls =
            server.targets().into_iter().filter(|t| t.starts_with(&format!("/{seg}/{tenant}/Appointment"))).count();
        assert_eq!(calls, 1, "{tenant}: one search, then deferred");
    }
}
