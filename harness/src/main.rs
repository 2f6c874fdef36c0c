//! `cerner-harness`: rehearses Cerner's app-validation review against a sync client.
//! Exit codes: 0 every check passed, 1 a check failed, 2 the harness itself broke or a check had
//! nothing to examine.

mod cli;
mod console;
mod live;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use cerner_harness::runner::RunnerConfig;
use cerner_harness::version::FhirVersion;
use cerner_harness::{probe, report, scenarios};
use clap::Parser;
use cli::{Cli, Command};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // In the client's role, log as the appointment-sync binary does (info: each tenant's outcome),
    // so the harness judges the reference client's real logs.
    let default_level = match (&cli.command, cli.quiet, cli.verbose) {
        (Command::Client, ..) => "info",
        (_, true, _) => "error",
        (_, false, 0) => "warn",
        (_, false, 1) => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level)))
        .with_writer(std::io::stderr)
        .with_ansi(cli.color.stderr())
        .init();
    let manners = Manners { color: cli.color, quiet: cli.quiet };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cerner-harness: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(execute(cli.command, manners)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("cerner-harness: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The global flags that shape what is printed.
#[derive(Debug, Clone, Copy)]
struct Manners {
    color: console::ColorChoice,
    quiet: bool,
}

async fn execute(command: Command, manners: Manners) -> anyhow::Result<u8> {
    match command {
        Command::List => {
            for s in scenarios::all() {
                console::line(&format!("{:24} {}\n{:24} review concern: {}", s.name, s.description, "", s.concern));
                if s.versions != scenarios::EVERY_VERSION {
                    let labels: Vec<&str> = s.versions.iter().map(|v| v.label()).collect();
                    console::line(&format!("{:24} on {} only", "", labels.join(", ")));
                }
            }
            Ok(0)
        }
        Command::Client => client().await,
        Command::Measure { out, cmd } => Ok(cerner_harness::process::measure(&out, &cmd)),
        Command::Record { fhir_base, open_base, out } => {
            record(&probe::Bases { secured: fhir_base, open: open_base }, &out).await
        }
        Command::Sandbox { fhir_base, locations, days, budget, client_cmd, time_limit, reports } => {
            let Some((client_id, client_secret)) = credentials() else {
                anyhow::bail!("set CERNER_CLIENT_ID and CERNER_CLIENT_SECRET for the sandbox's system account")
            };
            let (client_cmd, client_label) = client_or_reference(client_cmd)?;
            let config = cerner_harness::sandbox::SandboxConfig {
                fhir_base: url::Url::parse(&fhir_base)?,
                client_cmd,
                client_label,
                client_id,
                client_secret,
                locations,
                days,
                budget,
                time_limit: Duration::from_secs(time_limit),
            };
            let report = cerner_harness::sandbox::sandbox(&config).await?;
            let terminal = if manners.quiet { Terminal::Totals } else { Terminal::Table };
            write_reports(&report, terminal, &reports, manners)
        }
        Command::Diff { dir, strict } => diff(&dir, strict).await,
        Command::Rehearse {
            client_cmd,
            scenarios,
            time_limit,
            page_cap,
            fhir_version,
            reports,
            list_failures_only,
            jobs,
            fail_fast,
            keep_workdir,
            fleet,
        } => {
            let fleet = fleet
                .map(|text| text.parse::<cerner_harness::fleet::Fleet>())
                .transpose()
                .map_err(|e| anyhow::anyhow!("--fleet {e}"))?;
            let versions = fhir_version.versions();
            let selected = scenarios::select_on(&scenarios, &versions)?;
            let (client_cmd, client_label) = client_or_reference(client_cmd)?;
            let measurer = std::env::current_exe().ok();
            let limit = Duration::from_secs(time_limit);
            let config = RunnerConfig {
                measurer,
                page_cap,
                jobs: usize::from(jobs),
                fail_fast,
                keep_workdir,
                ..RunnerConfig::new(client_cmd, client_label, limit)
            };
            let terminal = match (manners.quiet, list_failures_only) {
                (true, _) => Terminal::Totals,
                (false, true) => Terminal::FailuresOnly,
                (false, false) => Terminal::Rows,
            };
            let versioned = selected
                .iter()
                .flat_map(|s| s.versions)
                .filter(|v| versions.contains(v))
                .any(|v| selected.iter().flat_map(|s| s.versions).any(|w| w != v && versions.contains(w)));
            let titles: Vec<String> = selected
                .iter()
                .map(|s| if versioned { format!("{} (DSTU2)", s.name) } else { s.name.to_owned() })
                .collect();
            let color = manners.color.stdout();
            let table =
                matches!(terminal, Terminal::Rows).then(|| report::LiveTable::new(&titles, console::width(), color));
            let line = !manners.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
            let live = std::sync::Arc::new(live::Live::new(table, versioned, line, limit, keep_workdir));
            live.begin();
            let ticker = live.tick();
            let report = cerner_harness::schedule::rehearse_with(&config, &selected, &versions, live.clone()).await;
            if let Some(ticker) = ticker {
                ticker.abort();
            }
            live.end();
            let mut report = report?;
            if let Some(fleet) = fleet {
                cerner_harness::fleet::apply(&mut report, fleet);
            }
            write_reports(&report, terminal, &reports, manners)
        }
    }
}

/// What a report prints on the terminal.
#[derive(Debug, Clone, Copy)]
enum Terminal {
    /// Every scenario and check.
    Table,
    /// Only the failed checks and the totals (`--list-failures-only`).
    FailuresOnly,
    /// Only the totals line (`-q`).
    Totals,
    /// The totals line after the rows printed while the scenarios ran.
    Rows,
}

/// The report on the terminal, the report files asked for (each rendered only when asked), and the
/// exit code: 0 when every check passed, 1 otherwise.
fn write_reports(
    report: &cerner_harness::verdict::Report,
    terminal: Terminal,
    files: &cli::ReportFiles,
    manners: Manners,
) -> anyhow::Result<u8> {
    let color = manners.color.stdout();
    match terminal {
        Terminal::Table => console::line(&report::terminal_within(report, color, console::width())),
        Terminal::FailuresOnly => console::out(&report::failures_only(report)),
        Terminal::Totals => console::out(&report::totals_line(report, color)),
        Terminal::Rows => {
            console::out(&format!("{}{}", report::rates_block(report), report::totals_line(report, color)))
        }
    }
    type Render = fn(&cerner_harness::verdict::Report) -> String;
    let writers: [(&Option<PathBuf>, Render); 3] =
        [(&files.json, report::json_lines), (&files.junit, report::junit), (&files.html, report::html)];
    for (path, render) in writers {
        if let Some(path) = path {
            std::fs::write(path, render(report))
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        }
    }
    Ok(report.exit_code())
}

/// The client to judge and its label in the reports: `--client-cmd` when given, else this
/// executable in the client's role (the reference client), as a shell command.
fn client_or_reference(client_cmd: Option<String>) -> anyhow::Result<(String, String)> {
    if let Some(cmd) = client_cmd {
        return Ok((cmd.clone(), cmd));
    }
    let exe = std::env::current_exe()?;
    let quoted = exe.display().to_string().replace('\'', r"'\''");
    Ok((format!("'{quoted}' client"), "appointment-sync (reference)".to_owned()))
}

/// The system account's credentials, from CERNER_CLIENT_ID and CERNER_CLIENT_SECRET (both set).
fn credentials() -> Option<(String, String)> {
    Some((std::env::var("CERNER_CLIENT_ID").ok()?, std::env::var("CERNER_CLIENT_SECRET").ok()?))
}

/// The reference client on the job file: contract v2 (exit codes, and its run summary on stdout).
async fn client() -> anyhow::Result<u8> {
    let path = std::env::var_os("HARNESS_JOB").ok_or_else(|| anyhow::anyhow!("HARNESS_JOB is not set"))?;
    let mut config = appointment_sync::config::SyncConfig::load_job(std::path::Path::new(&path))?;
    let advice = job_limits(std::path::Path::new(&path));
    if let Some(max_pages) = advice["max_pages"].as_u64().filter(|n| *n > 0) {
        config.limits.max_pages = max_pages;
    }
    // The job's timeout advice, within the range appointment-sync's own config accepts (1..=600 s).
    if let Some(seconds) = advice["request_timeout_seconds"].as_u64().filter(|n| (1..=600).contains(n)) {
        config.limits.request_timeout = Duration::from_secs(seconds);
    }
    let tenants: Vec<String> = config.tenants.iter().map(|t| t.id.to_string()).collect();
    let progress = appointment_sync::progress::Progress::for_stderr(&tenants);
    let summary = appointment_sync::run::run(config, progress).await?;
    // Contract v2: the final summary, each tenant's outcome and reason, as one JSON line.
    console::line(&serde_json::to_string(&summary)?);
    Ok(summary.exit_code())
}

/// The job's `limits` (`max_pages`: the harness's `--page-cap`; `request_timeout_seconds`), or null.
fn job_limits(path: &std::path::Path) -> serde_json::Value {
    let job: Option<serde_json::Value> =
        std::fs::read_to_string(path).ok().and_then(|text| serde_json::from_str(&text).ok());
    job.map(|mut job| job["limits"].take()).unwrap_or_default()
}

/// `record`: the probes' answers from a real server, one file per probe.
async fn record(bases: &probe::Bases, out: &std::path::Path) -> anyhow::Result<u8> {
    let version = bases.version();
    let token = match credentials() {
        Some((id, secret)) => {
            Some(probe::sign_in(&bases.secured, &id, &secret, &probe::probe_scopes(version)).await?.token)
        }
        None => None,
    };
    let answers = probe::record(bases, token.as_ref().map(|t| t.expose())).await?;
    probe::write_recording(out, &answers).map_err(|e| anyhow::anyhow!("cannot write the recording: {e}"))?;
    console::line(&format!("recorded {} {} probes into {}", answers.len(), version.label(), out.display()));
    if bases.open.is_none() {
        let skipped = probe::probes(version).iter().filter(|p| p.base == probe::Base::Open).count();
        if skipped > 0 {
            console::line(&format!("{skipped} probe(s) of the open base not asked: give --open-base to ask them"));
        }
    }
    Ok(0)
}

/// `diff`: the emulator against a recording or the documented payloads, on every version they hold.
async fn diff(dir: &std::path::Path, strict: bool) -> anyhow::Result<u8> {
    let documented = probe::holds_documented(dir).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.display()))?;
    let reference = if documented { probe::documented(dir)? } else { probe::load_recording(dir)? };
    if reference.is_empty() {
        anyhow::bail!(
            "{} holds no recording (<probe>.json) and no documented payload (dstu2-<probe>.json, r4-<probe>.json)",
            dir.display()
        );
    }
    let versions: Vec<FhirVersion> =
        FhirVersion::ALL.into_iter().filter(|v| reference.iter().any(|r| r.fhir_version == *v)).collect();
    let answers = probe::emulator_answers(&versions).await?;
    let mut differences = Vec::new();
    for expected in &reference {
        match answers.iter().find(|a| a.same_probe(expected)) {
            Some(actual) => differences.extend(probe::compare(expected, actual)),
            None => console::line(&format!(
                "{:5} {:24} not a probe of this harness; skipped",
                expected.fhir_version.label(),
                expected.probe
            )),
        }
    }
    for d in &differences {
        console::line(&format!("{:5} {:24} {:13} {}", d.fhir_version.label(), d.probe, d.kind, d.detail));
    }
    let source = if documented { "the documented payloads" } else { "the recording" };
    for version in &versions {
        let compared = reference.iter().filter(|r| r.fhir_version == *version).count();
        let found = differences.iter().filter(|d| d.fhir_version == *version).count();
        console::line(&format!("{}: {compared} probes compared with {source}: {found} difference(s)", version.label()));
    }
    console::line(&format!("{} probes compared with {source}: {} difference(s)", reference.len(), differences.len()));
    Ok(if strict && !differences.is_empty() { 1 } else { 0 })
}
