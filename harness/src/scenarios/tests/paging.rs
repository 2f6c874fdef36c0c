//! The paging scenarios' own checks over hand-built evidence.

use super::*;
use crate::scenarios::kit::*;

#[test]
fn paging_needs_followed_links_for_both_tenants() {
    let mut ev = evidence();
    with_truth(&mut ev, SANDBOX, &[("1", "0", "booked")]);
    with_output(&mut ev, SANDBOX, &[("1", "0", "booked")]);
    ev.journal = vec![search(1, SANDBOX, "date=ge2026", 200), search(2, SANDBOX, "-pageContext=x", 200)];
    assert!(paging(&ev).iter().all(|c| c.verdict.passed()), "{:#?}", paging(&ev));
    ev.journal[1].query = Some("date=ge2026&_getpages=2".into());
    fails(named(&paging(&ev), "follows next links"), "looks built");
}

#[test]
fn short_page_needs_a_request_after_the_short_page() {
    let mut ev = evidence();
    ev.journal =
        vec![faulted(search(1, SANDBOX, "date=ge2026", 200), "short_page"), search(2, SANDBOX, "-pageContext=x", 200)];
    passes(named(&short_page(&ev), "keeps following"), "short page #1");
    ev.journal.truncate(1);
    fails(named(&short_page(&ev), "keeps following"), "short page #1");
    fails(named(&short_page(&evidence()), "keeps following"), "the short page was never served");
}

#[test]
fn same_id_needs_the_newest_version() {
    let mut ev = evidence();
    with_truth(&mut ev, SANDBOX, &[("1", "1", "booked")]);
    with_output(&mut ev, SANDBOX, &[("1", "1", "booked")]);
    assert!(same_id(&ev).iter().all(|c| c.verdict.passed()));
    with_output(&mut ev, SANDBOX, &[("1", "0", "booked")]);
    fails(named(&same_id(&ev), "stores exactly"), "1 has version 0 (the emulator has 1)");
}
