//! `--html PATH`: one self-contained page a reviewer opens offline, or a CI server keeps as an
//! artifact: the summary, a table of scenarios, then per scenario its checks (expected and
//! evidence) and the client's request timeline per tenant. Inline CSS only: no script, no font, no
//! image, no external URL, so it renders the same on an air-gapped laptop. Every string from the
//! report is escaped; the markup is also well-formed XML, which the tests check. The request tables,
//! with their own limits on a client that loops, are in `requests`; the picture is `svg`'s.

use super::{escape_markup as esc, human_duration, svg};
use crate::verdict::{CheckResult, Report, RunInfo, ScenarioResult};

mod overview;
mod requests;

use requests::{rows_per_table, timeline};

/// Marks in all the report's pictures together (about 250 bytes each) and bytes of client output
/// shown: with the request tables' budget, what keeps any report under 3 MB.
const MARK_BUDGET: usize = 4_000;
const OUTPUT_BUDGET: usize = 512 * 1024;

/// How much of the page each scenario may take, from the size of the whole report.
#[derive(Debug, Clone, Copy)]
struct Budget {
    marks: usize,
    rows: usize,
    output: usize,
}

impl Budget {
    fn of(report: &Report) -> Self {
        let scenarios = report.scenarios.len().max(1);
        let tables: usize = report.scenarios.iter().map(|s| tenants(s).max(1)).sum();
        let streams: usize = report.scenarios.iter().map(|s| s.runs.len() * 2).sum();
        Self {
            marks: (MARK_BUDGET / scenarios).clamp(16, svg::MARK_LIMIT),
            rows: rows_per_table(tables),
            output: (OUTPUT_BUDGET / streams.max(1)).clamp(2 * 1024, crate::verdict::OUTPUT_TAIL),
        }
    }
}

fn tenants(s: &ScenarioResult) -> usize {
    let mut seen: Vec<Option<&str>> = s.timeline.iter().map(|e| e.tenant.as_deref()).collect();
    seen.sort();
    seen.dedup();
    seen.len()
}

const CSS: &str = "
:root { color-scheme: light; font-family: system-ui, sans-serif; color: #1b1f24; }
body { margin: 2rem auto; max-width: 80rem; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; } h3 { font-size: 1rem; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
table.summary { width: auto; }
.pass { color: #116329; font-weight: bold; }
.fail { color: #cf222e; font-weight: bold; }
tr.failed { background: #fff5f5; }
tr.fault { background: #fff8e1; }
pre, .code { margin: 0; white-space: pre-wrap; word-break: break-all; font-family: ui-monospace, monospace; }
.num { text-align: right; }
.muted { color: #57606a; }
.name { white-space: nowrap; }
section { border-top: 1px solid #d0d7de; margin-top: 2rem; }
summary { cursor: pointer; font-weight: bold; margin: 0.5rem 0; }
";

/// One self-contained HTML file: a summary, a table of scenarios with verdicts, and per scenario
/// its checks (expected/evidence) and the client's request timeline per tenant. Everything from
/// the report is escaped; it needs no script and loads nothing.
pub fn html(report: &Report) -> String {
    let verdict = verdict_word(report.passed());
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>cerner-harness: {verdict} for {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(&report.client),
    );
    page.push_str(&format!("<h1>cerner-harness rehearsal: {}</h1>\n", verdict_span(report.passed())));
    overview::header(&mut page, report);
    super::rates::html_overview(&mut page, report);
    overview::failures(&mut page, report);
    overview::scenario_table(&mut page, report);
    let budget = Budget::of(report);
    for (index, scenario) in report.scenarios.iter().enumerate() {
        scenario_section(&mut page, index, scenario, &report.title(scenario), budget);
    }
    page.push_str("</body>\n</html>\n");
    page
}

fn scenario_section(page: &mut String, index: usize, s: &ScenarioResult, title: &str, budget: Budget) {
    page.push_str(&format!(
        "<section id=\"{}\">\n<h2>{} {}</h2>\n<p>{}</p>\n<p class=\"muted\">FHIR {}. Concern: {}</p>\n",
        anchor(index),
        esc(title),
        verdict_span(s.passed()),
        esc(&s.description),
        s.fhir_version.label(),
        overview::concern_link(&s.concern),
    ));
    let runs: Vec<String> = s.runs.iter().enumerate().map(|(i, run)| describe_run(i + 1, run)).collect();
    if !runs.is_empty() {
        page.push_str(&format!("<p class=\"muted\">Client runs: {}.</p>\n", runs.join("; ")));
    }
    page.push_str(
        "<table class=\"checks\">\n<thead><tr><th>Check</th><th>Verdict</th><th>Expected</th><th>Evidence</th>\
         </tr></thead>\n<tbody>\n",
    );
    for check in &s.checks {
        check_row(page, check);
    }
    page.push_str("</tbody>\n</table>\n");
    super::rates::html_section(page, s);
    let picture = svg::timeline_svg_within(s, budget.marks);
    if !picture.is_empty() {
        page.push_str(&format!("<figure class=\"timeline\">\n{picture}<figcaption class=\"muted\">One lane per tenant; marks are requests (green 2xx, amber 429, orange 4xx, red 5xx or cut), yellow bands faults, blue bars the waits made after a 429 and dashed outlines the waits asked.</figcaption>\n</figure>\n"));
    }
    timeline(page, s, budget.rows);
    client_output(page, s, budget.output);
    page.push_str("</section>\n");
}

fn check_row(page: &mut String, check: &CheckResult) {
    let expected = check.verdict.expected().map_or_else(String::new, |e| format!("<pre>{}</pre>", esc(e)));
    let verdict = format!(
        "<span class=\"{}\">{}</span>",
        if check.verdict.passed() { "pass" } else { "fail" },
        check.verdict.word()
    );
    let note = check.support_note.as_deref().map_or_else(String::new, |note| {
        format!("<details class=\"support\"><summary>Support note</summary><pre>{}</pre></details>", esc(note))
    });
    page.push_str(&format!(
        "<tr{}><td>{}</td><td>{}</td><td>{expected}</td><td><pre>{}</pre>{note}</td></tr>\n",
        row_class(check.verdict.passed()),
        esc(&check.check),
        verdict,
        esc(check.verdict.evidence()),
    ));
}

/// Why a run ended matters to a reviewer: a client killed at the time limit never reported.
fn describe_run(number: usize, run: &RunInfo) -> String {
    let end = match run.exit_code {
        Some(code) => format!("exit {code}"),
        None if run.timed_out => "killed at the time limit".to_owned(),
        None => "killed by a signal".to_owned(),
    };
    format!("run {number}: {end} after {}", human_duration(run.duration_ms))
}

/// Section ids come from the position, not the name: a scenario name is free text.
fn anchor(index: usize) -> String {
    format!("scenario-{}", index + 1)
}

fn verdict_word(passed: bool) -> &'static str {
    if passed { "PASS" } else { "FAIL" }
}

fn verdict_span(passed: bool) -> String {
    format!("<span class=\"{}\">{}</span>", if passed { "pass" } else { "fail" }, verdict_word(passed))
}

fn row_class(passed: bool) -> &'static str {
    if passed { "" } else { " class=\"failed\"" }
}

/// What the client printed, folded: one `<details>` per run and stream (its last `max` bytes, at
/// most the 64 KiB the report keeps).
fn client_output(page: &mut String, s: &ScenarioResult, max: usize) {
    for (n, run) in s.runs.iter().enumerate() {
        for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            if text.is_empty() {
                continue;
            }
            page.push_str(&format!(
                "<details class=\"output\"><summary>Client run {} {name} ({} bytes)</summary><pre>{}</pre></details>\n",
                n + 1,
                text.len(),
                esc(&crate::redact::tail(text, max))
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{sample, xml_check};
    use super::*;

    #[test]
    fn page_is_a_self_contained_document_that_loads_nothing() {
        let page = html(&sample::report());
        assert!(page.starts_with("<!DOCTYPE html>\n"));
        for resource in ["<script", "<link", "<img", "<iframe", "src=", "href=\"http", "url(", "@import"] {
            assert!(!page.contains(resource), "found {resource}");
        }
    }

    #[test]
    fn page_is_well_formed_with_a_section_per_scenario() {
        let page = html(&sample::report());
        let root = xml_check::parse(&page).unwrap_or_else(|e| panic!("not well-formed: {e}"));
        assert_eq!(root.name, "html");
        let sections = root.descendants("section");
        let ids: Vec<_> = sections.iter().map(|s| s.attr("id")).collect();
        assert_eq!(ids, [Some("scenario-1"), Some("scenario-2")]);
        let links: Vec<_> = root.descendants("a").iter().filter_map(|a| a.attr("href").map(str::to_owned)).collect();
        for id in ["#scenario-1", "#scenario-2"] {
            assert!(links.iter().any(|l| l == id), "a link to {id}: {links:?}");
        }
        assert!(
            links.iter().filter(|l| l.starts_with('#')).all(|l| ids.iter().any(|i| Some(&l[1..]) == *i)),
            "{links:?}"
        );
    }

    #[test]
    fn failing_evidence_appears_escaped_and_without_control_characters() {
        let page = html(&sample::report());
        assert!(page.contains("GET /Appointment?date=&lt;2024&amp;x=&quot;q&quot; &#39;it&#39; red reused token"));
        assert!(!page.contains("<2024") && !page.contains('\u{1b}') && !page.contains('\u{7}'));
        assert!(page.contains("<pre>one POST /token per tenant</pre>"));
        assert!(page.contains("Token reuse &lt;RFC 6749 §4.4&gt; &amp; rate &quot;limits&quot;"));
    }

    #[test]
    fn every_scenario_appears_with_its_timeline_per_tenant() {
        let page = html(&sample::report());
        for name in ["happy-path", "token-reuse"] {
            assert!(page.matches(name).count() >= 2, "{name} in the table and its section");
        }
        for tenant in ["<h3>Tenant tenant-a</h3>", "<h3>Tenant tenant-b</h3>", "<h3>No tenant</h3>"] {
            assert!(page.contains(tenant), "{tenant}");
        }
        assert!(page.contains("http://127.0.0.1:4000/tenant-a/Appointment?date=ge2024&amp;x=&lt;y&gt;"));
        assert!(page.contains("<td>rate limit</td>") && page.contains("run 1: killed at the time limit after 1.4 s"));
        assert!(page.contains("<details open=\"\">") && page.contains("<details>\n"));
    }

    #[test]
    fn over_both_versions_the_summary_table_and_sections_name_the_version() {
        let page = html(&sample::both_versions());
        assert!(page.contains("<tr><th>FHIR</th><td>DSTU2 and R4</td></tr>"), "{page}");
        assert!(page.contains(">token-reuse (R4)</a>") && page.contains("<h2>happy-path (DSTU2) "), "{page}");
        assert!(
            page.contains("FHIR R4. Concern: ") && page.contains("Request timeline of token-reuse on R4"),
            "{page}"
        );
        xml_check::parse(&page).unwrap_or_else(|e| panic!("not well-formed: {e}"));
    }

    #[test]
    fn each_scenario_has_its_timeline_picture() {
        let page = html(&sample::report());
        assert_eq!(page.matches("<svg xmlns=\"http://www.w3.org/2000/svg\"").count(), 2);
        let root = xml_check::parse(&page).unwrap_or_else(|e| panic!("not well-formed: {e}"));
        assert_eq!(root.descendants("svg").len(), 2);
    }
}
