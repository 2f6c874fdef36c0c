//! Memory is bounded by the page, whatever it holds: a page within `max_body_bytes` made of
//! hundreds of thousands of tiny appointments (a server ignoring `_count`), or millions of empty
//! entries, fails its tenant after `max_page_entries`, while the client's peak resident memory
//! (`VmHWM` of `/proc/<pid>/status`, as `tests/body_cap.rs` measures it) stays a small multiple
//! of the cap; a page of exactly `max_page_entries` appointments is synced.
//!
//! A test binary of its own, so no other test's processes share the measurement. Tenants are
//! synced one at a time, in order; the last one's metadata is answered only after the peak has
//! been read, so the reading comes after every hostile page without any clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::Path;
use axum::routing::{get, post};
use serde_json::json;
use tokio::sync::Notify;

const CAP: usize = 8 << 20;
const MAX_ENTRIES: usize = 10_000;

fn metadata(token_url: &str) -> serde_json::Value {
    json!({"resourceType": "CapabilityStatement", "fhirVersion": "4.0.1", "rest": [{"security": {"extension": [{
        "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
        "extension": [{"url": "token", "valueUri": token_url}]}]}}]})
}

/// A Bundle of `count` entries written by `entry`, as text.
fn page(count: usize, entry: impl Fn(usize) -> String) -> String {
    let mut body = String::from(r#"{"resourceType":"Bundle","type":"searchset","entry":["#);
    for i in 0..count {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&entry(i));
    }
    body.push_str("]}");
    body
}

fn tiny(i: usize) -> String {
    format!(r#"{{"resource":{{"resourceType":"Appointment","id":"{i}","start":"2026-01-06T09:00:00Z"}}}}"#)
}

struct Gate {
    reached: AtomicBool,
    reached_notify: Notify,
    release: Notify,
}

fn server(origin: &str, gate: Arc<Gate>) -> Router {
    let token_url = format!("{origin}/token");
    // Just under the cap: tiny appointments, and empty entries.
    let tiny_page = page((CAP - 1024) / (tiny(999_999).len() + 1), tiny);
    let empty_page = page((CAP - 1024) / 3, |_| "{}".to_owned());
    let allowed_page = page(MAX_ENTRIES, tiny);
    assert!(tiny_page.len() < CAP && empty_page.len() < CAP);
    Router::new()
        .route(
            "/r4/{tenant}/metadata",
            get(move |Path(tenant): Path<String>| {
                let (token_url, gate) = (token_url.clone(), gate.clone());
                async move {
                    if tenant == "last" {
                        gate.reached.store(true, Ordering::SeqCst);
                        gate.reached_notify.notify_one();
                        gate.release.notified().await;
                    }
                    axum::Json(metadata(&token_url))
                }
            }),
        )
        .route(
            "/token",
            post(|| async { axum::Json(json!({"access_token": "t", "token_type": "Bearer", "expires_in": 570})) }),
        )
        .route(
            "/r4/{tenant}/Appointment",
            get(move |Path(tenant): Path<String>| {
                let body = match tenant.as_str() {
                    "tiny" => tiny_page.clone(),
                    "empties" => empty_page.clone(),
                    "allowed" => allowed_page.clone(),
                    _ => page(0, tiny),
                };
                async move { body }
            }),
        )
}

/// `VmHWM` of a live process in bytes.
fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb * 1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_countless_tiny_entries_fails_its_tenant_and_memory_stays_near_the_cap() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let gate =
        Arc::new(Gate { reached: AtomicBool::new(false), reached_notify: Notify::new(), release: Notify::new() });
    let app = server(&origin, gate.clone());
    let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = std::env::temp_dir().join(format!("appointment-sync-entry-cap-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = format!(
        "[credentials]\nclient_id = \"bb318a62-fa61-49ae-b692-7d99214f0ec7\"\nclient_secret_env = \"ENTRY_CAP_SECRET\"\n\
         [window]\nstart = \"2025-12-22\"\nend = \"2026-02-03\"\n\
         [sync]\nmax_body_bytes = {CAP}\nmax_page_entries = {MAX_ENTRIES}\nmax_attempts = 1\nconcurrency = 1\n\
         [store]\npath = \"state/appointments.db\"\n"
    );
    for tenant in ["tiny", "empties", "allowed", "last"] {
        config.push_str(&format!(
            "[[tenants]]\nid = \"{tenant}\"\nfhir_base = \"{origin}/r4/{tenant}/\"\nlocations = [\"1\"]\n"
        ));
    }
    std::fs::write(dir.join("sync.toml"), config).unwrap();

    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_appointment-sync"))
        .args(["run", "--json", "--config"])
        .arg(dir.join("sync.toml"))
        .env("ENTRY_CAP_SECRET", "secret")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    let reached = gate.reached_notify.notified();
    if !gate.reached.load(Ordering::SeqCst) {
        reached.await;
    }
    // Every tenant before `last` is done: the peak of their pages is in VmHWM now.
    let peak = peak_rss(pid).expect("the client is waiting for the last tenant's metadata");
    gate.release.notify_one();
    let output = child.wait_with_output().await.unwrap();
    task.abort();
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("no summary: {}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(output.status.code(), Some(1), "{summary:#}");
    let tenants = summary["tenants"].as_array().unwrap();
    for report in &tenants[..2] {
        assert_eq!(report["outcome"], "failed", "{summary:#}");
        let expected = format!("the page holds more than max_page_entries ({MAX_ENTRIES}) entries");
        assert!(report["reason"].as_str().unwrap().starts_with(&expected), "{summary:#}");
    }
    assert_eq!(tenants[2]["outcome"], "synced", "{summary:#}");
    assert_eq!(tenants[2]["inserted"], MAX_ENTRIES, "a page of exactly max_page_entries is synced");
    assert_eq!(tenants[3]["outcome"], "synced", "{summary:#}");
    let cap = CAP as u64;
    eprintln!("peak RSS {} MiB with a cap of {} MiB", peak >> 20, cap >> 20);
    assert!(peak < 4 * cap + (32 << 20), "peak RSS {} MiB is not near the cap of {} MiB", peak >> 20, cap >> 20);
    let _ = std::fs::remove_dir_all(&dir);
}
