//! Point 1: paging always ends. Point 5 (second half): a `next` link stays under the tenant's
//! own FHIR base.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, RawQuery};
use axum::routing::get;
use cerner_mock::store::LoadOptions;

use super::*;
use crate::helpers::emulator;

on_both_versions!(
    a_paging_cycle_fails_the_tenant_before_any_page_is_asked_twice,
    endless_distinct_next_links_stop_at_max_pages,
    a_next_link_to_another_tenants_path_on_the_same_origin_is_refused_and_never_requested,
    links_differing_only_by_fragment_or_escape_case_are_one_page_asked_once,
);

fn searches(v: FhirVersion, server: &Hostile, tenant: &str) -> Vec<String> {
    let seg = path_segment(v);
    let prefix = format!("/{seg}/{tenant}/Appointment");
    server.targets().into_iter().filter(|t| t.starts_with(&prefix)).collect()
}

/// Tenant `cycle`: first page → `?page=b` → the first page again. Tenant `own`: a page whose
/// `next` is its own URL. Tenant `endless`: `?page=n` → `?page=n+1` forever. Tenant `fragment`:
/// `?page=1`, which names itself with a new `#fragment` each time. Tenant `escapes`:
/// `?page=1&c=a%2fb`, which names itself as `?page=1&c=a%2Fb`.
async fn looping_server(v: FhirVersion) -> Hostile {
    let seg = path_segment(v);
    let first: Arc<Mutex<Option<String>>> = Arc::default();
    let served = Arc::new(std::sync::atomic::AtomicU64::new(0));
    Hostile::start(|origin| {
        let origin = origin.to_owned();
        sign_in(&origin).route(
            &format!("/{seg}/{{tenant}}/Appointment"),
            get(move |Path(tenant): Path<String>, RawQuery(query): RawQuery| {
                let (origin, first, served) = (origin.clone(), first.clone(), served.clone());
                async move {
                    let query = query.unwrap_or_default();
                    let own = format!("{origin}/{seg}/{tenant}/Appointment?{query}");
                    let page: u64 = query.strip_prefix("page=").and_then(|n| n.parse().ok()).unwrap_or(0);
                    let next = match tenant.as_str() {
                        "cycle" if page == 0 => {
                            *first.lock().unwrap() = Some(own);
                            format!("{origin}/{seg}/cycle/Appointment?page=1")
                        }
                        "cycle" => first.lock().unwrap().clone().unwrap(),
                        "endless" => format!("{origin}/{seg}/endless/Appointment?page={}", page + 1),
                        "fragment" => {
                            let n = served.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            format!("{origin}/{seg}/fragment/Appointment?page=1#visit-{n}")
                        }
                        "escapes" if page == 0 && !query.starts_with("page=1") => {
                            format!("{origin}/{seg}/escapes/Appointment?page=1&c=a%2fb")
                        }
                        "escapes" => format!("{origin}/{seg}/escapes/Appointment?page=1&c=a%2Fb"),
                        _ => own,
                    };
                    axum::Json(bundle(vec![appointment(&format!("{tenant}-{page}"))], Some(&next)))
                }
            }),
        )
    })
    .await
}

async fn a_paging_cycle_fails_the_tenant_before_any_page_is_asked_twice(v: FhirVersion) {
    let env = emulator(LoadOptions::default()).await;
    let server = looping_server(v).await;
    let tenants = [Tenant::good(v, &env), Tenant::hostile(v, &server, "cycle"), Tenant::hostile(v, &server, "own")];
    let run = run_client(&config(&env, &tenants, ""), &["--json"]).await;
    assert_contained(&env, &run, "cycle", "failed", "paging cycle: the next link repeats a page already fetched");
    assert_contained(&env, &run, "own", "failed", "paging cycle");
    let cycle = searches(v, &server, "cycle");
    assert_eq!(cycle.len(), 2, "the first page and ?page=1, each once: {cycle:#?}");
    assert!(cycle[1].ends_with("?page=1"));
    assert_eq!(searches(v, &server, "own").len(), 1, "the page linking to itself, once");
    assert_eq!(run.report("cycle")["pages"], 2, "both pages were stored");
}

async fn endless_distinct_next_links_stop_at_max_pages(v: FhirVersion) {
    let env = emulator(LoadOptions::default()).await;
    let server = looping_server(v).await;
    let tenants = [Tenant::good(v, &env), Tenant::hostile(v, &server, "endless")];
    let run = run_client(&config(&env, &tenants, "max_pages = 25"), &["--json"]).await;
    assert_contained(&env, &run, "endless", "failed", "paging did not end: more than max_pages (25) pages");
    let pages = searches(v, &server, "endless");
    assert_eq!(pages.len(), 25, "exactly max_pages requests: {pages:#?}");
    assert!(pages[24].ends_with("?page=24"));
}

async fn a_next_link_to_another_tenants_path_on_the_same_origin_is_refused_and_never_requested(v: FhirVersion) {
    let seg = path_segment(v);
    let env = emulator(LoadOptions::default()).await;
    let server = Hostile::start(|origin| {
        // `..` written percent-encoded, so only a parser that resolves it sees the other tenant.
        let next = format!("{origin}/{seg}/nosy/%2e%2e/victim/Appointment?-pageContext=stolen");
        sign_in(origin)
            .route(
                &format!("/{seg}/nosy/Appointment"),
                get(move || {
                    let next = next.clone();
                    async move { axum::Json(bundle(vec![appointment("n1")], Some(&next))) }
                }),
            )
            .route(&format!("/{seg}/victim/Appointment"), get(|| async { axum::Json(bundle(vec![], None)) }))
    })
    .await;
    let tenants = [Tenant::good(v, &env), Tenant::hostile(v, &server, "nosy")];
    let run = run_client(&config(&env, &tenants, ""), &["--json"]).await;
    assert_contained(&env, &run, "nosy", "failed", "refused a next link outside the tenant's FHIR base");
    let seen = server.seen();
    assert!(seen.iter().all(|s| !s.target.contains("victim")), "nothing was sent to the other tenant: {seen:#?}");
    assert_eq!(searches(v, &server, "nosy").len(), 1);
    let stored: Vec<String> = env.store().appointments(Some("nosy")).unwrap().into_iter().map(|a| a.id).collect();
    assert_eq!(stored, ["n1"], "the page before the refusal is kept");
}

async fn links_differing_only_by_fragment_or_escape_case_are_one_page_asked_once(v: FhirVersion) {
    let env = emulator(LoadOptions::default()).await;
    let server = looping_server(v).await;
    let tenants =
        [Tenant::good(v, &env), Tenant::hostile(v, &server, "fragment"), Tenant::hostile(v, &server, "escapes")];
    let run = run_client(&config(&env, &tenants, ""), &["--json"]).await;
    assert_contained(&env, &run, "fragment", "failed", "paging cycle: the next link repeats a page already fetched");
    assert_contained(&env, &run, "escapes", "failed", "paging cycle");
    let fragment = searches(v, &server, "fragment");
    assert_eq!(fragment.len(), 2, "the first page and ?page=1, each once, no fragment sent: {fragment:#?}");
    assert!(fragment[1].ends_with("?page=1"), "{fragment:#?}");
    let escapes = searches(v, &server, "escapes");
    assert_eq!(escapes.len(), 2, "the first page and ?page=1&c=a%2fb, each once: {escapes:#?}");
    assert!(escapes[1].ends_with("?page=1&c=a%2fb"), "{escapes:#?}");
}
