//! The top of the HTML report, what a reviewer reads first: the run's header (date, harness
//! version, client command, FHIR versions, time limit, window), the failures with links to their
//! sections, and the scenarios one row each, a scenario's DSTU2 and R4 results side by side, each
//! concern linked to the Cerner documentation it comes from.

use super::{anchor, verdict_span};
use crate::report::{escape_markup as esc, headline, human_duration};
use crate::verdict::{Report, ScenarioResult};
use crate::version::FhirVersion;

/// The header table.
pub(super) fn header(page: &mut String, report: &Report) {
    let (checks_passed, checks_failed) = report.counts();
    let scenarios_passed = report.scenarios.iter().filter(|s| s.passed()).count();
    let meta = &report.meta;
    let rows = [
        ("Date", esc(&meta.started_at)),
        ("Harness", format!("cerner-harness {}", esc(&meta.harness_version))),
        ("Client", format!("<span class=\"code\">{}</span>", esc(&report.client))),
        ("Client command", format!("<span class=\"code\">{}</span>", esc(&meta.client_cmd))),
        ("FHIR", esc(&report.fhir_versions_label())),
        ("Time limit", format!("{} s per client run", meta.time_limit_s)),
        ("Window", format!("{} (inclusive) to {} (exclusive)", esc(&meta.window.0), esc(&meta.window.1))),
        (
            "Scenarios",
            format!(
                "{} ({scenarios_passed} passed, {} failed)",
                report.scenarios.len(),
                report.scenarios.len() - scenarios_passed
            ),
        ),
        ("Checks", format!("{} ({checks_passed} passed, {checks_failed} failed)", checks_passed + checks_failed)),
        ("Duration", human_duration(report.duration_ms)),
    ];
    page.push_str("<table class=\"summary\">\n");
    for (name, value) in rows {
        page.push_str(&format!("<tr><th>{name}</th><td>{value}</td></tr>\n"));
    }
    page.push_str("</table>\n");
}

/// Every failed check, first, each linking to its scenario's section.
pub(super) fn failures(page: &mut String, report: &Report) {
    let failed: Vec<(usize, &ScenarioResult)> =
        report.scenarios.iter().enumerate().filter(|(_, s)| !s.passed()).collect();
    if failed.is_empty() {
        return;
    }
    page.push_str("<h2 id=\"failures\">Failures</h2>\n<ul class=\"failures\">\n");
    for (index, s) in failed {
        for check in s.checks.iter().filter(|c| !c.verdict.passed()) {
            page.push_str(&format!(
                "<li><a href=\"#{}\">{}</a>: {} <span class=\"fail\">{}</span><br/><span class=\"muted\">{}</span></li>\n",
                anchor(index),
                esc(&report.title(s)),
                esc(&check.check),
                check.verdict.word(),
                esc(&crate::evidence::shorten(check.verdict.evidence(), 300)),
            ));
        }
    }
    page.push_str("</ul>\n");
}

/// One row per scenario, a column per FHIR version of the report (so DSTU2 and R4 sit side by
/// side); each verdict links to that run's section.
pub(super) fn scenario_table(page: &mut String, report: &Report) {
    let versions = report.fhir_versions();
    let mut names: Vec<&str> = Vec::new();
    for s in &report.scenarios {
        if !names.contains(&s.scenario.as_str()) {
            names.push(&s.scenario);
        }
    }
    let version_heads: String = versions.iter().map(|v| format!("<th>{}</th>", v.label())).collect();
    page.push_str(&format!(
        "<h2>Scenarios</h2>\n<table class=\"scenarios\">\n<thead><tr><th>Scenario</th>{version_heads}\
         <th>Evidence</th><th>Concern</th></tr></thead>\n<tbody>\n"
    ));
    for name in names {
        let runs: Vec<(usize, &ScenarioResult)> =
            report.scenarios.iter().enumerate().filter(|(_, s)| s.scenario == name).collect();
        let passed = runs.iter().all(|(_, s)| s.passed());
        let cells: String = versions.iter().map(|v| verdict_cell(&runs, *v)).collect();
        let shown = runs.iter().find(|(_, s)| !s.passed()).or(runs.first()).map(|(_, s)| *s);
        page.push_str(&format!(
            "<tr{}><td class=\"name\">{}</td>{cells}<td>{}</td><td>{}</td></tr>\n",
            if passed { "" } else { " class=\"failed\"" },
            esc(name),
            shown.map_or_else(String::new, |s| esc(&headline(s, 200))),
            shown.map_or_else(String::new, |s| concern_link(&s.concern)),
        ));
    }
    page.push_str("</tbody>\n</table>\n");
}

fn verdict_cell(runs: &[(usize, &ScenarioResult)], version: FhirVersion) -> String {
    match runs.iter().find(|(_, s)| s.fhir_version == version) {
        Some((index, s)) => format!(
            "<td><a href=\"#{}\">{}</a> <span class=\"muted\">{}</span></td>",
            anchor(*index),
            verdict_span(s.passed()),
            human_duration(s.duration_ms)
        ),
        None => "<td class=\"muted\">not on this version</td>".to_owned(),
    }
}

/// The Cerner (or RFC) page a concern cites, by the section it names; the concern itself when it
/// names none.
pub(super) fn concern_link(concern: &str) -> String {
    match doc_page(concern) {
        Some(url) => format!("<a href=\"{url}\">{}</a>", esc(concern)),
        None => esc(concern),
    }
}

/// The documentation page of a concern's doc section, most specific first.
fn doc_page(concern: &str) -> Option<&'static str> {
    const PAGES: [(&str, &str); 9] = [
        ("Common Issues", "https://fhir.cerner.com/millennium/faq/common-issues/"),
        ("RFC 9110", "https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3"),
        ("Appointment", "https://fhir.cerner.com/millennium/dstu2/scheduling/appointment/"),
        ("Authorization", "https://fhir.cerner.com/authorization/"),
        ("Pagination", "https://fhir.cerner.com/millennium/dstu2/#pagination"),
        ("Resource identity", "https://fhir.cerner.com/millennium/dstu2/"),
        ("Client errors", "https://fhir.cerner.com/millennium/dstu2/#client-errors"),
        ("Media types", "https://fhir.cerner.com/millennium/dstu2/#media-types"),
        ("R4", "https://fhir.cerner.com/millennium/r4/"),
    ];
    PAGES.iter().find(|(section, _)| concern.contains(section)).map(|(_, url)| *url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concerns_link_to_the_page_of_their_section() {
        assert!(
            concern_link("Implement paging (Common Issues); Pagination (DSTU2)")
                .contains("millennium/faq/common-issues/")
        );
        assert!(concern_link("Utilizing tokens (Authorization)").contains("fhir.cerner.com/authorization/"));
        assert_eq!(concern_link("robustness <x>"), "robustness &lt;x&gt;");
    }

    #[test]
    fn the_header_failures_first_and_versions_side_by_side() {
        let report = crate::report::sample::both_versions();
        let page = crate::report::html(&report);
        for field in
            ["<th>Date</th>", "<th>Harness</th>", "<th>Client command</th>", "<th>Time limit</th>", "<th>Window</th>"]
        {
            assert!(page.contains(field), "{field} missing");
        }
        let failures = page.find("id=\"failures\"").expect("a failures list");
        assert!(failures < page.find("<h2>Scenarios</h2>").unwrap_or(0), "failures come first");
        assert!(page.contains("<th>DSTU2</th><th>R4</th>"), "a column per version");
        assert!(page.contains("not on this version"), "a scenario run on one version only says so");
    }

    /// A run of 62 scenarios on both versions whose every client loops and prints 64 KiB on each
    /// stream still makes a report a browser opens.
    #[test]
    fn a_report_of_looping_clients_stays_under_3_mb() {
        let mut report = crate::report::sample::report();
        let template = report.scenarios[1].clone();
        let entry = template.timeline[0].clone();
        report.scenarios = (0..124)
            .map(|n| {
                let mut s = template.clone();
                s.scenario = format!("scenario-{}", n / 2);
                s.fhir_version = if n % 2 == 0 { FhirVersion::Dstu2 } else { FhirVersion::R4 };
                s.timeline = (0..2_500u64)
                    .map(|seq| crate::verdict::TimelineEntry {
                        seq,
                        offset_ms: seq * 3,
                        tenant: Some(if seq % 2 == 0 { "tenant-a" } else { "tenant-b" }.to_owned()),
                        ..entry.clone()
                    })
                    .collect();
                for run in &mut s.runs {
                    run.stdout = "o".repeat(64 * 1024);
                    run.stderr = "e".repeat(64 * 1024);
                }
                s
            })
            .collect();
        let page = crate::report::html(&report);
        assert!(page.len() < 3_000_000, "{} bytes", page.len());
    }
}
