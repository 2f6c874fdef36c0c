//! Command-line manners and a followable run: a closed stdout, `--color`, `-q`, exit codes in
//! `--help`, the table's width, `-j`, `--fail-fast`, `--keep-workdir`, and the client's own output
//! in the reports.

use std::process::{Command, Stdio};

use crate::{BIN, broken_client, rehearse};

/// `BIN args` with a stdout whose reader is already gone: its exit code and stderr.
fn with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = Command::new(BIN).args(args).stdout(Stdio::from(writer)).stderr(Stdio::piped()).output().unwrap();
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn a_closed_stdout_ends_quietly_with_the_usual_exit_code() {
    let (code, stderr) = with_closed_stdout(&["list"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked") && stderr.is_empty(), "{stderr}");
    let (code, stderr) = with_closed_stdout(&["rehearse", "--scenario", "nope"]);
    assert_eq!(code, Some(2), "{stderr}");
    let (code, stderr) = with_closed_stdout(&["--help"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn help_lists_the_exit_codes_of_every_command() {
    for args in [&["--help"][..], &["rehearse", "--help"], &["sandbox", "--help"], &["list", "--help"]] {
        let output = Command::new(BIN).args(args).output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("Exit codes:") && text.contains("2  the harness could not run"), "{args:?}: {text}");
    }
    let help = Command::new(BIN).args(["rehearse", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in ["--color <WHEN>", "--quiet", "--verbose", "--jobs", "--fail-fast", "--keep-workdir"] {
        assert!(text.contains(flag), "{flag} missing: {text}");
    }
}

/// One quick scenario with the `good` broken client, and `args`.
fn quick(args: &[&str]) -> (Option<i32>, String) {
    let output = rehearse()
        .args(["--time-limit", crate::GENEROUS, "--client-cmd", &broken_client("good"), "--scenario", "accept-header"])
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let (code, always) = quick(&["--color", "always"]);
    assert_eq!(code, Some(0), "{always}");
    assert!(always.contains("\u{1b}[32mPASS"), "{always:?}");
    let (_, never) = quick(&["--color", "never"]);
    assert!(!never.contains('\u{1b}'), "{never:?}");
    // auto: stdout is a pipe here, so no color; NO_COLOR keeps it off even so.
    let output = rehearse()
        .args(["--time-limit", crate::GENEROUS, "--client-cmd", &broken_client("good"), "--scenario", "accept-header"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&output.stdout).contains('\u{1b}'));
}

#[test]
fn quiet_prints_only_the_totals_and_the_table_fits_columns() {
    let (code, quiet) = quick(&["-q"]);
    assert_eq!(code, Some(0), "{quiet}");
    assert_eq!(quiet.lines().count(), 1, "{quiet}");
    assert!(quiet.starts_with("PASS: 1 scenario"), "{quiet}");
    let output = rehearse()
        .args(["--time-limit", crate::GENEROUS, "--client-cmd", &broken_client("print-secret")])
        .args(["--scenario", "credential-hygiene", "--scenario", "accept-header"])
        .env("COLUMNS", "72")
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&output.stdout);
    // The table, without the rates block and the totals line that follow it (each one long line).
    let rows: Vec<&str> = table.lines().take_while(|l| !l.starts_with("Rates (")).collect();
    assert!(table.contains("\nRates (FHIR requests per tenant"), "the rates follow the table: {table}");
    assert_eq!(rows.len(), 3, "header and two rows: {table}");
    for row in rows {
        assert!(row.chars().count() <= 72, "{} columns: {row}", row.chars().count());
    }
}

#[test]
fn jobs_fail_fast_and_keep_workdir() {
    // -j 2: both scenarios, in the catalogue's order in the report whatever finished first.
    let json = std::env::temp_dir().join(format!("cerner-harness-jobs-{}.jsonl", std::process::id()));
    let output = rehearse()
        .args(["--time-limit", crate::GENEROUS, "--client-cmd", &broken_client("good"), "-j", "2"])
        .args(["--scenario", "accept-header", "--scenario", "scopes", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    let text = std::fs::read_to_string(&json).unwrap();
    let _ = std::fs::remove_file(&json);
    let scenarios: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|l| l["scenario"].as_str().map(str::to_owned))
        .collect();
    let first_scopes = scenarios.iter().position(|s| s == "scopes").unwrap();
    assert!(scenarios[..first_scopes].iter().all(|s| s == "accept-header") && first_scopes > 0, "{scenarios:?}");

    // --fail-fast: the first scenario fails, the second never starts.
    let output = rehearse()
        .args(["--time-limit", crate::GENEROUS, "--client-cmd", &broken_client("print-secret"), "--fail-fast"])
        .args(["--scenario", "credential-hygiene", "--scenario", "accept-header", "-q"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.starts_with("FAIL: 1 scenario (0 passed, 1 failed)"), "{stdout}");

    // --keep-workdir: the folder stays, its path printed; job.json is the owner's only.
    let (code, stdout) = quick(&["--keep-workdir"]);
    assert_eq!(code, Some(0), "{stdout}");
    let kept = stdout.lines().find_map(|l| l.trim().strip_prefix("job folder kept: ")).expect("a kept folder");
    let job = std::path::Path::new(kept).join("job.json");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&job).unwrap().permissions().mode();
    let _ = std::fs::remove_dir_all(kept);
    assert_eq!(mode & 0o777, 0o600, "{}", job.display());
}

#[test]
fn the_clients_output_is_in_every_report_with_the_secret_redacted() {
    let dir = std::env::temp_dir().join(format!("cerner-harness-output-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (json, junit, html) = (dir.join("r.jsonl"), dir.join("r.xml"), dir.join("r.html"));
    let output = rehearse()
        .args(["--time-limit", crate::GENEROUS, "--client-cmd", &broken_client("print-secret")])
        .args(["--scenario", "credential-hygiene", "--json"])
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let (json, junit, html) = (
        std::fs::read_to_string(&json).unwrap(),
        std::fs::read_to_string(&junit).unwrap(),
        std::fs::read_to_string(&html).unwrap(),
    );
    let _ = std::fs::remove_dir_all(&dir);
    let run = json
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|l| l.get("run").is_some())
        .expect("a run line");
    let stderr = run["run"]["stderr"].as_str().unwrap_or_default();
    assert!(stderr.contains("with secret [redacted]") && stderr.contains("syncing tenant"), "{stderr}");
    for report in [&json, &junit, &html] {
        assert!(!report.contains("with secret harness-"), "the secret leaked into a report");
    }
    assert!(junit.contains("<system-err>--- run 1 ---") && junit.contains("<system-out>"), "{junit}");
    assert!(html.contains("<details class=\"output\"><summary>Client run 1 stderr"), "no folded output");
}

/// On a terminal, a live line names what runs and for how long (`running token-reuse 0 s / 300 s`),
/// redrawn in place, and is cleared before the totals; off a terminal there is none. The terminal
/// is `script`'s pseudo-terminal (util-linux, on every Debian machine).
#[test]
fn a_terminal_shows_the_live_line_and_a_pipe_does_not() {
    let command = format!(
        "'{}' rehearse --page-cap {} --time-limit {} --scenario token-reuse",
        BIN,
        crate::PAGE_CAP,
        crate::GENEROUS
    );
    let output = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("NO_COLOR")
        .output()
        .expect("script(1) runs the harness on a pseudo-terminal");
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{shown}");
    assert!(shown.contains("\r\u{1b}[2Krunning token-reuse ") && shown.contains(" s / 300 s"), "{shown:?}");
    let piped = rehearse().args(["--time-limit", crate::GENEROUS, "--scenario", "token-reuse"]).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&piped.stdout), String::from_utf8_lossy(&piped.stderr));
    assert!(!stdout.contains("running token-reuse") && !stderr.contains("running token-reuse"), "{stderr}");
}
