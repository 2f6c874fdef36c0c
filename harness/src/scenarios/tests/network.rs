//! The network scenarios' checks over hand-built evidence: the concurrency each request arrived
//! with, as the emulator journals it.

use super::*;
use crate::scenarios::kit::*;

fn counted(seq: u64, tenant: &str, in_flight: u32, status: u16) -> cerner_mock::journal::JournalEntry {
    let mut e = search(seq, tenant, "location=1", status);
    e.in_flight = Some(in_flight);
    e
}

#[test]
fn requests_within_the_cap_pass_and_cite_the_most_in_flight() {
    let mut ev = evidence();
    ev.journal = vec![token(1, SANDBOX), counted(2, SANDBOX, 1, 200), counted(3, SANDBOX, 2, 200)];
    let check = within_cap(&ev, SANDBOX);
    assert!(check.verdict.passed(), "{check:?}");
    assert_eq!(check.verdict.evidence(), "2 requests, at most 2 in flight at once");
}

#[test]
fn a_request_over_the_cap_fails_citing_it() {
    let mut ev = evidence();
    let journal = [(1, 200), (2, 200), (3, 429), (4, 429)];
    ev.journal = journal.iter().map(|(n, status)| counted(*n as u64 + 1, SANDBOX, *n, *status)).collect();
    let check = within_cap(&ev, SANDBOX);
    assert!(!check.verdict.passed());
    let evidence = check.verdict.evidence();
    assert!(
        evidence.starts_with("#4 GET /dstu2/")
            && evidence.contains("→ 429 arrived as request 3 in flight (most: 4); 2 over"),
        "{evidence}"
    );
}

#[test]
fn no_counted_request_is_not_examined() {
    let mut ev = evidence();
    ev.journal = vec![search(1, SANDBOX, "location=1", 200)];
    assert!(!within_cap(&ev, SANDBOX).verdict.examined());
    assert_eq!(max_in_flight("concurrency-cap"), Some(IN_FLIGHT_CAP));
    assert_eq!(max_in_flight("paging"), None);
}
