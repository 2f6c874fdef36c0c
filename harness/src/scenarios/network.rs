//! Production's network and limits: a body that stalls, a body that dribbles, and a cap on the
//! requests one account may have in flight per tenant. A client with only a connect timeout hangs
//! forever on the first two; a client that fans out requests to one tenant meets the third.

use cerner_mock::admin_client::{FaultAction, FaultRule};

use super::checks::{exit_code, matches_truth, output_well_formed, reports_tenant, short};
use super::{searches, two_tenants};
use crate::evidence::{Evidence, cite};
use crate::scenario::{SANDBOX, SECOND, Scenario};
use crate::verdict::CheckResult;

/// The stall outlasts any time limit a rehearsal uses (the longest `stall_body` the emulator
/// takes): only a client's own timeout ends the request.
pub const STALL_MS: u64 = 600_000;
/// Bytes a stalled body sends before it stalls: the start of a real page, not a whole one.
pub const STALL_AFTER_BYTES: u64 = 512;
/// A dribbled page comes at 100 bytes a second: a page of the sandbox takes many minutes, and a
/// read (idle) timeout never fires, since bytes keep coming.
pub const DRIBBLE_RATE: u64 = 100;
/// Requests in flight per tenant the `concurrency-cap` emulator allows.
pub const IN_FLIGHT_CAP: u32 = 2;
/// How long each search of `concurrency-cap` holds its body, so that parallel requests overlap at
/// the emulator however fast the machine, and sequential ones never do.
pub const SLOW_SEARCH_MS: u64 = 1_500;

/// The network scenarios: `stalled-body`, `dribbled-body` and `concurrency-cap`.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            faults: || {
                let stall = FaultAction::StallBody { after_bytes: STALL_AFTER_BYTES, ms: STALL_MS };
                vec![FaultRule::new(searches(), stall)]
            },
            checks: slow_body,
            ..two_tenants(
                "stalled-body",
                "fails a tenant whose pages stall after their first bytes, within its own timeout; the others finish",
                "production network: a client with only a connect timeout hangs forever on a stalled body",
            )
        },
        Scenario {
            faults: || vec![FaultRule::new(searches(), FaultAction::DribbleBody { bytes_per_second: DRIBBLE_RATE })],
            checks: slow_body,
            ..two_tenants(
                "dribbled-body",
                "fails a tenant whose pages dribble at 100 bytes/s, within a total timeout; the others finish",
                "production network: a read timeout alone never fires on a body that keeps dribbling",
            )
        },
        Scenario {
            faults: || {
                let slow = FaultAction::StallBody { after_bytes: 1, ms: SLOW_SEARCH_MS };
                vec![FaultRule::new(cerner_mock::admin_client::FaultMatch::path("/dstu2/*/Appointment"), slow)]
            },
            checks: |ev| {
                vec![
                    within_cap(ev, SANDBOX),
                    within_cap(ev, SECOND),
                    matches_truth(ev, SANDBOX),
                    matches_truth(ev, SECOND),
                    exit_code(ev, 0),
                ]
            },
            ..two_tenants(
                "concurrency-cap",
                "keeps at most 2 requests in flight per tenant (the emulator's max_in_flight), with slow searches",
                "rate limits: some gateways cap requests in flight per client and tenant, not per second",
            )
        },
    ]
}

/// The `[limits] max_in_flight` a scenario's emulator runs with, if any.
pub fn max_in_flight(scenario: &str) -> Option<u32> {
    (scenario == "concurrency-cap").then_some(IN_FLIGHT_CAP)
}

fn slow_body(ev: &Evidence) -> Vec<CheckResult> {
    vec![reports_tenant(ev, SANDBOX), matches_truth(ev, SECOND), output_well_formed(ev), exit_code(ev, 1)]
}

/// No request to `tenant` arrived while `IN_FLIGHT_CAP` of the account's requests to it were in
/// flight: the emulator counts them (arrival to body sent) and journals the count, so this is the
/// client's real concurrency, not a guess from timestamps.
pub fn within_cap(ev: &Evidence, tenant: &str) -> CheckResult {
    let calls = ev.fhir_calls(tenant);
    let counted: Vec<_> = calls.iter().filter(|e| e.in_flight.is_some()).collect();
    let name = format!("keeps at most {IN_FLIGHT_CAP} requests in flight to {}", short(tenant));
    let expected = format!("every request to {} arrived with at most {IN_FLIGHT_CAP} in flight", short(tenant));
    if counted.is_empty() {
        return CheckResult::not_examined(&name, expected, "no FHIR request to it was counted in flight");
    }
    let most = counted.iter().filter_map(|e| e.in_flight).max().unwrap_or(0);
    let over = counted.iter().find(|e| e.in_flight.is_some_and(|n| n > IN_FLIGHT_CAP));
    CheckResult::new(
        &name,
        over.is_none(),
        expected,
        match over {
            Some(e) => format!(
                "{} arrived as request {} in flight (most: {most}); {} over the cap",
                cite(e),
                e.in_flight.unwrap_or(0),
                counted.iter().filter(|e| e.in_flight.is_some_and(|n| n > IN_FLIGHT_CAP)).count()
            ),
            None => format!("{} requests, at most {most} in flight at once", counted.len()),
        },
    )
}

#[cfg(test)]
#[path = "tests/network.rs"]
mod tests;
