//! No vacuous verdicts: a scenario that examines nothing is a harness failure, and a check that
//! depends on a fault fails when the fault never fired.

use std::time::Duration;

use cerner_harness::runner::{HarnessError, RunnerConfig, rehearse};
use cerner_harness::scenario::{SANDBOX, Scenario, no_changes};
use cerner_harness::verdict::CheckResult;
use cerner_mock::admin_client::{FaultAction, FaultMatch, FaultRule};

fn config() -> RunnerConfig {
    RunnerConfig::new("true", "true", Duration::from_secs(10))
}

fn scenario() -> Scenario {
    Scenario {
        name: "test",
        description: "",
        concern: "",
        tenants: &[SANDBOX],
        setup: no_changes,
        faults: Vec::new,
        runs: 1,
        versions: cerner_harness::scenario::EVERY_VERSION,
        between_runs: no_changes,
        checks: |_| vec![CheckResult::new("always", true, "", "nothing")],
    }
}

#[tokio::test]
async fn a_scenario_without_checks_is_a_harness_error_not_a_pass() {
    let empty = Scenario { checks: |_| Vec::new(), ..scenario() };
    match rehearse(&config(), &[empty]).await {
        Err(error @ HarnessError::NoChecks { .. }) => {
            assert!(error.to_string().contains("examined nothing"), "{error}")
        }
        other => panic!("expected NoChecks, got {other:?}"),
    }
}

#[tokio::test]
async fn a_fault_that_never_fires_fails_the_scenario_first() {
    let unfired = Scenario {
        faults: || vec![FaultRule::new(FaultMatch::path("/nowhere"), FaultAction::NextCycle)],
        ..scenario()
    };
    let report = rehearse(&config(), &[unfired]).await.expect("the harness runs");
    let first = &report.scenarios[0].checks[0];
    assert_eq!(first.check, "the next_cycle fault fired");
    assert!(!first.verdict.passed() && first.verdict.evidence().contains("the fault never fired"), "{first:?}");
    assert!(!report.passed());
}
