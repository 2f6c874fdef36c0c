//! Errors that say what to fix: the URL in every connection, TLS and HTTP error; a TLS-vs-plain
//! mismatch named as such with the setting to change; a 404 at the base asking whether
//! `fhir_base` is right; `invalid_grant` naming the tenant and the client id; the DSTU2
//! production refusal as one sentence pointing at the R4 base; every WARN line naming its tenant;
//! a location that returned nothing warned about once.

use axum::http::StatusCode;
use axum::routing::{get, post};
use cerner_mock::store::LoadOptions;
use serde_json::json;
use std::sync::Arc;

use tokio::io::AsyncWriteExt;

use super::*;
use crate::helpers::{CLIENT, PRODUCTION, UNAPPROVED, emulator};

on_both_versions!(
    connection_tls_and_http_errors_name_the_url_and_what_to_change,
    an_unapproved_tenant_is_named_with_the_client_id,
    every_warning_names_its_tenant_and_a_silent_location_is_warned_about_once,
);

/// A port on 127.0.0.1 nobody listens on.
async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// A server on 127.0.0.1 that answers every connection with a TLS alert record, as a TLS server
/// does to a request in plain HTTP.
async fn tls_speaker() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let _ = socket.write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]).await;
        }
    });
    port
}

async fn connection_tls_and_http_errors_name_the_url_and_what_to_change(v: FhirVersion) {
    let seg = path_segment(v);
    let env = emulator(LoadOptions::default()).await;
    let server = Hostile::start(sign_in).await;
    let (closed, tls) = (closed_port().await, tls_speaker().await);
    let plain_port = server.origin.rsplit(':').next().unwrap().to_owned();
    let tenant = |id: &str, base: String| Tenant { id: id.to_owned(), base, locations: vec!["1".to_owned()] };
    let tenants = [
        Tenant::good(v, &env),
        tenant("refused", format!("http://127.0.0.1:{closed}/{seg}/refused/")),
        tenant("https-on-plain", format!("https://127.0.0.1:{plain_port}/{seg}/https-on-plain/")),
        tenant("plain-on-tls", format!("http://127.0.0.1:{tls}/{seg}/plain-on-tls/")),
        tenant("wrong-base", format!("{}/fhir/{seg}/wrong-base/", server.origin)),
    ];
    let run = run_client(&config(&env, &tenants, "max_attempts = 2"), &["--json"]).await;
    let refused =
        format!("GET http://127.0.0.1:{closed}/{seg}/refused/metadata: gave up after 2 attempts: connection failed");
    assert_contained(&env, &run, "refused", "failed", &refused);
    let https = format!("GET https://127.0.0.1:{plain_port}/{seg}/https-on-plain/metadata: TLS-vs-plain mismatch");
    assert_contained(&env, &run, "https-on-plain", "failed", &https);
    assert_contained(&env, &run, "https-on-plain", "failed", "write the tenant's fhir_base with http://");
    let plain = format!("GET http://127.0.0.1:{tls}/{seg}/plain-on-tls/metadata: TLS-vs-plain mismatch");
    assert_contained(&env, &run, "plain-on-tls", "failed", &plain);
    assert_contained(&env, &run, "plain-on-tls", "failed", "write the tenant's fhir_base with https://");
    let wrong = format!(
        "GET {}/fhir/{seg}/wrong-base/metadata answered 404 Not Found: is fhir_base right? Tenant wrong-base's \
         fhir_base is {}/fhir/{seg}/wrong-base/",
        server.origin, server.origin
    );
    assert_contained(&env, &run, "wrong-base", "failed", &wrong);
    assert_eq!(run.report("https-on-plain")["requests"], 1, "a mismatch is not retried: {run:#?}");
}

async fn an_unapproved_tenant_is_named_with_the_client_id(v: FhirVersion) {
    let env = emulator(LoadOptions::default()).await;
    let unapproved = Tenant { id: UNAPPROVED.to_owned(), base: env.base(UNAPPROVED, v), locations: vec!["1".into()] };
    let run = run_client(&config(&env, &[Tenant::good(v, &env), unapproved], ""), &["--json"]).await;
    let expected =
        format!("tenant {UNAPPROVED} has not approved client id {CLIENT} (the token endpoint answered invalid_grant)");
    assert_contained(&env, &run, UNAPPROVED, "rejected", &expected);
}

/// The production tenant refuses system accounts on DSTU2 with an OperationOutcome; the client
/// says so in one sentence naming the tenant's R4 base, not as JSON.
#[tokio::test]
async fn the_dstu2_production_refusal_is_one_sentence_pointing_at_the_r4_base() {
    let env = emulator(LoadOptions::default()).await;
    let locations = env.tenants.iter().find(|(id, _)| id == PRODUCTION).unwrap().1.clone();
    let production = Tenant { id: PRODUCTION.to_owned(), base: env.base(PRODUCTION, FhirVersion::Dstu2), locations };
    let run = run_client(&config(&env, &[Tenant::good(FhirVersion::Dstu2, &env), production], ""), &["--json"]).await;
    let expected = format!(
        "tenant {PRODUCTION} does not accept system accounts on DSTU2 (403); production tenants serve them on R4 \
         only: set its fhir_base to {}",
        env.base(PRODUCTION, FhirVersion::R4)
    );
    assert_contained(&env, &run, PRODUCTION, "rejected", &expected);
    assert_eq!(run.outcome(PRODUCTION).1, expected, "one sentence, no JSON");
}

/// Tenant `warny`: its token has no usable `expires_in`, its first search answers 500 (retried),
/// and its page holds an Appointment with duplicate keys: three warnings from three modules.
async fn every_warning_names_its_tenant_and_a_silent_location_is_warned_about_once(v: FhirVersion) {
    let seg = path_segment(v);
    let env = emulator(LoadOptions::default()).await;
    let server = Hostile::start(|origin| {
        let conformance = metadata(v, &format!("{origin}/token"));
        let calls = Arc::new(std::sync::atomic::AtomicU64::new(0));
        Router::new()
            .route(&format!("/{seg}/warny/metadata"), get(move || async move { axum::Json(conformance) }))
            .route("/token", post(|| async { axum::Json(token(json!("soon"))) }))
            .route(
                &format!("/{seg}/warny/Appointment"),
                get(move || {
                    let first = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0;
                    async move {
                        if first {
                            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                        }
                        let duplicate = r#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Appointment","id":"d","status":"booked","status":"cancelled","start":"2026-01-06T09:00:00Z","participant":[{"actor":{"reference":"Location/1"}}]}}]}"#;
                        duplicate.into_response()
                    }
                }),
            )
    })
    .await;
    let mut good = Tenant::good(v, &env);
    good.locations.push("404404".to_owned());
    let run = run_client(&config(&env, &[good, Tenant::hostile(v, &server, "warny")], ""), &["--json"]).await;
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(env.stored(SANDBOX), env.truth(SANDBOX));
    let warnings: Vec<&str> = run.stderr.lines().filter(|line| line.contains("WARN")).collect();
    for expected in ["expires_in", "retrying", "duplicate keys"] {
        assert!(warnings.iter().any(|w| w.contains(expected) && w.contains("warny")), "{expected}: {warnings:#?}");
    }
    for warning in &warnings {
        assert!(warning.contains("warny") || warning.contains(SANDBOX), "a warning without its tenant: {warning}");
    }
    let silent: Vec<&&str> =
        warnings.iter().filter(|w| w.contains("location 404404 returned no appointment")).collect();
    assert_eq!(silent.len(), 1, "{warnings:#?}");
    assert!(silent[0].contains(SANDBOX), "{silent:?}");
}
