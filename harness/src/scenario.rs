//! A scenario: the emulator's setup (extra data, fault rules, changes between runs), which tenants
//! the client is given, how many runs, and the checks that judge the evidence.

use cerner_mock::admin_client::{Change, FaultRule};

use crate::evidence::Evidence;
use crate::verdict::CheckResult;
pub use crate::version::FhirVersion;

/// A placeholder in a fault rule's origin, replaced by the trap listener's origin at run time.
pub const TRAP: &str = "http://trap.invalid";

/// Which default tenants a scenario gives the client.
pub use cerner_mock::defaults::{
    PRODUCTION_TENANT as PRODUCTION, SANDBOX_TENANT as SANDBOX, SECOND_TENANT as SECOND,
    UNAPPROVED_TENANT as UNAPPROVED,
};

/// A scenario that exists on every FHIR version.
pub const EVERY_VERSION: &[FhirVersion] = &FhirVersion::ALL;

/// One rehearsal scenario: the emulator's state and faults, how often the client runs, and the checks that judge it.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Its name, as `--scenario` and the reports give it.
    pub name: &'static str,
    /// One sentence on what it does to the client.
    pub description: &'static str,
    /// The review concern it rehearses, with the doc section it comes from.
    pub concern: &'static str,
    /// The tenants the job lists, by id; the first is the one most checks look at.
    pub tenants: &'static [&'static str],
    /// Data changes applied before the first run, per tenant.
    pub setup: fn() -> Vec<(&'static str, Vec<Change>)>,
    /// Fault rules installed before the first run.
    pub faults: fn() -> Vec<FaultRule>,
    /// Runs of the client with the same state directory (1 or 2).
    pub runs: u8,
    /// The FHIR versions it exists on (most: [`EVERY_VERSION`]).
    pub versions: &'static [FhirVersion],
    /// Data changes applied between runs, per tenant.
    pub between_runs: fn() -> Vec<(&'static str, Vec<Change>)>,
    /// Judges the evidence of the runs; the scenario fails when any check does not pass.
    pub checks: fn(&Evidence) -> Vec<CheckResult>,
}

/// For [`Scenario::faults`]: no fault rules.
pub fn no_faults() -> Vec<FaultRule> {
    Vec::new()
}

/// For [`Scenario::setup`] and [`Scenario::between_runs`]: no data changes.
pub fn no_changes() -> Vec<(&'static str, Vec<Change>)> {
    Vec::new()
}
