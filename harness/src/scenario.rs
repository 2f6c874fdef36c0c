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

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: &'static str,
    pub description: &'static str,
    /// The review concern it rehearses, with the doc section it comes from.
    pub concern: &'static str,
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
    pub checks: fn(&Evidence) -> Vec<CheckResult>,
}

pub fn no_faults() -> Vec<FaultRule> {
    Vec::new()
}

pub fn no_changes() -> Vec<(&'static str, Vec<Change>)> {
    Vec::new()
}
