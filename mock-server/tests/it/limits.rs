//! Rate limits: a burst over the limit gets 429 with a correct `Retry-After`, and waiting that
//! long on the manual clock lets the next request through.

use cerner_mock::Profile;
use cerner_mock::store::LoadOptions;

use crate::assert_envelope;
use crate::helpers::*;

fn tight() -> Profile {
    let mut profile = Profile::embedded_default();
    profile.limits.fhir_per_second = 1;
    profile.limits.fhir_burst = 3;
    profile.limits.token_per_minute = 2;
    profile.limits.token_burst = 2;
    profile
}

#[tokio::test]
async fn a_fhir_burst_over_the_limit_is_429_until_retry_after_has_passed() {
    let app = spawn_app_with_profile(tight(), LoadOptions::default()).await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let path = format!("/dstu2/{SANDBOX}/Patient/12724067");
    for _ in 0..3 {
        assert_eq!(app.fhir(&path, Some(&token)).await.status(), 200);
    }
    let env = app.envelope(app.fhir(&path, Some(&token)).await).await;
    assert_eq!(env["status"], 429);
    assert_eq!(env["body"]["issue"][0]["code"], "throttled");
    assert_envelope!("limit_fhir_429", env);
    let wait: i64 = env["headers"]["retry-after"].as_str().unwrap().parse().unwrap();
    assert_eq!(wait, 1);
    let other = app.token(SECOND, ALL_SCOPES).await;
    assert_eq!(app.fhir(&format!("/dstu2/{SECOND}/Patient?_id=1"), Some(&other)).await.status(), 200, "per tenant");
    app.admin.advance_clock(wait).await.unwrap();
    assert_eq!(app.fhir(&path, Some(&token)).await.status(), 200);
}

#[tokio::test]
async fn the_token_endpoint_is_limited_per_account_per_minute() {
    let app = spawn_app_with_profile(tight(), LoadOptions::default()).await;
    let body = "grant_type=client_credentials&scope=system%2FPatient.read";
    for _ in 0..2 {
        assert_eq!(app.post_token(SANDBOX, Some(&basic(CLIENT, SECRET)), body).await.status(), 200);
    }
    let response = app.post_token(SANDBOX, Some(&basic(CLIENT, SECRET)), body).await;
    assert_eq!(response.status(), 429);
    let wait: i64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    app.admin.advance_clock(wait).await.unwrap();
    assert_eq!(app.post_token(SANDBOX, Some(&basic(CLIENT, SECRET)), body).await.status(), 200);
}

#[tokio::test]
async fn the_default_limits_let_a_polite_client_page_through_a_day() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let url = app
        .url(&format!("/dstu2/{SANDBOX}/Appointment?location=21503380&date=ge2025-12-01&date=lt2026-03-01&_count=10"));
    let mut next = Some(url);
    let mut pages = 0;
    while let Some(url) = next.take() {
        let bundle = app.follow(&url, &token).await;
        next = link(&bundle, "next").map(str::to_owned);
        pages += 1;
    }
    assert!(pages >= 10, "{pages} pages, none throttled");
}

#[tokio::test]
async fn an_r4_burst_over_the_limit_is_429_with_retry_after_in_r4_shape() {
    let app = spawn_app_with_profile(tight(), LoadOptions::default()).await;
    let token = app.token(SANDBOX, crate::r4::R4_SCOPES).await;
    let path = format!("/r4/{SANDBOX}/Patient/12724067");
    for _ in 0..3 {
        assert_eq!(app.r4(&path, Some(&token)).await.status(), 200);
    }
    let env = app.envelope(app.r4(&path, Some(&token)).await).await;
    assert_eq!(env["status"], 429);
    assert_eq!(env["headers"]["content-type"], "application/fhir+json; charset=utf-8");
    assert_eq!(env["body"]["resourceType"], "OperationOutcome");
    assert_eq!(env["body"]["issue"][0]["code"], "throttled");
    assert_envelope!("limit_r4_429", env);
    let wait: i64 = env["headers"]["retry-after"].as_str().unwrap().parse().unwrap();
    assert_eq!(wait, 1);
    // DSTU2 and R4 of one tenant share its limit: the DSTU2 base is throttled too.
    assert_eq!(app.fhir(&format!("/dstu2/{SANDBOX}/Patient/12724067"), Some(&token)).await.status(), 429);
    app.admin.advance_clock(wait).await.unwrap();
    assert_eq!(app.r4(&path, Some(&token)).await.status(), 200);
}
