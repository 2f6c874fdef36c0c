//! The window's edges: appointments exactly on and around the job's start and end, some written
//! with a UTC offset, so a client that is a day off, treats the exclusive end as inclusive or reads
//! the window in a local time zone stores what it must not, or misses what it must keep.

use cerner_mock::admin_client::Change;
use serde_json::json;

use super::checks::{exit_code, matches_truth, short};
use crate::evidence::Evidence;
use crate::scenario::{EVERY_VERSION, SANDBOX, Scenario, no_changes, no_faults};
use crate::verdict::CheckResult;

/// (id, start, end, inside the window 2026-01-06 ≤ start < 2026-01-27, what it rehearses).
pub(super) const EDGES: [(&str, &str, &str, bool, &str); 8] = [
    ("99100001", "2026-01-06T00:00:00.000Z", "2026-01-06T00:15:00.000Z", true, "at start 00:00:00Z"),
    ("99100002", "2026-01-26T23:59:59.999Z", "2026-01-27T00:14:59.999Z", true, "1 ms before end"),
    ("99100003", "2026-01-27T00:00:00.000Z", "2026-01-27T00:15:00.000Z", false, "at end 00:00:00Z"),
    ("99100004", "2026-01-05T23:30:00.000Z", "2026-01-05T23:45:00.000Z", false, "in the hour before start"),
    ("99100005", "2026-01-05T19:30:00.000-05:00", "2026-01-05T19:45:00.000-05:00", true, "00:30Z written -05:00"),
    (
        "99100006",
        "2026-01-05T18:45:00.000-05:00",
        "2026-01-05T19:00:00.000-05:00",
        false,
        "23:45Z the day before, -05:00",
    ),
    ("99100007", "2026-01-26T18:30:00.000-05:00", "2026-01-26T18:45:00.000-05:00", true, "23:30Z before end, -05:00"),
    ("99100008", "2026-01-27T01:30:00.000+02:00", "2026-01-27T01:45:00.000+02:00", true, "23:30Z before end, +02:00"),
];

/// (id, start, end, inside): appointments that straddle the window's start and end. R4's date
/// search matches by overlap (`-date-or-req-period`), so the server returns both; only the one that
/// starts inside belongs in the output.
pub(super) const STRADDLING: [(&str, &str, &str, bool); 2] = [
    ("99100009", "2026-01-05T23:50:00.000Z", "2026-01-06T00:20:00.000Z", false),
    ("99100010", "2026-01-26T23:50:00.000Z", "2026-01-27T00:20:00.000Z", true),
];

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "window-straddle",
            description: "keeps an appointment that starts before the window out, though R4's search returns it by overlap",
            concern: "Appointment search by date is by period overlap on R4; the window is on the start",
            tenants: &[SANDBOX],
            setup: straddling,
            faults: no_faults,
            runs: 1,
            versions: &[crate::scenario::FhirVersion::R4],
            between_runs: no_changes,
            checks: |ev| vec![straddlers_kept(ev, SANDBOX), matches_truth(ev, SANDBOX), exit_code(ev, 0)],
        },
        Scenario {
            name: "window-edges",
            description: "keeps exactly the appointments that start in [start 00:00Z, end 00:00Z), whatever offset they are written in",
            concern: "Review filtering options (Common Issues); date search prefixes ge/lt (DSTU2 Appointment)",
            tenants: &[SANDBOX],
            setup: edges,
            faults: no_faults,
            runs: 1,
            versions: EVERY_VERSION,
            between_runs: no_changes,
            checks: window_edges,
        },
    ]
}

fn straddling() -> Vec<(&'static str, Vec<Change>)> {
    vec![(SANDBOX, STRADDLING.iter().map(|(id, start, end, _)| appointment(id, start, end)).collect())]
}

fn edges() -> Vec<(&'static str, Vec<Change>)> {
    let changes = EDGES.iter().map(|(id, start, end, _, _)| appointment(id, start, end)).collect();
    vec![(SANDBOX, changes)]
}

/// A booked appointment at location 21503380 (one of the sandbox's).
fn appointment(id: &str, start: &str, end: &str) -> Change {
    Change::add(json!({
        "resourceType": "Appointment", "id": id, "meta": { "versionId": "0" }, "status": "booked",
        "start": start, "end": end,
        "participant": [{ "actor": { "reference": "Location/21503380", "display": "OP Rehab1" }, "status": "accepted" }]
    }))
}

/// The straddling appointments are stored exactly when they start in the window (and the
/// emulator's own ground truth agrees, or the scenario is not testing what it says).
pub(super) fn straddlers_kept(ev: &Evidence, tenant: &str) -> CheckResult {
    let view = ev.final_view();
    let (truth, mine) = (ev.truth.get(tenant), view.get(tenant));
    let mut wrong = Vec::new();
    for (id, start, end, inside) in STRADDLING {
        if truth.is_some_and(|t| t.contains_key(id)) != inside {
            wrong.push(format!("the emulator's ground truth disagrees on {id}"));
        } else if mine.is_some_and(|m| m.contains_key(id)) != inside {
            let verdict =
                if inside { "starts inside but is missing" } else { "starts before the window but is stored" };
            wrong.push(format!("{id} ({start} to {end}) {verdict}"));
        }
    }
    CheckResult::new(
        &format!("keeps appointments by their start, not by overlap, for {}", short(tenant)),
        wrong.is_empty(),
        format!("of the appointments straddling {} and {}, only the one starting inside", ev.window.0, ev.window.1),
        if wrong.is_empty() {
            format!("{} straddling appointments where they belong", STRADDLING.len())
        } else {
            wrong.join("; ")
        },
    )
}

fn window_edges(ev: &Evidence) -> Vec<CheckResult> {
    vec![edges_kept(ev, SANDBOX), matches_truth(ev, SANDBOX), exit_code(ev, 0)]
}

/// Each edge appointment is in the client's view exactly when the emulator's own search (the
/// ground truth) has it; the scenario's own idea of the edges must agree with that search, or the
/// scenario is not testing what it says.
pub(super) fn edges_kept(ev: &Evidence, tenant: &str) -> CheckResult {
    let view = ev.final_view();
    let (truth, mine) = (ev.truth.get(tenant), view.get(tenant));
    let mut wrong = Vec::new();
    for (id, start, _, inside, what) in EDGES {
        let in_truth = truth.is_some_and(|t| t.contains_key(id));
        if in_truth != inside {
            wrong.push(format!("the emulator's search {} {id} ({what})", if in_truth { "has" } else { "lacks" }));
            continue;
        }
        match (inside, mine.is_some_and(|m| m.contains_key(id))) {
            (true, false) => wrong.push(format!("{id} starting {start} ({what}) is inside but missing")),
            (false, true) => wrong.push(format!("{id} starting {start} ({what}) is outside but stored")),
            _ => {}
        }
    }
    CheckResult::new(
        &format!("keeps the window's edges for {}", short(tenant)),
        wrong.is_empty(),
        format!(
            "the {} appointments starting in [{}, {}) kept, the others not",
            EDGES.iter().filter(|e| e.3).count(),
            ev.window.0,
            ev.window.1
        ),
        if wrong.is_empty() {
            format!("{} edge appointments where they belong", EDGES.len())
        } else {
            wrong.join("; ")
        },
    )
}

#[cfg(test)]
#[path = "tests/window.rs"]
mod tests;
