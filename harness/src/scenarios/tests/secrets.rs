//! Credential hygiene over hand-built logs, output, state files and URLs.

use super::*;
use crate::evidence::StoredFile;
use crate::scenario::SANDBOX;
use crate::scenarios::kit::*;

const JWT: &str = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";

fn clean() -> Evidence {
    let mut ev = evidence();
    ev.journal = vec![search(1, SANDBOX, "-pageContext=eyJ0IjoiYSJ9.c2ln&-pageDirection=NEXT", 200)];
    with_output(&mut ev, SANDBOX, &[("1", "0", "booked")]);
    ev.stored = vec![StoredFile { path: "sync.db".into(), bytes: b"cursor=2026-01-06".to_vec() }];
    ev
}

#[test]
fn a_clean_client_passes_every_hygiene_check() {
    let checks = credential_hygiene(&clean());
    passes(named(&checks, "never prints"), "log lines checked");
    passes(named(&checks, "never stores"), "1 output lines and 1 state file(s) (17 bytes) checked");
    passes(named(&checks, "never puts a credential in a URL"), "1 requests checked");
}

#[test]
fn the_secret_basic_value_or_a_token_in_the_logs_fails() {
    for (log, what) in [
        (format!("signing in with {SECRET}"), "the client secret"),
        ("Authorization: Basic Y2xpZW50Omhhcm5lc3MtdGVzdC1zZWNyZXQ=".to_owned(), "the Basic value"),
        (format!("Bearer {JWT}"), "an access token (JWT)"),
    ] {
        let mut ev = clean();
        ev.runs = vec![run(Some(0), &format!("starting\n{log}"))];
        fails(named(&credential_hygiene(&ev), "never prints"), &format!("log line 2 holds {what}"));
    }
}

#[test]
fn a_token_in_any_output_field_or_a_state_file_fails() {
    let mut ev = clean();
    ev.output_text = format!("{{\"tenant\":\"{SANDBOX}\",\"resource\":{{}},\"auth\":\"{JWT}\"}}\n");
    fails(named(&credential_hygiene(&ev), "never stores"), "output line 1 (ec2458f2) holds an access token (JWT)");
    let mut ev = clean();
    ev.stored.push(StoredFile { path: "cache/token.json".into(), bytes: format!("{{\"t\":\"{JWT}\"}}").into_bytes() });
    fails(named(&credential_hygiene(&ev), "never stores"), "state file cache/token.json holds an access token (JWT)");
    let mut ev = clean();
    ev.stored.push(StoredFile { path: "config".into(), bytes: SECRET.as_bytes().to_vec() });
    fails(named(&credential_hygiene(&ev), "never stores"), "state file config holds the client secret");
}

#[test]
fn a_credential_in_a_url_fails() {
    let mut ev = clean();
    ev.journal.push(search(2, SANDBOX, &format!("access_token={JWT}"), 200));
    fails(named(&credential_hygiene(&ev), "never puts"), "#2 GET");
}

#[test]
fn jwts_are_told_apart_from_page_tokens() {
    assert!(has_jwt(&format!("Authorization: Bearer {JWT}")));
    assert!(!has_jwt("-pageContext=eyJ0IjoiYSJ9.c2ln&-pageDirection=NEXT"));
    assert!(!has_jwt("nothing here"));
}
