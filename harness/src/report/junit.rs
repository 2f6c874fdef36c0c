//! `--junit PATH`: JUnit XML in the shape GitLab, GitHub (test-reporter actions) and Jenkins read:
//! `<testsuites>` with totals, one `<testsuite>` per scenario, one `<testcase>` per check, and a
//! `<failure>` whose message says what was expected and whose body cites the evidence.

use super::{escape_markup as esc, seconds};
use crate::verdict::{CheckResult, Report, ScenarioResult, Verdict};

/// JUnit XML: `<testsuites name="cerner-harness" tests failures errors time>`, one
/// `<testsuite>` per scenario (`name tests failures errors="0" skipped="0" time`, its concern and
/// description as `<properties>`), one `<testcase classname="cerner-harness.<scenario>"
/// name="<check>" time>` per check, and for a failing check `<failure message="expected: …"
/// type="check">`. Everything is escaped; control characters XML cannot carry are dropped. Only
/// attributes the Jenkins xunit plugin's `junit-10.xsd` declares are written (it has no `skipped`
/// on `<testsuites>`), so the strictest common reader accepts the file.
pub fn junit(report: &Report) -> String {
    let (passed, failed) = report.counts();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"cerner-harness\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" time=\"{}\">\n",
        passed + failed,
        seconds(report.duration_ms),
    ));
    for scenario in &report.scenarios {
        testsuite(&mut xml, scenario, report);
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// A scenario as a suite. The client goes in the properties so a CI server comparing runs can
/// tell which client each suite judged.
/// `title`: the scenario's name, with its FHIR version when the report spans several.
fn testsuite(xml: &mut String, scenario: &ScenarioResult, report: &Report) {
    let (title, client) = (&report.title(scenario), report.client.as_str());
    let failures = scenario.checks.iter().filter(|c| !c.verdict.passed()).count();
    xml.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{}\">\n",
        esc(title),
        scenario.checks.len(),
        seconds(scenario.duration_ms),
    ));
    xml.push_str("    <properties>\n");
    let properties = [
        ("client", client),
        ("concern", &scenario.concern),
        ("description", &scenario.description),
        ("fhir_version", scenario.fhir_version.segment()),
    ];
    for (name, value) in properties {
        xml.push_str(&format!("      <property name=\"{name}\" value=\"{}\"/>\n", esc(value)));
    }
    for (name, value) in super::rates::junit_properties(scenario, report) {
        xml.push_str(&format!("      <property name=\"{}\" value=\"{}\"/>\n", esc(&name), esc(&value)));
    }
    xml.push_str("    </properties>\n");
    for check in &scenario.checks {
        testcase(xml, title, check);
    }
    // What the client printed, run after run (each stream's last 64 KiB, secrets redacted).
    for (tag, stream) in [("system-out", 0), ("system-err", 1)] {
        let text: String = scenario
            .runs
            .iter()
            .enumerate()
            .map(|(i, run)| format!("--- run {} ---\n{}", i + 1, if stream == 0 { &run.stdout } else { &run.stderr }))
            .collect::<Vec<_>>()
            .join("\n");
        if !scenario.runs.is_empty() {
            xml.push_str(&format!("    <{tag}>{}</{tag}>\n", esc(&text)));
        }
    }
    xml.push_str("  </testsuite>\n");
}

/// A check as a test case. Its `time` is 0: checks judge a finished run, so the time spent is the
/// suite's. The failure body repeats the expectation after the evidence because GitLab shows only
/// the body, Jenkins the message and the body.
fn testcase(xml: &mut String, scenario: &str, check: &CheckResult) {
    let open = format!(
        "    <testcase classname=\"cerner-harness.{}\" name=\"{}\" time=\"0.000\"",
        esc(scenario),
        esc(&check.check)
    );
    match &check.verdict {
        Verdict::Pass { .. } => xml.push_str(&format!("{open}/>\n")),
        Verdict::Fail { expected, evidence } | Verdict::NotExamined { expected, evidence } => {
            let kind = if check.verdict.examined() { "check" } else { "not-examined" };
            xml.push_str(&format!(
                "{open}>\n      <failure message=\"expected: {}\" type=\"{kind}\">{}\n\nexpected: {}</failure>\n    \
                 </testcase>\n",
                esc(expected),
                esc(evidence),
                esc(expected),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{sample, xml_check};
    use super::*;

    fn parsed() -> xml_check::Element {
        let xml = junit(&sample::report());
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
        xml_check::parse(&xml).unwrap_or_else(|e| panic!("not well-formed: {e}\n{xml}"))
    }

    #[test]
    fn junit_is_well_formed_with_one_testsuites_root_and_its_totals() {
        let root = parsed();
        assert_eq!(root.name, "testsuites");
        assert_eq!(root.attr("name"), Some("cerner-harness"));
        assert_eq!(root.attr("tests"), Some("5"));
        assert_eq!(root.attr("failures"), Some("2"));
        assert_eq!(root.attr("time"), Some("2.345"));
        assert_eq!(root.descendants("testcase").len(), 5);
        assert_eq!(root.descendants("failure").len(), 2);
    }

    #[test]
    fn each_scenario_is_a_suite_whose_counts_match_its_testcases() {
        let root = parsed();
        let suites = root.descendants("testsuite");
        let names: Vec<_> = suites.iter().map(|s| s.attr("name")).collect();
        assert_eq!(names, [Some("happy-path"), Some("token-reuse")]);
        for suite in suites {
            let cases = suite.descendants("testcase");
            assert_eq!(suite.attr("tests"), Some(cases.len().to_string().as_str()));
            let failures = suite.descendants("failure").len().to_string();
            assert_eq!(suite.attr("failures"), Some(failures.as_str()));
            assert_eq!((suite.attr("errors"), suite.attr("skipped")), (Some("0"), Some("0")));
            let classname = format!("cerner-harness.{}", suite.attr("name").unwrap_or_default());
            assert!(cases.iter().all(|c| c.attr("classname") == Some(classname.as_str())));
        }
        let time = root.descendants("testsuite")[1].attr("time");
        assert_eq!(time, Some("1.495"));
    }

    #[test]
    fn a_failure_says_what_was_expected_and_cites_the_evidence_escaped() {
        let root = parsed();
        let case = root.descendants("testcase").into_iter().find(|c| c.attr("name") == Some("token reused & cached"));
        let failure = &case.expect("the failing check is a testcase").children[0];
        assert_eq!(failure.name, "failure");
        assert_eq!(failure.attr("message"), Some("expected: one POST /token per tenant"));
        assert_eq!(failure.attr("type"), Some("check"));
        let evidence = "journal #7: GET /Appointment?date=<2024&x=\"q\" 'it' red reused token";
        assert_eq!(failure.text, format!("{evidence}\n\nexpected: one POST /token per tenant"));
        let concern = root.descendants("property").into_iter().find(|p| p.attr("name") == Some("concern"));
        assert!(concern.is_some());
        let concerns: Vec<_> =
            root.descendants("property").into_iter().filter(|p| p.attr("name") == Some("concern")).collect();
        assert_eq!(concerns[1].attr("value"), Some("Token reuse <RFC 6749 §4.4> & rate \"limits\""));
        let versions: Vec<_> =
            root.descendants("property").into_iter().filter(|p| p.attr("name") == Some("fhir_version")).collect();
        assert_eq!(versions.iter().map(|p| p.attr("value")).collect::<Vec<_>>(), [Some("dstu2"), Some("dstu2")]);
    }

    #[test]
    fn over_both_versions_each_suite_and_testcase_names_its_version() {
        let xml = junit(&sample::both_versions());
        assert!(xml.contains("<testsuite name=\"happy-path (DSTU2)\""), "{xml}");
        assert!(xml.contains("<testsuite name=\"token-reuse (R4)\""), "{xml}");
        assert!(xml.contains("classname=\"cerner-harness.token-reuse (R4)\""), "{xml}");
        assert!(xml.contains("<property name=\"fhir_version\" value=\"r4\"/>"), "{xml}");
    }

    /// The attributes `junit-10.xsd` of jenkinsci/xunit-plugin declares on the elements we write;
    /// an undeclared attribute makes the file invalid under that schema.
    fn schema_attributes(element: &str) -> &'static [&'static str] {
        match element {
            "testsuites" => &["name", "time", "tests", "failures", "errors"],
            "testsuite" => &["name", "tests", "failures", "errors", "time", "skipped"],
            "properties" => &[],
            "property" => &["name", "value"],
            "testcase" => &["name", "time", "classname"],
            "failure" => &["type", "message"],
            other => panic!("<{other}> is not in the schema"),
        }
    }

    fn assert_schema_attributes(element: &xml_check::Element) {
        for (key, _) in &element.attrs {
            assert!(schema_attributes(&element.name).contains(&key.as_str()), "{key} on <{}>", element.name);
        }
        element.children.iter().for_each(assert_schema_attributes);
    }

    #[test]
    fn only_attributes_the_jenkins_junit_schema_declares_are_written() {
        let root = parsed();
        assert_schema_attributes(&root);
        let decimal =
            |t: &str| t.split_once('.').is_some_and(|(s, ms)| (s.to_owned() + ms).bytes().all(|b| b.is_ascii_digit()));
        let mut timed = root.descendants("testsuite");
        timed.extend(root.descendants("testcase"));
        timed.push(&root);
        assert!(timed.iter().all(|e| e.attr("time").is_some_and(decimal)));
    }
}
