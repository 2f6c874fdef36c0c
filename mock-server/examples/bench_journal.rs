//! What the request journal costs: the same load with the journal on and off, printing figures
//! (not a test):
//!
//! ```sh
//! cargo run --release -p cerner-mock --example bench_journal            # 3 × 20,000 requests each way
//! cargo run --release -p cerner-mock --example bench_journal -- 50000
//! ```
//!
//! The emulator runs in this process on 127.0.0.1:0 (rate limits off); 32 concurrent clients send
//! authorized Appointment searches returning one entry, over keep-alive connections. Client and
//! server share the machine's cores, equally in both runs.

#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use cerner_mock::{MockServer, Profile, ServerConfig};
use serde_json::Value;

use cerner_mock::defaults::SANDBOX_TENANT as SANDBOX;
const CONNECTIONS: usize = 32;

#[tokio::main]
async fn main() {
    let requests: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    // Alternate the two, three rounds each, and compare medians: single runs vary by a few percent.
    let (mut offs, mut ons) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        offs.push(run(false, requests).await);
        ons.push(run(true, requests).await);
    }
    let (off, on) = (median(&mut offs), median(&mut ons));
    let cost = (off - on) / off * 100.0;
    println!("journal off: {off:>8.0} req/s (median of {offs:.0?})");
    println!("journal on:  {on:>8.0} req/s (median of {ons:.0?}), cost {cost:+.1}%");
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Requests per second with the journal `on` or off.
async fn run(on: bool, requests: usize) -> f64 {
    let mut profile = Profile::embedded_default();
    profile.limits.enabled = false;
    profile.journal_enabled = on;
    let server = MockServer::start(ServerConfig::new(profile)).await.unwrap_or_else(|e| panic!("start: {e}"));
    let http = reqwest::Client::builder().pool_max_idle_per_host(CONNECTIONS).build().unwrap_or_else(|e| panic!("{e}"));
    let token = token(&http, server.origin()).await;
    let url = format!("{}/dstu2/{SANDBOX}/Appointment?patient=12724066&date=2020", server.origin());
    let left = Arc::new(AtomicIsize::new(isize::try_from(requests).unwrap_or(isize::MAX)));
    let started = Instant::now();
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let (http, url, token, left) = (http.clone(), url.clone(), token.clone(), left.clone());
            tokio::spawn(async move {
                while left.fetch_sub(1, Ordering::Relaxed) > 0 {
                    let response = http.get(&url).bearer_auth(&token).send().await.unwrap_or_else(|e| panic!("{e}"));
                    assert_eq!(response.status(), 200);
                    let _ = response.bytes().await;
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    let rate = requests as f64 / started.elapsed().as_secs_f64();
    let kept = server.state().journal().len();
    assert_eq!(kept > 0, on, "the journal is {}", if on { "on" } else { "off" });
    let _ = server.shutdown().await;
    rate
}

async fn token(http: &reqwest::Client, origin: &str) -> String {
    let url = format!("{origin}/tenants/{SANDBOX}/protocols/oauth2/profiles/smart-v1/token");
    let body: Value = http
        .post(url)
        .basic_auth(cerner_mock::defaults::CLIENT_ID, Some(cerner_mock::defaults::CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials"), ("scope", "system/Appointment.read")])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    body["access_token"].as_str().unwrap_or_default().to_owned()
}
