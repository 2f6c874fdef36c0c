//! The failure scenarios' own checks, passing and failing over hand-built evidence.

use super::*;
use crate::scenarios::kit::*;

fn second_synced(exit: i32) -> Evidence {
    let mut ev = evidence();
    ev.runs = vec![run(Some(exit), "")];
    with_truth(&mut ev, SECOND, &[("1", "0", "booked")]);
    with_output(&mut ev, SECOND, &[("1", "0", "booked")]);
    ev
}

#[test]
fn token_expiry_needs_one_new_token_and_the_retry() {
    let mut ev = second_synced(0);
    ev.journal = vec![token(1, SANDBOX), search(2, SANDBOX, "a", 401), token(3, SANDBOX), search(4, SANDBOX, "a", 200)];
    let checks = token_expiry(&ev);
    passes(named(&checks, "fetches exactly one new token"), "1 token request(s) after #2");
    passes(named(&checks, "retries the refused request"), "#4 GET");
    ev.journal.truncate(2);
    let checks = token_expiry(&ev);
    fails(named(&checks, "fetches exactly one new token"), "0 token request(s) after #2");
    fails(named(&checks, "retries the refused request"), "not retried");
    fails(named(&token_expiry(&evidence()), "fetches exactly one new token"), "no 401 was served");
}

#[test]
fn short_wait_measures_the_gap_after_the_429() {
    let mut ev = second_synced(0);
    ev.journal = vec![search(1, SANDBOX, "a", 429), later(search(2, SANDBOX, "a", 200), 1.5)];
    passes(named(&short_wait(&ev), "waits Retry-After"), "2.50 s later");
    ev.journal[1] = later(search(2, SANDBOX, "a", 200), -0.9);
    fails(named(&short_wait(&ev), "waits Retry-After"), "0.10 s later");
    fails(named(&short_wait(&evidence()), "waits Retry-After"), "no 429 was served");
}

#[test]
fn long_wait_and_deferral_need_a_stop_and_a_log_line() {
    let mut ev = second_synced(1);
    ev.runs[0].stderr = format!("tenant {SANDBOX} deferred: Retry-After 7200\n");
    ev.journal = vec![search(1, SANDBOX, "a", 429)];
    assert!(long_wait(&ev).iter().all(|c| c.verdict.passed()), "{:#?}", long_wait(&ev));
    passes(&deferral_reported(&ev), "log line 1");
    ev.runs[0].stderr = "done\n".into();
    ev.journal.push(search(2, SANDBOX, "a", 429));
    fails(&deferral_reported(&ev), "no log line names the deferral");
    fails(named(&long_wait(&ev), "stops calling"), "1 request(s) after #1");
}

#[test]
fn unapproved_needs_no_search_after_the_refusal() {
    let mut ev = second_synced(1);
    with_truth(&mut ev, SANDBOX, &[]);
    ev.journal = vec![token(1, UNAPPROVED)];
    passes(named(&unapproved(&ev), "makes no FHIR call"), "1 token request(s), no search");
    ev.journal.push(search(2, UNAPPROVED, "a", 403));
    fails(named(&unapproved(&ev), "makes no FHIR call"), "#2 GET");
}

#[test]
fn revoked_needs_the_tenant_dropped_after_its_403() {
    let mut ev = second_synced(1);
    ev.journal = vec![search(1, SANDBOX, "a", 403), search(2, SANDBOX, "b", 403)];
    passes(named(&revoked(&ev), "stops calling"), "1 request(s) after #1");
    ev.journal.push(search(3, SANDBOX, "c", 403));
    fails(named(&revoked(&ev), "stops calling"), "2 request(s) after #1");
}

#[test]
fn transient_needs_exactly_the_three_failures_then_success() {
    let mut ev = second_synced(0);
    ev.journal = vec![search(1, SANDBOX, "a", 500), search(2, SANDBOX, "a", 0), search(3, SANDBOX, "a", 503)];
    passes(named(&transient(&ev), "retries after server errors"), "3 failed attempts answered");
    ev.journal.truncate(1);
    fails(named(&transient(&ev), "retries after server errors"), "1 failed attempts answered");
}

#[test]
fn malformed_takes_a_failed_tenant_or_a_recovery_to_the_truth() {
    let mut failed = second_synced(1);
    failed.runs[0].stderr = format!("tenant {SANDBOX} failed: a page is not JSON\n");
    assert!(malformed(&failed).iter().all(|c| c.verdict.passed()), "{:#?}", malformed(&failed));
    let mut recovered = second_synced(0);
    with_truth(&mut recovered, SANDBOX, &[("7", "1", "booked")]);
    with_output(&mut recovered, SANDBOX, &[("7", "1", "booked")]);
    assert!(malformed(&recovered).iter().all(|c| c.verdict.passed()), "{:#?}", malformed(&recovered));
    let mut dropped = second_synced(0);
    with_truth(&mut dropped, SANDBOX, &[("7", "1", "booked")]);
    fails(named(&malformed(&dropped), "fails ec2458f2 cleanly or syncs it"), "exit code 0; 1 difference(s): 7 missing");
    fails(named(&malformed(&second_synced(1)), "fails ec2458f2 cleanly"), "exit code 1; no summary");
}

#[test]
fn foreign_needs_no_connection_to_the_trap() {
    passes(named(&foreign(&second_synced(1)), "never follows"), "0 connection(s)");
    let mut ev = second_synced(1);
    ev.trap_connections = 2;
    fails(named(&foreign(&ev), "never follows"), "2 connection(s)");
}

#[test]
fn correlation_needs_every_failed_request_id_logged_and_bounded_retries() {
    let mut ev = second_synced(1);
    ev.journal = vec![search(1, SANDBOX, "a", 500), search(2, SANDBOX, "a", 500)];
    ev.runs[0].stderr = "failed: X-Request-Id req-1\nfailed: X-Request-Id req-2\n".into();
    let checks = correlation(&ev);
    passes(named(&checks, "logs the X-Request-Id"), "2 of 2 logged");
    passes(named(&checks, "bounds its retries"), "2 attempts");
    ev.runs[0].stderr = "failed\n".into();
    ev.journal.extend((3..=12).map(|n| search(n, SANDBOX, "a", 500)));
    let checks = correlation(&ev);
    fails(named(&checks, "logs the X-Request-Id"), "0 of 12 logged; e.g. #1 GET");
    fails(named(&checks, "bounds its retries"), "12 attempts");
}
