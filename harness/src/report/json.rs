//! `--json PATH`: JSON Lines, one object per check and a summary object last, so a script can
//! stream it with `jq -c 'select(.verdict == "fail")'` and read the totals from the final line.
//! The evidence is kept byte for byte (serde_json escapes control characters); nothing is cut.

use serde_json::{Map, Value, json};

use crate::verdict::{CheckResult, Report, ScenarioResult, Verdict};

/// One JSON object per check (`{"scenario","concern","check","verdict":"pass"|"fail"|"not_examined",
/// "expected"?, "evidence","duration_ms"}`) on its own line, then one per client run
/// (`{"run": {"scenario","fhir_version","run","exit_code","timed_out","duration_ms","stdout","stderr"}}`,
/// the last 64 KiB of each stream, secrets redacted), then `{"summary": {"scenarios","checks",
/// "passed","failed","not_examined","duration_ms","client"}}`. A check's `duration_ms` is its scenario's: checks judge a
/// finished run, so the time spent is the scenario's, not the check's.
pub fn json_lines(report: &Report) -> String {
    let mut out = String::new();
    for scenario in &report.scenarios {
        for check in &scenario.checks {
            out.push_str(&check_line(scenario, check).to_string());
            out.push('\n');
        }
    }
    // Then what each client run printed, so a script reading checks finds them all first.
    for scenario in &report.scenarios {
        for (n, run) in scenario.runs.iter().enumerate() {
            let line = json!({ "run": {
                "scenario": scenario.scenario, "fhir_version": scenario.fhir_version.segment(), "run": n + 1,
                "exit_code": run.exit_code, "timed_out": run.timed_out, "duration_ms": run.duration_ms,
                "stdout": run.stdout, "stderr": run.stderr,
            }});
            out.push_str(&line.to_string());
            out.push('\n');
        }
    }
    out.push_str(&summary_line(report).to_string());
    out.push('\n');
    out
}

/// Built field by field so the order reads well (the workspace enables serde_json's
/// `preserve_order`) and `expected` is present only on a failure.
fn check_line(scenario: &ScenarioResult, check: &CheckResult) -> Value {
    let mut line = Map::new();
    line.insert("scenario".into(), scenario.scenario.clone().into());
    line.insert("concern".into(), scenario.concern.clone().into());
    line.insert("check".into(), check.check.clone().into());
    let word = match &check.verdict {
        Verdict::Pass { .. } => "pass",
        Verdict::Fail { .. } => "fail",
        Verdict::NotExamined { .. } => "not_examined",
    };
    line.insert("verdict".into(), word.into());
    if let Some(expected) = check.verdict.expected() {
        line.insert("expected".into(), expected.into());
    }
    line.insert("evidence".into(), check.verdict.evidence().into());
    if let Some(note) = &check.support_note {
        line.insert("support_note".into(), note.clone().into());
    }
    line.insert("duration_ms".into(), scenario.duration_ms.into());
    line.insert("fhir_version".into(), scenario.fhir_version.segment().into());
    Value::Object(line)
}

fn summary_line(report: &Report) -> Value {
    let (passed, failed) = report.counts();
    let (rates, fleet) = super::rates::json_fields(report);
    json!({
        "summary": {
            "scenarios": report.scenarios.len(),
            "checks": passed + failed,
            "passed": passed,
            "failed": failed,
            "not_examined": report.not_examined(),
            "duration_ms": report.duration_ms,
            "client": report.client,
            "fhir_versions": report.fhir_versions().iter().map(|v| v.segment()).collect::<Vec<_>>(),
            "rates": rates,
            "fleet": fleet,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    fn lines() -> Vec<Value> {
        let out = json_lines(&sample::report());
        assert!(out.ends_with('\n'));
        out.lines().map(|line| serde_json::from_str(line).expect("every line is one JSON value")).collect()
    }

    #[test]
    fn every_line_is_json_one_per_check_then_a_summary() {
        let lines = lines();
        assert_eq!(lines.len(), 5 + 2 + 1, "5 checks, 2 client runs, the summary");
        assert!(lines[..5].iter().all(|l| l.get("check").is_some() && l.get("summary").is_none()));
        assert!(lines[5..7].iter().all(|l| l.get("run").is_some()));
        assert_eq!(lines[6]["run"]["stderr"], "fetching page 3 <of ?>\n");
        assert_eq!(lines[6]["run"]["timed_out"], true);
        assert!(lines[7].get("summary").is_some());
    }

    #[test]
    fn a_failing_check_carries_expected_and_its_evidence_unchanged() {
        let line = &lines()[3];
        let keys: Vec<&str> = line.as_object().expect("object").keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["scenario", "concern", "check", "verdict", "expected", "evidence", "duration_ms", "fhir_version"]
        );
        assert_eq!(line["fhir_version"], "dstu2");
        assert_eq!(line["scenario"], "token-reuse");
        assert_eq!(line["check"], "token reused & cached");
        assert_eq!(line["verdict"], "fail");
        assert_eq!(line["expected"], "one POST /token per tenant");
        assert_eq!(line["evidence"], sample::FAILING_EVIDENCE);
        assert_eq!(line["duration_ms"], 1_495);
    }

    #[test]
    fn over_both_versions_each_line_and_the_summary_name_them() {
        let text = json_lines(&sample::both_versions());
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let versions: Vec<&str> = lines[..5].iter().map(|l| l["fhir_version"].as_str().unwrap()).collect();
        assert_eq!(versions, ["dstu2", "dstu2", "r4", "r4", "r4"]);
        assert_eq!(lines.last().unwrap()["summary"]["fhir_versions"], json!(["dstu2", "r4"]));
    }

    #[test]
    fn a_failing_check_carries_its_support_note_and_the_page_shows_it() {
        let mut report = sample::report();
        report.scenarios[1].checks[1].support_note = Some("Check failed: x\nX-Request-Id: req-9".into());
        let line: Value = serde_json::from_str(json_lines(&report).lines().nth(3).unwrap()).unwrap();
        assert_eq!(line["support_note"], "Check failed: x\nX-Request-Id: req-9");
        let page = super::super::html(&report);
        assert!(page.contains("<summary>Support note</summary><pre>Check failed: x\nX-Request-Id: req-9</pre>"));
    }

    #[test]
    fn a_passing_check_has_no_expected() {
        let line = &lines()[0];
        assert_eq!(line["verdict"], "pass");
        assert_eq!(line["concern"], "Basic sync (README, cerner-harness)");
        assert_eq!(line["evidence"], "journal #1: one POST /token");
        assert!(line.get("expected").is_none());
    }

    #[test]
    fn summary_counts_match_the_report() {
        let summary = &lines()[7]["summary"];
        assert_eq!(
            *summary,
            json!({"scenarios": 2, "checks": 5, "passed": 3, "failed": 2, "not_examined": 0, "duration_ms": 2_345,
                   "client": "appointment-sync", "fhir_versions": ["dstu2"], "rates": [], "fleet": null})
        );
    }

    #[test]
    fn the_summary_gives_each_tenants_rates_beside_its_limits() {
        let mut report = sample::report();
        let limits = crate::rates::TenantLimits { fhir_per_second: 20, fhir_burst: 50, max_in_flight: None };
        let rates = crate::rates::TenantRates {
            tenant: "t1".into(),
            requests: 6,
            peak_rps: 4,
            max_in_flight: 2,
            appointments: 4,
            requests_per_appointment: Some(1.5),
            throttled: 1,
            limits,
            ..Default::default()
        };
        report.scenarios[0].rates = vec![rates.clone()];
        report.scenarios[1].rates = vec![crate::rates::TenantRates { peak_rps: 9, throttled: 2, ..rates }];
        let text = json_lines(&report);
        let summary: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        let t1 = &summary["summary"]["rates"][0];
        assert_eq!(
            *t1,
            json!({"tenant": "t1", "requests": 12, "peak_rps": 9, "max_in_flight": 2, "appointments": 8,
                   "requests_per_appointment": 1.5, "throttled": 3,
                   "limits": {"fhir_per_second": 20, "fhir_burst": 50, "max_in_flight": null}})
        );
    }
}
