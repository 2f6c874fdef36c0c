//! What a check concludes. A failed check is a value, never an error: it says what was expected and
//! cites the evidence (journal entries by sequence number, output lines, log lines).

use serde::Serialize;

use crate::version::FhirVersion;

/// A check's judgement; serialized with a `verdict` tag (`pass`, `fail`, `not_examined`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The client did what the check asks.
    Pass {
        /// What shows it: journal entries by sequence number, output or log lines.
        evidence: String,
    },
    /// The client did not do what the check asks.
    Fail {
        /// What a correct client does, in a sentence.
        expected: String,
        /// What this client did instead, citing journal entries, output or log lines.
        evidence: String,
    },
    /// The check had nothing to examine (no request, no link, no run): neither a pass nor a
    /// failure of the client, and the run exits 2, because the harness cannot vouch for it.
    NotExamined {
        /// What the check would have judged.
        expected: String,
        /// Why there was nothing to examine.
        evidence: String,
    },
}

impl Verdict {
    /// True only for [`Verdict::Pass`].
    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Pass { .. })
    }

    /// False only for [`Verdict::NotExamined`].
    pub fn examined(&self) -> bool {
        !matches!(self, Verdict::NotExamined { .. })
    }

    /// The evidence the verdict cites.
    pub fn evidence(&self) -> &str {
        match self {
            Verdict::Pass { evidence } | Verdict::Fail { evidence, .. } | Verdict::NotExamined { evidence, .. } => {
                evidence
            }
        }
    }

    /// What was expected, unless the check passed.
    pub fn expected(&self) -> Option<&str> {
        match self {
            Verdict::Pass { .. } => None,
            Verdict::Fail { expected, .. } | Verdict::NotExamined { expected, .. } => Some(expected),
        }
    }

    /// `PASS`, `FAIL` or `NOT EXAMINED`, as the reports print it.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Pass { .. } => "PASS",
            Verdict::Fail { .. } => "FAIL",
            Verdict::NotExamined { .. } => "NOT EXAMINED",
        }
    }
}

/// One check of one scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    /// The check's name, e.g. `window_respected`.
    pub check: String,
    /// Its verdict, flattened into the JSON object.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// On a failure: a redacted note to paste into a support ticket (see [`crate::support`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_note: Option<String>,
}

impl CheckResult {
    /// Pass when `ok`, else fail expecting `expected`; `evidence` either way.
    pub fn new(check: &str, ok: bool, expected: impl Into<String>, evidence: impl Into<String>) -> Self {
        let evidence = evidence.into();
        let verdict =
            if ok { Verdict::Pass { evidence } } else { Verdict::Fail { expected: expected.into(), evidence } };
        Self { check: check.to_owned(), verdict, support_note: None }
    }

    /// A check that found nothing to examine (see [`Verdict::NotExamined`]).
    pub fn not_examined(check: &str, expected: impl Into<String>, evidence: impl Into<String>) -> Self {
        Self {
            check: check.to_owned(),
            verdict: Verdict::NotExamined { expected: expected.into(), evidence: evidence.into() },
            support_note: None,
        }
    }
}

/// A scenario's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    /// The scenario's name, as `--scenario` takes it.
    pub scenario: String,
    /// One sentence on what the scenario does to the client.
    pub description: String,
    /// The review concern it rehearses and the doc section it comes from.
    pub concern: String,
    /// The FHIR version it ran on.
    pub fhir_version: FhirVersion,
    /// Every check run, in order: the fault checks, the scenario's own, then the time limit.
    pub checks: Vec<CheckResult>,
    /// Wall time of the whole scenario (setup, client runs and judging), in milliseconds.
    pub duration_ms: u64,
    /// Each client run: exit code (None when killed at the time limit) and duration.
    pub runs: Vec<RunInfo>,
    /// The scenario's requests, one line each (the call log a reviewer reads), for the HTML report.
    pub timeline: Vec<TimelineEntry>,
    /// Per tenant: the client's rates beside the tenant's limits, from the emulator's journal.
    #[serde(default)]
    pub rates: Vec<crate::rates::TenantRates>,
    /// The job folder, when it was kept (`--keep-workdir`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<String>,
}

/// One run of the client process within a scenario.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunInfo {
    /// The process's exit code; `None` when it was killed (time limit or a signal).
    pub exit_code: Option<i32>,
    /// Wall time from spawn to exit, in milliseconds.
    pub duration_ms: u64,
    /// True when the harness killed it at the scenario's time limit.
    pub timed_out: bool,
    /// The last [`OUTPUT_TAIL`] bytes of what the client printed on stdout, secrets redacted.
    #[serde(default)]
    pub stdout: String,
    /// The same of its stderr.
    #[serde(default)]
    pub stderr: String,
}

/// How much of each stream a report keeps: the end, where a failing client says why.
pub const OUTPUT_TAIL: usize = 64 * 1024;

impl RunInfo {
    /// A run as the reports show it: the tails of its streams, with `secret` and anything that
    /// looks like a JWT (an access token) replaced by `[redacted]`.
    pub fn of(run: &crate::evidence::ClientRun, secret: &str) -> Self {
        let shown = |text: &str| crate::redact::redact(&crate::redact::tail(text, OUTPUT_TAIL), secret);
        RunInfo {
            exit_code: run.exit_code,
            duration_ms: run.duration_ms,
            timed_out: run.timed_out,
            stdout: shown(&run.stdout),
            stderr: shown(&run.stderr),
        }
    }
}

/// One journal entry as a reviewer reads it: no secrets, no tokens.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    /// The journal's sequence number, the id checks cite as evidence.
    pub seq: u64,
    /// When the emulator received it, RFC 3339.
    pub wall_time: String,
    /// The tenant the path named, if any.
    pub tenant: Option<String>,
    /// The HTTP method.
    pub method: String,
    /// Origin, path and query as asked (tokens never appear in URLs).
    pub url: String,
    /// The status the emulator answered.
    pub status: u16,
    /// The fault that answered it instead of the emulator, as "action (rule id)".
    pub fault: Option<String>,
    /// Milliseconds since the scenario's first request, for the timeline picture.
    #[serde(default)]
    pub offset_ms: u64,
    /// How long the request took to answer, in milliseconds.
    #[serde(default)]
    pub latency_ms: u64,
    /// The `Retry-After` a fault rule answered with (a 429), as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<String>,
}

impl ScenarioResult {
    /// True when every check passed (none failed and none went unexamined).
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.verdict.passed())
    }
}

impl Report {
    /// The FHIR versions its scenarios ran on, in order, each once.
    pub fn fhir_versions(&self) -> Vec<FhirVersion> {
        let mut versions: Vec<FhirVersion> = self.scenarios.iter().map(|s| s.fhir_version).collect();
        versions.sort();
        versions.dedup();
        versions
    }

    /// How the reports name a scenario: its name, with its FHIR version when the report spans
    /// several (`paging (R4)`), so no two rows read alike.
    pub fn title(&self, scenario: &ScenarioResult) -> String {
        if self.fhir_versions().len() > 1 {
            format!("{} ({})", scenario.scenario, scenario.fhir_version.label())
        } else {
            scenario.scenario.clone()
        }
    }

    /// The versions in words, for the summaries: `DSTU2`, `R4`, `DSTU2 and R4`.
    pub fn fhir_versions_label(&self) -> String {
        let labels: Vec<&str> = self.fhir_versions().iter().map(|v| v.label()).collect();
        if labels.is_empty() { "none".to_owned() } else { labels.join(" and ") }
    }
}

/// The whole rehearsal.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// How the reports name the client: its `--client-cmd`, or the built-in reference client.
    pub client: String,
    /// Every scenario run, in the order they ran.
    pub scenarios: Vec<ScenarioResult>,
    /// Wall time of the whole rehearsal, in milliseconds.
    pub duration_ms: u64,
    /// What the run was asked to do, for the reports' headers.
    #[serde(default)]
    pub meta: RunMeta,
}

/// A run's settings as a report's header shows them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunMeta {
    /// When the run started (RFC 3339, UTC).
    pub started_at: String,
    /// This harness's version.
    pub harness_version: String,
    /// The client command as given (`--client-cmd`), or the reference client's name.
    pub client_cmd: String,
    /// Each client run's time limit, in seconds.
    pub time_limit_s: u64,
    /// The job's window: inclusive start date, exclusive end date.
    pub window: (String, String),
    /// The fleet's daily pull projected from this client's rates (`rehearse --fleet`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet: Option<crate::fleet::FleetProjection>,
}

impl RunMeta {
    /// Now, this harness's version, and the rest as given.
    pub fn now(client_cmd: &str, time_limit_s: u64, window: (String, String)) -> Self {
        let started_at =
            time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        Self {
            started_at,
            harness_version: env!("CARGO_PKG_VERSION").to_owned(),
            client_cmd: client_cmd.to_owned(),
            time_limit_s,
            window,
            fleet: None,
        }
    }
}

impl Report {
    /// True when every scenario passed.
    pub fn passed(&self) -> bool {
        self.scenarios.iter().all(ScenarioResult::passed)
    }

    /// The checks that had nothing to examine.
    pub fn not_examined(&self) -> usize {
        self.scenarios.iter().flat_map(|s| &s.checks).filter(|c| !c.verdict.examined()).count()
    }

    /// 0 every check passed; 1 a check failed; 2 some check had nothing to examine (the harness
    /// cannot vouch for the run).
    pub fn exit_code(&self) -> u8 {
        if self.not_examined() > 0 {
            2
        } else if self.passed() {
            0
        } else {
            1
        }
    }

    /// Checks passed and checks not passed (failed or not examined), over all scenarios.
    pub fn counts(&self) -> (usize, usize) {
        let checks = self.scenarios.iter().flat_map(|s| &s.checks);
        let (passed, failed): (Vec<_>, Vec<_>) = checks.partition(|c| c.verdict.passed());
        (passed.len(), failed.len())
    }
}
