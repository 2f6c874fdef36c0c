//! The re-run scenario: a second run with the same `state_dir` adds no duplicates and reflects
//! what changed in between (added, rescheduled into the window, cancelled, and an appointment the
//! first run stored, moved inside the window).

use cerner_mock::admin_client::Change;
use serde_json::json;

use super::checks::{exit_code, matches_truth, output_well_formed};
use crate::evidence::Evidence;
use crate::scenario::SANDBOX;
use crate::verdict::CheckResult;

pub(super) fn changes() -> Vec<(&'static str, Vec<Change>)> {
    let added = json!({
        "resourceType": "Appointment", "id": "99000001", "meta": { "versionId": "0" }, "status": "booked",
        "start": "2026-01-07T09:00:00.000Z", "end": "2026-01-07T09:30:00.000Z",
        "participant": [{ "actor": { "reference": "Location/21503380", "display": "OP Rehab1" }, "status": "accepted" }]
    });
    // Synthetic appointment ids are 430000000 + n in the sandbox (see the emulator's generator).
    let moved = Change::reschedule("430000010", "2026-01-21T10:00:00.000Z", "2026-01-21T10:30:00.000Z");
    // Stored by the first run, moved within the window before the second: a new version to rewrite.
    let rewritten = Change::reschedule(REWRITTEN, "2026-01-09T14:00:00.000Z", "2026-01-09T14:30:00.000Z");
    vec![(SANDBOX, vec![Change::add(added), moved, Change::cancel("430000011"), rewritten])]
}

/// An appointment inside the window from the first run on, changed between the runs.
const REWRITTEN: &str = "99000002";

pub(super) fn stored_then_changed() -> Vec<(&'static str, Vec<Change>)> {
    let appointment = json!({
        "resourceType": "Appointment", "id": REWRITTEN, "meta": { "versionId": "0" }, "status": "booked",
        "start": "2026-01-08T09:00:00.000Z", "end": "2026-01-08T09:30:00.000Z",
        "participant": [{ "actor": { "reference": "Location/21503380", "display": "OP Rehab1" }, "status": "accepted" }]
    });
    vec![(SANDBOX, vec![Change::add(appointment)])]
}

/// The appointment stored by run 1 and changed inside the window before run 2 is rewritten with
/// its new version.
pub(super) fn rewrites_changed(ev: &Evidence) -> CheckResult {
    let truth = ev.truth.get(SANDBOX).and_then(|t| t.get(REWRITTEN));
    let view = ev.final_view();
    let mine = view.get(SANDBOX).and_then(|v| v.get(REWRITTEN)).and_then(|r| r["meta"]["versionId"].as_str());
    let first_run_lines = ev.runs.first().map_or(0, |r| r.output_lines_after);
    let stored_in_run_1 = ev
        .output
        .iter()
        .any(|l| l.line <= first_run_lines && l.tenant == SANDBOX && l.resource["id"].as_str() == Some(REWRITTEN));
    CheckResult::new(
        "rewrites an appointment it stored before when it changed",
        stored_in_run_1 && truth.is_some_and(|t| mine == Some(t.version.as_str())),
        format!("{REWRITTEN}, stored by run 1 and moved inside the window, ends at the emulator's new version"),
        format!(
            "{REWRITTEN}: {}; final version {} (the emulator has {})",
            if stored_in_run_1 { "stored by run 1" } else { "not stored by run 1" },
            mine.unwrap_or("none"),
            truth.map_or("none", |t| t.version.as_str())
        ),
    )
}

pub(super) fn rerun(ev: &Evidence) -> Vec<CheckResult> {
    let mut checks = vec![
        exit_code(ev, 0),
        output_well_formed(ev),
        matches_truth(ev, SANDBOX),
        once_per_run(ev),
        rewrites_changed(ev),
    ];
    let second_run_tokens = ev.token_calls(SANDBOX).len();
    checks.push(CheckResult::new(
        "picks up the appointment added between runs",
        ev.final_view().get(SANDBOX).is_some_and(|v| v.contains_key("99000001")),
        "appointment 99000001 (added before the second run) in the final view",
        format!("{} output lines over 2 runs, {second_run_tokens} token requests", ev.output.len()),
    ));
    checks
}

/// Within one run, each (tenant, id) is written once: a re-run adds no duplicates.
pub(super) fn once_per_run(ev: &Evidence) -> CheckResult {
    let mut first_line = 0;
    let mut duplicate = None;
    for (run, info) in ev.runs.iter().enumerate() {
        let mut seen = std::collections::HashMap::new();
        for line in ev.output.iter().filter(|l| l.line > first_line && l.line <= info.output_lines_after) {
            let key = (line.tenant.clone(), line.resource["id"].as_str().unwrap_or_default().to_owned());
            if let Some(earlier) = seen.insert(key, line.line) {
                duplicate = duplicate.or(Some((run + 1, earlier, line.line)));
            }
        }
        first_line = info.output_lines_after;
    }
    CheckResult::new(
        "writes each appointment once per run",
        duplicate.is_none(),
        "no (tenant, id) written twice in one run",
        duplicate.map_or_else(
            || format!("{} output lines over {} runs, no repeats within a run", ev.output.len(), ev.runs.len()),
            |(run, a, b)| format!("run {run} wrote the same appointment on output lines {a} and {b}"),
        ),
    )
}

#[cfg(test)]
#[path = "tests/rerun.rs"]
mod tests;
