//! The table printed after `rehearse`: one row per scenario (scenario, verdict, the evidence in one
//! line, duration) and a totals line, so a failing run says why without opening another file.

use super::{headline, human_duration, one_line, plural};
use crate::verdict::{Report, ScenarioResult};

/// Widest evidence cell: a long journal citation is cut rather than wrapped, which would break the
/// columns; the full text is in the JSON, JUnit and HTML reports.
const EVIDENCE_WIDTH: usize = 90;

/// The narrowest evidence cell a narrow terminal gets.
const MIN_EVIDENCE: usize = 16;

const GREEN: &str = "\u{1b}[32m";
const RED: &str = "\u{1b}[31m";
const BOLD: &str = "\u{1b}[1m";
const RESET: &str = "\u{1b}[0m";

/// A terminal table: scenario, verdict (PASS/FAIL), the evidence in one line (the first failing
/// check's, else a summary), duration; then a totals line. `color` adds ANSI colors; the caller
/// passes it only when stdout is a terminal, so piped output stays plain text.
pub fn terminal(report: &Report, color: bool) -> String {
    terminal_within(report, color, None)
}

/// [`terminal`], its rows cut to fit `width` columns when given (the evidence cell gives way,
/// down to [`MIN_EVIDENCE`] characters).
pub fn terminal_within(report: &Report, color: bool, width: Option<usize>) -> String {
    let scenario_width = report.scenarios.iter().map(|s| report.title(s).chars().count()).fold(8, usize::max);
    let duration_width =
        report.scenarios.iter().map(|s| human_duration(s.duration_ms).chars().count()).fold(8, usize::max);
    let evidence_width = width.map_or(EVIDENCE_WIDTH, |w| {
        w.saturating_sub(scenario_width + duration_width + 13).clamp(MIN_EVIDENCE, EVIDENCE_WIDTH)
    });
    let rows: Vec<Row> = report
        .scenarios
        .iter()
        .map(|s| Row {
            scenario: one_line(&report.title(s), usize::MAX),
            passed: s.passed(),
            evidence: headline(s, evidence_width),
            duration: human_duration(s.duration_ms),
        })
        .collect();
    let widths = Widths::of(&rows);
    let paint = Paint { color };
    let header = widths.line("SCENARIO", "VERDICT", "EVIDENCE", "DURATION");
    let mut out = format!("{}\n", paint.wrap(BOLD, header.trim_end()));
    for row in &rows {
        let verdict = format!("{:<7}", verdict_word(row.passed));
        let verdict = paint.wrap(if row.passed { GREEN } else { RED }, &verdict);
        out.push_str(widths.line(&row.scenario, &verdict, &row.evidence, &row.duration).trim_end());
        out.push('\n');
    }
    out.push_str(&super::rates_block(report));
    out.push_str(&totals(report, paint));
    out.push('\n');
    out
}

/// The table printed row by row, as scenarios finish (`rehearse` on the terminal): its column
/// widths are fixed from the titles of the scenarios selected, before any has run.
#[derive(Debug, Clone)]
pub struct LiveTable {
    widths: Widths,
    color: bool,
}

impl LiveTable {
    /// Columns for `titles`, fitted to `width` when given.
    pub fn new(titles: &[String], width: Option<usize>, color: bool) -> Self {
        let scenario = titles.iter().map(|t| t.chars().count()).fold(8, usize::max);
        let evidence =
            width.map_or(EVIDENCE_WIDTH, |w| w.saturating_sub(scenario + 8 + 13).clamp(MIN_EVIDENCE, EVIDENCE_WIDTH));
        Self { widths: Widths { scenario, evidence, duration: 8 }, color }
    }

    /// The table's header row (bold when colored), with its newline.
    pub fn header(&self) -> String {
        let header = self.widths.line("SCENARIO", "VERDICT", "EVIDENCE", "DURATION");
        format!("{}\n", Paint { color: self.color }.wrap(BOLD, header.trim_end()))
    }

    /// One finished scenario's row.
    pub fn row(&self, title: &str, scenario: &ScenarioResult) -> String {
        let paint = Paint { color: self.color };
        let passed = scenario.passed();
        let verdict = paint.wrap(if passed { GREEN } else { RED }, &format!("{:<7}", verdict_word(passed)));
        let evidence = headline(scenario, self.widths.evidence);
        let line =
            self.widths.line(&one_line(title, usize::MAX), &verdict, &evidence, &human_duration(scenario.duration_ms));
        format!("{}\n", line.trim_end())
    }
}

/// Only what failed, for a CI log: one block per failed check (scenario and check, what was
/// expected, the evidence, each on one line), then the totals line. A passing run prints only the
/// totals. Never colored: CI logs are files.
pub fn failures_only(report: &Report) -> String {
    let mut out = String::new();
    for scenario in &report.scenarios {
        for check in scenario.checks.iter().filter(|c| !c.verdict.passed()) {
            let expected = check.verdict.expected().unwrap_or_default();
            out.push_str(&format!(
                "{} {}: {}\n  expected: {}\n  evidence: {}\n",
                check.verdict.word(),
                one_line(&report.title(scenario), usize::MAX),
                one_line(&check.check, usize::MAX),
                one_line(expected, usize::MAX),
                one_line(check.verdict.evidence(), usize::MAX),
            ));
        }
    }
    out.push_str(&totals(report, Paint { color: false }));
    out.push('\n');
    out
}

/// The totals line alone (`-q`).
pub fn totals_line(report: &Report, color: bool) -> String {
    format!("{}\n", totals(report, Paint { color }))
}

/// The last line, the one a CI log shows folded: overall verdict, scenario and check counts,
/// wall time and which client was judged.
fn totals(report: &Report, paint: Paint) -> String {
    let (checks_passed, checks_failed) = report.counts();
    let scenarios = report.scenarios.len();
    let scenarios_passed = report.scenarios.iter().filter(|s| s.passed()).count();
    let not_examined = report.not_examined();
    let verdict = if not_examined > 0 { "NOT EXAMINED" } else { verdict_word(report.passed()) };
    let verdict = paint.wrap(if report.passed() { GREEN } else { RED }, verdict);
    let unexamined = if not_examined > 0 { format!(", {not_examined} not examined") } else { String::new() };
    format!(
        "{verdict}: {} ({scenarios_passed} passed, {} failed), {} ({checks_passed} passed, {checks_failed} failed\
         {unexamined}) in {}; FHIR {}; client: {}",
        plural(scenarios, "scenario"),
        scenarios - scenarios_passed,
        plural(checks_passed + checks_failed, "check"),
        human_duration(report.duration_ms),
        report.fhir_versions_label(),
        one_line(&report.client, usize::MAX),
    )
}

fn verdict_word(passed: bool) -> &'static str {
    if passed { "PASS" } else { "FAIL" }
}

/// One scenario's cells, already folded onto one line.
struct Row {
    scenario: String,
    passed: bool,
    evidence: String,
    duration: String,
}

/// Column widths in characters. The verdict column is fixed ("VERDICT" is wider than PASS/FAIL),
/// so its cell can be padded before it is colored: escape codes would fool `format!`'s padding.
#[derive(Debug, Clone)]
struct Widths {
    scenario: usize,
    evidence: usize,
    duration: usize,
}

impl Widths {
    fn of(rows: &[Row]) -> Self {
        let widest = |cell: fn(&Row) -> &str, title: &str| {
            rows.iter().map(|r| cell(r).chars().count()).fold(title.len(), usize::max)
        };
        Self {
            scenario: widest(|r| &r.scenario, "SCENARIO"),
            evidence: widest(|r| &r.evidence, "EVIDENCE"),
            duration: widest(|r| &r.duration, "DURATION"),
        }
    }

    fn line(&self, scenario: &str, verdict: &str, evidence: &str, duration: &str) -> String {
        let Self { scenario: sw, evidence: ew, duration: dw } = self;
        format!("{scenario:<sw$}  {verdict:<7}  {evidence:<ew$}  {duration:>dw$}")
    }
}

#[derive(Clone, Copy)]
struct Paint {
    color: bool,
}

impl Paint {
    fn wrap(self, code: &str, text: &str) -> String {
        if self.color { format!("{code}{text}{RESET}") } else { text.to_owned() }
    }
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn table_names_every_scenario_with_its_verdict_and_the_failing_evidence() {
        let out = terminal(&sample::report(), false);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("SCENARIO"), "{out}");
        assert!(lines[1].starts_with("happy-path") && lines[1].contains("PASS"), "{out}");
        assert!(lines[1].contains("2 checks passed") && lines[1].ends_with("850 ms"), "{out}");
        assert!(lines[2].starts_with("token-reuse") && lines[2].contains("FAIL"), "{out}");
        assert!(lines[2].contains("token reused & cached: journal #7: GET /Appointment?date=<2024"), "{out}");
        assert!(lines[2].ends_with("1.4 s"), "{out}");
    }

    #[test]
    fn rows_fit_the_width_they_are_given() {
        let report = sample::report();
        let narrow = terminal_within(&report, false, Some(60));
        for line in narrow.lines().take(report.scenarios.len() + 1) {
            assert!(line.chars().count() <= 60, "{} columns: {line}", line.chars().count());
        }
        assert_eq!(terminal_within(&report, false, None), terminal(&report, false));
    }

    #[test]
    fn totals_line_counts_scenarios_and_checks() {
        let out = terminal(&sample::report(), false);
        let totals = out.lines().last().unwrap_or_default();
        assert_eq!(
            totals,
            "FAIL: 2 scenarios (1 passed, 1 failed), 5 checks (3 passed, 2 failed) in 2.3 s; FHIR DSTU2; client: \
             appointment-sync"
        );
    }

    #[test]
    fn over_both_versions_rows_failures_and_totals_name_the_version() {
        let report = sample::both_versions();
        let out = terminal(&report, false);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[1].starts_with("happy-path (DSTU2)") && lines[2].starts_with("token-reuse (R4)"), "{out}");
        assert!(lines[3].contains("; FHIR DSTU2 and R4; client: "), "{out}");
        let failed = failures_only(&report);
        assert!(failed.starts_with("FAIL token-reuse (R4): token reused & cached\n"), "{failed}");
    }

    #[test]
    fn without_color_there_are_no_escape_codes_even_from_evidence() {
        let out = terminal(&sample::report(), false);
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
        assert_eq!(out.lines().count(), 4, "one line per scenario plus header and totals: {out}");
    }

    #[test]
    fn failures_only_lists_each_failed_check_with_expected_and_evidence_then_the_totals() {
        let out = failures_only(&sample::report());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 7, "{out}");
        assert_eq!(lines[0], "FAIL token-reuse: token reused & cached");
        assert_eq!(lines[1], "  expected: one POST /token per tenant");
        assert!(lines[2].starts_with("  evidence: journal #7: GET /Appointment?date=<2024"), "{out}");
        assert_eq!(lines[3], "FAIL token-reuse: retry-after honoured");
        assert!(lines[6].starts_with("FAIL: 2 scenarios (1 passed, 1 failed)"), "{out}");
        assert!(!out.contains("happy-path") && !out.contains('\u{1b}'), "{out}");
        let mut passing = sample::report();
        passing.scenarios.truncate(1);
        assert_eq!(failures_only(&passing).lines().count(), 1, "only the totals when all passed");
    }

    #[test]
    fn with_color_verdicts_are_green_and_red_and_columns_still_line_up() {
        let report = sample::report();
        let out = terminal(&report, true);
        assert!(out.contains(&format!("{GREEN}PASS   {RESET}")), "{out:?}");
        assert!(out.contains(&format!("{RED}FAIL   {RESET}")), "{out:?}");
        let strip = |s: &str| s.replace(GREEN, "").replace(RED, "").replace(BOLD, "").replace(RESET, "");
        assert_eq!(strip(&out), terminal(&report, false));
    }
}
