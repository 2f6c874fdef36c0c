//! Hand-built evidence for the checks' unit tests: journal entries, client runs, output lines and
//! ground truth, without an emulator or a client.

use cerner_mock::journal::{FaultApplied, JournalEntry};
use serde_json::json;
use time::OffsetDateTime;

use crate::evidence::{ClientRun, Evidence, OutputLine, PeakRss, TruthRow};
use crate::scenario::{FhirVersion, SANDBOX, SECOND};
use crate::verdict::{CheckResult, Verdict};

pub(crate) const SECRET: &str = "harness-test-secret";
pub(crate) const START: i64 = 1_767_600_000;

/// A FHIR or token request `seq` seconds after [`START`].
pub(crate) fn entry(seq: u64, tenant: &str, path: &str, query: Option<&str>, status: u16) -> JournalEntry {
    let at = OffsetDateTime::from_unix_timestamp(START).unwrap_or(OffsetDateTime::UNIX_EPOCH)
        + time::Duration::seconds(i64::try_from(seq).unwrap_or(0));
    JournalEntry {
        seq,
        time: at,
        wall_time: at,
        method: if path.ends_with("/token") { "POST" } else { "GET" }.into(),
        path: path.to_owned(),
        query: query.map(str::to_owned),
        client_id: Some("client".into()),
        tenant: Some(tenant.to_owned()),
        jti: None,
        authorization: Some(if path.ends_with("/token") { "Basic" } else { "Bearer" }.into()),
        accept: Some("application/json+fhir".into()),
        status,
        bytes: 0,
        latency_ms: 1.0,
        request_id: Some(format!("req-{seq}")),
        opc_request_id: None,
        scope: path.ends_with("/token").then(|| "system/Appointment.read".into()),
        fhir_version: (!path.ends_with("/token")).then_some(cerner_mock::request::FhirVersion::Dstu2),
        in_flight: None,
        fault: None,
    }
}

/// A search of `tenant`'s appointments.
pub(crate) fn search(seq: u64, tenant: &str, query: &str, status: u16) -> JournalEntry {
    entry(seq, tenant, &format!("/dstu2/{tenant}/Appointment"), Some(query), status)
}

/// A token request for `tenant`.
pub(crate) fn token(seq: u64, tenant: &str) -> JournalEntry {
    entry(seq, tenant, &format!("/tenants/{tenant}/protocols/oauth2/profiles/smart-v1/token"), None, 200)
}

pub(crate) fn faulted(mut entry: JournalEntry, action: &str) -> JournalEntry {
    entry.fault = Some(FaultApplied { rule: "fault-1".into(), action: action.into() });
    entry
}

/// `entry` moved `secs` seconds later (fractions allowed).
pub(crate) fn later(mut entry: JournalEntry, secs: f64) -> JournalEntry {
    entry.wall_time += time::Duration::seconds_f64(secs);
    entry
}

pub(crate) fn run(exit_code: Option<i32>, stderr: &str) -> ClientRun {
    ClientRun {
        exit_code,
        timed_out: exit_code.is_none(),
        stdout: String::new(),
        stderr: stderr.to_owned(),
        duration_ms: 1200,
        output_lines_after: 0,
        peak_rss: PeakRss::Exact(20 * 1024),
        journal_next_seq: 0,
    }
}

/// Evidence of one run that exited 0, with no requests, output or truth yet.
pub(crate) fn evidence() -> Evidence {
    Evidence {
        journal: Vec::new(),
        runs: vec![run(Some(0), "")],
        output: Vec::new(),
        output_errors: Vec::new(),
        truth: Default::default(),
        tenants: vec![SANDBOX.into(), SECOND.into()],
        client_id: "client".into(),
        client_secret: SECRET.into(),
        origin: "http://127.0.0.1:4000".into(),
        trap_connections: 0,
        output_text: String::new(),
        stored: Vec::new(),
        locations: [(SANDBOX.to_owned(), vec!["1".to_owned(), "2".to_owned()])].into(),
        window: ("2026-01-06".into(), "2026-01-27".into()),
        fhir_version: FhirVersion::Dstu2,
        page_cap: crate::scenarios::PAGE_CAP,
        retry_after: Default::default(),
        changed: Vec::new(),
    }
}

/// The emulator holds `(id, version, status)` for `tenant`.
pub(crate) fn with_truth(ev: &mut Evidence, tenant: &str, rows: &[(&str, &str, &str)]) {
    let rows = rows.iter().map(|(id, v, s)| ((*id).to_owned(), TruthRow { version: (*v).into(), status: (*s).into() }));
    ev.truth.entry(tenant.to_owned()).or_default().extend(rows);
}

/// The client wrote `(id, version, status)` for `tenant`, one output line each.
pub(crate) fn with_output(ev: &mut Evidence, tenant: &str, rows: &[(&str, &str, &str)]) {
    for (id, version, status) in rows {
        let resource =
            json!({ "resourceType": "Appointment", "id": id, "meta": { "versionId": version }, "status": status });
        let line = json!({ "tenant": tenant, "resource": resource }).to_string();
        ev.output_text.push_str(&line);
        ev.output_text.push('\n');
        ev.output.push(OutputLine { line: ev.output.len() + 1, tenant: tenant.to_owned(), resource });
    }
    if let Some(run) = ev.runs.last_mut() {
        run.output_lines_after = ev.output.len();
    }
}

/// Asserts a pass whose evidence holds `text`.
#[track_caller]
pub(crate) fn passes(check: &CheckResult, text: &str) {
    assert!(check.verdict.passed(), "{} should pass: {:?}", check.check, check.verdict);
    assert!(check.verdict.evidence().contains(text), "{}: {:?} lacks {text:?}", check.check, check.verdict.evidence());
}

/// Asserts a failure whose evidence holds `text`.
#[track_caller]
pub(crate) fn fails(check: &CheckResult, text: &str) {
    assert!(matches!(check.verdict, Verdict::Fail { .. }), "{} should fail: {:?}", check.check, check.verdict);
    assert!(check.verdict.evidence().contains(text), "{}: {:?} lacks {text:?}", check.check, check.verdict.evidence());
}

/// The check named (by prefix) among `checks`.
#[track_caller]
pub(crate) fn named<'a>(checks: &'a [CheckResult], name: &str) -> &'a CheckResult {
    checks.iter().find(|c| c.check.starts_with(name)).unwrap_or_else(|| panic!("no check {name:?} in {checks:#?}"))
}
