//! Benchmark of the synthetic data generator, printing figures (not a test):
//!
//! ```sh
//! cargo run --release -p cerner-mock --example bench_synthetic
//! ```
//!
//! It generates one tenant of 1,000,000 appointments, 500,000 slots, 100,000 patients, 500
//! practitioners and 100,000 encounters as compact JSON (without storing them) and prints, per
//! resource type, the count, the average size and the time spent, then the total time.

#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cerner_mock::defaults::SANDBOX_TENANT;
use cerner_mock::store::ResourceType;
use cerner_mock::store::synthetic::{SyntheticSpec, generate};
use time::macros::date;

fn main() {
    let spec = SyntheticSpec {
        appointments: 1_000_000,
        slots: 500_000,
        patients: 100_000,
        practitioners: 500,
        encounters: 100_000,
        ..SyntheticSpec::around(SANDBOX_TENANT, date!(2026 - 11 - 28))
    };
    let started = Instant::now();
    let mut sizes: BTreeMap<ResourceType, (u64, u64, Duration)> = BTreeMap::new();
    let mut last = started;
    generate(&spec, |resource| {
        let (kind, json) = resource.into_json();
        let now = Instant::now();
        let entry = sizes.entry(kind).or_default();
        entry.0 += 1;
        entry.1 += json.len() as u64;
        entry.2 += now - last;
        last = now;
    });
    let elapsed = started.elapsed();
    for (kind, (count, bytes, time)) in &sizes {
        println!("{kind}: {count} resources, {} bytes each on average, {time:.2?}", bytes / count.max(&1));
    }
    println!("generated in {elapsed:.2?}");
}
