//! `rehearse --fleet TENANTS:APPOINTMENTS_PER_TENANT`: a rate budget for the fleet. From what this
//! client did in the rehearsal (its FHIR requests per appointment, the tenants it synced at once, the
//! requests it kept in flight per tenant and the emulator's observed latency), the requests a daily
//! pull of that fleet needs and how long it takes at the limits the emulator documents, with this
//! client's concurrency. A pull that cannot finish in 24 hours fails the `fleet-budget` check.
//!
//! The basis is the scenarios where no fault fired and nothing was throttled (a rehearsal of only
//! faulty scenarios falls back to all of them): retries and hostile paging are not a daily pull.

use serde::Serialize;

use crate::rates::TenantRates;
use crate::verdict::{CheckResult, Report, ScenarioResult};

/// A fleet: this many tenants, each with this many appointments in a daily pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Fleet {
    /// Hospitals (tenants) pulled each day.
    pub tenants: u64,
    /// Appointments in each tenant's window.
    pub appointments_per_tenant: u64,
}

/// Largest fleet figures taken: beyond them the arithmetic means nothing.
const MAX_TENANTS: u64 = 1_000_000;
const MAX_APPOINTMENTS: u64 = 1_000_000_000;

/// A day, the budget of a daily pull.
pub const DAY_HOURS: f64 = 24.0;

impl std::str::FromStr for Fleet {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let usage = "expected TENANTS:APPOINTMENTS_PER_TENANT, e.g. 40:2000";
        let (tenants, appointments) = text.split_once(':').ok_or_else(|| format!("{text:?}: {usage}"))?;
        let number = |part: &str, what: &str, max: u64| match part.trim().parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(format!("{text:?}: {what} must be a whole number from 1 to {max} ({usage})")),
        };
        Ok(Fleet {
            tenants: number(tenants, "TENANTS", MAX_TENANTS)?,
            appointments_per_tenant: number(appointments, "APPOINTMENTS_PER_TENANT", MAX_APPOINTMENTS)?,
        })
    }
}

/// The projection of a daily pull, and what it rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetProjection {
    /// The fleet projected.
    pub fleet: Fleet,
    /// FHIR requests per appointment this client made (the basis's total over its appointments).
    pub requests_per_appointment: f64,
    /// FHIR requests the daily pull needs.
    pub requests: u64,
    /// Tenants it synced at once (most tenants whose first-to-last request spans overlapped).
    pub tenants_at_once: u64,
    /// Requests it kept in flight per tenant, at most.
    pub in_flight_per_tenant: u64,
    /// Median latency of the basis's requests, in milliseconds.
    pub latency_ms: f64,
    /// The documented sustained limit per account and tenant.
    pub limit_per_second: u32,
    /// Requests per second per tenant: the limit, or less when latency and concurrency bound it.
    pub per_tenant_rps: f64,
    /// Hours the daily pull takes at that pace.
    pub hours: f64,
    /// Whether those hours are at most 24.
    pub fits_in_a_day: bool,
    /// Which scenarios it rests on, in words.
    pub basis: String,
}

/// Projects `fleet` from `report`'s scenarios; `None` when no scenario synced an appointment.
pub fn project(report: &Report, fleet: Fleet) -> Option<FleetProjection> {
    let quiet = |s: &&ScenarioResult| {
        !s.rates.is_empty() && s.timeline.iter().all(|e| e.fault.is_none()) && s.rates.iter().all(|r| r.throttled == 0)
    };
    let healthy: Vec<&ScenarioResult> = report.scenarios.iter().filter(quiet).collect();
    let (basis, scenarios) = if healthy.iter().any(|s| synced(&s.rates) > 0) {
        (format!("{} scenario(s) without faults or 429s", healthy.len()), healthy)
    } else {
        let all: Vec<_> = report.scenarios.iter().filter(|s| !s.rates.is_empty()).collect();
        (format!("all {} scenario(s) (none ran without faults)", all.len()), all)
    };
    let rates: Vec<&TenantRates> = scenarios.iter().flat_map(|s| &s.rates).collect();
    let appointments = synced(&rates.iter().copied().cloned().collect::<Vec<_>>());
    if appointments == 0 {
        return None;
    }
    let requests: u64 = rates.iter().filter(|r| r.appointments > 0).map(|r| r.requests).sum();
    let per_appointment = requests as f64 / appointments as f64;
    let tenants_at_once = scenarios.iter().map(|s| overlapping(&s.rates)).max().unwrap_or(1).max(1);
    let in_flight = rates.iter().map(|r| u64::from(r.max_in_flight)).max().unwrap_or(1).max(1);
    let latency_ms = {
        let mut all: Vec<f64> = rates.iter().map(|r| r.median_latency_ms).filter(|l| *l > 0.0).collect();
        all.sort_unstable_by(f64::total_cmp);
        all.get(all.len() / 2).copied().unwrap_or(1.0).max(0.001)
    };
    let limit = rates.iter().map(|r| r.limits.fhir_per_second).min().unwrap_or(1).max(1);
    let per_tenant_rps = f64::from(limit).min(in_flight as f64 * 1000.0 / latency_ms);
    let per_tenant = (fleet.appointments_per_tenant as f64 * per_appointment).ceil();
    let waves = fleet.tenants.div_ceil(tenants_at_once) as f64;
    let hours = waves * per_tenant / per_tenant_rps / 3600.0;
    Some(FleetProjection {
        fleet,
        requests_per_appointment: per_appointment,
        requests: (per_tenant * fleet.tenants as f64) as u64,
        tenants_at_once,
        in_flight_per_tenant: in_flight,
        latency_ms,
        limit_per_second: limit,
        per_tenant_rps,
        hours,
        fits_in_a_day: hours <= DAY_HOURS,
        basis,
    })
}

fn synced(rates: &[TenantRates]) -> u64 {
    rates.iter().map(|r| r.appointments).sum()
}

/// Most tenants whose request spans overlap.
fn overlapping(rates: &[TenantRates]) -> u64 {
    let spans: Vec<(u64, u64)> = rates.iter().filter(|r| r.requests > 0).map(|r| r.span_ms).collect();
    spans
        .iter()
        .map(|(start, end)| spans.iter().filter(|(s, e)| s <= end && start <= e).count() as u64)
        .max()
        .unwrap_or(1)
}

/// The projection in one sentence, as printed and reported.
pub fn sentence(p: &FleetProjection) -> String {
    format!(
        "fleet {}×{}: {} requests a day ({:.2} per appointment); {} tenant(s) at once, {} in flight each, {:.0} ms per request → {:.1} req/s per tenant (limit {}/s) → {:.1} h{}",
        p.fleet.tenants,
        p.fleet.appointments_per_tenant,
        p.requests,
        p.requests_per_appointment,
        p.tenants_at_once,
        p.in_flight_per_tenant,
        p.latency_ms,
        p.per_tenant_rps,
        p.limit_per_second,
        p.hours,
        if p.fits_in_a_day { ", fits in a day" } else { ", does NOT fit in a day" },
    )
}

/// Adds the projection to `report`: its header (`meta.fleet`) and a `fleet-budget` scenario whose
/// one check fails when the pull cannot finish in a day (or had nothing to rest on).
pub fn apply(report: &mut Report, fleet: Fleet) {
    let projection = project(report, fleet);
    let name = format!(
        "a daily pull of {}×{} finishes within 24 h at the limits",
        fleet.tenants, fleet.appointments_per_tenant
    );
    let check = match &projection {
        Some(p) => CheckResult::new(
            &name,
            p.fits_in_a_day,
            format!("at most {DAY_HOURS} h"),
            format!("{} (from {})", sentence(p), p.basis),
        ),
        None => CheckResult::not_examined(&name, "a projection", "no scenario synced an appointment to project from"),
    };
    report.meta.fleet = projection;
    report.scenarios.push(ScenarioResult {
        scenario: "fleet-budget".into(),
        description: "projects a daily pull of the fleet from this client's requests, concurrency and latency".into(),
        concern:
            "rate limits: production may be rate limited, so the pull must fit the day (Cerner, on production access)"
                .into(),
        fhir_version: report.scenarios.first().map_or(crate::version::FhirVersion::Dstu2, |s| s.fhir_version),
        checks: vec![check],
        duration_ms: 0,
        runs: Vec::new(),
        timeline: Vec::new(),
        rates: Vec::new(),
        workdir: None,
    });
}

#[cfg(test)]
#[path = "fleet/tests.rs"]
mod tests;
