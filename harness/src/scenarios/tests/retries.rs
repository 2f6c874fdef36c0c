//! The retry scenarios' checks over hand-built evidence.

use super::*;
use crate::scenarios::kit::*;

#[test]
fn an_http_date_is_imf_fixdate_and_parses_back() {
    let at = OffsetDateTime::from_unix_timestamp(784_111_777).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    assert_eq!(http_date(at), "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_eq!(parse_retry_after(&http_date(at)), Ok(RetryAfter::Date(at)));
}

fn throttled(seq: u64, value: &str, ev: &mut Evidence) -> cerner_mock::journal::JournalEntry {
    ev.retry_after.insert("fault-1".into(), value.into());
    faulted(search(seq, SANDBOX, "a", 429), "throttle")
}

#[test]
fn waiting_until_an_http_date_is_checked_against_the_date() {
    let mut ev = evidence();
    let t = throttled(1, "", &mut ev);
    let date = t.wall_time + time::Duration::seconds(20);
    ev.retry_after.insert("fault-1".into(), http_date(date));
    // The kit's entry n is n seconds after the start: #2 is 1 s after the 429 before `later`.
    ev.journal = vec![t.clone(), later(search(2, SANDBOX, "a", 200), 18.0)];
    fails(&waits_until_retry_after(&ev, SANDBOX), "came 1.00 s too early");
    ev.journal = vec![t, later(search(2, SANDBOX, "a", 200), 19.0)];
    passes(&waits_until_retry_after(&ev, SANDBOX), "said Retry-After: ");
}

#[test]
fn waiting_delta_seconds_counts_from_the_429() {
    let mut ev = evidence();
    let t = throttled(1, "5", &mut ev);
    ev.journal = vec![t.clone(), later(search(2, SANDBOX, "a", 200), 2.0)];
    fails(&waits_until_retry_after(&ev, SANDBOX), "came 2.00 s too early");
    ev.journal = vec![t, later(search(2, SANDBOX, "a", 200), 4.0)];
    passes(&waits_until_retry_after(&ev, SANDBOX), "said Retry-After: 5");
    fails(&waits_until_retry_after(&evidence(), SANDBOX), "no 429 with a known Retry-After was served");
}

#[test]
fn a_deferral_must_keep_the_next_run_away() {
    let mut ev = evidence();
    ev.runs = vec![run(Some(1), ""), run(Some(1), "")];
    ev.runs[0].journal_next_seq = 3;
    ev.journal = vec![token(1, SANDBOX), search(2, SANDBOX, "a", 429), token(3, SECOND)];
    passes(&quiet_in_later_runs(&ev, SANDBOX), "no request to it in run 2");
    ev.journal.push(token(4, SANDBOX));
    fails(&quiet_in_later_runs(&ev, SANDBOX), "run 2 made 1 request(s) to it, the first #4");
    ev.runs.pop();
    fails(&quiet_in_later_runs(&ev, SANDBOX), "the scenario ran the client once");
}

#[test]
fn tokens_for_a_tenant_that_rejects_them_are_capped() {
    let mut ev = evidence();
    ev.journal = (1..=3).map(|n| token(n, SANDBOX)).collect();
    passes(&token_cap(&ev, SANDBOX), "3 token request(s)");
    ev.journal.push(token(4, SANDBOX));
    fails(&token_cap(&ev, SANDBOX), "4 token request(s), the last #4");
}
