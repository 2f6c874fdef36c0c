//! Rates from hand-built journals: peaks, in-flight counts, per-tenant limits and the rehearsal's sums.

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
    let rates = of(&ev, |_| limits);
    assert_eq!(rates.len(), 2);
    let sandbox = &rates[0];
    assert_eq!((sandbox.requests, sandbox.peak_rps, sandbox.max_in_flight, sandbox.throttled), (3, 2, 3, 1));
    assert_eq!((sandbox.appointments, sandbox.requests_per_appointment), (2, Some(1.5)));
    assert_eq!(sandbox.span_ms, (1000, 2000));
    assert_eq!(sandbox.series.iter().sum::<u32>(), 3);
    let second = &rates[1];
    assert_eq!((second.requests, second.requests_per_appointment), (1, None));
    assert!(
        line(sandbox)
            .contains("peak 2 req/s (limit 20/s, burst 50), 3 in flight at most (no cap), 1.50 requests/appointment")
    );
}

/// The default profile with `[tenants.limits]` of its own for the Second Hospital.
fn profile_with_second_hospital_limits() -> cerner_mock::Profile {
    let text = include_str!("../../../fixtures/profile.toml");
    let anchor = format!("id = \"{SECOND}\"\nname = \"Second Hospital\"\n");
    assert!(text.contains(&anchor), "the default profile names the Second Hospital");
    let own = "[tenants.limits]\nfhir_per_second = 2\nfhir_burst = 5\nmax_in_flight = 3\n";
    let text = text.replacen(&anchor, &format!("{anchor}\n{own}"), 1);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    cerner_mock::Profile::from_toml(&text, &dir).unwrap()
}

#[test]
fn each_tenant_is_reported_with_its_own_limits() {
    let profile = profile_with_second_hospital_limits();
    let global = TenantLimits::of(&profile.limits);
    assert_eq!(TenantLimits::at(&profile, SANDBOX), global, "no limits of its own: [limits]");
    let own = TenantLimits { fhir_per_second: 2, fhir_burst: 5, max_in_flight: Some(3) };
    assert_eq!(TenantLimits::at(&profile, SECOND), own);
    assert_ne!(global, own, "[limits] differ from the Second Hospital's");

    let mut ev = evidence();
    ev.journal = vec![search(1, SANDBOX, "location=1", 200), search(1, SECOND, "location=9", 200)];
    let rates = of(&ev, |tenant| TenantLimits::at(&profile, tenant));
    let limits: Vec<(&str, TenantLimits)> = rates.iter().map(|r| (r.tenant.as_str(), r.limits)).collect();
    assert_eq!(limits, [(SANDBOX, global), (SECOND, own)]);
    let (sandbox, second) = (line(&rates[0]), line(&rates[1]));
    let global_text = format!("(limit {}/s, burst {})", global.fhir_per_second, global.fhir_burst);
    assert!(sandbox.contains(&global_text) && sandbox.contains("(no cap)"), "{sandbox}");
    assert!(second.contains("(limit 2/s, burst 5)") && second.contains("(cap 3)"), "{second}");
    let all = overall([rates.as_slice()]);
    assert_eq!((all[0].limits, all[1].limits), (global, own), "the rehearsal's rates keep each tenant's own");
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
    let mut one = one;
    (one.limits.fhir_per_second, one.limits.fhir_burst) = (20, 5);
    (two.limits.fhir_per_second, two.limits.fhir_burst) = (10, 50);
    let all = overall([std::slice::from_ref(&one), std::slice::from_ref(&two)]);
    assert_eq!(all.len(), 1);
    let a = &all[0];
    assert_eq!((a.requests, a.peak_rps, a.max_in_flight, a.appointments, a.throttled), (10, 3, 2, 5, 2));
    assert_eq!((a.requests_per_appointment, a.limits.max_in_flight), (Some(2.0), Some(2)));
    assert_eq!((a.limits.fhir_per_second, a.limits.fhir_burst), (10, 5), "the strictest of each");
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
