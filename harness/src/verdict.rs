//! What a check concludes. A failed check is a value, never an error: it says what was expected and
//! cites the evidence (journal entries by sequence number, output lines, log lines).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Pass { evidence: String },
    Fail { expected: String, evidence: String },
}

impl Verdict {
    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Pass { .. })
    }

    pub fn evidence(&self) -> &str {
        match self {
            Verdict::Pass { evidence } | Verdict::Fail { evidence, .. } => evidence,
        }
    }
}

/// One check of one scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub check: String,
    #[serde(flatten)]
    pub verdict: Verdict,
}

impl CheckResult {
    /// Pass when `ok`, else fail expecting `expected`; `evidence` either way.
    pub fn new(check: &str, ok: bool, expected: impl Into<String>, evidence: impl Into<String>) -> Self {
        let evidence = evidence.into();
        let verdict =
            if ok { Verdict::Pass { evidence } } else { Verdict::Fail { expected: expected.into(), evidence } };
        Self { check: check.to_owned(), verdict }
    }
}

/// A scenario's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    pub scenario: String,
    pub description: String,
    /// The review concern it rehearses and the doc section it comes from.
    pub concern: String,
    pub checks: Vec<CheckResult>,
    pub duration_ms: u64,
    /// Each client run: exit code (None when killed at the time limit) and duration.
    pub runs: Vec<RunInfo>,
    /// The scenario's requests, one line each (the call log a reviewer reads), for the HTML report.
    pub timeline: Vec<TimelineEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    pub timed_out: bool,
}

impl From<&crate::evidence::ClientRun> for RunInfo {
    fn from(run: &crate::evidence::ClientRun) -> Self {
        RunInfo { exit_code: run.exit_code, duration_ms: run.duration_ms, timed_out: run.timed_out }
    }
}

/// One journal entry as a reviewer reads it: no secrets, no tokens.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub seq: u64,
    pub wall_time: String,
    pub tenant: Option<String>,
    pub method: String,
    pub url: String,
    pub status: u16,
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
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.verdict.passed())
    }
}

/// The whole rehearsal.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub client: String,
    pub scenarios: Vec<ScenarioResult>,
    pub duration_ms: u64,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.scenarios.iter().all(ScenarioResult::passed)
    }

    pub fn counts(&self) -> (usize, usize) {
        let checks = self.scenarios.iter().flat_map(|s| &s.checks);
        let (passed, failed): (Vec<_>, Vec<_>) = checks.partition(|c| c.verdict.passed());
        (passed.len(), failed.len())
    }
}
