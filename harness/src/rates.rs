//! Rate transparency: per tenant, what the client asked of the emulator, read from the emulator's
//! journal (each request's arrival time, latency and the in-flight count the emulator kept), never
//! from the client's word: its peak requests per second over a sliding one-second window, the most
//! requests it had in flight at once, its requests per appointment synced and the 429s it received,
//! beside that tenant's limits.

use serde::Serialize;

use cerner_mock::journal::JournalEntry;

use crate::evidence::Evidence;

/// The limits a tenant was served under (the emulator profile's `[limits]`).
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

/// Each of the evidence's tenants, in the job's order.
pub(crate) fn of(ev: &Evidence, limits: TenantLimits) -> Vec<TenantRates> {
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
                limits,
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
/// of all, requests per appointment over the scenarios that synced some, and the strictest limits
/// any scenario set, in the order the tenants first appear.
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
mod tests {
    use super::*;
    use crate::scenario::{SANDBOX, SECOND};
    use crate::scenarios::kit::*;

    #[test]
    fn the_peak_counts_arrivals_within_one_second() {
        assert_eq!(peak_per_second(&[]), 0);
        assert_eq!(peak_per_second(&[0, 999, 1000, 1500, 1998, 5000]), 4, "999..1999");
        assert_eq!(peak_per_second(&[0, 999, 1000, 1500, 1999, 5000]), 3);
        assert_eq!(peak_per_second(&[0, 1000, 2000]), 1);
    }

    #[test]
    fn rates_come_from_the_journal_per_tenant() {
        let mut ev = evidence();
        with_output(&mut ev, SANDBOX, &[("1", "1", "booked"), ("2", "1", "booked")]);
        let mut counted = search(2, SANDBOX, "location=1", 200);
        counted.in_flight = Some(3);
        ev.journal = vec![
            token(1, SANDBOX),
            counted,
            later(search(2, SANDBOX, "location=1", 429), 0.5),
            search(3, SANDBOX, "location=1", 200),
            search(9, SECOND, "location=9", 200),
        ];
        let limits = TenantLimits { fhir_per_second: 20, fhir_burst: 50, max_in_flight: None };
        let rates = of(&ev, limits);
        assert_eq!(rates.len(), 2);
        let sandbox = &rates[0];
        assert_eq!((sandbox.requests, sandbox.peak_rps, sandbox.max_in_flight, sandbox.throttled), (3, 2, 3, 1));
        assert_eq!((sandbox.appointments, sandbox.requests_per_appointment), (2, Some(1.5)));
        assert_eq!(sandbox.span_ms, (1000, 2000));
        assert_eq!(sandbox.series.iter().sum::<u32>(), 3);
        let second = &rates[1];
        assert_eq!((second.requests, second.requests_per_appointment), (1, None));
        assert!(
            line(sandbox).contains(
                "peak 2 req/s (limit 20/s, burst 50), 3 in flight at most (no cap), 1.50 requests/appointment"
            )
        );
    }

    #[test]
    fn overall_takes_the_peaks_sums_the_rest_and_the_strictest_cap() {
        let one = TenantRates {
            tenant: "a".into(),
            requests: 4,
            peak_rps: 3,
            max_in_flight: 1,
            appointments: 2,
            throttled: 1,
            ..Default::default()
        };
        let mut two = TenantRates { requests: 6, peak_rps: 2, max_in_flight: 2, appointments: 3, ..one.clone() };
        two.limits.max_in_flight = Some(2);
        let all = overall([std::slice::from_ref(&one), std::slice::from_ref(&two)]);
        assert_eq!(all.len(), 1);
        let a = &all[0];
        assert_eq!((a.requests, a.peak_rps, a.max_in_flight, a.appointments, a.throttled), (10, 3, 2, 5, 2));
        assert_eq!((a.requests_per_appointment, a.limits.max_in_flight), (Some(2.0), Some(2)));
    }

    #[test]
    fn without_the_emulators_count_overlapping_intervals_tell_the_concurrency() {
        let mut a = search(1, SANDBOX, "a", 200);
        let mut b = later(search(1, SANDBOX, "b", 200), 0.2);
        let c = search(3, SANDBOX, "c", 200);
        (a.latency_ms, b.latency_ms) = (500.0, 500.0);
        assert_eq!(most_in_flight(&[&a, &b, &c]), 2);
        assert_eq!(most_in_flight(&[&a, &c]), 1);
    }
}
