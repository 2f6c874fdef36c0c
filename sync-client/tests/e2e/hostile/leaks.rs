//! Error text from a server is untrusted input: servers that reflect the request's credentials in
//! their error answers (a 403 quoting `Bearer <token>`, a token endpoint echoing
//! `Authorization: Basic <base64 id:secret>`, a body holding a JWT or a client assertion) get
//! nothing of them into the summary on stdout, the log on stderr (text or JSON) or the store.

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use base64::Engine;
use cerner_mock::store::LoadOptions;

use super::*;
use crate::helpers::{Env, emulator};

on_both_versions!(credentials_reflected_in_error_answers_reach_no_output_log_or_store);

const JWT: &str = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJsZWFrIn0.bGVha3NpZ25hdHVyZQ";

fn echo(headers: &HeaderMap) -> String {
    headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

/// Tenants: `bearer` answers its search 403 quoting the Authorization header; `basic` has a token
/// endpoint answering 400 in plain text with the Authorization header it got; `jwt` answers its
/// search 404 with a JWT and an `access_token`; `assertion` answers its token request 400 with a
/// client assertion and the client secret.
async fn reflecting_server(v: FhirVersion) -> Hostile {
    let seg = path_segment(v);
    Hostile::start(|origin| {
        let origin = origin.to_owned();
        Router::new()
            .route(
                &format!("/{seg}/{{tenant}}/metadata"),
                get(move |Path(tenant): Path<String>| {
                    let token_url = format!("{origin}/token/{tenant}");
                    async move { axum::Json(metadata(v, &token_url)) }
                }),
            )
            .route(
                "/token/{tenant}",
                post(|Path(tenant): Path<String>, headers: HeaderMap| async move {
                    match tenant.as_str() {
                        "basic" => (
                            StatusCode::BAD_REQUEST,
                            format!("bad request; you sent Authorization: {}", echo(&headers)),
                        )
                            .into_response(),
                        "assertion" => (
                            StatusCode::BAD_REQUEST,
                            format!("refused client_assertion={JWT}x&client_secret=secret from secret"),
                        )
                            .into_response(),
                        _ => axum::Json(token(serde_json::json!(570))).into_response(),
                    }
                }),
            )
            .route(
                &format!("/{seg}/{{tenant}}/Appointment"),
                get(|Path(tenant): Path<String>, headers: HeaderMap| async move {
                    match tenant.as_str() {
                        "bearer" => (StatusCode::FORBIDDEN, format!("not for you: Authorization: {}", echo(&headers))),
                        _ => (
                            StatusCode::NOT_FOUND,
                            format!("{{\"access_token\":\"hostile-token\",\"seen\":\"{JWT}\"}}"),
                        ),
                    }
                }),
            )
    })
    .await
}

async fn credentials_reflected_in_error_answers_reach_no_output_log_or_store(v: FhirVersion) {
    let env = emulator(LoadOptions::default()).await;
    let server = reflecting_server(v).await;
    let names = ["bearer", "basic", "jwt", "assertion"];
    let mut tenants = vec![Tenant::good(v, &env)];
    tenants.extend(names.iter().map(|name| Tenant::hostile(v, &server, name)));
    let config = config(&env, &tenants, "max_attempts = 1");
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT}:secret"));
    let leaks = ["hostile-token", basic.as_str(), JWT, "eyJ", "secret"];
    for format in ["text", "json"] {
        let run = run_client(&config, &["--log-format", format]).await;
        assert_eq!(run.code, Some(1), "{run:#?}");
        let json = run_client(&config, &["--json", "--log-format", format]).await;
        for name in names {
            let (outcome, reason) = json.outcome(name);
            assert_ne!(outcome, "synced", "{name}: {json:#?}");
            assert!(reason.contains("***"), "{name}: the server's text is reported, masked: {reason}");
        }
        let store = stored_texts(&env);
        for leak in leaks {
            for (what, text) in
                [("summary", &run.stdout), ("json", &json.stdout), ("log", &run.stderr), ("store", &store)]
            {
                // The setting's name `client_secret` is not the secret.
                let text = text.replace("client_secret", "");
                assert!(!text.contains(leak), "{format}: {leak} in the {what}:\n{text}");
            }
        }
        if format == "json" {
            for line in run.stderr.lines() {
                let event: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
                assert!(event["level"].is_string() && event["fields"].is_object(), "{line}");
            }
        }
    }
    assert!(
        server.seen().iter().any(|s| s.authorization.as_deref() == Some("Bearer hostile-token")),
        "the fault fired"
    );
}

/// Every run summary and tenant message the store holds.
fn stored_texts(env: &Env) -> String {
    let db = rusqlite::Connection::open(env.dir.join("state").join("appointments.db")).unwrap();
    let mut texts = String::new();
    for sql in ["SELECT coalesce(summary, '') FROM sync_runs", "SELECT coalesce(message, '') FROM tenant_state"] {
        let mut statement = db.prepare(sql).unwrap();
        let rows = statement.query_map([], |row| row.get::<_, String>(0)).unwrap();
        for row in rows {
            texts.push_str(&row.unwrap());
            texts.push('\n');
        }
    }
    texts
}
