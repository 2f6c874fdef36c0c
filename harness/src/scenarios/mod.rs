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
mod production;
mod secrets;
mod window;

pub use crate::scenario::EVERY_VERSION;
use crate::scenario::{FhirVersion, Scenario};

/// Every scenario, in the order they run.
pub fn all() -> Vec<Scenario> {
    let mut all = basics::scenarios();
    all.extend(window::scenarios());
    all.extend(paging::scenarios());
    all.extend(failures::scenarios());
    all.extend(hostile::scenarios());
    all.extend(production::scenarios());
    all
}

/// The scenarios named (all when `names` is empty); an unknown name is an error naming it.
pub fn select(names: &[String]) -> Result<Vec<Scenario>, String> {
    let all = all();
    if names.is_empty() {
        return Ok(all);
    }
    names
        .iter()
        .map(|name| {
            all.iter()
                .find(|s| s.name == name)
                .cloned()
                .ok_or_else(|| format!("no scenario {name:?}; `cerner-harness list` shows them"))
        })
        .collect()
}

/// [`select`], on `versions`: every scenario that exists on one of them; a scenario named that
/// exists on none is an error saying which versions it needs.
pub fn select_on(names: &[String], versions: &[FhirVersion]) -> Result<Vec<Scenario>, String> {
    let on = |s: &Scenario| s.versions.iter().any(|v| versions.contains(v));
    let selected = select(names)?;
    if let Some(missing) = selected.iter().find(|s| !names.is_empty() && !on(s)) {
        let needs: Vec<&str> = missing.versions.iter().map(|v| v.segment()).collect();
        return Err(format!(
            "scenario {:?} exists on {} only; add --fhir-version {} or both",
            missing.name,
            needs.join(", ").to_uppercase(),
            needs.join("|")
        ));
    }
    Ok(selected.into_iter().filter(on).collect())
}
