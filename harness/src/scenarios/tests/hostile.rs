//! The hostile scenarios' checks over hand-built evidence.

use super::*;
use crate::scenarios::kit::*;

#[test]
fn no_page_twice_cites_the_page_fetched_again() {
    let mut ev = evidence();
    ev.journal = vec![search(1, SANDBOX, "a", 200), search(2, SANDBOX, "b", 200)];
    passes(&no_page_twice(&ev, SANDBOX), "2 distinct pages requested");
    ev.journal.push(search(3, SANDBOX, "a", 200));
    fails(
        &no_page_twice(&ev, SANDBOX),
        "#3 GET /dstu2/ec2458f2-1e24-41c8-b71b-0e701af7583d/Appointment?a → 200 fetches again the page of #1",
    );
    let mut retried = evidence();
    retried.journal = vec![search(1, SANDBOX, "a", 429), search(2, SANDBOX, "a", 200)];
    passes(&no_page_twice(&retried, SANDBOX), "2 distinct pages");
}

#[test]
fn page_cap_allows_the_cap_plus_a_first_page_per_location() {
    let mut ev = evidence();
    ev.journal = (1..=(PAGE_CAP as u64 + 2)).map(|n| search(n, SANDBOX, &n.to_string(), 200)).collect();
    passes(&page_cap(&ev, SANDBOX), "10002 page requests");
    ev.journal.push(search(20_000, SANDBOX, "x", 200));
    fails(&page_cap(&ev, SANDBOX), "10003 page requests");
    fails(&page_cap(&evidence(), SANDBOX), "0 page requests");
}

#[test]
fn page_cap_is_the_jobs_limit() {
    let mut ev = evidence();
    ev.page_cap = 40;
    ev.journal = (1..=42).map(|n| search(n, SANDBOX, &n.to_string(), 200)).collect();
    passes(&page_cap(&ev, SANDBOX), "42 page requests");
    ev.journal.push(search(43, SANDBOX, "x", 200));
    fails(&page_cap(&ev, SANDBOX), "43 page requests");
    assert!(
        matches!(&page_cap(&ev, SANDBOX).verdict, crate::verdict::Verdict::Fail { expected, .. } if expected.contains("at most 40 followed pages"))
    );
}

#[test]
fn waits_after_429_needs_a_full_second_after_each() {
    let mut ev = evidence();
    ev.journal = vec![search(1, SANDBOX, "a", 429), search(2, SANDBOX, "a", 429), search(3, SANDBOX, "a", 429)];
    passes(&waits_after_429(&ev, SANDBOX), "2 waits, the shortest 1.00 s");
    ev.journal.push(later(search(3, SANDBOX, "a", 429), 0.2));
    fails(
        &waits_after_429(&ev, SANDBOX),
        "#3 GET /dstu2/ec2458f2-1e24-41c8-b71b-0e701af7583d/Appointment?a → 429 then #3",
    );
    fails(&waits_after_429(&evidence(), SANDBOX), "no request followed a 429");
}

#[test]
fn gives_up_allows_at_most_the_throttle_cap() {
    let mut ev = evidence();
    ev.journal = (1..=6).map(|n| search(n, SANDBOX, "a", 429)).collect();
    passes(&gives_up(&ev, SANDBOX), "6 requests answered 429");
    ev.journal.extend((7..=40).map(|n| search(n, SANDBOX, "a", 429)));
    fails(&gives_up(&ev, SANDBOX), "40 requests answered 429");
}

#[test]
fn nothing_to_tenant_and_trap_cite_what_was_sent() {
    let mut ev = evidence();
    ev.journal = vec![search(1, SANDBOX, "a", 200)];
    passes(&nothing_to_tenant(&ev, UNAPPROVED), "none of 1 requests");
    ev.journal.push(search(2, UNAPPROVED, "-pageContext=x", 401));
    fails(&nothing_to_tenant(&ev, UNAPPROVED), "#2 GET /dstu2/d075cf8b");
    passes(&nothing_to_trap(&ev, "the trap"), "0 connection(s) to the trap");
    ev.trap_connections = 1;
    fails(&nothing_to_trap(&ev, "the trap"), "1 connection(s) to the trap");
}

#[test]
fn memory_bounded_reads_the_measured_peak() {
    let mut ev = evidence();
    passes(&memory_bounded(&ev, RSS_BOUND_KIB), "peak resident memory 20.0 MiB");
    ev.runs[0].peak_rss = PeakRss::Exact(200 * 1024);
    fails(&memory_bounded(&ev, RSS_BOUND_KIB), "peak resident memory 200.0 MiB");
    ev.runs[0].peak_rss = PeakRss::AtMost(100 * 1024);
    passes(&memory_bounded(&ev, RSS_BOUND_KIB), "at most 100.0 MiB");
    ev.runs[0].peak_rss = PeakRss::AtMost(300 * 1024);
    fails(&memory_bounded(&ev, RSS_BOUND_KIB), "cannot tell");
    ev.runs[0].peak_rss = PeakRss::Unknown;
    fails(&memory_bounded(&ev, RSS_BOUND_KIB), "did not report");
}

#[test]
fn fails_or_syncs_takes_either_clean_outcome() {
    let mut ev = evidence();
    with_truth(&mut ev, SANDBOX, &[("1", "0", "booked")]);
    with_output(&mut ev, SANDBOX, &[("1", "0", "booked")]);
    passes(&fails_or_syncs(&ev, SANDBOX), "exit code 0; 1 appointments");
    ev.output.clear();
    fails(&fails_or_syncs(&ev, SANDBOX), "exit code 0; 1 difference(s): 1 missing");
    ev.runs = vec![run(Some(1), &format!("tenant {SANDBOX} failed: response too large"))];
    passes(&fails_or_syncs(&ev, SANDBOX), "exit code 1; log line 1");
    ev.runs = vec![run(Some(1), "something failed")];
    fails(&fails_or_syncs(&ev, SANDBOX), "no log line names");
}

#[test]
fn failed_cleanly_adds_the_report_the_other_tenant_and_exit_1() {
    let mut ev = evidence();
    ev.runs = vec![run(Some(1), &format!("tenant {SANDBOX} failed"))];
    let checks = failed_cleanly(&ev, Vec::new());
    assert!(checks.iter().all(|c| c.verdict.passed()), "{checks:#?}");
    ev.runs = vec![run(Some(0), "")];
    let checks = failed_cleanly(&ev, Vec::new());
    fails(named(&checks, "exits 1"), "exit code 0");
    fails(named(&checks, "reports ec2458f2"), "no log line names");
}
