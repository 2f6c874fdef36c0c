//! What to connect to and how: the `postgres://` URL a user gives, shown without its password
//! wherever it appears (logs, errors, `Debug`); TLS as the URL's `sslmode` asks; and the driver's
//! errors on one line, so a failed connect says why without a chain of causes to unpick.

use std::fmt;
use std::sync::Arc;

use rustls_platform_verifier::BuilderVerifierExt;
use tokio_postgres::config::Host;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::StoreError;

/// A PostgreSQL database to connect to. `Debug` and `Display` never show the password.
#[derive(Clone)]
pub struct PgTarget {
    /// Boxed: the driver's configuration is large, and targets travel inside the config enum.
    pub(super) config: Box<tokio_postgres::Config>,
    shown: String,
}

impl PartialEq for PgTarget {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config
    }
}

impl Eq for PgTarget {}

impl fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PgTarget").field(&self.shown).finish()
    }
}

impl fmt::Display for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

/// Why a `postgres://` URL names no usable database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PgTargetError {
    /// The driver's reason, with its causes (it never echoes the password).
    #[error("not a usable PostgreSQL URL: {0}")]
    Unusable(String),
    /// The URL has neither a host nor a Unix socket directory to connect to.
    #[error("the PostgreSQL URL names no host")]
    NoHost,
}

impl PgTarget {
    /// Whether `text` names a PostgreSQL database rather than a file.
    pub fn is_url(text: &str) -> bool {
        let lower = text.trim_start().to_ascii_lowercase();
        lower.starts_with("postgres://") || lower.starts_with("postgresql://")
    }

    /// Parses a `postgres://user[:password]@host[:port]/dbname[?options]` URL (libpq's URI form,
    /// with `sslmode=disable|prefer|require`).
    pub fn parse(url: &str) -> Result<Self, PgTargetError> {
        // The driver reads the scheme case-sensitively; URL schemes are not (RFC 3986 §3.1).
        let url = url.trim();
        let url = match url.split_once("://") {
            Some((_, rest)) if Self::is_url(url) => format!("postgresql://{rest}"),
            _ => url.to_owned(),
        };
        let config: tokio_postgres::Config =
            url.parse().map_err(|e: tokio_postgres::Error| PgTargetError::Unusable(with_causes(&e)))?;
        if config.get_hosts().is_empty() {
            return Err(PgTargetError::NoHost);
        }
        let shown = describe(&config);
        Ok(Self { config: Box::new(config), shown })
    }

    /// Sets the password when the URL carried none (from the config's `password_env`, or `PGPASSWORD`).
    pub fn with_password_if_missing(mut self, password: Option<String>) -> Self {
        if self.config.get_password().is_none()
            && let Some(password) = password
        {
            self.config.password(password);
        }
        self
    }
}

/// `postgres://user@host:port/dbname`, without the password or options.
fn describe(config: &tokio_postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(n, host)| {
            let port = config.get_ports().get(n).or(config.get_ports().first()).copied().unwrap_or(5432);
            match host {
                Host::Tcp(name) => format!("{name}:{port}"),
                #[cfg(unix)]
                Host::Unix(path) => format!("{}:{port}", path.display()),
            }
        })
        .collect();
    let user = config.get_user().map(|u| format!("{u}@")).unwrap_or_default();
    format!("postgres://{user}{}/{}", hosts.join(","), config.get_dbname().unwrap_or(""))
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(cause: tokio_postgres::Error) -> Self {
        Self::Postgres(describe_error(&cause))
    }
}

/// The server's own message when there is one ("ERROR: … (SQLSTATE)"), else the driver's with
/// its causes ("error connecting to server: Connection refused (os error 111)").
pub(super) fn describe_error(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return format!("{}: {} ({})", db.severity(), db.message(), db.code().code());
    }
    with_causes(error)
}

/// An error and its sources on one line, each said once (some wrappers repeat their source).
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text = format!("{text}: {part}");
        }
        source = cause.source();
    }
    text
}

/// TLS as libpq's `sslmode` asks (`prefer` by default: when the server offers it; `require`: or
/// fail; `disable`: never), always verifying the server's certificate and host name against the
/// operating system's trust store (`SSL_CERT_FILE` / `SSL_CERT_DIR` add to it on Linux).
pub(super) fn tls() -> Result<MakeRustlsConnect, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS set-up: {e}"))?
        .with_platform_verifier()
        .map_err(|e| format!("TLS set-up: {e}"))?
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}
