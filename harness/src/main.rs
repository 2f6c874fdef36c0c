//! `cerner-harness`: rehearses Cerner's app-validation review against a sync client.
//! Exit codes: 0 every check passed, 1 a check failed, 2 the harness itself broke.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use cerner_harness::runner::{RunnerConfig, rehearse};
use cerner_harness::{report, scenarios};
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// Runs a Cerner appointment sync client against the emulator, scenario by scenario, and judges it.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the scenarios against a client (the reference appointment-sync by default).
    Rehearse {
        /// A client under contract v1, run with `sh -c`; the job file is named by HARNESS_JOB.
        #[arg(long, value_name = "CMD")]
        client_cmd: Option<String>,
        /// Run only this scenario (repeatable); `list` shows the names.
        #[arg(long = "scenario", value_name = "NAME")]
        scenarios: Vec<String>,
        /// Kill a client run after this many seconds.
        #[arg(long, default_value_t = 60)]
        time_limit: u64,
        /// Write one JSON object per check, then a summary (JSON Lines).
        #[arg(long, value_name = "PATH")]
        json: Option<PathBuf>,
        /// Write JUnit XML for CI servers.
        #[arg(long, value_name = "PATH")]
        junit: Option<PathBuf>,
        /// Write a self-contained HTML report.
        #[arg(long, value_name = "PATH")]
        html: Option<PathBuf>,
    },
    /// List every scenario with what it checks and the review concern it rehearses.
    List,
    /// Run the reference client on HARNESS_JOB (how `rehearse` runs it by default).
    #[command(hide = true)]
    Client,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cerner-harness: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(execute(Cli::parse().command)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("cerner-harness: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[allow(clippy::print_stdout)]
async fn execute(command: Command) -> anyhow::Result<u8> {
    match command {
        Command::List => {
            for s in scenarios::all() {
                println!("{:24} {}\n{:24} review concern: {}", s.name, s.description, "", s.concern);
            }
            Ok(0)
        }
        Command::Client => client().await,
        Command::Rehearse { client_cmd, scenarios, time_limit, json, junit, html } => {
            let selected = scenarios::select(&scenarios).map_err(anyhow::Error::msg)?;
            let (client_cmd, client_label) = match client_cmd {
                Some(cmd) => (cmd.clone(), cmd),
                None => (reference_client()?, "appointment-sync (reference)".to_owned()),
            };
            let config = RunnerConfig { client_cmd, client_label, time_limit: Duration::from_secs(time_limit) };
            let report = rehearse(&config, &selected).await?;
            println!("{}", report::terminal(&report, std::io::stdout().is_terminal()));
            let writes =
                [(json, report::json_lines(&report)), (junit, report::junit(&report)), (html, report::html(&report))];
            for (path, text) in writes {
                if let Some(path) = path {
                    std::fs::write(&path, text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                }
            }
            Ok(if report.passed() { 0 } else { 1 })
        }
    }
}

/// This executable, in the client's role, as a shell command.
fn reference_client() -> anyhow::Result<String> {
    let exe = std::env::current_exe()?;
    let quoted = exe.display().to_string().replace('\'', r"'\''");
    Ok(format!("'{quoted}' client"))
}

/// The reference client on the job file: contract v1 exit codes.
async fn client() -> anyhow::Result<u8> {
    let path = std::env::var_os("HARNESS_JOB").ok_or_else(|| anyhow::anyhow!("HARNESS_JOB is not set"))?;
    let config = appointment_sync::config::SyncConfig::load_job(std::path::Path::new(&path))?;
    let tenants: Vec<String> = config.tenants.iter().map(|t| t.id.clone()).collect();
    let progress = appointment_sync::progress::Progress::for_stderr(&tenants);
    let summary = appointment_sync::run::run(config, progress).await?;
    Ok(summary.exit_code())
}
