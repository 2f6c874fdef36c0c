//! The re-run scenario's checks over hand-built evidence.

use super::*;
use crate::scenarios::kit::*;

#[test]
fn rerun_needs_the_added_appointment_and_no_repeat_within_a_run() {
    let mut ev = evidence();
    with_truth(&mut ev, SANDBOX, &[("1", "0", "booked"), ("99000001", "0", "booked")]);
    with_output(&mut ev, SANDBOX, &[("1", "0", "booked")]);
    ev.runs.push(run(Some(0), ""));
    with_output(&mut ev, SANDBOX, &[("99000001", "0", "booked")]);
    let checks = rerun(&ev);
    passes(named(&checks, "picks up the appointment added"), "2 output lines over 2 runs");
    passes(named(&checks, "writes each appointment once per run"), "no repeats within a run");
    let mut ev = evidence();
    with_truth(&mut ev, SANDBOX, &[("1", "0", "booked")]);
    with_output(&mut ev, SANDBOX, &[("1", "0", "booked")]);
    ev.runs.push(run(Some(0), ""));
    with_output(&mut ev, SANDBOX, &[("1", "0", "booked"), ("1", "0", "booked")]);
    let checks = rerun(&ev);
    fails(named(&checks, "picks up the appointment added"), "3 output lines over 2 runs");
    fails(
        named(&checks, "writes each appointment once per run"),
        "run 2 wrote the same appointment on output lines 2 and 3",
    );
}

#[test]
fn an_appointment_stored_then_changed_must_be_rewritten() {
    let mut ev = evidence();
    with_truth(&mut ev, SANDBOX, &[(REWRITTEN, "1", "booked")]);
    with_output(&mut ev, SANDBOX, &[(REWRITTEN, "0", "booked")]);
    ev.runs.push(run(Some(0), ""));
    with_output(&mut ev, SANDBOX, &[("99000001", "0", "booked")]);
    fails(&rewrites_changed(&ev), "99000002: stored by run 1; final version 0 (the emulator has 1)");
    with_output(&mut ev, SANDBOX, &[(REWRITTEN, "1", "booked")]);
    passes(&rewrites_changed(&ev), "final version 1 (the emulator has 1)");
}
