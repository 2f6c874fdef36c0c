//! The command line of the `cerner-harness` binary (declared by `main.rs`, not part of the
//! library): kept apart from what the commands do, so that reading the flags a reviewer or a CI job
//! can pass does not mean reading the code that runs them.

use std::path::PathBuf;

use cerner_harness::version::VersionChoice;
use clap::{Args, Parser, Subcommand};

use crate::console::ColorChoice;

/// Runs a Cerner appointment sync client against the emulator, scenario by scenario, and judges it.
#[derive(Parser, Debug)]
#[command(version, about, after_help = EXIT_CODES)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// Colors on the terminal: auto (when it is one and NO_COLOR is unset), always, never.
    #[arg(long, global = true, value_enum, default_value_t, value_name = "WHEN")]
    pub(crate) color: ColorChoice,
    /// Print less: only the totals line of a rehearsal, and only errors in the log.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
    /// Log more on stderr: -v each scenario and client run, -vv everything (RUST_LOG wins).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

/// The exit codes, in every `--help`.
pub(crate) const EXIT_CODES: &str = "Exit codes:\n  0  every check passed (list, record, diff: done)\n  \
1  a check failed (diff --strict: a difference)\n  2  the harness could not run (bad arguments, \
emulator, setup), or a check had nothing to examine";

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Run the scenarios against a client (the reference appointment-sync by default).
    #[command(after_help = EXIT_CODES)]
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
        /// Pages per location group a client may follow before it must give up a tenant whose
        /// paging never ends (endless-paging); written into the job as `limits.max_pages`.
        #[arg(long, default_value_t = cerner_harness::scenarios::PAGE_CAP, value_parser = page_cap)]
        page_cap: usize,
        /// The FHIR version of the job's bases: dstu2, r4, or both (each scenario once per version).
        #[arg(long, value_enum, default_value_t)]
        fhir_version: VersionChoice,
        #[command(flatten)]
        reports: ReportFiles,
        /// Print only the failed checks (scenario, check, expected, evidence) and the totals, for
        /// CI logs; exit codes are unchanged.
        #[arg(long)]
        list_failures_only: bool,
        /// Run this many scenarios at once, each on its own emulator (rows print as they finish;
        /// the reports keep the catalogue's order).
        #[arg(short = 'j', long = "jobs", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
        jobs: u16,
        /// Start no further scenario once one has failed (those running finish).
        #[arg(long)]
        fail_fast: bool,
        /// Keep each scenario's job folder (job.json, output, state_dir) and print its path.
        #[arg(long)]
        keep_workdir: bool,
        /// Project a daily pull of this fleet from the client's rates (e.g. 40:2000): requests and
        /// hours at the limits; a pull that cannot finish in 24 h fails the fleet-budget check.
        #[arg(long, value_name = "TENANTS:APPOINTMENTS_PER_TENANT")]
        fleet: Option<String>,
    },
    /// List every scenario with what it checks and the review concern it rehearses.
    #[command(after_help = EXIT_CODES)]
    List,
    /// The sandbox-safe subset against a real server (through a recording proxy), judged from the
    /// proxy's journal, the client's output and logs, under a hard request budget; plus server
    /// probes. Credentials come from CERNER_CLIENT_ID and CERNER_CLIENT_SECRET.
    #[command(after_help = EXIT_CODES)]
    Sandbox {
        /// The tenant's FHIR base, e.g. https://fhir-ehr-code.cerner.com/dstu2/<tenant>/
        #[arg(long)]
        fhir_base: String,
        /// Location ids to sync, comma separated.
        #[arg(long, value_delimiter = ',', required = true)]
        locations: Vec<String>,
        /// Days from today the window covers.
        #[arg(long, default_value_t = 7)]
        days: u32,
        /// Requests the client may make.
        #[arg(long, default_value_t = 300)]
        budget: u64,
        /// A client under contract v1, run with `sh -c` (the reference appointment-sync by default).
        #[arg(long, value_name = "CMD")]
        client_cmd: Option<String>,
        /// Kill the client run after this many seconds.
        #[arg(long, default_value_t = 120)]
        time_limit: u64,
        #[command(flatten)]
        reports: ReportFiles,
    },
    /// Record a real server's answers to the fixed probe list of the base's version, DSTU2 or R4
    /// (no secret or token is stored). Credentials come from CERNER_CLIENT_ID and
    /// CERNER_CLIENT_SECRET; without them only the probes that need no token succeed.
    #[command(after_help = EXIT_CODES)]
    Record {
        /// The tenant's secured FHIR base, e.g. https://fhir-ehr-code.cerner.com/r4/<tenant>/
        #[arg(long)]
        fhir_base: String,
        /// The tenant's open FHIR base, for the probes asked there (R4 `metadata-open`), e.g.
        /// https://fhir-open.cerner.com/r4/<tenant>/; without it they are not asked.
        #[arg(long)]
        open_base: Option<String>,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Compare the emulator's answers with a recording (from `record`) or with a folder of
    /// documented payloads: status, media type, element paths, link relations, outcome codes.
    #[command(after_help = EXIT_CODES)]
    Diff {
        /// A recording, or a folder of documented payloads named dstu2-<probe>.json and
        /// r4-<probe>.json (the R4 ones beside them or in its r4/ subfolder).
        dir: PathBuf,
        /// Exit 1 when there is any difference.
        #[arg(long)]
        strict: bool,
    },
    /// Run the reference client on HARNESS_JOB (how `rehearse` runs it by default).
    #[command(hide = true)]
    Client,
    /// Run `sh -c CMD` and write its peak resident memory (KiB) to OUT (how `rehearse` runs clients).
    #[command(hide = true)]
    Measure { out: PathBuf, cmd: String },
}

/// The report files a run writes besides the terminal report (`rehearse` and `sandbox`).
#[derive(Args, Debug)]
pub(crate) struct ReportFiles {
    /// Write one JSON object per check, then a summary (JSON Lines).
    #[arg(long, value_name = "PATH")]
    pub(crate) json: Option<PathBuf>,
    /// Write JUnit XML for CI servers.
    #[arg(long, value_name = "PATH")]
    pub(crate) junit: Option<PathBuf>,
    /// Write a self-contained HTML report.
    #[arg(long, value_name = "PATH")]
    pub(crate) html: Option<PathBuf>,
}

/// `--page-cap`: 1 to 1,000,000 pages.
fn page_cap(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=1_000_000).contains(&n) => Ok(n),
        _ => Err(format!("{text:?} is not a page count from 1 to 1000000")),
    }
}
