//! Bodies that stall or dribble (`stall_body`, `dribble_body`) and the cap on requests in flight
//! (`[limits] max_in_flight`), observed as a client sees them: bytes received before and after,
//! the journal, and the answer to the request over the cap. No assertion races a wall clock: a
//! stall is made far longer than any wait of the test, and durations are lower bounds only.

use std::time::{Duration, Instant};

use cerner_mock::admin_client::{FaultAction, FaultMatch, FaultRule};
use cerner_mock::store::LoadOptions;
use cerner_mock::{Profile, journal::JournalQuery};
use serde_json::{Value, json};

use crate::helpers::*;

const SEARCH: &str = "Appointment?location=21503380&date=ge2025-12-01&date=lt2026-03-01&_count=5";

fn search() -> String {
    format!("/dstu2/{SANDBOX}/{SEARCH}")
}

fn on_appointments() -> FaultMatch {
    FaultMatch::path("/dstu2/*/Appointment").tenant(SANDBOX)
}

/// The whole body of an untouched search, to compare lengths with.
async fn plain_length(app: &TestApp, token: &str) -> usize {
    app.fhir(&search(), Some(token)).await.bytes().await.unwrap().len()
}

/// Reads chunks until `want` bytes came (or the body ended); a generous bound stops a hang.
async fn read_at_least(response: &mut reqwest::Response, want: usize) -> Vec<u8> {
    let mut got = Vec::new();
    while got.len() < want {
        match tokio::time::timeout(Duration::from_secs(30), response.chunk()).await {
            Ok(Ok(Some(chunk))) => got.extend_from_slice(&chunk),
            Ok(Ok(None)) => break,
            other => panic!("no bytes came: {other:?}"),
        }
    }
    got
}

#[tokio::test]
async fn a_stalled_body_sends_its_status_headers_and_first_bytes_then_nothing() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let length = plain_length(&app, &token).await;
    let stall = FaultAction::StallBody { after_bytes: 100, ms: 600_000 };
    app.admin.add_fault(&FaultRule::new(on_appointments(), stall).with_id("stall")).await.unwrap();
    let mut response = app.fhir(&search(), Some(&token)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-length"], length.to_string().as_str(), "the whole length is announced");
    assert!(response.headers().contains_key("x-request-id"));
    let head = read_at_least(&mut response, 100).await;
    assert_eq!(head.len(), 100, "exactly the first bytes");
    assert!(head.starts_with(b"{"), "the start of the real body");
    // The stall lasts ten minutes: whatever this machine's speed, nothing more comes in a second.
    let more = tokio::time::timeout(Duration::from_secs(1), response.chunk()).await;
    assert!(more.is_err(), "no byte after the first ones: {more:?}");
    let journal = app.admin.journal(&JournalQuery::new().path_prefix(format!("/dstu2/{SANDBOX}/Appointment"))).await;
    let last = journal.unwrap().entries.last().cloned().unwrap();
    let fault = last.fault.unwrap();
    assert_eq!((fault.rule.as_str(), fault.action.as_str(), last.status), ("stall", "stall_body", 200));
    assert_eq!(last.bytes, length as u64, "the journal records the body's length");
}

#[tokio::test]
async fn after_the_stall_the_rest_of_the_body_comes_intact() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let plain: Value = app.fhir(&search(), Some(&token)).await.json().await.unwrap();
    let stall = FaultAction::StallBody { after_bytes: 10, ms: 300 };
    app.admin.add_fault(&FaultRule::new(on_appointments(), stall)).await.unwrap();
    let started = Instant::now();
    let stalled: Value = app.fhir(&search(), Some(&token)).await.json().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300), "it did wait");
    assert_eq!(stalled["entry"], plain["entry"]);
}

#[tokio::test]
async fn a_dribbled_body_comes_in_slices_and_whole() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let plain = app.fhir(&search(), Some(&token)).await.bytes().await.unwrap();
    // A tenth of the rate per tick: the body takes at least (slices - 1) ticks.
    let rate = u64::try_from(plain.len() / 2).unwrap();
    let dribble = FaultAction::DribbleBody { bytes_per_second: rate };
    app.admin.add_fault(&FaultRule::new(on_appointments(), dribble)).await.unwrap();
    let started = Instant::now();
    let mut response = app.fhir(&search(), Some(&token)).await;
    assert_eq!(response.headers()["content-length"], plain.len().to_string().as_str());
    let first = response.chunk().await.unwrap().unwrap();
    assert!(first.len() as u64 <= rate.div_ceil(10), "a slice, not the body: {}", first.len());
    let mut body = first.to_vec();
    body.extend_from_slice(&read_at_least(&mut response, plain.len()).await);
    assert_eq!(body.len(), plain.len());
    let (body, plain): (Value, Value) =
        (serde_json::from_slice(&body).unwrap(), serde_json::from_slice(&plain).unwrap());
    assert_eq!(body["entry"], plain["entry"], "the same page, whole");
    assert!(started.elapsed() >= Duration::from_millis(1_800), "about two seconds of slices");
    let journal = app.admin.journal(&Default::default()).await.unwrap();
    assert_eq!(journal.entries.last().unwrap().fault.as_ref().unwrap().action, "dribble_body");
}

#[tokio::test]
async fn the_admin_api_and_a_profile_refuse_bad_slow_body_settings() {
    let app = spawn_app().await;
    for (action, named) in [
        (json!({"type": "stall_body", "after_bytes": 10, "ms": 0}), "stall_body ms"),
        (json!({"type": "stall_body", "after_bytes": 10, "ms": 600_001}), "stall_body ms"),
        (json!({"type": "stall_body", "ms": 10}), "after_bytes"),
        (json!({"type": "dribble_body", "bytes_per_second": 0}), "bytes_per_second"),
        (json!({"type": "dribble_body", "bytes_per_second": -5}), "integer `-5`"),
    ] {
        let response = app.http.post(app.url("/__admin/faults")).json(&json!({"action": action})).send().await.unwrap();
        assert_eq!(response.status(), 400, "{action}");
        let text = response.text().await.unwrap();
        assert!(text.contains(named), "{action}: {text}");
    }
    let ok = json!({"action": {"type": "dribble_body", "bytes_per_second": 50}});
    assert_eq!(app.http.post(app.url("/__admin/faults")).json(&ok).send().await.unwrap().status(), 201);
    let dir = std::path::Path::new(".");
    let good = "[[faults]]\nmatch = { resource = \"Appointment\" }\naction = { type = \"stall_body\", after_bytes = 512, ms = 30000 }\n";
    assert!(Profile::from_toml(good, dir).is_ok());
    let bad = "[[faults]]\naction = { type = \"dribble_body\", bytes_per_second = 0 }\n";
    let refused = Profile::from_toml(bad, dir).unwrap_err().to_string();
    assert!(refused.contains("faults[0]") && refused.contains("bytes_per_second"), "{refused}");
}

fn capped(cap: u32) -> Profile {
    let mut profile = Profile::embedded_default();
    profile.limits.max_in_flight = Some(cap);
    profile
}

#[tokio::test]
async fn a_request_over_max_in_flight_gets_the_rate_limits_429_and_a_dropped_one_frees_its_slot() {
    let app = spawn_app_with_profile(capped(1), LoadOptions::default()).await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let stall = FaultAction::StallBody { after_bytes: 50, ms: 600_000 };
    app.admin.add_fault(&FaultRule::new(on_appointments().first(1), stall)).await.unwrap();
    let mut held = app.fhir(&search(), Some(&token)).await;
    read_at_least(&mut held, 50).await;
    let over = app.fhir(&search(), Some(&token)).await;
    assert_eq!(over.status(), 429);
    assert_eq!(over.headers()["retry-after"], "1");
    let body: Value = over.json().await.unwrap();
    assert_eq!(
        (body["issue"][0]["code"].as_str(), body["issue"][0]["diagnostics"].as_str()),
        (Some("throttled"), Some("Too Many Requests"))
    );
    let other = app.fhir(&format!("/dstu2/{SECOND}/metadata"), None).await;
    assert_eq!(other.status(), 200, "another tenant is not held up");
    drop(held);
    // The client hung up: the emulator notices and frees the slot (waited for, not raced).
    let limits = app.server.state().limits();
    let deadline = Instant::now() + Duration::from_secs(30);
    while limits.in_flight_now(CLIENT, SANDBOX) > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(limits.in_flight_now(CLIENT, SANDBOX), 0, "the dropped connection released its slot");
    assert_eq!(app.fhir(&search(), Some(&token)).await.status(), 200);
    let journal = app.admin.journal(&JournalQuery::new().path_prefix(format!("/dstu2/{SANDBOX}/Appointment"))).await;
    let seen: Vec<(Option<u32>, u16)> = journal.unwrap().entries.iter().map(|e| (e.in_flight, e.status)).collect();
    assert_eq!(seen, [(Some(1), 200), (Some(2), 429), (Some(1), 200)], "the journal counts what was open");
}

#[tokio::test]
async fn the_profile_chooses_the_answer_over_the_cap() {
    let mut profile = capped(1);
    profile.limits.in_flight_status = 503;
    profile.limits.in_flight_retry_after = 7;
    let app = spawn_app_with_profile(profile, LoadOptions::default()).await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let stall = FaultAction::StallBody { after_bytes: 50, ms: 600_000 };
    app.admin.add_fault(&FaultRule::new(on_appointments().first(1), stall)).await.unwrap();
    let mut held = app.fhir(&search(), Some(&token)).await;
    read_at_least(&mut held, 50).await;
    let over = app.fhir(&search(), Some(&token)).await;
    assert_eq!((over.status().as_u16(), over.headers()["retry-after"].to_str().unwrap()), (503, "7"));
}

#[tokio::test]
async fn without_a_cap_every_request_passes_and_is_still_counted() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let stall = FaultAction::StallBody { after_bytes: 50, ms: 600_000 };
    app.admin.add_fault(&FaultRule::new(on_appointments().first(2), stall)).await.unwrap();
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut response = app.fhir(&search(), Some(&token)).await;
        read_at_least(&mut response, 50).await;
        held.push(response);
    }
    assert_eq!(app.fhir(&search(), Some(&token)).await.status(), 200);
    let journal = app.admin.journal(&JournalQuery::new().path_prefix(format!("/dstu2/{SANDBOX}/Appointment"))).await;
    let counts: Vec<Option<u32>> = journal.unwrap().entries.iter().map(|e| e.in_flight).collect();
    assert_eq!(counts, [Some(1), Some(2), Some(3)]);
}

#[tokio::test]
async fn a_tenant_caps_requests_in_flight_with_its_own_limits() {
    let text = include_str!("../../../fixtures/profile.toml");
    let anchor = "name = \"Second Hospital\"\n";
    assert!(text.contains(anchor));
    let text = text.replacen(anchor, &format!("{anchor}\n[tenants.limits]\nmax_in_flight = 1\n"), 1);
    let profile = Profile::from_toml(&text, &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures"))
        .expect("the profile loads");
    let app = spawn_app_with_profile(profile, LoadOptions::default()).await;
    let stall = FaultAction::StallBody { after_bytes: 50, ms: 600_000 };
    let everywhere = FaultMatch::path("/dstu2/*/Appointment");
    app.admin.add_fault(&FaultRule::new(everywhere, stall)).await.unwrap();
    let mut held = Vec::new();
    for tenant in [SANDBOX, SANDBOX, SECOND] {
        let token = app.token(tenant, ALL_SCOPES).await;
        let mut response = app.fhir(&format!("/dstu2/{tenant}/{SEARCH}"), Some(&token)).await;
        assert_eq!(response.status(), 200, "{tenant}: within its cap");
        read_at_least(&mut response, 50).await;
        held.push(response);
    }
    let token = app.token(SECOND, ALL_SCOPES).await;
    let over = app.fhir(&format!("/dstu2/{SECOND}/{SEARCH}"), Some(&token)).await;
    assert_eq!(over.status(), 429, "the Second Hospital's own cap of 1");
    assert!(
        Profile::from_toml(
            "[[tenants]]\nid = \"t\"\nname = \"T\"\n[tenants.limits]\nmax_in_flight = 0\n",
            std::path::Path::new(".")
        )
        .unwrap_err()
        .to_string()
        .contains("tenants[0].limits.max_in_flight")
    );
}

#[test]
fn a_profile_sets_max_in_flight_and_a_bad_value_names_the_field() {
    let dir = std::path::Path::new(".");
    let profile = Profile::from_toml("[limits]\nmax_in_flight = 2\nin_flight_status = 503\n", dir).unwrap();
    assert_eq!((profile.limits.max_in_flight, profile.limits.in_flight_status), (Some(2), 503));
    assert_eq!(Profile::from_toml("", dir).unwrap().limits.max_in_flight, None, "off by default");
    for (text, field) in [
        ("[limits]\nmax_in_flight = 0\n", "limits.max_in_flight"),
        ("[limits]\nin_flight_status = 302\n", "limits.in_flight_status"),
        ("[limits]\nin_flight_retry_after = 100000\n", "limits.in_flight_retry_after"),
    ] {
        let refused = Profile::from_toml(text, dir).unwrap_err().to_string();
        assert!(refused.contains(field), "{text}: {refused}");
    }
}
