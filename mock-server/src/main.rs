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
    #[command(subcommand)]
    command: Option<Command>,
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
    #[arg(long, env = "CERNER_MOCK_PORT", default_value_t = 8080, global = true)]
    port: u16,
    /// Address to listen on.
    #[arg(long, env = "CERNER_MOCK_BIND", default_value = "127.0.0.1", global = true)]
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
    /// Serve a folder written by `cerner-harness record` instead of the emulator: each recorded
    /// request answers as recorded, on the recorded tenant's bases; anything else answers 404.
    #[arg(long, env = "CERNER_MOCK_REPLAY", value_name = "DIR", conflicts_with_all = ["profile", "synthetic", "manual_clock"])]
    replay: Option<PathBuf>,
    /// Switch the rate limits off, whatever the profile says (for load tests).
    #[arg(long, env = "CERNER_MOCK_NO_LIMITS")]
    no_limits: bool,
}

/// What to do instead of serving.
#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Ask a running emulator's GET /__admin/health (a container's HEALTHCHECK): exit 0 when it
    /// answers {"status":"ok"}, 1 otherwise, with a one-line message.
    #[command(after_help = "Exit codes:\n  0  healthy\n  1  not healthy (no answer, an error status, a timeout)")]
    Health {
        /// The emulator's address; by default the loopback address of --bind (CERNER_MOCK_BIND) on
        /// --port (CERNER_MOCK_PORT), as the server started with the same environment listens.
        #[arg(value_name = "HOST:PORT")]
        addr: Option<std::net::SocketAddr>,
        /// Seconds to wait for the whole answer.
        #[arg(long, default_value_t = 3.0, value_parser = seconds)]
        timeout: f64,
    },
}

fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 3600.0 => Ok(s),
        _ => Err(format!("{text:?} is not a number of seconds from 0 to 3600")),
    }
}

/// `cerner-mock health`: one line on stdout when healthy (exit 0), on stderr when not (exit 1).
fn health(addr: Option<std::net::SocketAddr>, timeout: f64, args: &Args) -> ExitCode {
    let addr = addr.unwrap_or_else(|| {
        let ip = match args.bind {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        std::net::SocketAddr::new(ip, args.port)
    });
    match cerner_mock::health::check(addr, std::time::Duration::from_secs_f64(timeout)) {
        Ok(()) => {
            use std::io::Write;
            let _ = writeln!(std::io::stdout(), "healthy: http://{addr}/__admin/health answered ok");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cerner-mock health: not healthy: {e}");
            ExitCode::FAILURE
        }
    }
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
    if let Some(Command::Health { addr, timeout }) = args.command {
        return health(addr, timeout, &args);
    }
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
    if let Some(dir) = &args.replay {
        return replay(dir, &args).await;
    }
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

/// `--replay DIR`: the recording's answers on its tenant's bases, until stopped.
async fn replay(dir: &std::path::Path, args: &Args) -> anyhow::Result<()> {
    let recording = cerner_mock::replay::Recording::load(dir)?;
    let addr = std::net::SocketAddr::new(args.bind, args.port);
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let addr = listener.local_addr()?;
    let stop = stop_signal();
    tracing::info!(address = %addr, recording = %dir.display(), tenant = %recording.tenant, answers = recording.answers.len(), "cerner-mock is replaying");
    for version in recording.versions() {
        for base in [cerner_mock::replay::probes::Base::Secured, cerner_mock::replay::probes::Base::Open] {
            let path = cerner_mock::replay::base_path(version, base, recording.tenant.as_str());
            tracing::info!(base = %format!("http://{addr}{path}"), "replayed base");
        }
    }
    let limits = cerner_mock::ConnectionLimits { max_connections: args.max_connections, ..Default::default() };
    cerner_mock::serve_with(listener, cerner_mock::replay::router(recording), limits, stop).await?;
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
