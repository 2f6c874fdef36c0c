//! Support notes: the cited request with its ids and UTC time, and nothing a ticket must not hold.

use super::*;
use crate::scenario::SANDBOX;
use crate::scenarios::kit::*;

const TOKEN: &str = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";

/// A request whose query carries a secret, a token and patient data, answered 429.
fn secret_bearing() -> JournalEntry {
    let query = format!(
        "patient=12724066&name=SMART%2C+Nancy&identifier=urn%3Amrn%7C123&subject%3APatient=777&birthdate=1980-08-11\
         &access_token={TOKEN}&client_secret={SECRET}&date=ge2026-01-06&_count=50&location=21503380&-pageContext=eyJwYXRpZW50IjoiMTIzIn0"
    );
    let mut e = search(7, SANDBOX, &query, 429);
    e.opc_request_id = Some("/95685D1463E5BE27E66427BBDA8725DE/BD2E22EED59A7AD48B938357F8CF72E1".into());
    e
}

#[test]
fn a_failing_check_gets_a_note_naming_the_request_it_cites_without_secrets_or_patient_data() {
    let mut ev = evidence();
    ev.journal = vec![token(1, SANDBOX), search(2, SANDBOX, "location=1", 200), secret_bearing()];
    let mut checks = vec![
        CheckResult::new("waits", false, "a pause", format!("#7 came 0.1 s after #2; secret {SECRET}")),
        CheckResult::new("passes", true, "", "#2"),
    ];
    attach(&mut checks, &ev);
    assert!(checks[1].support_note.is_none(), "only failures carry a note");
    let note = checks[0].support_note.as_deref().unwrap();
    assert!(note.contains("Time (UTC): 2026-01-05T08:00:07Z"), "{note}");
    assert!(
        note.contains(&format!("Request: GET http://127.0.0.1:4000/dstu2/{SANDBOX}/Appointment?patient=[redacted]"))
    );
    for kept in [
        "name=[redacted]",
        "identifier=[redacted]",
        "subject%3APatient=[redacted]",
        "birthdate=[redacted]",
        "access_token=[redacted]",
        "client_secret=[redacted]",
        "date=ge2026-01-06",
        "_count=50",
        "-pageContext=[redacted]",
        "location=21503380",
        "Status: 429",
        "X-Request-Id: req-7",
        "opc-request-id: /95685D1463E5BE27E66427BBDA8725DE/BD2E22EED59A7AD48B938357F8CF72E1",
    ] {
        assert!(note.contains(kept), "{kept} in {note}");
    }
    for never in [SECRET, TOKEN, "eyJwYXRpZW50", "12724066", "Nancy", "123", "777", "1980-08-11", "came 0.1 s"] {
        assert!(!note.contains(never), "{never} in {note}");
    }
}

#[test]
fn without_a_citation_the_last_failed_request_is_named_and_a_patient_read_loses_its_id() {
    let mut ev = evidence();
    let read = entry(3, SANDBOX, &format!("/dstu2/{SANDBOX}/Patient/12724066"), None, 404);
    ev.journal = vec![search(2, SANDBOX, "location=1", 200), read, search(4, SANDBOX, "location=1", 200)];
    let mut checks = vec![CheckResult::new("reports the tenant", false, "a report", "no log line names it")];
    attach(&mut checks, &ev);
    let note = checks[0].support_note.as_deref().unwrap();
    assert!(note.contains("/Patient/[redacted]") && note.contains("Status: 404"), "{note}");
    assert!(!note.contains("12724066"));
    assert_eq!(redact_query("/dstu2/t/Patient", "_id=5&_count=2"), "_id=[redacted]&_count=2");
    assert_eq!(redact_query("/dstu2/t/Appointment", "_id=5"), "_id=5", "an appointment id is not patient data");
}

#[test]
fn with_no_request_at_all_the_note_says_so() {
    let mut checks = vec![CheckResult::new("exits 0", false, "0", "exit code 1")];
    attach(&mut checks, &evidence());
    assert_eq!(checks[0].support_note.as_deref(), Some("Check failed: exits 0\nRequest: none was made"));
}
