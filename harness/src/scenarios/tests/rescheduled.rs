//! The `rescheduled` checks over hand-built evidence: a client that rewrites the changed rows and
//! counts them passes; one that keeps old rows, counts no vanished row or counts every row updated
//! fails the check that names it; and a change the store does not show tests nothing.

use serde_json::{Value, json};

use super::*;
use crate::evidence::{ChangedResource, OutputLine};
use crate::scenarios::kit::*;

const OLD_START: &str = "2026-01-06T11:30:00.000Z";

fn appointment(id: &str, version: &str, status: &str, start: &str) -> Value {
    json!({ "resourceType": "Appointment", "id": id, "meta": { "versionId": version }, "status": status, "start": start })
}

fn write(ev: &mut Evidence, tenant: &str, resource: Value) {
    ev.output.push(OutputLine { line: ev.output.len() + 1, tenant: tenant.to_owned(), resource });
    if let Some(run) = ev.runs.last_mut() {
        run.output_lines_after = ev.output.len();
    }
}

fn changed(tenant: &str, kind: &str, id: &str, stored: Value) -> ChangedResource {
    ChangedResource { tenant: tenant.into(), resource_type: kind.into(), id: id.into(), before: Value::Null, stored }
}

fn slot(id: &str, version: &str, free_busy: &str, start: &str) -> Value {
    json!({ "resourceType": "Slot", "id": id, "meta": { "versionId": version }, "freeBusyType": free_busy, "start": start })
}

/// The slot churn at the Second Hospital as the store shows it: three added, two booked (one also
/// moved), two removed.
fn slot_churn() -> Vec<ChangedResource> {
    let mut churn = Vec::new();
    for id in ["a", "b", "c"] {
        churn.push(changed(SECOND, "Slot", id, slot(id, "0", "free", OLD_START)));
    }
    for (id, start) in [("d", OLD_START), ("e", NEW_START)] {
        let mut booked = changed(SECOND, "Slot", id, slot(id, "1", "busy", start));
        booked.before = slot(id, "0", "free", OLD_START);
        churn.push(booked);
    }
    for id in ["f", "g"] {
        let mut removed = changed(SECOND, "Slot", id, Value::Null);
        removed.before = slot(id, "0", "free", OLD_START);
        churn.push(removed);
    }
    churn
}

fn summary(sandbox: &str, second: &str) -> String {
    format!(
        "{{\"tenants\":[{{\"tenant\":\"{SANDBOX}\",\"outcome\":\"synced\",{sandbox}}},{{\"tenant\":\"{SECOND}\",\"outcome\":\"synced\",{second}}}]}}\n"
    )
}

/// Two runs of a client that does everything right; `run2` changes what run 2 writes.
fn evidence_with(run2: impl Fn(&str) -> Option<Value>, stdout: String) -> Evidence {
    let mut ev = evidence();
    let first = [
        appointment(RESCHEDULED, "0", "booked", OLD_START),
        appointment(CANCELLED, "0", "booked", OLD_START),
        appointment(MOVED_OUT, "2", "fulfilled", OLD_START),
        appointment("1", "0", "booked", OLD_START),
    ];
    for resource in &first {
        write(&mut ev, SANDBOX, resource.clone());
    }
    write(&mut ev, SECOND, appointment("2", "0", "booked", OLD_START));
    ev.runs.push(run(Some(0), ""));
    ev.runs[1].stdout = stdout;
    let second = [
        appointment(RESCHEDULED, "1", "booked", NEW_START),
        appointment(CANCELLED, "1", "cancelled", OLD_START),
        appointment("1", "0", "booked", OLD_START),
    ];
    for resource in second {
        let id = resource["id"].as_str().unwrap_or_default().to_owned();
        if let Some(resource) = run2(&id).or(Some(resource)).filter(|r| !r.is_null()) {
            write(&mut ev, SANDBOX, resource);
        }
    }
    write(&mut ev, SECOND, appointment("2", "0", "booked", OLD_START));
    ev.changed = vec![
        changed(SANDBOX, "Appointment", RESCHEDULED, appointment(RESCHEDULED, "1", "booked", NEW_START)),
        changed(SANDBOX, "Appointment", CANCELLED, appointment(CANCELLED, "1", "cancelled", OLD_START)),
        changed(
            SANDBOX,
            "Appointment",
            MOVED_OUT,
            appointment(MOVED_OUT, "3", "fulfilled", "2026-02-10T09:00:00.000Z"),
        ),
    ];
    ev.changed.extend(slot_churn());
    ev
}

const GOOD_SANDBOX: &str = "\"inserted\":0,\"updated\":2,\"unchanged\":1,\"vanished\":1";
const GOOD_SECOND: &str = "\"inserted\":0,\"updated\":0,\"unchanged\":1,\"vanished\":0";

#[test]
fn a_client_that_rewrites_and_counts_the_changes_passes() {
    let ev = evidence_with(|_| None, summary(GOOD_SANDBOX, GOOD_SECOND));
    let checks = checks(&ev);
    passes(named(&checks, "rewrites the rescheduled"), "run 2 wrote start 2026-01-20T15:00:00.000Z version 1");
    passes(named(&checks, "rewrites the cancelled"), "run 2 wrote status cancelled version 1");
    passes(named(&checks, "reports the appointment moved out"), "vanished 1");
    passes(
        named(&checks, "updates exactly the changed rows"),
        "updated 2; rewritten with a new version: 430000214, 430000230",
    );
    passes(
        named(&checks, "reports no change where only slots churned"),
        "3 slot(s) added, 2 changed, 2 removed; summary: 0b8a0111 inserted 0, updated 0, vanished 0; 0 row(s) rewritten",
    );
}

#[test]
fn keeping_old_rows_fails_the_rewrite_checks() {
    let ev = evidence_with(|id| (id != "1").then_some(Value::Null), summary(GOOD_SANDBOX, GOOD_SECOND));
    let checks = checks(&ev);
    fails(named(&checks, "rewrites the rescheduled"), "run 2 did not write 430000214");
    fails(named(&checks, "rewrites the cancelled"), "run 2 did not write 430000230");
}

#[test]
fn no_vanished_count_fails_the_vanish_check() {
    let sandbox = "\"inserted\":0,\"updated\":2,\"unchanged\":1,\"vanished\":0";
    fails(&reports_vanished(&evidence_with(|_| None, summary(sandbox, GOOD_SECOND))), "vanished 0");
    fails(&reports_vanished(&evidence_with(|_| None, String::new())), "no contract v2 summary");
    let counts_nothing = summary("\"x\":1", "\"x\":1");
    fails(&reports_vanished(&evidence_with(|_| None, counts_nothing)), "vanished no count");
}

#[test]
fn counting_every_row_updated_fails_the_exact_update_and_slot_checks() {
    let ev = evidence_with(
        |_| None,
        summary(
            "\"inserted\":0,\"updated\":3,\"unchanged\":0,\"vanished\":1",
            "\"inserted\":0,\"updated\":1,\"unchanged\":0,\"vanished\":0",
        ),
    );
    fails(&updates_exactly(&ev), "updated 3");
    fails(&slot_churn_alone(&ev), "updated 1");
}

#[test]
fn a_change_the_store_does_not_show_tests_nothing() {
    let mut ev = evidence_with(|_| None, summary(GOOD_SANDBOX, GOOD_SECOND));
    ev.changed.clear();
    let checks = checks(&ev);
    for name in ["rewrites the rescheduled", "rewrites the cancelled", "reports the appointment moved out"] {
        fails(named(&checks, name), "nothing was tested");
    }
    fails(named(&checks, "reports no change where only slots churned"), "shows 0 slot(s) added, 0 changed, 0 removed");
    let mut ev = evidence_with(|_| None, summary(GOOD_SANDBOX, GOOD_SECOND));
    ev.truth
        .entry(SANDBOX.into())
        .or_default()
        .insert(MOVED_OUT.into(), crate::evidence::TruthRow { version: "3".into(), status: "fulfilled".into() });
    ev.changed[2].stored["start"] = json!("2026-01-20T09:00:00.000Z");
    fails(&reports_vanished(&ev), "does not show the change to 430000220");
}

/// A change to the evidence: what the store shows of the churn, made incomplete.
type Damage = fn(&mut Evidence);

/// The slots booked between the runs (`d`, `e`): `damage` applied to what the store shows of each.
fn booked(ev: &mut Evidence, damage: fn(&mut ChangedResource)) {
    ev.changed.iter_mut().filter(|c| c.id == "d" || c.id == "e").for_each(damage);
}

#[test]
fn slot_churn_the_store_does_not_show_in_full_tests_nothing() {
    let cases: [(&str, Damage); 4] = [
        ("3 slot(s) added, 0 changed, 0 removed", |ev| {
            ev.changed.retain(|c| c.resource_type != "Slot" || c.before.is_null())
        }),
        ("3 slot(s) added, 0 changed, 2 removed", |ev| booked(ev, |c| c.stored = c.before.clone())),
        ("3 slot(s) added, 0 changed, 2 removed", |ev| {
            // A new start at the same version is not a change the store made.
            booked(ev, |c| {
                c.stored = c.before.clone();
                c.stored["start"] = json!(NEW_START);
            })
        }),
        ("3 slot(s) added, 2 changed, 0 removed", |ev| ev.changed.retain(|c| c.id != "f" && c.id != "g")),
    ];
    for (shown, damage) in cases {
        let mut ev = evidence_with(|_| None, summary(GOOD_SANDBOX, GOOD_SECOND));
        damage(&mut ev);
        fails(&slot_churn_alone(&ev), &format!("the emulator's store shows {shown} at 0b8a0111: nothing was tested"));
    }
}
