//! Paging scenarios: follow `next` byte for byte, keep following after a short page, keep the
//! newest version of an appointment that shows up on two pages.

use cerner_mock::admin_client::{FaultAction, FaultRule};

use super::searches;

use super::checks::{exit_code, matches_truth, output_well_formed};
use crate::evidence::{Evidence, cite};
use crate::scenario::{EVERY_VERSION, SANDBOX, SECOND, Scenario, no_changes};
use crate::verdict::CheckResult;

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "paging",
            description: "follows every next link byte for byte, never builds page URLs",
            concern: "Implement paging (Common Issues); Pagination (DSTU2)",
            tenants: &[SANDBOX, SECOND],
            setup: no_changes,
            faults: Vec::new,
            runs: 1,
            versions: EVERY_VERSION,
            between_runs: no_changes,
            checks: paging,
        },
        Scenario {
            name: "short-page",
            description: "keeps following next after a page shorter than _count",
            concern: "page throttling (fhir.cerner.com maintainers)",
            tenants: &[SANDBOX],
            setup: no_changes,
            faults: || vec![FaultRule::new(searches().nth(1), FaultAction::ShortPage { keep: 3 })],
            runs: 1,
            versions: EVERY_VERSION,
            between_runs: no_changes,
            checks: short_page,
        },
        Scenario {
            name: "same-id-on-two-pages",
            description: "keeps one record per id, the newest meta.versionId",
            concern: "Pagination › Concurrency (DSTU2)",
            tenants: &[SANDBOX],
            setup: no_changes,
            faults: || vec![FaultRule::new(searches().nth(1), FaultAction::MoveEntryToLaterPage)],
            runs: 1,
            versions: EVERY_VERSION,
            between_runs: no_changes,
            checks: same_id,
        },
    ]
}

/// Each page after the first of a search must be one the server linked to.
fn paging(ev: &Evidence) -> Vec<CheckResult> {
    let mut checks = vec![super::checks::follows_next_links(ev), exit_code(ev, 0)];
    checks.extend(ev.tenants.iter().map(|t| matches_truth(ev, t)));
    checks
}

fn short_page(ev: &Evidence) -> Vec<CheckResult> {
    let short = ev.journal.iter().find(|e| e.fault.as_ref().is_some_and(|f| f.action == "short_page"));
    let followed = short.is_some_and(|s| {
        ev.journal.iter().any(|e| e.seq > s.seq && e.query.as_deref().is_some_and(|q| q.contains("-pageContext=")))
    });
    vec![
        CheckResult::new(
            "keeps following next after a short page",
            followed,
            "a request for the next page after the short one",
            short.map_or_else(|| "the short page was never served".to_owned(), |s| format!("short page {}", cite(s))),
        ),
        matches_truth(ev, SANDBOX),
        exit_code(ev, 0),
    ]
}

/// The moved appointment's newer version is in the emulator's store, so the ground truth check
/// fails unless the client kept the newer of the two copies it saw.
fn same_id(ev: &Evidence) -> Vec<CheckResult> {
    vec![matches_truth(ev, SANDBOX), output_well_formed(ev), exit_code(ev, 0)]
}

#[cfg(test)]
#[path = "tests/paging.rs"]
mod tests;
