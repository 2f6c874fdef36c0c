//! Rate transparency: per tenant, what the client asked of the emulator, read from the emulator's
//! journal (each request's arrival time, latency and the in-flight count the emulator kept), never
//! from the client's word: its peak requests per second over a sliding one-second window, the most
//! requests it had in flight at once, its requests per appointment synced and the 429s it received,
//! beside that tenant's limits.

use serde::Serialize;

use cerner_mock::journal::JournalEntry;

use crate::evidence::Evidence;

/// The limits a tenant was served under: its own `[tenants.limits]` in the emulator's profile
/// (each key it gives over `[limits]`), else `[limits]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TenantLimits {
    /// Sustained FHIR requests per second per account and tenant.
    pub fhir_per_second: u32,
    pub fhir_burst: u32,
    /// Requests in flight allowed per account and tenant (`None`: no cap).
    pub max_in_flight: Option<u32>,
}

impl TenantLimits {
    pub fn of(settings: &cerner_mock::LimitSettings) -> Self {
        Self {
            fhir_per_second: settings.fhir_per_second,
            fhir_burst: settings.fhir_burst,
            max_in_flight: settings.max_in_flight,
        }
    }

    /// The limits `profile` serves `tenant` under, as the emulator applies them: the tenant's
    /// `[tenants.limits]` (already merged over `[limits]` when the profile was read), else
    /// `[limits]`.
    pub fn at(profile: &cerner_mock::Profile, tenant: &str) -> Self {
        Self::of(profile.tenant(tenant).and_then(|t| t.limits.as_ref()).unwrap_or(&profile.limits))
    }
}

/// One tenant's rates in one scenario. Requests are FHIR requests (searches, reads, metadata);
/// token requests are counted apart, as the limits are.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TenantRates {
    pub tenant: String,
    pub requests: u64,
    /// Most FHIR requests that arrived within any one second.
    pub peak_rps: u64,
    /// Most FHIR requests in flight at once, as the emulator counted them (from arrival until the
    /// body was sent); where it kept no count, from overlapping arrival + latency intervals.
    pub max_in_flight: u32,
    /// Appointments in the client's final view of this tenant.
    pub appointments: u64,
    /// FHIR requests per appointment synced; `None` when none was synced.
    pub requests_per_appointment: Option<f64>,
    /// 429 answers received.
    pub throttled: u64,
    /// The median latency of its answered FHIR requests, in milliseconds (to the response head).
    pub median_latency_ms: f64,
    /// Milliseconds from the scenario's first request to this tenant's first and last FHIR request.
    pub span_ms: (u64, u64),
    /// Requests per `bucket_ms` from the scenario's first request, for the chart.
    pub series: Vec<u32>,
    pub bucket_ms: u64,
    pub limits: TenantLimits,
}

/// Buckets a chart has at most: a long scenario gets wider buckets.
const MAX_BUCKETS: u64 = 120;

/// Each of the evidence's tenants, in the job's order, beside the limits `limits` gives for it.
pub(crate) fn of(ev: &Evidence, limits: impl Fn(&str) -> TenantLimits) -> Vec<TenantRates> {
    let Some(origin) = ev.journal.iter().map(|e| e.wall_time).min() else { return Vec::new() };
    let ms = |e: &JournalEntry| u64::try_from((e.wall_time - origin).whole_milliseconds()).unwrap_or(0);
    let end = ev.journal.iter().map(ms).max().unwrap_or(0);
    let bucket_ms = end.div_ceil(MAX_BUCKETS).div_ceil(1000).max(1) * 1000;
    let view = ev.final_view();
    ev.tenants
        .iter()
        .map(|tenant| {
            let calls = ev.fhir_calls(tenant);
            let starts: Vec<u64> = calls.iter().map(|e| ms(e)).collect();
            let appointments = view.get(tenant).map_or(0, |v| v.len() as u64);
            let requests = calls.len() as u64;
            let mut series = vec![0u32; usize::try_from(end / bucket_ms + 1).unwrap_or(1)];
            for start in &starts {
                if let Some(slot) = series.get_mut(usize::try_from(start / bucket_ms).unwrap_or(0)) {
                    *slot += 1;
                }
            }
            TenantRates {
                tenant: tenant.clone(),
                requests,
                peak_rps: peak_per_second(&starts),
                max_in_flight: most_in_flight(&calls),
                appointments,
                requests_per_appointment: (appointments > 0).then(|| requests as f64 / appointments as f64),
                throttled: calls.iter().filter(|e| e.status == 429).count() as u64,
                median_latency_ms: median(calls.iter().filter(|e| e.status != 0).map(|e| e.latency_ms).collect()),
                span_ms: (starts.iter().copied().min().unwrap_or(0), starts.iter().copied().max().unwrap_or(0)),
                series,
                bucket_ms,
                limits: limits(tenant),
            }
        })
        .collect()
}

/// Most arrivals within any window of one second (`[t, t + 1000)` ms), over sorted or unsorted
/// arrival times.
pub(crate) fn peak_per_second(starts: &[u64]) -> u64 {
    let mut sorted = starts.to_vec();
    sorted.sort_unstable();
    let (mut low, mut best) = (0, 0);
    for (high, at) in sorted.iter().enumerate() {
        while sorted[low] + 1000 <= *at {
            low += 1;
        }
        best = best.max(high + 1 - low);
    }
    best as u64
}

/// The emulator's own count where it kept one; else the most overlapping intervals.
fn most_in_flight(calls: &[&JournalEntry]) -> u32 {
    if let Some(most) = calls.iter().filter_map(|e| e.in_flight).max() {
        return most;
    }
    let mut edges: Vec<(i128, i32)> = Vec::with_capacity(calls.len() * 2);
    for e in calls {
        let start = e.wall_time.unix_timestamp_nanos();
        edges.push((start, 1));
        edges.push((start + (e.latency_ms * 1e6) as i128, -1));
    }
    // An end before a start at the same instant: back-to-back requests do not overlap.
    edges.sort_unstable();
    let (mut now, mut most) = (0i32, 0i32);
    for (_, step) in edges {
        now += step;
        most = most.max(now);
    }
    u32::try_from(most).unwrap_or(0)
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_unstable_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Per tenant over the whole rehearsal: the peak and the most in flight of any scenario, the 429s
/// of all, requests per appointment over the scenarios that synced some, and the strictest of each
/// limit any scenario set for that tenant, in the order the tenants first appear.
pub(crate) fn overall<'a>(scenarios: impl IntoIterator<Item = &'a [TenantRates]>) -> Vec<TenantRates> {
    let mut all: Vec<TenantRates> = Vec::new();
    for rates in scenarios {
        for r in rates {
            let Some(sum) = all.iter_mut().find(|s| s.tenant == r.tenant) else {
                all.push(TenantRates { series: Vec::new(), ..r.clone() });
                continue;
            };
            sum.requests += r.requests;
            sum.peak_rps = sum.peak_rps.max(r.peak_rps);
            sum.max_in_flight = sum.max_in_flight.max(r.max_in_flight);
            sum.appointments += r.appointments;
            sum.throttled += r.throttled;
            sum.limits.fhir_per_second = sum.limits.fhir_per_second.min(r.limits.fhir_per_second);
            sum.limits.fhir_burst = sum.limits.fhir_burst.min(r.limits.fhir_burst);
            sum.limits.max_in_flight = match (sum.limits.max_in_flight, r.limits.max_in_flight) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
    }
    for sum in &mut all {
        sum.requests_per_appointment = (sum.appointments > 0).then(|| sum.requests as f64 / sum.appointments as f64);
    }
    all
}

/// `1.25` as reports print a ratio: two decimals, `-` when unknown.
pub(crate) fn ratio(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"))
}

/// One tenant's rates in one line, beside its limits.
pub(crate) fn line(r: &TenantRates) -> String {
    let cap = r.limits.max_in_flight.map_or("no cap".to_owned(), |n| format!("cap {n}"));
    format!(
        "{}: peak {} req/s (limit {}/s, burst {}), {} in flight at most ({cap}), {} requests/appointment ({} requests, {} appointments), {} throttled",
        crate::scenarios::checks::short(&r.tenant),
        r.peak_rps,
        r.limits.fhir_per_second,
        r.limits.fhir_burst,
        r.max_in_flight,
        ratio(r.requests_per_appointment),
        r.requests,
        r.appointments,
        r.throttled
    )
}

#[cfg(test)]
mod tests;
