//! Progress: a bar per tenant on a terminal (indicatif), plain log lines otherwise.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Mutex, PoisonError};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::tenant::{Outcome, TenantReport};

/// Where a run shows its progress on stderr: one spinner per tenant, or one log line per event.
#[derive(Debug)]
pub enum Progress {
    /// Stderr is a terminal: a spinner per tenant counting its appointments.
    Bars {
        /// The terminal area the bars draw in.
        multi: MultiProgress,
        /// Each tenant's bar, by tenant id.
        bars: Mutex<HashMap<String, ProgressBar>>,
    },
    /// Stderr is not a terminal (or a worker runs): `tracing` lines at info level.
    Log,
}

impl Progress {
    /// Bars when stderr is a terminal, log lines otherwise.
    pub fn for_stderr(tenants: &[String]) -> Self {
        if !std::io::stderr().is_terminal() {
            return Progress::Log;
        }
        let multi = MultiProgress::new();
        let style = ProgressStyle::with_template("{spinner} {prefix:.bold} {pos} appointments {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bars = tenants
            .iter()
            .map(|t| {
                let bar = multi.add(ProgressBar::new_spinner().with_style(style.clone()).with_prefix(t.clone()));
                (t.clone(), bar)
            })
            .collect();
        Progress::Bars { multi, bars: Mutex::new(bars) }
    }

    /// Records that a page of `appointments` appointments was stored for `tenant`.
    pub fn page(&self, tenant: &str, appointments: u64) {
        match self {
            Progress::Bars { bars, .. } => {
                if let Some(bar) = bars.lock().unwrap_or_else(PoisonError::into_inner).get(tenant) {
                    bar.set_position(appointments);
                }
            }
            Progress::Log => tracing::info!(%tenant, appointments, "page stored"),
        }
    }

    /// Shows how the tenant's sync ended (its outcome and page count) and stops its bar.
    pub fn finish(&self, report: &TenantReport) {
        let outcome = match &report.outcome {
            Outcome::Synced => "synced".to_owned(),
            Outcome::Deferred { until, .. } => format!("deferred until {}", crate::run::rfc3339(*until)),
            Outcome::Rejected { reason } => format!("rejected: {reason}"),
            Outcome::Failed { reason, .. } => format!("failed: {reason}"),
        };
        match self {
            Progress::Bars { bars, .. } => {
                if let Some(bar) = bars.lock().unwrap_or_else(PoisonError::into_inner).get(&report.tenant) {
                    bar.finish_with_message(outcome);
                }
            }
            Progress::Log => tracing::info!(tenant = %report.tenant, pages = report.pages, "{outcome}"),
        }
    }
}
