//! `appointment-sync`: parses the command line and hands a validated configuration to the library.
//! Exit codes follow the harness contract: 0 every tenant synced, 1 some tenant failed or was
//! deferred (the others are synced), 2 the client could not run (bad configuration, store).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use appointment_sync::config::SyncConfig;
use appointment_sync::progress::Progress;
use appointment_sync::store::Store;
use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::EnvFilter;

/// Syncs Cerner Millennium appointments of every configured tenant into a local store.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Sync every tenant's appointments of the window.
    Run {
        #[command(flatten)]
        source: Source,
        /// Print a JSON summary (per tenant: pages, appointments new/updated, retries, waits, outcome).
        #[arg(long)]
        json: bool,
        /// Allow http:// FHIR bases and token URLs on hosts other than loopback.
        #[arg(long)]
        allow_insecure_http: bool,
    },
    /// Dump the store.
    Export {
        #[command(flatten)]
        source: Source,
        /// A store file, instead of the one the configuration names.
        #[arg(long, conflicts_with_all = ["config", "job"])]
        store: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Ndjson)]
        format: Format,
    },
}

#[derive(clap::Args, Debug)]
struct Source {
    /// The TOML configuration.
    #[arg(long, env = "APPOINTMENT_SYNC_CONFIG", conflicts_with = "job")]
    config: Option<PathBuf>,
    /// A harness job file (contract v1).
    #[arg(long, env = "HARNESS_JOB")]
    job: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Format {
    Ndjson,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    let result = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(execute(cli.command)),
        Err(e) => Err(anyhow::anyhow!("cannot start the runtime: {e}")),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("appointment-sync: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn load(source: &Source, allow_insecure_http: bool) -> anyhow::Result<SyncConfig> {
    let today = time::OffsetDateTime::now_utc().date();
    match (&source.config, &source.job) {
        (Some(path), _) => {
            Ok(SyncConfig::load_with(path, &|name| std::env::var(name).ok(), today, allow_insecure_http)?)
        }
        (None, Some(path)) => Ok(SyncConfig::load_job(path)?),
        (None, None) => anyhow::bail!("give --config FILE or --job FILE (or set HARNESS_JOB)"),
    }
}

async fn execute(command: Command) -> anyhow::Result<u8> {
    match command {
        Command::Run { source, json, allow_insecure_http } => {
            let config = load(&source, allow_insecure_http)?;
            let tenants: Vec<String> = config.tenants.iter().map(|t| t.id.clone()).collect();
            let summary = appointment_sync::run::run(config, Progress::for_stderr(&tenants)).await?;
            if json {
                #[allow(clippy::print_stdout)]
                {
                    println!("{}", serde_json::to_string_pretty(&summary)?);
                }
            }
            Ok(summary.exit_code())
        }
        Command::Export { source, store, format: Format::Ndjson } => {
            let path = match store {
                Some(path) => path,
                None => load(&source, false)?.store_path,
            };
            let store = Store::open(&path)?;
            let mut stdout = std::io::stdout().lock();
            store.export_ndjson(&mut stdout)?;
            Ok(0)
        }
    }
}
