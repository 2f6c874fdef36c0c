//! The human summary `run` prints without `--json`: one line per tenant (outcome, appointments
//! new/updated/unchanged/vanished, the reason of a failure), kept to one screen: past
//! [`MAX_LINES`] tenants, the ones that synced are counted rather than listed.

use std::fmt::Write;

use crate::run::RunSummary;
use crate::tenant::{Outcome, TenantReport};

/// Tenant lines shown at most; `--json` lists every tenant.
pub const MAX_LINES: usize = 20;

/// The summary as text, ending with a newline.
pub fn human(summary: &RunSummary) -> String {
    let synced = summary.tenants.iter().filter(|t| t.outcome == Outcome::Synced).count();
    let total = summary.tenants.len();
    let mut text = format!(
        "run {}: {synced} of {total} tenants synced{}\n",
        summary.run,
        summary.worker.as_ref().map(|w| format!(" (worker {}, round {})", w.id, w.round)).unwrap_or_default()
    );
    let unsynced: Vec<&TenantReport> = summary.tenants.iter().filter(|t| t.outcome != Outcome::Synced).collect();
    let shown: Vec<&TenantReport> = if total <= MAX_LINES {
        summary.tenants.iter().collect()
    } else {
        unsynced.iter().take(MAX_LINES).copied().collect()
    };
    for report in &shown {
        let _ = writeln!(text, "  {}", line(report));
    }
    let hidden = total - shown.len();
    if hidden > 0 {
        let _ = writeln!(text, "  … and {hidden} more tenants (--json lists every one)");
    }
    let sum = |f: fn(&TenantReport) -> u64| summary.tenants.iter().map(f).sum::<u64>();
    let _ = writeln!(
        text,
        "appointments: {} new, {} updated, {} unchanged, {} vanished",
        sum(|t| t.inserted),
        sum(|t| t.updated),
        sum(|t| t.unchanged),
        sum(|t| t.vanished)
    );
    text
}

fn line(report: &TenantReport) -> String {
    let counts = format!(
        "{} new, {} updated, {} unchanged, {} vanished",
        report.inserted, report.updated, report.unchanged, report.vanished
    );
    let (outcome, reason) = match &report.outcome {
        Outcome::Synced => ("synced", String::new()),
        Outcome::Deferred { until, reason } => {
            ("DEFERRED", format!(": {reason}; not called before {}", crate::run::rfc3339(*until)))
        }
        Outcome::Rejected { reason } => ("REJECTED", format!(": {reason}")),
        Outcome::Failed { reason, request_id } => (
            "FAILED",
            format!(
                ": {reason}{}",
                request_id.as_deref().map(|id| format!(" (X-Request-Id {id})")).unwrap_or_default()
            ),
        ),
    };
    format!("{:<8} {}  {counts}{reason}", outcome, report.tenant)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(tenant: &str, outcome: Outcome) -> TenantReport {
        let mut report = TenantReport::new(tenant, outcome);
        report.inserted = 3;
        report
    }

    fn summary(tenants: Vec<TenantReport>) -> RunSummary {
        let at = time::OffsetDateTime::UNIX_EPOCH;
        RunSummary { run: 7, started_at: at, finished_at: at, worker: None, tenants }
    }

    #[test]
    fn each_tenant_gets_a_line_with_its_counts_and_reason() {
        let failed = Outcome::Failed { reason: "paging cycle: …".into(), request_id: Some("r-1".into()) };
        let text = human(&summary(vec![report("a", Outcome::Synced), report("b", failed)]));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "run 7: 1 of 2 tenants synced");
        assert_eq!(lines[1], "  synced   a  3 new, 0 updated, 0 unchanged, 0 vanished");
        assert_eq!(
            lines[2],
            "  FAILED   b  3 new, 0 updated, 0 unchanged, 0 vanished: paging cycle: … (X-Request-Id r-1)"
        );
        assert_eq!(lines[3], "appointments: 6 new, 0 updated, 0 unchanged, 0 vanished");
    }

    #[test]
    fn many_tenants_fit_one_screen_with_every_failure_listed_first() {
        let mut tenants: Vec<TenantReport> = (0..200).map(|n| report(&format!("t{n}"), Outcome::Synced)).collect();
        tenants[150] = report("bad", Outcome::Rejected { reason: "invalid_grant".into() });
        let text = human(&summary(tenants));
        assert!(text.lines().count() <= MAX_LINES + 3, "{text}");
        assert!(text.contains("REJECTED bad"), "{text}");
        assert!(text.contains("… and 199 more tenants"), "{text}");
    }
}
