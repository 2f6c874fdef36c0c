//! Benchmark of the emulator's data layer and FHIR searches, printing figures (not a test):
//!
//! ```sh
//! cargo run --release -p cerner-mock --example bench_search            # 1,000,000 appointments
//! cargo run --release -p cerner-mock --example bench_search -- 200000   # another size
//! ```
//!
//! It loads one tenant with N synthetic appointments (time and resident memory), then serves it on
//! 127.0.0.1:0 and times 200 runs of each search over HTTP, following every `next` link: by
//! location for a day and for a week, by practitioner for a week, and by `_id`.

#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use cerner_mock::clock::DEFAULT_MANUAL_START;
use cerner_mock::store::{LoadOptions, Store};
use cerner_mock::{Clock, MockServer, Profile, ServerConfig};
use serde_json::Value;

/// The emulator binary's allocator, so memory and latency are what `cerner-mock` shows.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const TENANT: &str = "bench-tenant";
const CLIENT: &str = "bench-client";

fn profile(appointments: u64) -> Profile {
    let text = format!(
        r#"
# Searches are timed, not throttled.
[limits]
enabled = false

[[tenants]]
id = "{TENANT}"
name = "Benchmark"
[tenants.synthetic]
seed = 7
appointments = {appointments}
patients = {patients}
practitioners = 200
slots = {slots}
encounters = 10000
days_before = 180
days_after = 180
locations = ["1001:Clinic A", "1002:Clinic B", "1003:Clinic C", "1004:Clinic D", "1005:Clinic E", "1006:Clinic F", "1007:Clinic G", "1008:Clinic H"]
[[accounts]]
client_id = "{CLIENT}"
secret = "secret"
scopes = ["system/Appointment.read"]
approved_tenants = ["{TENANT}"]
"#,
        patients = (appointments / 10).max(100),
        slots = appointments / 2,
    );
    Profile::from_toml(&text, std::path::Path::new(".")).unwrap_or_else(|e| panic!("benchmark profile: {e}"))
}

/// Resident and peak resident memory of this process, in MiB (Linux).
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index.min(samples.len() - 1)]
}

#[tokio::main]
async fn main() {
    let appointments: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let profile = profile(appointments);
    let (rss_before, _) = memory_mib();
    let started = Instant::now();
    let store = Store::load(&profile, DEFAULT_MANUAL_START.date(), &LoadOptions::default()).expect("load");
    let load = started.elapsed();
    let (rss_after, peak) = memory_mib();
    let summary = store.read(TENANT).expect("tenant").summary();
    println!(
        "load: {appointments} appointments (+{} other resources) in {:.2} s",
        summary.counts.values().sum::<u64>() - appointments,
        load.as_secs_f64()
    );
    println!(
        "memory: {:.0} MiB resident for the store ({:.0} → {:.0} MiB), peak {:.0} MiB",
        rss_after - rss_before,
        rss_before,
        rss_after,
        peak
    );
    drop(store);

    let mut config = ServerConfig::new(profile);
    config.clock = Clock::manual(DEFAULT_MANUAL_START);
    let server = MockServer::start(config).await.expect("start");
    let base = format!("{}/dstu2/{TENANT}/", server.origin());
    let http = reqwest::Client::new();
    let token = token(&http, server.origin()).await;
    let data = server.state().store().read(TENANT).expect("tenant").summary();
    let location = &data.locations[0].id;
    let practitioner = &data.practitioners[0].id;
    let some_id = {
        let url = format!("{base}Appointment?location={location}&date=2026-01-06&_count=1");
        let bundle: Value = http.get(url).bearer_auth(&token).send().await.expect("search").json().await.expect("json");
        bundle["entry"][0]["resource"]["id"].as_str().unwrap_or_default().to_owned()
    };
    let queries = [
        ("location, one day, 50 a page", format!("Appointment?location={location}&date=2026-01-06")),
        (
            "location, one week, 200 a page",
            format!("Appointment?location={location}&date=ge2026-01-05&date=lt2026-01-12&_count=200"),
        ),
        (
            "practitioner, one week",
            format!("Appointment?practitioner={practitioner}&date=ge2026-01-05&date=lt2026-01-12"),
        ),
        ("one appointment by _id", format!("Appointment?_id={some_id}")),
    ];
    for (name, query) in queries {
        let mut samples = Vec::new();
        let mut entries = 0;
        for _ in 0..200 {
            let started = Instant::now();
            let mut url = Some(format!("{base}{query}"));
            while let Some(next) = url.take() {
                let bundle: Value =
                    http.get(&next).bearer_auth(&token).send().await.expect("search").json().await.expect("json");
                entries += bundle["entry"].as_array().map_or(0, Vec::len);
                url = bundle["link"]
                    .as_array()
                    .and_then(|l| l.iter().find(|l| l["relation"] == "next"))
                    .and_then(|l| l["url"].as_str())
                    .map(str::to_owned);
            }
            samples.push(started.elapsed());
        }
        let (p50, p99) = (percentile(&mut samples, 0.5), percentile(&mut samples, 0.99));
        println!(
            "search {name:32} {:>6} entries/run (all pages)  p50 {:>7.2} ms  p99 {:>7.2} ms",
            entries / 200,
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
    }
    let _ = server.shutdown().await;
}

async fn token(http: &reqwest::Client, origin: &str) -> String {
    let url = format!("{origin}/tenants/{TENANT}/protocols/oauth2/profiles/smart-v1/token");
    let response: Value = http
        .post(url)
        .basic_auth(CLIENT, Some("secret"))
        .form(&[("grant_type", "client_credentials"), ("scope", "system/Appointment.read")])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    response["access_token"].as_str().expect("a token").to_owned()
}
