//! The binary's command-line manners that need a run: how much the log says.

use std::process::Command;

use cerner_mock::store::LoadOptions;

use crate::helpers::*;

const BIN: &str = env!("CARGO_BIN_EXE_appointment-sync");

/// `-q` leaves the INFO lines out of the log and `-v` adds DEBUG ones (with `RUST_LOG` unset); the
/// run's outcome is the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_and_verbose_set_how_much_the_log_says() {
    let env = emulator(LoadOptions::default()).await;
    let job = env.write_job(&[SANDBOX]);
    let run = |flag: Option<&str>| {
        let mut command = Command::new(BIN);
        command.args(flag).arg("run").env("HARNESS_JOB", &job).env_remove("RUST_LOG");
        command.output().unwrap()
    };
    let (default, quiet, verbose) = (run(None), run(Some("-q")), run(Some("-v")));
    let log = |output: &std::process::Output| String::from_utf8_lossy(&output.stderr).into_owned();
    for output in [&default, &quiet, &verbose] {
        assert_eq!(output.status.code(), Some(0), "{}", log(output));
    }
    assert!(log(&default).contains(" INFO ") && !log(&default).contains(" DEBUG "), "{}", log(&default));
    assert!(!log(&quiet).contains(" INFO "), "{}", log(&quiet));
    assert!(log(&verbose).contains(" DEBUG "), "{}", log(&verbose));
}

/// A closed stdout (a reader that went away, as `| head` does) ends the program quietly with its
/// usual exit code, and the help lists the exit codes and `--color`.
#[test]
fn a_closed_stdout_is_quiet_and_the_help_lists_exit_codes() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = Command::new(BIN)
        .arg("--help")
        .stdout(std::process::Stdio::from(writer))
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{stderr}");
    let help = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("Exit codes:") && help.contains("--color") && help.contains("--quiet"), "{help}");
    let never = Command::new(BIN).args(["--color", "never", "--help"]).env("NO_COLOR", "1").output().unwrap();
    assert_eq!(never.status.code(), Some(0));
}
