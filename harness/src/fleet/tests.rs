//! The fleet budget: `--fleet` values, the projection's arithmetic over hand-built rates, and the
//! check that fails a pull that cannot finish in a day.

use super::*;
use crate::rates::TenantLimits;
use crate::verdict::{RunMeta, TimelineEntry};
use crate::version::FhirVersion;

fn rates(tenant: &str, requests: u64, appointments: u64, in_flight: u32, span: (u64, u64)) -> TenantRates {
    TenantRates {
        tenant: tenant.into(),
        requests,
        peak_rps: 5,
        max_in_flight: in_flight,
        appointments,
        requests_per_appointment: Some(requests as f64 / appointments as f64),
        median_latency_ms: 100.0,
        span_ms: span,
        limits: TenantLimits { fhir_per_second: 20, fhir_burst: 50, max_in_flight: None },
        ..Default::default()
    }
}

fn scenario(name: &str, rates: Vec<TenantRates>, faulted: bool) -> ScenarioResult {
    let fault = faulted.then(|| "fault-1:reset".to_owned());
    let entry = TimelineEntry {
        seq: 1,
        wall_time: String::new(),
        tenant: None,
        method: "GET".into(),
        url: String::new(),
        status: 200,
        fault,
        offset_ms: 0,
        latency_ms: 0,
        retry_after: None,
    };
    ScenarioResult {
        scenario: name.into(),
        description: String::new(),
        concern: String::new(),
        fhir_version: FhirVersion::Dstu2,
        checks: vec![CheckResult::new("c", true, "", "")],
        duration_ms: 0,
        runs: Vec::new(),
        timeline: vec![entry],
        rates,
        workdir: None,
    }
}

fn report(scenarios: Vec<ScenarioResult>) -> Report {
    Report { client: "c".into(), scenarios, duration_ms: 0, meta: RunMeta::default() }
}

#[test]
fn fleet_values_parse_or_say_what_is_wrong() {
    assert_eq!("40:2000".parse(), Ok(Fleet { tenants: 40, appointments_per_tenant: 2000 }));
    for bad in ["40", "0:10", "10:0", "a:b", "-1:5", "40:2000:1", "2000000:1", ""] {
        let error = bad.parse::<Fleet>().unwrap_err();
        assert!(error.contains("TENANTS:APPOINTMENTS_PER_TENANT") || error.contains("must be"), "{bad}: {error}");
    }
}

#[test]
fn the_projection_rests_on_the_healthy_scenarios() {
    // Two tenants synced at once, 1 request per 10 appointments, one in flight, 100 ms each.
    let healthy = scenario("happy", vec![rates("a", 10, 100, 1, (0, 900)), rates("b", 10, 100, 1, (100, 800))], false);
    let faulty = scenario("retries", vec![rates("a", 500, 100, 4, (0, 900))], true);
    let p = project(&report(vec![healthy, faulty]), Fleet { tenants: 40, appointments_per_tenant: 36_000 }).unwrap();
    assert_eq!(p.requests_per_appointment, 0.1);
    assert_eq!((p.tenants_at_once, p.in_flight_per_tenant), (2, 1));
    assert_eq!(p.per_tenant_rps, 10.0, "latency bounds one request at a time to 10/s, under the limit of 20");
    assert_eq!(p.requests, 144_000);
    // 20 waves × 3,600 requests at 10/s = 2 h.
    assert!((p.hours - 2.0).abs() < 1e-9, "{}", p.hours);
    assert!(p.fits_in_a_day);
    assert!(p.basis.starts_with("1 scenario(s) without faults"), "{}", p.basis);
}

#[test]
fn a_pull_that_cannot_finish_in_a_day_fails_the_fleet_budget() {
    let slow = scenario("happy", vec![rates("a", 30, 10, 1, (0, 900))], false);
    let mut report = report(vec![slow]);
    apply(&mut report, Fleet { tenants: 500, appointments_per_tenant: 5_000 });
    let budget = report.scenarios.last().unwrap();
    assert_eq!(budget.scenario, "fleet-budget");
    assert!(!budget.checks[0].verdict.passed(), "{:?}", budget.checks);
    assert!(budget.checks[0].verdict.evidence().contains("does NOT fit in a day"));
    let projection = report.meta.fleet.as_ref().unwrap();
    assert!(projection.hours > DAY_HOURS && !projection.fits_in_a_day);
    assert_eq!(report.exit_code(), 1);
}

#[test]
fn nothing_synced_is_not_examined() {
    let mut report = report(vec![scenario("happy", vec![rates("a", 3, 1, 1, (0, 1))], false)]);
    report.scenarios[0].rates[0].appointments = 0;
    apply(&mut report, Fleet { tenants: 1, appointments_per_tenant: 1 });
    assert!(!report.scenarios.last().unwrap().checks[0].verdict.examined());
    assert!(report.meta.fleet.is_none());
}
