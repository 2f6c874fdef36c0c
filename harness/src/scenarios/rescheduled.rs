//! The `rescheduled` scenario: "a rescheduled appointment keeps its id: how do I tell?". Between
//! two runs, appointments inside the job's window change in the emulator's store (README,
//! "Hospitals differ"): one is rescheduled within the window (same id, new start, `versionId`
//! moved on), one cancelled, one moved out of the window; and slots churn at both tenants (free
//! slots added, existing ones booked at a new start, others removed), which changes no
//! appointment. The second run must rewrite exactly the changed rows, report the moved one vanished
//! in its contract v2 summary (`updated`, `vanished`), and report no change at the tenant where
//! only slots churned. Each check first proves, from the store before and after, that its change
//! happened.

use cerner_mock::admin_client::Change;
use serde_json::Value;

use super::checks::{exit_code, matches_truth, output_well_formed, short};
use super::rerun::once_per_run;
use super::slot_churn;
use crate::evidence::Evidence;
use crate::runner::WINDOW;
use crate::scenario::{SANDBOX, SECOND};
use crate::summary::RowCounts;
use crate::verdict::CheckResult;

/// A booked sandbox appointment inside the window (synthetic id), moved to [`NEW_START`].
pub(super) const RESCHEDULED: &str = "430000214";
/// Where [`RESCHEDULED`] moves: still inside the window.
pub(super) const NEW_START: &str = "2026-01-20T15:00:00.000Z";
/// A booked sandbox appointment inside the window, cancelled.
pub(super) const CANCELLED: &str = "430000230";
/// A sandbox appointment inside the window, moved past its end.
pub(super) const MOVED_OUT: &str = "430000220";
/// The changes between the runs, per tenant.
pub(super) fn changes() -> Vec<(&'static str, Vec<Change>)> {
    let mut sandbox = vec![
        Change::reschedule(RESCHEDULED, NEW_START, "2026-01-20T15:30:00.000Z"),
        Change::cancel(CANCELLED),
        Change::reschedule(MOVED_OUT, "2026-02-10T09:00:00.000Z", "2026-02-10T09:30:00.000Z"),
    ];
    sandbox.extend(slot_churn::changes(99_100_000));
    vec![(SANDBOX, sandbox), (SECOND, slot_churn::changes(99_200_000))]
}

pub(super) fn checks(ev: &Evidence) -> Vec<CheckResult> {
    vec![
        exit_code(ev, 0),
        output_well_formed(ev),
        matches_truth(&without_moved(ev), SANDBOX),
        matches_truth(ev, SECOND),
        once_per_run(ev),
        rewrites_rescheduled(ev),
        keeps_cancelled(ev),
        reports_vanished(ev),
        updates_exactly(ev),
        slot_churn_alone(ev),
    ]
}

/// The evidence without the output lines of [`MOVED_OUT`]: the contract's output cannot take a
/// row back, so the vanished row stays in the final view and is judged by the v2 summary instead.
fn without_moved(ev: &Evidence) -> Evidence {
    let mut ev = ev.clone();
    ev.output.retain(|l| !(l.tenant == SANDBOX && l.resource["id"].as_str() == Some(MOVED_OUT)));
    ev
}

/// The resource run `run` (0-based) last wrote for (tenant, id).
fn written_in<'a>(ev: &'a Evidence, run: usize, tenant: &str, id: &str) -> Option<&'a Value> {
    let from = if run == 0 { 0 } else { ev.runs.get(run - 1).map_or(usize::MAX, |r| r.output_lines_after) };
    let to = ev.runs.get(run).map_or(0, |r| r.output_lines_after);
    ev.output
        .iter()
        .filter(|l| l.line > from && l.line <= to && l.tenant == tenant && l.resource["id"].as_str() == Some(id))
        .map(|l| &l.resource)
        .next_back()
}

/// The store's resource a change between runs touched, if it holds it.
fn stored<'a>(ev: &'a Evidence, tenant: &str, kind: &str, id: &str) -> Option<&'a Value> {
    ev.changed
        .iter()
        .find(|c| c.tenant == tenant && c.resource_type == kind && c.id == id)
        .map(|c| &c.stored)
        .filter(|v| !v.is_null())
}

pub(super) fn version(resource: &Value) -> &str {
    resource["meta"]["versionId"].as_str().unwrap_or("none")
}

/// Why nothing was tested: the change is not in the store, or run 1 never stored the row.
fn untested(ev: &Evidence, id: &str, changed: bool) -> Option<String> {
    if !changed {
        return Some(format!("the emulator's store does not show the change to {id}: nothing was tested"));
    }
    written_in(ev, 0, SANDBOX, id).is_none().then(|| format!("run 1 never stored {id}: nothing was tested"))
}

fn rewrites_rescheduled(ev: &Evidence) -> CheckResult {
    let first = written_in(ev, 0, SANDBOX, RESCHEDULED);
    let store = stored(ev, SANDBOX, "Appointment", RESCHEDULED);
    let changed = store
        .is_some_and(|s| s["start"].as_str() == Some(NEW_START) && first.is_some_and(|f| version(f) != version(s)));
    let second = written_in(ev, 1, SANDBOX, RESCHEDULED);
    let ok = store
        .is_some_and(|s| second.is_some_and(|r| r["start"].as_str() == Some(NEW_START) && version(r) == version(s)));
    CheckResult::new(
        "rewrites the rescheduled appointment with its new start and version",
        changed && ok,
        format!(
            "{RESCHEDULED} (same id, moved within the window) written by run 2 with start {NEW_START} and the store's new versionId"
        ),
        untested(ev, RESCHEDULED, changed).unwrap_or_else(|| match second {
            Some(r) => format!(
                "run 2 wrote start {} version {} (the store: version {}; run 1: version {})",
                r["start"].as_str().unwrap_or("none"),
                version(r),
                store.map_or("none", version),
                first.map_or("none", version)
            ),
            None => format!("run 2 did not write {RESCHEDULED}; run 1 wrote version {}", first.map_or("none", version)),
        }),
    )
}

fn keeps_cancelled(ev: &Evidence) -> CheckResult {
    let first = written_in(ev, 0, SANDBOX, CANCELLED);
    let store = stored(ev, SANDBOX, "Appointment", CANCELLED);
    let changed = store.is_some_and(|s| {
        s["status"] == "cancelled" && first.is_some_and(|f| f["status"] != "cancelled" && version(f) != version(s))
    });
    let second = written_in(ev, 1, SANDBOX, CANCELLED);
    let ok = store.is_some_and(|s| second.is_some_and(|r| r["status"] == "cancelled" && version(r) == version(s)));
    CheckResult::new(
        "rewrites the cancelled appointment as cancelled",
        changed && ok,
        format!("{CANCELLED} written by run 2 with status cancelled and the store's new versionId"),
        untested(ev, CANCELLED, changed).unwrap_or_else(|| match second {
            Some(r) => format!(
                "run 2 wrote status {} version {} (the store: version {})",
                r["status"].as_str().unwrap_or("none"),
                version(r),
                store.map_or("none", version)
            ),
            None => format!("run 2 did not write {CANCELLED}"),
        }),
    )
}

/// The last run's v2 summary counts for `tenant`, or why there are none.
fn counts(ev: &Evidence, tenant: &str) -> Result<RowCounts, String> {
    let stdout = ev.runs.last().map_or("", |r| r.stdout.as_str());
    let summary = crate::summary::parse(stdout).ok_or("run 2 printed no contract v2 summary")?;
    let entry = summary.iter().find(|t| t.tenant == tenant);
    entry.map(|t| t.counts).ok_or_else(|| format!("run 2's summary leaves out {}", short(tenant)))
}

fn said(n: Option<u64>) -> String {
    n.map_or_else(|| "no count".to_owned(), |n| n.to_string())
}

fn reports_vanished(ev: &Evidence) -> CheckResult {
    let store = stored(ev, SANDBOX, "Appointment", MOVED_OUT);
    let out = store.and_then(|s| s["start"].as_str()).is_some_and(|start| start >= WINDOW.1);
    let changed = out && !ev.truth.get(SANDBOX).is_some_and(|t| t.contains_key(MOVED_OUT));
    let counts = counts(ev, SANDBOX);
    let vanished = counts.as_ref().ok().and_then(|c| c.vanished);
    CheckResult::new(
        "reports the appointment moved out of the window vanished",
        changed && written_in(ev, 0, SANDBOX, MOVED_OUT).is_some() && vanished == Some(1),
        format!(
            "run 2's v2 summary gives {} vanished = 1 ({MOVED_OUT}, stored by run 1, now starts after the window)",
            short(SANDBOX)
        ),
        untested(ev, MOVED_OUT, changed).unwrap_or_else(|| match counts {
            Ok(c) => format!("summary: {} vanished {}", short(SANDBOX), said(c.vanished)),
            Err(why) => why,
        }),
    )
}

/// Ids run 2 wrote for `tenant` with another version or start than run 1 wrote them with.
fn rewritten(ev: &Evidence, tenant: &str) -> Vec<String> {
    let ids: std::collections::BTreeSet<&str> = ev
        .output
        .iter()
        .filter(|l| l.tenant == tenant && l.line > ev.runs.first().map_or(usize::MAX, |r| r.output_lines_after))
        .filter_map(|l| l.resource["id"].as_str())
        .collect();
    let differs = |a: &Value, b: &Value| version(a) != version(b) || a["start"] != b["start"];
    ids.into_iter()
        .filter(|id| match (written_in(ev, 0, tenant, id), written_in(ev, 1, tenant, id)) {
            (Some(a), Some(b)) => differs(a, b),
            _ => false,
        })
        .map(str::to_owned)
        .collect()
}

fn updates_exactly(ev: &Evidence) -> CheckResult {
    let counts = counts(ev, SANDBOX);
    let rows = rewritten(ev, SANDBOX);
    let mut expected = [CANCELLED, RESCHEDULED];
    expected.sort_unstable();
    let said_two = counts.as_ref().is_ok_and(|c| c.updated == Some(2) && c.inserted == Some(0));
    CheckResult::new(
        "updates exactly the changed rows",
        said_two && rows == expected,
        format!(
            "run 2's summary gives {} updated = 2, inserted = 0; only {RESCHEDULED} and {CANCELLED} rewritten with a new version",
            short(SANDBOX)
        ),
        match counts {
            Ok(c) => format!(
                "summary: {} inserted {}, updated {}; rewritten with a new version: {}",
                short(SANDBOX),
                said(c.inserted),
                said(c.updated),
                if rows.is_empty() { "none".to_owned() } else { rows.join(", ") }
            ),
            Err(why) => why,
        },
    )
}

fn slot_churn_alone(ev: &Evidence) -> CheckResult {
    let (added, changed, removed) = slot_churn::shown(ev, SECOND);
    let churned = added > 0 && changed > 0 && removed > 0;
    let counts = counts(ev, SECOND);
    let rows = rewritten(ev, SECOND);
    let none = counts.as_ref().is_ok_and(|c| c.updated == Some(0) && c.vanished == Some(0) && c.inserted == Some(0));
    let shown = format!("{added} slot(s) added, {changed} changed, {removed} removed");
    CheckResult::new(
        "reports no change where only slots churned",
        churned && none && rows.is_empty(),
        format!(
            "slots added, booked at a new start and removed at {} between the runs; run 2's summary gives it inserted, updated and vanished = 0, and no row rewritten",
            short(SECOND)
        ),
        if !churned {
            format!("the emulator's store shows {shown} at {}: nothing was tested", short(SECOND))
        } else {
            match counts {
                Ok(c) => format!(
                    "{shown}; summary: {} inserted {}, updated {}, vanished {}; {} row(s) rewritten",
                    short(SECOND),
                    said(c.inserted),
                    said(c.updated),
                    said(c.vanished),
                    rows.len()
                ),
                Err(why) => why,
            }
        },
    )
}

#[cfg(test)]
#[path = "tests/rescheduled.rs"]
mod tests;
