//! The shared checks, each passing and failing over hand-built evidence.

use super::*;
use crate::scenario::{SANDBOX, SECOND};
use crate::scenarios::kit::*;

#[test]
fn matches_truth_names_missing_stale_wrong_status_and_extra_appointments() {
    let mut ev = evidence();
    with_truth(&mut ev, SANDBOX, &[("1", "0", "booked"), ("2", "1", "booked")]);
    with_output(&mut ev, SANDBOX, &[("1", "0", "booked"), ("2", "1", "booked")]);
    passes(&matches_truth(&ev, SANDBOX), "2 appointments of ec2458f2 match");
    let mut ev = evidence();
    with_truth(&mut ev, SANDBOX, &[("1", "0", "booked"), ("2", "1", "booked"), ("3", "0", "cancelled")]);
    with_output(&mut ev, SANDBOX, &[("2", "0", "booked"), ("3", "0", "booked"), ("9", "0", "booked")]);
    let check = matches_truth(&ev, SANDBOX);
    fails(&check, "1 missing");
    fails(&check, "2 has version 0 (the emulator has 1)");
    fails(&check, "3 has status \"booked\" (the emulator has cancelled)");
    fails(&check, "9 is not in the window");
}

#[test]
fn exit_code_says_when_the_client_was_killed() {
    passes(&exit_code(&evidence(), 0), "exit code 0");
    fails(&exit_code(&evidence(), 1), "exit code 0");
    let mut ev = evidence();
    ev.runs = vec![run(None, "")];
    fails(&exit_code(&ev, 0), "the client was killed at the time limit");
}

#[test]
fn output_well_formed_cites_the_first_bad_line() {
    let mut ev = evidence();
    with_output(&mut ev, SANDBOX, &[("1", "0", "booked")]);
    passes(&output_well_formed(&ev), "1 output lines, all well formed");
    ev.output_errors.push((2, "not JSON".into()));
    fails(&output_well_formed(&ev), "output line 2: not JSON (1 bad lines)");
}

#[test]
fn stops_after_counts_requests_after_the_status_and_needs_the_status_served() {
    let mut ev = evidence();
    ev.journal = vec![search(1, SANDBOX, "a", 200), search(2, SANDBOX, "b", 403)];
    passes(&stops_after(&ev, SANDBOX, 403, 0), "none after #2");
    ev.journal.push(search(3, SANDBOX, "c", 403));
    fails(&stops_after(&ev, SANDBOX, 403, 0), "1 request(s) after #2");
    fails(&stops_after(&evidence(), SANDBOX, 403, 0), "the fault did not trigger");
}

#[test]
fn accept_header_needs_fhir_json_on_every_fhir_request() {
    let mut ev = evidence();
    ev.journal = vec![search(1, SANDBOX, "a", 200)];
    passes(&accept_header(&ev), "1 FHIR requests");
    ev.journal[0].accept = Some("text/html".into());
    fails(&accept_header(&ev), "sent Accept Some(\"text/html\")");
    fails(&accept_header(&evidence()), "0 FHIR requests");
}

#[test]
fn follows_links_tells_followed_pages_from_built_ones() {
    let mut ev = evidence();
    ev.journal =
        vec![search(1, SANDBOX, "date=ge2026", 200), search(2, SANDBOX, "-pageContext=x&-pageDirection=NEXT", 200)];
    passes(&follows_next_links(&ev), "1 pages followed by link over 2 searches");
    ev.journal[1].query = Some("date=ge2026&page=2".into());
    fails(&follows_next_links(&ev), "looks built, not followed");
    ev.journal.truncate(1);
    fails(&follows_next_links(&ev), "0 pages followed");
    passes(&follows_links(&ev, false), "0 pages followed");
}

#[test]
fn fault_fired_cites_the_faulted_request_or_says_it_never_fired() {
    let mut ev = evidence();
    ev.journal = vec![search(1, SANDBOX, "a", 200), faulted(search(2, SANDBOX, "b", 429), "throttle")];
    passes(&fault_fired(&ev, "throttle"), "1 time(s), first #2");
    fails(&fault_fired(&ev, "next_cycle"), "the fault never fired");
}

#[test]
fn finished_in_time_quotes_a_killed_runs_last_words() {
    passes(&finished_in_time(&evidence()), "1 run(s), none killed");
    let mut ev = evidence();
    ev.runs = vec![run(None, "fetching page 9999\n\n")];
    fails(
        &finished_in_time(&ev),
        "run 1 was killed at the time limit after 1200 ms; its last log line: fetching page 9999",
    );
}

#[test]
fn reports_tenant_needs_a_log_line_with_the_full_id() {
    let mut ev = evidence();
    ev.runs = vec![run(Some(1), &format!("tenant {SANDBOX} failed: paging cycle"))];
    passes(&reports_tenant(&ev, SANDBOX), "log line 1: tenant ec2458f2");
    fails(&reports_tenant(&ev, SECOND), "no log line names 0b8a0111");
}

#[test]
fn requests_off_the_jobs_bases_fail_stays_on_job_bases() {
    let mut ev = evidence();
    ev.journal = vec![search(1, SANDBOX, "a", 200)];
    passes(&stays_on_job_bases(&ev), "1 FHIR requests, all on the job's bases");
    ev.journal.push(entry(2, SANDBOX, &format!("/r4/{SANDBOX}/Appointment"), None, 200));
    fails(&stays_on_job_bases(&ev), "1 request(s) elsewhere, the first #2 GET /r4/");
}

#[test]
fn naming_the_tenant_while_looping_is_not_a_report() {
    let mut ev = evidence();
    ev.runs = vec![run(None, &format!("syncing tenant {SANDBOX}\nfetching page 12\n"))];
    fails(&reports_tenant(&ev, SANDBOX), "log line 1 names the tenant without failure or deferral");
}

#[test]
fn a_v2_summary_is_the_report_when_the_client_prints_one() {
    let mut ev = evidence();
    let line = |outcome: &str, reason: &str| {
        format!("{{\"tenants\":[{{\"tenant\":\"{SANDBOX}\",\"outcome\":\"{outcome}\"{reason}}}]}}\n")
    };
    ev.runs = vec![run(Some(1), &format!("tenant {SANDBOX} failed"))];
    ev.runs[0].stdout = line("failed", ",\"reason\":\"paging cycle\"");
    passes(&reports_tenant(&ev, SANDBOX), "summary: ec2458f2 failed: paging cycle");
    // The summary wins over the logs: a summary that calls the tenant synced is not a report.
    ev.runs[0].stdout = line("synced", "");
    fails(&reports_tenant(&ev, SANDBOX), "summary: ec2458f2 synced");
    ev.runs[0].stdout = line("deferred", "");
    fails(&reports_tenant(&ev, SANDBOX), "summary: ec2458f2 deferred (no reason)");
    fails(&reports_tenant(&ev, SECOND), "the summary lists 1 tenant(s), not 0b8a0111");
}
