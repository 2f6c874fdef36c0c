//! Point 5 (first half): the client secret goes only to a trusted token URL. Point 3 (second
//! half): `expires_in` of any value cannot crash a tenant or make it ask for a token per page.

use axum::extract::{Path, RawQuery};
use axum::routing::{get, post};
use cerner_mock::store::LoadOptions;
use serde_json::json;

use super::*;
use crate::helpers::emulator;

#[tokio::test]
async fn a_token_url_on_an_untrusted_host_gets_nothing_and_fails_the_tenant() {
    let env = emulator(LoadOptions::default()).await;
    // The trap would grant any token: a client that trusted it would sync.
    let trap = Hostile::start(sign_in).await;
    let trap_token = format!("{}/token", trap.origin);
    let server = Hostile::start(|_| {
        let conformance = conformance(&trap_token);
        Router::new()
            .route("/dstu2/{tenant}/metadata", get(move || async move { axum::Json(conformance) }))
            .route("/dstu2/{tenant}/Appointment", get(|| async { axum::Json(bundle(vec![appointment("x")], None)) }))
    })
    .await;
    let tenants = [Tenant::good(&env), Tenant::hostile(&server, "phish")];
    let run = run_client(&config(&env, &tenants, ""), &["--json"]).await;
    let host = trap.origin.trim_start_matches("http://").split(':').next().unwrap().to_owned();
    assert_contained(&env, &run, "phish", "failed", &format!("refused the token URL http://{host}/…"));
    assert!(trap.seen().is_empty(), "nothing was sent to the untrusted token URL: {:#?}", trap.seen());
    assert_eq!(server.targets(), ["/dstu2/phish/metadata"], "no search without a token");
}

#[tokio::test]
async fn a_listed_token_host_is_trusted_over_https_only() {
    let env = emulator(LoadOptions::default()).await;
    // 127.0.0.1 serves the token, over http: trusted only because it is the base's own origin.
    // `localhost` names the same server under another origin, which is not trusted unless listed
    // (and a listed host is trusted for https only).
    let server = Hostile::start(|origin| {
        let port = origin.rsplit(':').next().unwrap().to_owned();
        let conformance = conformance(&format!("http://localhost:{port}/token"));
        Router::new()
            .route("/dstu2/{tenant}/metadata", get(move || async move { axum::Json(conformance) }))
            .route("/token", post(|| async { axum::Json(token(json!(570))) }))
    })
    .await;
    let tenants = [Tenant::good(&env), Tenant::hostile(&server, "listed")];
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
    assert_eq!(server.targets(), ["/dstu2/listed/metadata"]);
}

/// Tenants named after their `expires_in`: each sign-in grants a token of that lifetime, and
/// each tenant serves three pages.
#[tokio::test]
async fn any_expires_in_is_survived_and_a_short_token_serves_every_page_of_its_lifetime() {
    let env = emulator(LoadOptions::default()).await;
    let server = Hostile::start(|origin| {
        let (metadata_origin, page_origin) = (origin.to_owned(), origin.to_owned());
        Router::new()
            .route(
                "/dstu2/{tenant}/metadata",
                get(move |Path(tenant): Path<String>| {
                    let token_url = format!("{metadata_origin}/token/{tenant}");
                    async move { axum::Json(conformance(&token_url)) }
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
                "/dstu2/{tenant}/Appointment",
                get(move |Path(tenant): Path<String>, RawQuery(query): RawQuery| {
                    let origin = page_origin.clone();
                    async move {
                        let query = query.unwrap_or_default();
                        let page: u32 = query.strip_prefix("page=").and_then(|p| p.parse().ok()).unwrap_or(0);
                        let next = (page < 2).then(|| format!("{origin}/dstu2/{tenant}/Appointment?page={}", page + 1));
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
    let mut tenants = vec![Tenant::good(&env)];
    tenants.extend(names.iter().map(|name| Tenant::hostile(&server, name)));
    // A refresh margin longer than the short token's 30 s lifetime.
    let run = run_client(&config(&env, &tenants, "refresh_margin_seconds = 60"), &["--json"]).await;
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(env.stored(SANDBOX), env.truth(SANDBOX));
    for name in names {
        assert_eq!(run.outcome(name).0, "synced", "{run:#?}");
        assert_eq!(run.report(name)["tokens"], 1, "{name}: one token for all three pages");
        assert_eq!(env.stored(name).len(), 6, "{name}: every appointment, the calendar's edges included");
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
