//! The `cerner-mock` binary: serves the embedded default with no files, refuses bad profiles with
//! a message that names the field.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::{CLIENT, SANDBOX, SECRET};

const BIN: &str = env!("CARGO_BIN_EXE_cerner-mock");

#[test]
fn an_invalid_profile_is_refused_naming_the_field() {
    let dir = std::env::temp_dir().join(format!("cerner-mock-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(
        &path,
        "[[tenants]]\nid = \"t1\"\n[[accounts]]\nclient_id = \"a\"\nsecret = \"s\"\napproved_tenants = [\"t2\"]\n",
    )
    .unwrap();
    let output = Command::new(BIN).arg("--profile").arg(&path).arg("--port").arg("0").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("accounts[0].approved_tenants[0]") && stderr.contains("\"t2\""), "{stderr}");

    let output = Command::new(BIN).args(["--profile", "/nonexistent/profile.toml"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read profile"));
}

#[test]
fn a_bad_flag_value_is_a_one_line_error() {
    let output = Command::new(BIN).args(["--public-origin", "http://x/with/path"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--public-origin"), "{stderr}");
}

/// Starts the binary on a free port with the embedded profile and fetches metadata from it.
#[test]
fn the_binary_serves_the_embedded_default_from_any_directory() {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--manual-clock"])
        .env("RUST_LOG", "info")
        .env("CERNER_MOCK_BIND", "127.0.0.1")
        .current_dir(std::env::temp_dir())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    // Read the log in a thread, so a server that never logs its address fails the test instead of
    // hanging it.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let found = line.split("address=").nth(1).and_then(|rest| rest.split_whitespace().next());
            if let Some(address) = found {
                let _ = tx.send(address.to_owned());
            }
        }
    });
    let address = rx.recv_timeout(Duration::from_secs(20)).ok();
    if address.is_none() {
        let _ = child.kill();
    }
    let address = address.expect("the server logs its address");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let status = runtime.block_on(async {
        let url = format!("http://{address}/dstu2/{SANDBOX}/metadata");
        reqwest::get(url).await.map(|r| r.status().as_u16())
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status.unwrap(), 200);
}

/// SIGTERM (what service managers and CI send) stops the emulator cleanly with exit code 0.
#[test]
fn sigterm_stops_the_emulator_cleanly() {
    let mut child =
        Command::new(BIN).args(["--port", "0"]).env("RUST_LOG", "info").stderr(Stdio::piped()).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("is serving") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(20)).expect("the emulator starts");
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(std::time::Instant::now() < deadline, "still running 10 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(exit.code(), Some(0));
}

/// Starts the binary on a free port with `args` and `env`, and returns it with its address.
pub(crate) fn spawn(args: &[&str], env: &[(&str, &str)]) -> (std::process::Child, String) {
    let mut command = Command::new(BIN);
    command.args(["--port", "0"]).args(args).env("RUST_LOG", "info").stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(address) = line.split("address=").nth(1).and_then(|rest| rest.split_whitespace().next()) {
                let _ = tx.send(address.to_owned());
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(address) => (child, address),
        Err(e) => {
            let _ = child.kill();
            panic!("the server did not log its address: {e}");
        }
    }
}

/// Statuses of `n` token requests in a row (the token limit's burst is 10).
fn token_statuses(address: &str, n: usize) -> Vec<u16> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let url = format!("http://{address}/tenants/{SANDBOX}/protocols/oauth2/profiles/smart-v1/token");
        let client = reqwest::Client::new();
        let mut statuses = Vec::new();
        for _ in 0..n {
            let response = client
                .post(&url)
                .basic_auth(CLIENT, Some(SECRET))
                .form(&[("grant_type", "client_credentials"), ("scope", "system/Appointment.read")])
                .send()
                .await
                .unwrap();
            statuses.push(response.status().as_u16());
        }
        statuses
    })
}

#[test]
fn no_limits_switches_the_rate_limits_off_by_flag_or_environment() {
    let (mut child, address) = spawn(&[], &[]);
    let limited = token_statuses(&address, 15);
    let _ = child.kill();
    let _ = child.wait();
    assert!(limited.contains(&429), "the default profile limits tokens: {limited:?}");

    for (args, env) in [(&["--no-limits"][..], &[][..]), (&[][..], &[("CERNER_MOCK_NO_LIMITS", "true")][..])] {
        let (mut child, address) = spawn(args, env);
        let statuses = token_statuses(&address, 15);
        let _ = child.kill();
        let _ = child.wait();
        assert!(statuses.iter().all(|s| *s == 200), "{args:?} {env:?}: {statuses:?}");
    }
}

/// `-v` logs each request at DEBUG (with `RUST_LOG` unset); `-q` leaves INFO out but keeps errors.
#[test]
fn verbose_logs_each_request_and_quiet_keeps_only_warnings_and_errors() {
    let mut child =
        Command::new(BIN).args(["--port", "0", "-v"]).env_remove("RUST_LOG").stderr(Stdio::piped()).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let next = |what: &str| loop {
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(line) if line.contains(what) => break line,
            Ok(_) => continue,
            Err(e) => panic!("no line with {what:?}: {e}"),
        }
    };
    let address = next("address=");
    let address = address.split("address=").nth(1).and_then(|a| a.split_whitespace().next()).unwrap().to_owned();
    let mut stream = std::net::TcpStream::connect(address.trim_start_matches("http://")).unwrap();
    use std::io::Write as _;
    write!(stream, "GET /dstu2/{SANDBOX}/metadata HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(next("finished processing request").contains("DEBUG"));
    let _ = child.kill();
    let _ = child.wait();

    let quiet = Command::new(BIN)
        .args(["-q", "--port", "0", "--profile", "/nonexistent/profile.toml"])
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&quiet.stderr);
    assert_eq!(quiet.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/nonexistent/profile.toml") && !stderr.contains(" INFO "), "{stderr}");
}

/// A closed stdout (a reader that went away, as `| head` does) ends the program quietly with its
/// usual exit code, and the help lists the exit codes and `--color`.
#[test]
fn a_closed_stdout_is_quiet_and_the_help_lists_exit_codes() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = Command::new(BIN).arg("--help").stdout(Stdio::from(writer)).stderr(Stdio::piped()).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{stderr}");
    let help = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("Exit codes:") && help.contains("--color") && help.contains("--quiet"), "{help}");
    let never = Command::new(BIN).args(["--color", "never", "--help"]).env("NO_COLOR", "1").output().unwrap();
    assert_eq!(never.status.code(), Some(0));
}
