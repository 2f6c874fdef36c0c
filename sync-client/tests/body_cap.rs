//! Memory is bounded by configuration, not by the server: a tenant whose search answers a 1 GiB
//! body (streamed, no `Content-Length`) or declares 2 GiB fails, while the client process's peak
//! resident memory (`VmHWM` of `/proc/<pid>/status`) stays near `max_body_bytes`.
//!
//! A test binary of its own, so no other test's processes or threads share the measurement. The
//! good tenant's pages are slowed down, so the client is still running, and its peak still
//! readable, after the hostile body has been refused.
//!
//! The tenant whose body declares 2 GiB is on an R4 base (the cap holds whatever the version).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::routing::{get, post};
use bytes::Bytes;
use cerner_mock::admin_client::{FaultAction, FaultMatch, FaultRule};
use cerner_mock::clock::DEFAULT_MANUAL_START;
use cerner_mock::{AdminClient, Clock, MockServer, Profile, ServerConfig};
use serde_json::json;

const SANDBOX: &str = "ec2458f2-1e24-41c8-b71b-0e701af7583d";
const CLIENT: &str = "bb318a62-fa61-49ae-b692-7d99214f0ec7";
const CAP: u64 = 8 << 20;
const HUGE: u64 = 1 << 30;

/// What the hostile server sent of the streamed body, and whether the client hung up on it.
#[derive(Default)]
struct Stream {
    sent: AtomicU64,
    dropped: AtomicBool,
    searches: AtomicU64,
}

struct Dropped(Arc<Stream>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.dropped.store(true, Ordering::SeqCst);
    }
}

fn hostile(origin: &str, stream: Arc<Stream>) -> Router {
    let token_url = format!("{origin}/token");
    Router::new()
        .route(
            "/{version}/{tenant}/metadata",
            get(move |Path((version, _)): Path<(String, String)>| {
                let token_url = token_url.clone();
                let (resource_type, release) =
                    if version == "r4" { ("CapabilityStatement", "4.0.1") } else { ("Conformance", "1.0.2") };
                async move {
                    axum::Json(json!({"resourceType": resource_type, "fhirVersion": release, "rest": [{"security": {"extension": [{
                        "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                        "extension": [{"url": "token", "valueUri": token_url}]}]}}]}))
                }
            }),
        )
        .route(
            "/token",
            post(|| async { axum::Json(json!({"access_token": "t", "token_type": "Bearer", "expires_in": 570})) }),
        )
        .route(
            "/{version}/{tenant}/Appointment",
            get(move |Path((_, tenant)): Path<(String, String)>| {
                let stream = stream.clone();
                async move {
                    stream.searches.fetch_add(1, Ordering::SeqCst);
                    if tenant == "declared" {
                        // Says 2 GiB; sends a few bytes and then nothing, holding the connection.
                        let start = futures_util::stream::once(async {
                            Ok::<_, std::io::Error>(Bytes::from_static(b"{\"resourceType\":\"Bundle\""))
                        });
                        let body =
                            Body::from_stream(futures_util::StreamExt::chain(start, futures_util::stream::pending()));
                        return axum::response::Response::builder()
                            .header("content-length", (2u64 << 30).to_string())
                            .body(body)
                            .unwrap();
                    }
                    let guard = Dropped(stream.clone());
                    let chunk = Bytes::from(vec![b' '; 64 << 10]);
                    let body = futures_util::stream::unfold((guard, 0u64), move |(guard, sent)| {
                        let chunk = chunk.clone();
                        async move {
                            if sent >= HUGE {
                                return None;
                            }
                            guard.0.sent.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                            Some((Ok::<_, std::io::Error>(chunk.clone()), (guard, sent + chunk.len() as u64)))
                        }
                    });
                    axum::response::Response::new(Body::from_stream(body))
                }
            }),
        )
}

/// `VmHWM` of a live process in bytes, `None` once it is gone.
fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb * 1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_larger_than_the_cap_fails_its_tenant_and_memory_stays_near_the_cap() {
    let mut profile = Profile::embedded_default();
    profile.limits.enabled = false;
    let mut config = ServerConfig::new(profile);
    config.clock = Clock::manual(DEFAULT_MANUAL_START);
    let emulator = MockServer::start(config).await.unwrap();
    let admin = AdminClient::new(emulator.origin()).unwrap();
    let slow = FaultRule::new(FaultMatch::path("/dstu2/*/Appointment"), FaultAction::Delay { ms: 400 });
    admin.add_fault(&slow).await.unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let stream = Arc::new(Stream::default());
    let app = hostile(&origin, stream.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = std::env::temp_dir().join(format!("appointment-sync-body-cap-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let locations: Vec<String> =
        admin.tenant(SANDBOX).await.unwrap().data.locations.into_iter().map(|l| l.id).collect();
    let config = format!(
        "[credentials]\nclient_id = \"{CLIENT}\"\nclient_secret_env = \"BODY_CAP_SECRET\"\n\
         [window]\nstart = \"2025-12-22\"\nend = \"2026-02-03\"\n[sync]\nmax_body_bytes = {CAP}\nmax_attempts = 1\n\
         [store]\npath = \"state/appointments.db\"\n\
         [[tenants]]\nid = \"{SANDBOX}\"\nfhir_base = \"{}/dstu2/{SANDBOX}/\"\nlocations = {locations:?}\n\
         [[tenants]]\nid = \"streamed\"\nfhir_base = \"{origin}/dstu2/streamed/\"\nlocations = [\"1\"]\n\
         [[tenants]]\nid = \"declared\"\nfhir_base = \"{origin}/r4/declared/\"\nlocations = [\"1\"]\n",
        emulator.origin()
    );
    std::fs::write(dir.join("sync.toml"), config).unwrap();

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_appointment-sync"))
        .args(["run", "--json", "--config"])
        .arg(dir.join("sync.toml"))
        .env("BODY_CAP_SECRET", "secret")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    let (mut peak, mut reads_after_refusal) = (0, 0);
    while let Some(rss) = peak_rss(pid) {
        let refused = stream.dropped.load(Ordering::SeqCst);
        peak = peak.max(rss);
        if refused {
            reads_after_refusal += 1;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let output = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output()).await.unwrap().unwrap();
    server.abort();
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("no summary: {}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(output.status.code(), Some(1), "{summary:#}");
    let tenants = summary["tenants"].as_array().unwrap();
    assert_eq!(tenants[0]["outcome"], "synced", "{summary:#}");
    assert!(tenants[0]["inserted"].as_u64().unwrap() > 100, "the good tenant's appointments were stored");
    let cases = [(&tenants[1], "dstu2/streamed", ""), (&tenants[2], "r4/declared", ": Content-Length 2147483648")];
    for (report, base, detail) in cases {
        assert_eq!(report["outcome"], "failed", "{summary:#}");
        let expected = format!(
            "GET {origin}/{base}/Appointment: the answer's body is larger than max_body_bytes ({CAP} bytes){detail}"
        );
        assert_eq!(report["reason"], expected.as_str());
    }
    assert_eq!(stream.searches.load(Ordering::SeqCst), 2, "one search each, not retried");
    assert!(stream.dropped.load(Ordering::SeqCst), "the client hung up on the streamed body");
    let sent = stream.sent.load(Ordering::SeqCst);
    assert!(sent < HUGE / 4, "the client stopped reading early: {sent} bytes were sent");
    assert!(reads_after_refusal >= 3, "the peak was read after the refusal ({reads_after_refusal} reads)");
    eprintln!(
        "peak RSS {} MiB with a cap of {} MiB; {} MiB sent of a {} MiB body",
        peak >> 20,
        CAP >> 20,
        sent >> 20,
        HUGE >> 20
    );
    assert!(peak < 4 * CAP + (32 << 20), "peak RSS {} MiB is not near the cap of {} MiB", peak >> 20, CAP >> 20);
    let _ = std::fs::remove_dir_all(&dir);
}
