//! The conformance scenarios. Each rehearses a concern of Cerner's app-validation review (the doc
//! section it comes from is in `concern`) and judges the client with checks that cite evidence.

mod basics;
pub mod checks;
mod failures;
mod hostile;
#[cfg(test)]
#[path = "tests/kit.rs"]
pub(crate) mod kit;
mod paging;
mod secrets;
mod window;

use crate::scenario::Scenario;

/// Every scenario, in the order they run.
pub fn all() -> Vec<Scenario> {
    let mut all = basics::scenarios();
    all.extend(window::scenarios());
    all.extend(paging::scenarios());
    all.extend(failures::scenarios());
    all.extend(hostile::scenarios());
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
