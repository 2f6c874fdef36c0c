//! The HTML report and its timeline picture, opened in headless Chromium: the browser parses the
//! SVG into SVG elements, and the picture on its own is a well-formed XML document (Chromium shows
//! a `parsererror` for one that is not). Under CI (`CI` set) Chromium must be installed (`.ci/run`
//! installs it); elsewhere the test says it skipped when Chromium is absent.

use std::path::{Path, PathBuf};
use std::process::Command;

use cerner_harness::report::{html, timeline_svg};
use cerner_harness::verdict::{CheckResult, Report, RunInfo, ScenarioResult, TimelineEntry};

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        std::env::var_os("PATH")?.to_str()?.split(':').map(|dir| Path::new(dir).join(name)).find(|path| path.is_file())
    })
}

fn entry(seq: u64, tenant: &str, status: u16, offset_ms: u64) -> TimelineEntry {
    TimelineEntry {
        seq,
        wall_time: "2026-01-05T08:00:00Z".into(),
        tenant: Some(tenant.into()),
        method: "GET".into(),
        url: format!(
            "http://127.0.0.1:1/dstu2/{tenant}/Appointment?-pageContext=eyJ0IjoiYSJ9{}.c2ln&x=<y>",
            "a".repeat(40)
        ),
        status,
        fault: (status == 429).then(|| "throttle (fault-1)".to_owned()),
        offset_ms,
        latency_ms: 2,
        retry_after: (status == 429).then(|| "1".to_owned()),
    }
}

fn report() -> Report {
    let timeline = vec![
        entry(1, "tenant-a", 200, 0),
        entry(2, "tenant-a", 429, 100),
        entry(3, "tenant-a", 200, 1_200),
        entry(4, "tenant-b", 500, 300),
    ];
    let scenario = ScenarioResult {
        scenario: "throttled & <paged>".into(),
        description: "a picture of four requests".into(),
        concern: "a busy loop seen at a glance".into(),
        fhir_version: cerner_harness::version::FhirVersion::Dstu2,
        checks: vec![CheckResult::new("waits", false, "1 s", "#3 came 1.1 s after #2")],
        duration_ms: 1_500,
        runs: vec![RunInfo { exit_code: Some(1), duration_ms: 1_400, timed_out: false, ..Default::default() }],
        timeline,
        rates: Vec::new(),
        workdir: None,
    };
    Report { client: "test client".into(), scenarios: vec![scenario], duration_ms: 1_500, meta: Default::default() }
}

/// `--dump-dom` of `file` in a fresh headless profile.
fn dump_dom(chromium: &Path, file: &Path, profile: &Path) -> String {
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", file.display()))
        .output()
        .expect("chromium runs");
    assert!(output.status.success(), "chromium failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn chromium_renders_the_timeline_svg_of_the_html_report() {
    let Some(chromium) = chromium() else {
        assert!(std::env::var_os("CI").is_none(), "CI is set but Chromium is not installed (.ci/run installs it)");
        eprintln!(
            "SKIPPED: Chromium is not installed (apt-get install chromium); the timeline was not checked in a browser"
        );
        return;
    };
    let dir = std::env::temp_dir().join(format!("cerner-harness-chromium-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let report = report();
    let (page, picture) = (dir.join("report.html"), dir.join("timeline.svg"));
    std::fs::write(&page, html(&report)).expect("the report is written");
    std::fs::write(&picture, timeline_svg(&report.scenarios[0])).expect("the picture is written");

    let dom = dump_dom(&chromium, &page, &dir.join("profile-html"));
    assert_eq!(dom.matches("<svg").count(), 1, "one picture: {dom}");
    assert_eq!(dom.matches("class=\"request\"").count(), 4, "a mark per request");
    assert_eq!(dom.matches("class=\"lane\"").count(), 2, "a lane per tenant");
    assert!(dom.contains("class=\"waited\"") && dom.contains("class=\"asked-wait\""), "the wait after the 429");

    let dom = dump_dom(&chromium, &picture, &dir.join("profile-svg"));
    assert!(!dom.contains("parsererror"), "the SVG is not well-formed XML: {dom}");
    assert!(dom.contains("<svg") && dom.contains("class=\"fault\""), "{dom}");
    let _ = std::fs::remove_dir_all(&dir);
}
