//! What the checks look at, gathered after the client's runs: the emulator's journal, the client's
//! output lines and logs, its exit codes, and the ground truth read from the emulator's own store
//! (never from a copy of the client's logic).

use std::collections::BTreeMap;

use cerner_mock::journal::JournalEntry;
use serde_json::Value;

use crate::version::{FhirVersion, is_fhir_path};

/// One run of the client.
#[derive(Debug, Clone)]
pub struct ClientRun {
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    pub stdout: String,
    pub stderr: String,
    pub duration_ms: u64,
    /// Lines in the output file when the run ended (so lines can be told apart by run).
    pub output_lines_after: usize,
    /// Its peak resident memory, from `getrusage` once it was reaped.
    pub peak_rss: PeakRss,
    /// The journal's next sequence number when the run ended: entries from this one on belong to
    /// later runs.
    pub journal_next_seq: u64,
}

/// A client's peak resident set size, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeakRss {
    /// Measured: the largest of all this harness's children grew to this during the run.
    Exact(u64),
    /// Not above this figure (an earlier child of the harness peaked there).
    AtMost(u64),
    /// The system did not say.
    Unknown,
}

/// A file the client left in its `state_dir` (at most its first [`STORED_BYTES`] bytes).
#[derive(Debug, Clone)]
pub struct StoredFile {
    /// Relative to `state_dir`.
    pub path: String,
    pub bytes: Vec<u8>,
}

/// How much of each state file is searched.
pub(crate) const STORED_BYTES: usize = 64 * 1024 * 1024;

/// One line of the contract's NDJSON output.
#[derive(Debug, Clone)]
pub struct OutputLine {
    /// 1-based line number, for evidence.
    pub line: usize,
    pub tenant: String,
    pub resource: Value,
}

/// An appointment as the emulator holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruthRow {
    pub version: String,
    pub status: String,
}

/// A resource a change between runs touched, as the emulator's store held it just before the
/// change and holds it once the runs are over: what proves the change really happened (added,
/// changed or removed) before a check judges the client by it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangedResource {
    pub tenant: String,
    /// `Appointment`, `Slot`, … as the emulator named it when it applied the change.
    pub resource_type: String,
    pub id: String,
    /// The stored resource before the change; `Value::Null` when the store did not hold it.
    pub before: Value,
    /// The stored resource; `Value::Null` when the store does not hold it.
    pub stored: Value,
}

#[derive(Debug, Clone)]
pub struct Evidence {
    pub journal: Vec<JournalEntry>,
    pub runs: Vec<ClientRun>,
    pub output: Vec<OutputLine>,
    /// Output lines that are not valid contract lines: `(line number, why)`.
    pub output_errors: Vec<(usize, String)>,
    /// tenant → id → the emulator's current version and status, for the job's window and locations.
    pub truth: BTreeMap<String, BTreeMap<String, TruthRow>>,
    /// The tenants given to the client.
    pub tenants: Vec<String>,
    pub client_id: String,
    pub client_secret: String,
    /// The emulator's origin (e.g. `http://127.0.0.1:41234`).
    pub origin: String,
    /// Connections the trap (a foreign origin) received.
    pub trap_connections: usize,
    /// The output file as written, every line (valid or not).
    pub output_text: String,
    /// The files the client left in its `state_dir`.
    pub stored: Vec<StoredFile>,
    /// tenant → the locations the job gave the client.
    pub locations: BTreeMap<String, Vec<String>>,
    /// The job's window: inclusive start date, exclusive end date.
    pub window: (String, String),
    /// The FHIR version of the bases the job named.
    pub fhir_version: FhirVersion,
    /// The `Retry-After` each throttling fault rule answers with, by rule id.
    pub retry_after: BTreeMap<String, String>,
    /// Pages per location group the job allowed (`limits.max_pages`): the endless-paging bound.
    pub page_cap: usize,
    /// Every resource the scenario's changes between runs touched, read back from the store.
    pub changed: Vec<ChangedResource>,
}

impl Evidence {
    /// The client's final view: the last output line per (tenant, id).
    pub fn final_view(&self) -> BTreeMap<String, BTreeMap<String, &Value>> {
        let mut view: BTreeMap<String, BTreeMap<String, &Value>> = BTreeMap::new();
        for line in &self.output {
            if let Some(id) = line.resource["id"].as_str() {
                view.entry(line.tenant.clone()).or_default().insert(id.to_owned(), &line.resource);
            }
        }
        view
    }

    /// Journal entries of a tenant's FHIR searches and reads (on a base of either version).
    pub fn fhir_calls(&self, tenant: &str) -> Vec<&JournalEntry> {
        self.journal.iter().filter(|e| e.tenant.as_deref() == Some(tenant) && is_fhir_path(&e.path)).collect()
    }

    /// Journal entries of a tenant's token requests.
    pub fn token_calls(&self, tenant: &str) -> Vec<&JournalEntry> {
        self.journal.iter().filter(|e| e.tenant.as_deref() == Some(tenant) && e.path.ends_with("/token")).collect()
    }

    /// All the client printed, every run: stdout then stderr, line after line (evidence cites
    /// lines of this text).
    pub fn logs(&self) -> String {
        let mut logs = String::new();
        for text in self.runs.iter().flat_map(|r| [&r.stdout, &r.stderr]).filter(|t| !t.is_empty()) {
            logs.push_str(text);
            if !text.ends_with('\n') {
                logs.push('\n');
            }
        }
        logs
    }
}

/// `#12 GET /dstu2/…/Appointment?… → 200`: how checks cite a journal entry.
pub(crate) fn cite(entry: &JournalEntry) -> String {
    let query = entry.query.as_deref().map(|q| format!("?{}", shorten(q, 80))).unwrap_or_default();
    format!("#{} {} {}{} → {}", entry.seq, entry.method, entry.path, query, entry.status)
}

/// Up to `max` characters, with `…` when cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{cut}…")
}
