//! `appointment-sync`: parses the command line and hands a validated configuration to the library.
//! Exit codes follow the harness contract: 0 every tenant synced, 1 some tenant failed or was
//! deferred (the others are synced), 2 the client could not run (bad configuration, store).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use appointment_sync::config::SyncConfig;
use appointment_sync::progress::Progress;
use appointment_sync::redact::RedactedStderr;
use appointment_sync::store::{PgStore, SqliteStore, StoreLocation, SyncStore};
use appointment_sync::worker::WorkerOptions;
use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::EnvFilter;

/// Syncs Cerner Millennium appointments of every configured tenant into a local store.
#[derive(Parser, Debug)]
#[command(
    version,
    about,
    after_help = "Exit codes:\n  0  every tenant synced (export: done)\n  1  some tenant failed \
or was deferred; the others are synced\n  2  the client could not run (bad configuration, store)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log lines on stderr as text, or as JSON objects (one a line) for log shippers; credentials
    /// are masked in both.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "APPOINTMENT_SYNC_LOG_FORMAT")]
    log_format: LogFormat,
    /// Colors in the log on stderr: auto (when it is a terminal and NO_COLOR is unset), always, never.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    color: Color,
    /// Less in the log on stderr: warnings and errors only (`RUST_LOG`, when set, wins).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// More in the log on stderr: `-v` debug, `-vv` trace (`RUST_LOG`, when set, wins).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum LogFormat {
    Text,
    Json,
}

/// `--color`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Color {
    Auto,
    Always,
    Never,
}

impl Color {
    /// Whether the log on stderr is colored; `NO_COLOR` (non-empty) turns `auto` off.
    fn on_stderr(self) -> bool {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => !no_color && std::io::stderr().is_terminal(),
        }
    }
}

/// Prints on stdout; a closed stdout (a reader that went away) is not an error: the run's exit
/// code stands.
fn print_out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
}

/// Whether `error` is stdout closed under the writer (EPIPE), also as the store's export error.
fn closed_stdout(error: &anyhow::Error) -> bool {
    let broken = |io: &std::io::Error| io.kind() == std::io::ErrorKind::BrokenPipe;
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(broken)
            || matches!(cause.downcast_ref::<appointment_sync::store::StoreError>(),
                Some(appointment_sync::store::StoreError::Write(io)) if broken(io))
    })
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
        /// The store: a SQLite file, or a PostgreSQL URL (postgres://user@host:port/db). Replaces
        /// the configuration's [store]. A password missing from the URL is read from PGPASSWORD.
        #[arg(long, env = "APPOINTMENT_SYNC_STORE", value_name = "PATH|URL")]
        store: Option<String>,
        /// Run as one of several workers sharing the tenants through leases (PostgreSQL store).
        #[arg(long)]
        worker: bool,
        /// Seconds a worker's lease lasts without renewal: how soon another worker takes over the
        /// tenants of one that died.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(2..=3600), requires = "worker")]
        lease_ttl: u64,
    },
    /// Dump the store.
    Export {
        #[command(flatten)]
        source: Source,
        /// A store (SQLite file or PostgreSQL URL), instead of the one the configuration names.
        #[arg(long, env = "APPOINTMENT_SYNC_STORE", value_name = "PATH|URL")]
        store: Option<String>,
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
    let cli = Cli::parse();
    let level = match (cli.quiet, cli.verbose) {
        (true, _) => "warn",
        (false, 0) => "info",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(RedactedStderr);
    match cli.log_format {
        LogFormat::Text => logs.with_ansi(cli.color.on_stderr()).init(),
        LogFormat::Json => logs.json().with_ansi(false).init(),
    }
    let result = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(execute(cli.command)),
        Err(e) => Err(anyhow::anyhow!("cannot start the runtime: {e}")),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // `export | head`: the reader had enough; the export did what was asked of it.
        Err(e) if closed_stdout(&e) => ExitCode::SUCCESS,
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

/// The store the configuration names, without reading credentials: `export` needs none.
fn load_store(source: &Source) -> anyhow::Result<StoreLocation> {
    match (&source.config, &source.job) {
        (Some(path), _) => Ok(SyncConfig::load_store(path, &|name| std::env::var(name).ok())?),
        (None, Some(path)) => Ok(SyncConfig::load_job_store(path)?),
        (None, None) => anyhow::bail!("give --config FILE, --job FILE or --store PATH|URL"),
    }
}

/// `--store`: a path or a URL; a URL without a password takes `PGPASSWORD`, as libpq does.
fn store_location(text: &str) -> anyhow::Result<StoreLocation> {
    let location = StoreLocation::parse(text).map_err(|e| anyhow::anyhow!("--store: {e}"))?;
    Ok(match location {
        StoreLocation::Postgres(target) => {
            StoreLocation::Postgres(target.with_password_if_missing(std::env::var("PGPASSWORD").ok()))
        }
        sqlite => sqlite,
    })
}

async fn execute(command: Command) -> anyhow::Result<u8> {
    match command {
        Command::Run { source, json, allow_insecure_http, store, worker, lease_ttl } => {
            let mut config = load(&source, allow_insecure_http)?;
            if let Some(store) = store {
                config.store = store_location(&store)?;
            }
            let summary = if worker {
                let options = WorkerOptions { lease_ttl: std::time::Duration::from_secs(lease_ttl) };
                appointment_sync::worker::run_worker(config, Progress::Log, options).await?
            } else {
                let tenants: Vec<String> = config.tenants.iter().map(|t| t.id.to_string()).collect();
                appointment_sync::run::run(config, Progress::for_stderr(&tenants)).await?
            };
            if json {
                print_out(&format!("{}\n", serde_json::to_string_pretty(&summary)?));
            } else {
                print_out(&appointment_sync::summary::human(&summary));
            }
            Ok(summary.exit_code())
        }
        Command::Export { source, store, format: Format::Ndjson } => {
            let location = match store {
                Some(store) => store_location(&store)?,
                None => load_store(&source)?,
            };
            match location {
                StoreLocation::Sqlite(path) => {
                    if !path.exists() {
                        anyhow::bail!("no store at {}", path.display());
                    }
                    SqliteStore::open(&path)?.export_ndjson(&mut std::io::stdout().lock())?;
                }
                StoreLocation::Postgres(target) => {
                    let store = PgStore::connect(&target).await?;
                    SyncStore::export_ndjson(&store, &mut std::io::stdout()).await?;
                }
            }
            Ok(0)
        }
    }
}
