//! Point 5 (first half): the client secret goes only to a trusted token URL. Point 3 (second
//! half): `expires_in` of any value cannot crash a tenant or make it ask for a token per page.

use axum::extract::{Path, RawQuery};
use axum::routing::{get, post};
use cerner_mock::store::LoadOptions;
use serde_json::json;

use super::*;
use crate::helpers::emulator;

on_both_versions!(
    a_token_url_on_an_untrusted_host_gets_nothing_and_fails_the_tenant,
    a_listed_token_host_is_trusted_over_https_only,
    any_expires_in_is_survived_and_a_short_token_serves_every_page_of_its_lifetime,
);

/// A metadata document whose `fhirVersion` is neither 1.0.2 nor 4.0.1 (or is missing) fails its
/// tenant with the version named; the token URL it names gets nothing.
#[tokio::test]
async fn a_fhir_version_the_client_does_not_speak_fails_the_tenant_before_sign_in() {
    let env = emulator(LoadOptions::default()).await;
    let server = Hostile::start(|origin| {
        let token_url = format!("{origin}/token");
        let mut stu3 = metadata(FhirVersion::R4, &token_url);
        stu3["fhirVersion"] = json!("3.0.2");
        let mut missing = metadata(FhirVersion::Dstu2, &token_url);
        missing.as_object_mut().unwrap().remove("fhirVersion");
        Router::new()
            .route("/r4/stu3/metadata", get(move || async move { axum::Json(stu3) }))
            .route("/dstu2/missing/metadata", get(move || async move { axum::Json(missing) }))
            .route("/token", post(|| async { axum::Json(token(json!(570))) }))
    })
    .await;
    let tenants = [
        Tenant::good(FhirVersion::R4, &env),
        Tenant::hostile(FhirVersion::R4, &server, "stu3"),
        Tenant::hostile(FhirVersion::Dstu2, &server, "missing"),
    ];
    let run = run_client(&config(&env, &tenants, ""), &["--json"]).await;
    assert_contained(&env, &run, "stu3", "failed", "fhirVersion \"3.0.2\" is not one this client speaks");
    assert_contained(&env, &run, "missing", "failed", "the metadata has no fhirVersion");
    let mut targets = server.targets();
    targets.sort();
    assert_eq!(targets, ["/dstu2/missing/metadata", "/r4/stu3/metadata"], "no token request, no search");
    assert_eq!(run.report(SANDBOX)["fhir_version"], "R4", "{run:#?}");
}

async fn a_token_url_on_an_untrusted_host_gets_nothing_and_fails_the_tenant(v: FhirVersion) {
    let seg = path_segment(v);
    let env = emulator(LoadOptions::default()).await;
    // The trap would grant any token: a client that trusted it would sync.
    let trap = Hostile::start(sign_in).await;
    let trap_token = format!("{}/token", trap.origin);
    let server = Hostile::start(|_| {
        let conformance = metadata(v, &trap_token);
        Router::new()
            .route(&format!("/{seg}/{{tenant}}/metadata"), get(move || async move { axum::Json(conformance) }))
            .route(
                &format!("/{seg}/{{tenant}}/Appointment"),
                get(|| async { axum::Json(bundle(vec![appointment("x")], None)) }),
            )
    })
    .await;
    let tenants = [Tenant::good(v, &env), Tenant::hostile(v, &server, "phish")];
    let run = run_client(&config(&env, &tenants, ""), &["--json"]).await;
    let host = trap.origin.trim_start_matches("http://").split(':').next().unwrap().to_owned();
    assert_contained(&env, &run, "phish", "failed", &format!("refused the token URL http://{host}/…"));
    assert!(trap.seen().is_empty(), "nothing was sent to the untrusted token URL: {:#?}", trap.seen());
    assert_eq!(server.targets(), [format!("/{seg}/phish/metadata")], "no search without a token");
}

async fn a_listed_token_host_is_trusted_over_https_only(v: FhirVersion) {
    let seg = path_segment(v);
    let env = emulator(LoadOptions::default()).await;
    // 127.0.0.1 serves the token, over http: trusted only because it is the base's own origin.
    // `localhost` names the same server under another origin, which is not trusted unless listed
    // (and a listed host is trusted for https only).
    let server = Hostile::start(|origin| {
        let port = origin.rsplit(':').next().unwrap().to_owned();
        let conformance = metadata(v, &format!("http://localhost:{port}/token"));
        Router::new()
            .route(&format!("/{seg}/{{tenant}}/metadata"), get(move || async move { axum::Json(conformance) }))
            .route("/token", post(|| async { axum::Json(token(json!(570))) }))
    })
    .await;
    let tenants = [Tenant::good(v, &env), Tenant::hostile(v, &server, "listed")];
    let path = config(&env, &tenants, "");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("trusted_token_hosts = [\"localhost\"]\n{text}")).unwrap();
    let run = run_client(&path, &["--json"]).await;
    assert_contained(
        &env,
        &run,
        "listed",
        "failed",
        "refused the token URL http://localhost/… named by the metadata: not https",
    );
    assert_eq!(server.targets(), [format!("/{seg}/listed/metadata")]);
}

/// Tenants named after their `expires_in`: each sign-in grants a token of that lifetime, and
/// each tenant serves three pages.
async fn any_expires_in_is_survived_and_a_short_token_serves_every_page_of_its_lifetime(v: FhirVersion) {
    let seg = path_segment(v);
    let env = emulator(LoadOptions::default()).await;
    let server = Hostile::start(|origin| {
        let (metadata_origin, page_origin) = (origin.to_owned(), origin.to_owned());
        Router::new()
            .route(
                &format!("/{seg}/{{tenant}}/metadata"),
                get(move |Path(tenant): Path<String>| {
                    let token_url = format!("{metadata_origin}/token/{tenant}");
                    async move { axum::Json(metadata(v, &token_url)) }
                }),
            )
            .route(
                "/token/{tenant}",
                post(|Path(tenant): Path<String>| async move {
                    let expires_in = match tenant.as_str() {
                        "zero" => json!(0),
                        "negative" => json!(-60),
                        "text" => json!("soon"),
                        "huge" => json!(10_000_000_000_000_000_000u64),
                        _ => json!(30),
                    };
                    axum::Json(token(expires_in))
                }),
            )
            .route(
                &format!("/{seg}/{{tenant}}/Appointment"),
                get(move |Path(tenant): Path<String>, RawQuery(query): RawQuery| {
                    let origin = page_origin.clone();
                    async move {
                        let query = query.unwrap_or_default();
                        let page: u32 = query.strip_prefix("page=").and_then(|p| p.parse().ok()).unwrap_or(0);
                        let next = (page < 2).then(|| format!("{origin}/{seg}/{tenant}/Appointment?page={}", page + 1));
                        let mut edge = appointment(&format!("{tenant}-{page}-edge"));
                        // Dates at the edges of the calendar: year 10000 in UTC, year -1.
                        let start = if page == 1 { "9999-12-31T23:00:00-05:00" } else { "0000-01-01T00:30:00+01:00" };
                        edge["start"] = json!(start);
                        axum::Json(bundle(vec![appointment(&format!("{tenant}-{page}")), edge], next.as_deref()))
                    }
                }),
            )
    })
    .await;
    let names = ["zero", "negative", "text", "huge", "short"];
    let mut tenants = vec![Tenant::good(v, &env)];
    tenants.extend(names.iter().map(|name| Tenant::hostile(v, &server, name)));
    // A refresh margin longer than the short token's 30 s lifetime.
    let run = run_client(&config(&env, &tenants, "refresh_margin_seconds = 60"), &["--json"]).await;
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(env.stored(SANDBOX), env.truth(SANDBOX));
    for name in names {
        assert_eq!(run.outcome(name).0, "synced", "{run:#?}");
        assert_eq!(run.report(name)["tokens"], 1, "{name}: one token for all three pages");
        // The calendar's edges are read without overflow and, being outside the window, not stored.
        assert_eq!(env.stored(name).len(), 3, "{name}: every appointment in the window");
        assert_eq!(run.report(name)["outside_window"], 3, "{name}: the calendar's edges");
        let calls: Vec<String> = server.targets().into_iter().filter(|t| t.contains(&format!("/{name}"))).collect();
        assert_eq!(calls.len(), 5, "{name}: metadata, one token, three pages: {calls:#?}");
    }
    for seen in server.seen() {
        let (method, auth) = (seen.method.as_str(), seen.authorization.as_deref().unwrap_or(""));
        match seen.target.split('/').nth(1) {
            Some("token") => assert!(method == "POST" && auth.starts_with("Basic "), "{seen:?}"),
            _ if seen.target.ends_with("/metadata") => assert_eq!(auth, "", "metadata is asked without credentials"),
            _ => assert!(method == "GET" && auth == "Bearer hostile-token", "{seen:?}"),
        }
    }
}
