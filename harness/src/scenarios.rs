//! The conformance scenarios. Each rehearses a concern of Cerner's app-validation review (the doc
//! section it comes from is in `concern`) and judges the client with checks that cite evidence.

mod basics;
pub mod checks;
mod failures;
pub(crate) mod hospitals;
mod hostile;
#[cfg(test)]
#[path = "scenarios/tests/kit.rs"]
pub(crate) mod kit;
pub mod network;
mod paging;
mod production;
mod rerun;
mod rescheduled;
mod retries;
mod secrets;
mod slot_churn;
mod window;

use cerner_mock::admin_client::FaultMatch;

pub use crate::scenario::EVERY_VERSION;
use crate::scenario::{FhirVersion, SANDBOX, SECOND, Scenario, no_changes};
pub use hostile::PAGE_CAP;

/// The sandbox tenant's Appointment searches, the requests most fault rules shape (written for
/// DSTU2; the runner moves a rule to `/r4/` when the scenario runs on R4).
fn searches() -> FaultMatch {
    FaultMatch::path("/dstu2/*/Appointment").tenant(SANDBOX)
}

/// A scenario over the sandbox and the second tenant, one run on every version, no data change,
/// no fault and no check: each scenario overrides what it needs.
fn two_tenants(name: &'static str, description: &'static str, concern: &'static str) -> Scenario {
    Scenario {
        name,
        description,
        concern,
        tenants: &[SANDBOX, SECOND],
        setup: no_changes,
        faults: Vec::new,
        runs: 1,
        versions: EVERY_VERSION,
        between_runs: no_changes,
        checks: |_| Vec::new(),
    }
}

/// Every scenario, in the order they run.
pub fn all() -> Vec<Scenario> {
    let mut all = basics::scenarios();
    all.extend(window::scenarios());
    all.extend(paging::scenarios());
    all.extend(failures::scenarios());
    all.extend(retries::scenarios());
    all.extend(hostile::scenarios());
    all.extend(production::scenarios());
    all.extend(network::scenarios());
    all.extend(hospitals::scenarios());
    all
}

/// A scenario name that is not in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no scenario {0:?}; `cerner-harness list` shows them")]
pub struct UnknownScenario(pub String);

/// The scenarios named (all when `names` is empty); an unknown name is an error naming it.
pub fn select(names: &[String]) -> Result<Vec<Scenario>, UnknownScenario> {
    let all = all();
    if names.is_empty() {
        return Ok(all);
    }
    names
        .iter()
        .map(|name| all.iter().find(|s| s.name == name).cloned().ok_or_else(|| UnknownScenario(name.clone())))
        .collect()
}

/// Why [`select_on`] refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    /// A name that is no scenario.
    #[error(transparent)]
    Unknown(#[from] UnknownScenario),
    /// A scenario named exists on none of the versions asked for.
    #[error("scenario {name:?} exists on {labels} only; add --fhir-version {segments} or both")]
    NotOnVersion {
        /// The scenario's name.
        name: String,
        /// The versions it exists on, e.g. `R4`.
        labels: String,
        /// The `--fhir-version` values that would run it, joined by `|`.
        segments: String,
    },
}

/// [`select`], on `versions`: every scenario that exists on one of them; a scenario named that
/// exists on none is an error saying which versions it needs.
pub fn select_on(names: &[String], versions: &[FhirVersion]) -> Result<Vec<Scenario>, SelectError> {
    let on = |s: &Scenario| s.versions.iter().any(|v| versions.contains(v));
    let selected = select(names)?;
    if let Some(missing) = selected.iter().find(|s| !names.is_empty() && !on(s)) {
        let labels: Vec<&str> = missing.versions.iter().map(|v| v.label()).collect();
        let segments: Vec<&str> = missing.versions.iter().map(|v| v.segment()).collect();
        return Err(SelectError::NotOnVersion {
            name: missing.name.to_owned(),
            labels: labels.join(", "),
            segments: segments.join("|"),
        });
    }
    Ok(selected.into_iter().filter(on).collect())
}
