//! A rehearsal as it happens (declared by `main.rs`, not part of the library): each scenario's row
//! on stdout as soon as it finishes, and on a terminal a live line on stderr naming what runs and
//! for how long (`running token-expiry 12 s / 60 s`), redrawn every second.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use cerner_harness::report::LiveTable;
use cerner_harness::schedule::Progress;
use cerner_harness::verdict::ScenarioResult;
use cerner_harness::version::FhirVersion;

use crate::console;

/// What the rehearsal shows while it runs.
#[derive(Debug)]
pub(crate) struct Live {
    /// The rows, when the full table is wanted (not `-q` or `--list-failures-only`).
    table: Option<LiveTable>,
    /// Whether a scenario's title names its version (the run spans several).
    versioned: bool,
    /// The live line on stderr, when stderr is a terminal.
    line: bool,
    limit: Duration,
    running: Mutex<Vec<(String, Instant)>>,
    /// Whether `--keep-workdir` paths are printed.
    keep: bool,
}

impl Live {
    pub(crate) fn new(table: Option<LiveTable>, versioned: bool, line: bool, limit: Duration, keep: bool) -> Self {
        Self { table, versioned, line, limit, running: Mutex::new(Vec::new()), keep }
    }

    /// The header, before any row.
    pub(crate) fn begin(&self) {
        if let Some(table) = &self.table {
            console::out(&table.header());
        }
    }

    fn title(&self, scenario: &str, version: FhirVersion) -> String {
        if self.versioned { format!("{scenario} ({})", version.label()) } else { scenario.to_owned() }
    }

    /// Redraws the live line (or clears it when nothing runs).
    pub(crate) fn draw(&self) {
        if !self.line {
            return;
        }
        let running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let text = match running.iter().min_by_key(|(_, started)| *started) {
            Some((title, started)) => {
                let more = if running.len() > 1 { format!(" (+{} more)", running.len() - 1) } else { String::new() };
                format!("running {title}{more} {} s / {} s", started.elapsed().as_secs(), self.limit.as_secs())
            }
            None => String::new(),
        };
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r\u{1b}[2K{text}");
        let _ = stderr.flush();
    }

    fn clear(&self) {
        if self.line {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "\r\u{1b}[2K");
            let _ = stderr.flush();
        }
    }

    /// Redraws the live line every second until the returned handle is dropped or aborted.
    pub(crate) fn tick(self: &Arc<Self>) -> Option<tokio::task::JoinHandle<()>> {
        let live = self.clone();
        self.line.then(|| {
            tokio::spawn(async move {
                let mut every = tokio::time::interval(Duration::from_secs(1));
                loop {
                    every.tick().await;
                    live.draw();
                }
            })
        })
    }

    pub(crate) fn end(&self) {
        self.clear();
    }
}

impl Progress for Live {
    fn started(&self, scenario: &str, version: FhirVersion) {
        let title = self.title(scenario, version);
        self.running.lock().unwrap_or_else(PoisonError::into_inner).push((title, Instant::now()));
        self.draw();
    }

    fn finished(&self, result: &ScenarioResult) {
        let title = self.title(&result.scenario, result.fhir_version);
        self.running.lock().unwrap_or_else(PoisonError::into_inner).retain(|(t, _)| *t != title);
        self.clear();
        if let Some(table) = &self.table {
            console::out(&table.row(&title, result));
        }
        if let (true, Some(dir)) = (self.keep, &result.workdir) {
            console::line(&format!("  job folder kept: {dir}"));
        }
        self.draw();
    }
}
