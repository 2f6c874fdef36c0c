//! A small hand-built report the renderers' tests share: one scenario that passes, one that fails
//! with evidence full of what escaping must handle (`<`, `&`, both quotes, ANSI and BEL controls).

use crate::verdict::{CheckResult, Report, RunInfo, ScenarioResult, TimelineEntry};
use crate::version::FhirVersion;

/// The failing check's evidence, as a client's log could hand it to a check.
pub(super) const FAILING_EVIDENCE: &str =
    "journal #7: GET /Appointment?date=<2024&x=\"q\" 'it' \u{1b}[31mred\u{7} reused token";

/// [`report`] with its second scenario run on R4: a report over both versions.
pub(super) fn both_versions() -> Report {
    let mut report = report();
    report.scenarios[1].fhir_version = FhirVersion::R4;
    report
}

pub(super) fn report() -> Report {
    Report {
        client: "appointment-sync".to_owned(),
        scenarios: vec![passing(), failing()],
        duration_ms: 2_345,
        meta: crate::verdict::RunMeta {
            started_at: "2026-12-06T23:00:00Z".to_owned(),
            harness_version: "0.1.0".to_owned(),
            client_cmd: "appointment-sync run --job \"$HARNESS_JOB\"".to_owned(),
            time_limit_s: 60,
            window: ("2026-01-06".to_owned(), "2026-01-27".to_owned()),
            fleet: None,
        },
    }
}

fn passing() -> ScenarioResult {
    ScenarioResult {
        scenario: "happy-path".to_owned(),
        description: "One tenant, one page, no faults".to_owned(),
        concern: "Basic sync (README, cerner-harness)".to_owned(),
        fhir_version: FhirVersion::Dstu2,
        checks: vec![
            CheckResult::new("one token", true, "", "journal #1: one POST /token"),
            CheckResult::new("all appointments written", true, "", "output: 12 lines"),
        ],
        duration_ms: 850,
        runs: vec![RunInfo { exit_code: Some(0), duration_ms: 800, timed_out: false, ..Default::default() }],
        rates: Vec::new(),
        timeline: vec![
            entry(1, Some("tenant-a"), "POST", "http://127.0.0.1:4000/tenant-a/token", 200, None),
            entry(2, Some("tenant-a"), "GET", "http://127.0.0.1:4000/tenant-a/Appointment?_count=50", 200, None),
        ],
        workdir: None,
    }
}

fn failing() -> ScenarioResult {
    ScenarioResult {
        scenario: "token-reuse".to_owned(),
        description: "Tokens are cached until they expire".to_owned(),
        concern: "Token reuse <RFC 6749 §4.4> & rate \"limits\"".to_owned(),
        fhir_version: FhirVersion::Dstu2,
        checks: vec![
            CheckResult::new("accept header", true, "", "every request sent Accept: application/json+fhir"),
            CheckResult::new("token reused & cached", false, "one POST /token per tenant", FAILING_EVIDENCE),
            CheckResult::new(
                "retry-after honoured",
                false,
                "a pause of 5 s after #9",
                "journal #10 came 0.1 s after #9",
            ),
        ],
        duration_ms: 1_495,
        runs: vec![RunInfo {
            exit_code: None,
            duration_ms: 1_400,
            timed_out: true,
            stdout: String::new(),
            stderr: "fetching page 3 <of ?>\n".to_owned(),
        }],
        rates: Vec::new(),
        timeline: vec![
            entry(
                7,
                Some("tenant-a"),
                "GET",
                "http://127.0.0.1:4000/tenant-a/Appointment?date=ge2024&x=<y>",
                200,
                None,
            ),
            entry(8, None, "GET", "http://127.0.0.1:4000/.well-known/smart-configuration", 200, None),
            TimelineEntry {
                retry_after: Some("5".to_owned()),
                ..entry(
                    9,
                    Some("tenant-b"),
                    "GET",
                    "http://127.0.0.1:4000/tenant-b/Appointment",
                    429,
                    Some("rate limit"),
                )
            },
            entry(10, Some("tenant-b"), "GET", "http://127.0.0.1:4000/tenant-b/Appointment", 200, None),
        ],
        workdir: None,
    }
}

fn entry(seq: u64, tenant: Option<&str>, method: &str, url: &str, status: u16, fault: Option<&str>) -> TimelineEntry {
    TimelineEntry {
        seq,
        wall_time: format!("2024-05-01T10:00:0{seq}Z"),
        tenant: tenant.map(str::to_owned),
        method: method.to_owned(),
        url: url.to_owned(),
        status,
        fault: fault.map(str::to_owned),
        offset_ms: (seq - 1) * 100,
        latency_ms: 3,
        retry_after: None,
    }
}
