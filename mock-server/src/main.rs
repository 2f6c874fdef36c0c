//! `cerner-mock`: serves the emulator. Parses flags (each also read from a `CERNER_MOCK_*`
//! environment variable) and hands a validated configuration to the library.

use std::io::IsTerminal;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use cerner_mock::clock::DEFAULT_MANUAL_START;
use cerner_mock::ids::Secret;
use cerner_mock::journal;
use cerner_mock::origin::{OriginError, parse_origin};
use cerner_mock::store::LoadOptions;
use cerner_mock::{Clock, MockServer, Profile, ServerConfig, StateOptions};
use clap::Parser;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tracing_subscriber::EnvFilter;
use url::Url;

/// jemalloc: every request allocates and frees small strings and maps; against the system
/// allocator it answers about 10 % more requests a second and holds less memory with large data
/// (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Local emulator of Cerner Millennium's system-account OAuth2 token endpoint and FHIR DSTU2 API.
#[derive(Parser, Debug)]
#[command(
    version,
    about,
    after_help = "Exit codes:\n  0  stopped cleanly (Ctrl-C or SIGTERM)\n  2  could not start or serve \
(bad flags, profile, address in use)"
)]
struct Args {
    /// Colors in the log on stderr: auto (when it is a terminal and NO_COLOR is unset), always, never.
    #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    color: Color,
    /// Less in the log on stderr: warnings and errors only (`RUST_LOG`, when set, wins).
    #[arg(short, long, conflicts_with = "verbose")]
    quiet: bool,
    /// More in the log on stderr: `-v` debug (each request), `-vv` trace (`RUST_LOG`, when set, wins).
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Profile (TOML) to serve instead of the embedded default.
    #[arg(long, env = "CERNER_MOCK_PROFILE")]
    profile: Option<PathBuf>,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, env = "CERNER_MOCK_PORT", default_value_t = 8080)]
    port: u16,
    /// Address to listen on.
    #[arg(long, env = "CERNER_MOCK_BIND", default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Origin written into responses (token URLs, links), e.g. http://localhost:8080.
    #[arg(long, env = "CERNER_MOCK_PUBLIC_ORIGIN", value_parser = origin)]
    public_origin: Option<Url>,
    /// Start a manual clock, standing still at this RFC 3339 instant (default 2026-01-05T08:00:00Z)
    /// until moved with POST /__admin/clock.
    #[arg(long, env = "CERNER_MOCK_MANUAL_CLOCK", num_args = 0..=1, default_missing_value = "default", value_parser = instant)]
    manual_clock: Option<OffsetDateTime>,
    /// Add seeded synthetic data to every tenant, e.g. `appointments=1000000,seed=7` (keys: seed,
    /// appointments, patients, practitioners, slots, encounters, days_before, days_after).
    #[arg(long, env = "CERNER_MOCK_SYNTHETIC", value_name = "KEY=VALUE,...")]
    synthetic: Option<String>,
    /// Also append every journal entry to this file, as JSON Lines.
    #[arg(long, env = "CERNER_MOCK_JOURNAL_FILE", value_name = "PATH")]
    journal_file: Option<PathBuf>,
    /// Require `Authorization: Bearer TOKEN` on the admin API (which then also answers
    /// non-loopback callers).
    #[arg(long, env = "CERNER_MOCK_ADMIN_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Open connections at most; past it a new connection gets 503 and is closed.
    #[arg(long, env = "CERNER_MOCK_MAX_CONNECTIONS", default_value_t = 4096)]
    max_connections: usize,
    /// Switch the rate limits off, whatever the profile says (for load tests).
    #[arg(long, env = "CERNER_MOCK_NO_LIMITS")]
    no_limits: bool,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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

fn origin(text: &str) -> Result<Url, OriginError> {
    parse_origin(text)
}

fn instant(text: &str) -> Result<OffsetDateTime, String> {
    if text == "default" {
        return Ok(DEFAULT_MANUAL_START);
    }
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| format!("{text:?} is not an RFC 3339 instant: {e}"))
}

/// The log's level when `RUST_LOG` is not set: `-q` warn, default info, `-v` debug, `-vv` trace.
fn level(args: &Args) -> &'static str {
    match (args.quiet, args.verbose) {
        (true, _) => "warn",
        (false, 0) => "info",
        (false, 1) => "debug",
        (false, _) => "trace",
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level(&args))))
        .with_writer(std::io::stderr)
        .with_ansi(args.color.on_stderr())
        .init();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cerner-mock: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let mut profile = match &args.profile {
        Some(path) => Profile::load(path)?,
        None => Profile::embedded_default(),
    };
    if args.no_limits {
        profile.limits.enabled = false;
    }
    let clock = args.manual_clock.map_or_else(Clock::system, Clock::manual);
    let journal_sink = match &args.journal_file {
        Some(path) => Some(
            journal::file_sink(path)
                .await
                .map_err(|e| anyhow::anyhow!("cannot open the journal file {}: {e}", path.display()))?,
        ),
        None => None,
    };
    let config = ServerConfig {
        profile,
        bind: args.bind,
        port: args.port,
        public_origin: args.public_origin,
        clock,
        load: LoadOptions { synthetic: args.synthetic },
        limits: cerner_mock::ConnectionLimits { max_connections: args.max_connections, ..Default::default() },
        options: StateOptions {
            admin_token: args.admin_token.map(Secret::new),
            journal_sink,
            ..StateOptions::default()
        },
    };
    let stop = stop_signal();
    let started = std::time::Instant::now();
    let server = MockServer::start(config).await?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "data loaded");
    tracing::info!(address = %server.addr(), origin = %server.origin(), "cerner-mock is serving");
    for tenant in &server.state().profile().tenants {
        tracing::info!(tenant = %tenant.id, name = %tenant.name, fhir_base = %server.state().fhir_base(tenant.id.as_str()), "tenant");
    }
    tokio::select! {
        result = server.wait() => result?,
        () = stop => tracing::info!("stopping"),
    }
    Ok(())
}

/// SIGINT (Ctrl-C) or SIGTERM (what service managers and CI send). The handlers are installed
/// when this is called, not when the future is first polled: called before the server reports it is
/// serving, a signal sent right after that line is never lost (it would otherwise kill the process).
fn stop_signal() -> impl Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let terminate = signal(SignalKind::terminate()).ok();
    let interrupt = signal(SignalKind::interrupt()).ok();
    async move {
        tokio::select! {
            () = received(terminate) => {}
            () = received(interrupt) => {}
        }
    }
}

/// Waits for a signal; forever when its handler could not be installed.
async fn received(signal: Option<tokio::signal::unix::Signal>) {
    match signal {
        Some(mut signal) => {
            signal.recv().await;
        }
        None => std::future::pending().await,
    }
}
