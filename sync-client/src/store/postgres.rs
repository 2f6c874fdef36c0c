//! The PostgreSQL store: the same tables and semantics as the SQLite one, in a database that
//! several `appointment-sync` processes share. Connections come from a small deadpool pool over
//! tokio-postgres.
//!
//! Differences that do not change behaviour:
//! - A start's UTC text is computed by the client ([`utc_text`](super::utc_text)) and stored beside
//!   it (`start_utc`), where SQLite computes it in SQL.
//! - Text keys use the "C" collation, so ids and tenants sort bytewise as in SQLite.
//! - Saving a page takes a transaction-scoped advisory lock on the tenant, so two processes
//!   never interleave their pages of one tenant.
//!
//! # Layout
//! - `schema`: the versioned schema (`appointment_sync_schema`), created and migrated under an
//!   advisory lock so that workers starting together migrate once.
//! - `page`: saving a page and marking vanished appointments.
//! - `read`: reading back, counting, exporting.
//! - [`lease`]: the rounds and tenant leases of `run --worker`.

use std::fmt;
use std::io::Write;
use std::sync::Arc;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use rustls_platform_verifier::BuilderVerifierExt;
use tokio_postgres::config::Host;
use tokio_postgres_rustls::MakeRustlsConnect;

use time::OffsetDateTime;

use super::{
    AppointmentRecord, PageOutcome, RunId, StoreError, StoredAppointment, SyncStore, TenantState, Window, instant_text,
};

pub mod lease;
mod page;
mod read;
mod schema;

/// A PostgreSQL database to connect to. `Debug` and `Display` never show the password.
#[derive(Clone)]
pub struct PgTarget {
    /// Boxed: the driver's configuration is large, and targets travel inside the config enum.
    config: Box<tokio_postgres::Config>,
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
fn describe_error(error: &tokio_postgres::Error) -> String {
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
fn tls() -> Result<MakeRustlsConnect, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS set-up: {e}"))?
        .with_platform_verifier()
        .map_err(|e| format!("TLS set-up: {e}"))?
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// The PostgreSQL store: a pool of connections to one database.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    target: PgTarget,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore").field("target", &self.target).finish_non_exhaustive()
    }
}

/// Connections a store keeps open: enough for a worker's concurrent tenants and its heartbeats.
const POOL_SIZE: usize = 8;
/// The longest wait for a pooled connection, or for a new one to be made.
const POOL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl PgStore {
    /// Connects, then creates or migrates the schema. Fails with the database named (never its
    /// password) when the server cannot be reached or refuses the account.
    pub async fn connect(target: &PgTarget) -> Result<Self, StoreError> {
        let tls = tls().map_err(|cause| StoreError::Connect { target: target.to_string(), cause })?;
        let manager = Manager::from_config(
            (*target.config).clone(),
            tls,
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        // Bounded waits: a worker whose database hangs must give up its tenant within the lease.
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(POOL_TIMEOUT))
            .create_timeout(Some(POOL_TIMEOUT))
            .recycle_timeout(Some(POOL_TIMEOUT))
            .build()
            .map_err(|e| StoreError::Connect { target: target.to_string(), cause: e.to_string() })?;
        let store = Self { pool, target: target.clone() };
        let mut client = store.client().await?;
        schema::migrate(&mut client).await?;
        Ok(store)
    }

    /// A pooled connection; a failure to get one names the database.
    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(|e| {
            let cause = match &e {
                deadpool_postgres::PoolError::Backend(inner) => describe_error(inner),
                other => other.to_string(),
            };
            StoreError::Connect { target: self.target.to_string(), cause }
        })
    }

    pub fn target(&self) -> &PgTarget {
        &self.target
    }
}

impl SyncStore for PgStore {
    async fn begin_run(&self, started_at: OffsetDateTime) -> Result<RunId, StoreError> {
        let started_at = instant_text(started_at)?;
        let client = self.client().await?;
        let row =
            client.query_one("INSERT INTO sync_runs (started_at) VALUES ($1) RETURNING id", &[&started_at]).await?;
        Ok(RunId(row.get(0)))
    }

    async fn finish_run(&self, run: RunId, finished_at: OffsetDateTime, summary_json: &str) -> Result<(), StoreError> {
        let finished_at = instant_text(finished_at)?;
        let client = self.client().await?;
        let changed = client
            .execute(
                "UPDATE sync_runs SET finished_at = $2, summary = $3 WHERE id = $1",
                &[&run.0, &finished_at, &summary_json],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::UnknownRun(run.0));
        }
        Ok(())
    }

    async fn tenant_state(&self, tenant: &str) -> Result<Option<TenantState>, StoreError> {
        let client = self.client().await?;
        read::tenant_state(&client, tenant).await
    }

    async fn set_tenant_state(&self, tenant: &str, state: &TenantState) -> Result<(), StoreError> {
        let client = self.client().await?;
        read::set_tenant_state(&client, tenant, state).await
    }

    async fn save_page(
        &self,
        run: RunId,
        tenant: &str,
        page: &[AppointmentRecord],
    ) -> Result<(PageOutcome, Vec<StoredAppointment>), StoreError> {
        let mut client = self.client().await?;
        page::save_page(&mut client, run, tenant, page).await
    }

    async fn mark_vanished(
        &self,
        run: RunId,
        tenant: &str,
        window: &Window,
        at: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let client = self.client().await?;
        page::mark_vanished(&client, run, tenant, window, at).await
    }

    async fn appointments(&self, tenant: Option<&str>) -> Result<Vec<StoredAppointment>, StoreError> {
        let client = self.client().await?;
        read::appointments(&client, tenant).await
    }

    async fn count(&self, tenant: Option<&str>) -> Result<u64, StoreError> {
        let client = self.client().await?;
        read::count(&client, tenant).await
    }

    async fn export_ndjson(&self, out: &mut (dyn Write + Send)) -> Result<u64, StoreError> {
        let client = self.client().await?;
        read::export_ndjson(&client, out).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreLocation;

    #[test]
    fn a_target_never_shows_its_password() {
        let target =
            PgTarget::parse("postgres://sync:hunter2@db.internal:6543/appointments?options=-csearch_path%3Ds").unwrap();
        assert_eq!(target.to_string(), "postgres://sync@db.internal:6543/appointments");
        assert!(!format!("{target:?}").contains("hunter2"));
        let location = StoreLocation::parse("postgresql://sync:hunter2@db.internal/appointments").unwrap();
        assert_eq!(location.to_string(), "postgres://sync@db.internal:5432/appointments");
        assert!(!format!("{location:?}").contains("hunter2"));
    }

    #[test]
    fn store_locations_are_files_unless_they_are_postgres_urls() {
        assert_eq!(StoreLocation::parse("state/a.db").unwrap(), StoreLocation::Sqlite("state/a.db".into()));
        assert!(matches!(StoreLocation::parse("POSTGRES://u@h/d"), Ok(StoreLocation::Postgres(_))));
        assert_eq!(StoreLocation::parse(" ").unwrap_err().to_string(), "the store must not be empty");
    }

    #[test]
    fn unusable_urls_are_refused_with_the_reason_and_without_the_password() {
        let cases = [
            ("postgres://u:hunter2@h/d?bogus=1", "unknown option `bogus`"),
            ("postgres://u:hunter2@h/d?port=x", "invalid value for option `port`"),
        ];
        for (url, reason) in cases {
            let err = PgTarget::parse(url).unwrap_err().to_string();
            assert!(err.contains(reason), "{url}: {err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn a_password_from_the_environment_fills_only_a_missing_one() {
        let without = PgTarget::parse("postgres://u@h/d").unwrap().with_password_if_missing(Some("env".into()));
        assert_eq!(without.config.get_password(), Some(&b"env"[..]));
        let with = PgTarget::parse("postgres://u:url@h/d").unwrap().with_password_if_missing(Some("env".into()));
        assert_eq!(with.config.get_password(), Some(&b"url"[..]));
    }

    #[tokio::test]
    async fn a_server_certificate_from_an_unknown_issuer_is_refused() {
        // The test server's TLS certificate comes from a throwaway CA this process does not trust.
        let Some(_) = crate::store::suite::pg_url() else { return };
        let Ok(url) = std::env::var("APPOINTMENT_SYNC_TEST_PG_TLS") else {
            assert!(std::env::var_os("CI").is_none(), "CI must run the TLS test (.ci/postgres.sh sets its variables)");
            eprintln!("skipped: set APPOINTMENT_SYNC_TEST_PG_TLS (bash .ci/run does) to test TLS");
            return;
        };
        let err = PgStore::connect(&PgTarget::parse(&url).unwrap()).await.unwrap_err().to_string();
        assert!(err.contains("TLS handshake") && err.contains("certificate"), "{err}");
    }

    /// A database written by the client that spoke DSTU2 only (schema version 1, laid out here as
    /// that client did) keeps its rows, now marked DSTU2, and a newer schema is refused.
    #[tokio::test]
    async fn a_version_1_database_is_migrated_and_its_rows_read_as_dstu2() {
        let Some(url) = crate::store::suite::pg_url() else { return };
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        client.batch_execute(&format!("CREATE SCHEMA {schema}; SET search_path = {schema}")).await.unwrap();
        client.batch_execute(schema::SCHEMA_V1).await.unwrap();
        client
            .batch_execute(
                r#"CREATE TABLE appointment_sync_schema (version BIGINT NOT NULL);
                INSERT INTO appointment_sync_schema VALUES (1);
                INSERT INTO sync_runs (id, started_at) VALUES (1, '2026-01-01T00:00:00Z');
                INSERT INTO appointments (tenant, id, version_id, status, raw, first_seen_run, last_seen_run)
                VALUES ('t', 'a', '1', 'booked', '{"resourceType":"Appointment","id":"a"}', 1, 1);"#,
            )
            .await
            .unwrap();
        let separator = if url.contains('?') { '&' } else { '?' };
        let target = PgTarget::parse(&format!("{url}{separator}options=-csearch_path%3D{schema}")).unwrap();
        let store = PgStore::connect(&target).await.unwrap();
        let rows = store.appointments(None).await.unwrap();
        assert_eq!((rows[0].id.as_str(), rows[0].fhir_version), ("a", crate::fhir_version::FhirVersion::Dstu2));
        let versions = client.query("SELECT version FROM appointment_sync_schema ORDER BY version", &[]).await.unwrap();
        assert_eq!(versions.iter().map(|r| r.get::<_, i64>(0)).collect::<Vec<_>>(), [1, 2]);
        drop(store);
        let store = PgStore::connect(&target).await.unwrap();
        assert_eq!(store.count(None).await.unwrap(), 1, "a second connect migrates nothing");
        client.batch_execute("INSERT INTO appointment_sync_schema VALUES (3)").await.unwrap();
        let err = PgStore::connect(&target).await.unwrap_err();
        assert_eq!(err.to_string(), "store schema version 3 is newer than this client (2)");
    }

    #[tokio::test]
    async fn a_server_that_is_not_there_is_named_without_the_password() {
        let target = PgTarget::parse("postgres://u:hunter2@127.0.0.1:1/d").unwrap();
        let err = PgStore::connect(&target).await.unwrap_err().to_string();
        assert!(err.starts_with("cannot connect to the PostgreSQL store postgres://u@127.0.0.1:1/d: "), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}
