//! The production tenant: Cerner serves system accounts on DSTU2 only in the sandbox, so a
//! production hospital's DSTU2 base refuses a system token (`403`) while its R4 base serves it. A
//! client that cannot speak R4 cannot sync it; this scenario exists on R4 only.

use super::checks::{exit_code, matches_truth, output_well_formed, short};
use crate::evidence::{Evidence, cite};
use crate::scenario::{FhirVersion, PRODUCTION, SANDBOX, Scenario, no_changes, no_faults};
use crate::verdict::CheckResult;

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "production-tenant",
        description: "syncs a production tenant that refuses DSTU2 system access, over R4, as exactly as the sandbox",
        concern: "System authentication on DSTU2 is not available in production (DSTU2 Authorization); R4 apps' review",
        tenants: &[PRODUCTION, SANDBOX],
        setup: no_changes,
        faults: no_faults,
        runs: 1,
        versions: &[FhirVersion::R4],
        between_runs: no_changes,
        checks: production,
    }]
}

fn production(ev: &Evidence) -> Vec<CheckResult> {
    vec![
        served(ev, PRODUCTION),
        keeps_proposed(ev, PRODUCTION),
        matches_truth(ev, PRODUCTION),
        matches_truth(ev, SANDBOX),
        output_well_formed(ev),
        exit_code(ev, 0),
    ]
}

/// The tenant was read, and never refused: no FHIR call to it answered 403 (what its DSTU2 base
/// answers a system token).
pub(super) fn served(ev: &Evidence, tenant: &str) -> CheckResult {
    let calls = ev.fhir_calls(tenant);
    let searches = calls.iter().filter(|e| e.path.ends_with("/Appointment") && e.status == 200).count();
    let refused = calls.iter().find(|e| e.status == 403);
    CheckResult::new(
        &format!("reads {} without being refused", short(tenant)),
        searches > 0 && refused.is_none(),
        "Appointment searches of the production tenant answered 200, none 403",
        match refused {
            Some(e) => format!("{} (the tenant refuses DSTU2 system access)", cite(e)),
            None => format!("{searches} Appointment search(es) answered 200 of {} FHIR calls", calls.len()),
        },
    )
}

/// Every `proposed` appointment of the tenant's window is kept: on R4 `date` leaves them out, so a
/// client that searches R4 with DSTU2's rules misses them; `-date-or-req-period` keeps them.
pub(super) fn keeps_proposed(ev: &Evidence, tenant: &str) -> CheckResult {
    let view = ev.final_view();
    let proposed: Vec<&String> = ev
        .truth
        .get(tenant)
        .map(|rows| rows.iter().filter(|(_, r)| r.status == "proposed").map(|(id, _)| id).collect())
        .unwrap_or_default();
    let missing: Vec<&&String> =
        proposed.iter().filter(|id| !view.get(tenant).is_some_and(|v| v.contains_key(id.as_str()))).collect();
    CheckResult::new(
        &format!("keeps the proposed appointments of {}", short(tenant)),
        !proposed.is_empty() && missing.is_empty(),
        format!("all {} proposed appointments in the window stored (R4: -date-or-req-period)", proposed.len()),
        match missing.first() {
            Some(id) => format!("{} of {} proposed missing, e.g. {id}", missing.len(), proposed.len()),
            None => format!("{} proposed appointments kept", proposed.len()),
        },
    )
}

#[cfg(test)]
#[path = "tests/production.rs"]
mod tests;
