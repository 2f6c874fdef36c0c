//! Configuration of the sync client, from either of its two sources, validated once into a
//! [`SyncConfig`] so the engine never sees a raw string:
//! - the operator's TOML file ([`SyncConfig::load`], [`SyncConfig::from_toml`]);
//! - the harness job file of contract v1, as the README's "The harness ↔ client contract (v1)"
//!   documents it ([`SyncConfig::load_job`], [`SyncConfig::from_job`]).
//!
//! Errors are one line naming the file and the field (`config app.toml: tenants[1].fhir_base: …`)
//! and never contain a secret: not the client secret, not an environment variable's value, not a
//! line of the private key file, not a value that a parser would have echoed.
//!
//! # The TOML file
//! Unknown keys are refused, so a typo cannot silently fall back to a default. Relative paths are
//! relative to the directory of the config file.
//! ```toml
//! # Sent space separated to each tenant's token endpoint. Only `system/<Type>.read` scopes (no
//! # `.write`, no wildcard, no online_access/offline_access): reviewers check that an app asks for no
//! # more than it uses. Must include system/Appointment.read. Optional; this is the default.
//! scopes = ["system/Appointment.read"]
//! # `http://` FHIR bases are refused unless the host is loopback (127.0.0.0/8, ::1, localhost)
//! # or this is true. Optional.
//! allow_insecure_http = false
//! # Hosts (https only) a discovered token URL may name besides the FHIR base's own origin: the
//! # client secret or assertion goes nowhere else. Optional; this is the default.
//! trusted_token_hosts = ["authorization.cerner.com"]
//!
//! [credentials]
//! client_id = "bb318a62-fa61-49ae-b692-7d99214f0ec7"
//! # The secret, by reference to an environment variable (the default way).
//! client_secret_env = "CERNER_CLIENT_SECRET"
//! # client_secret = "…"                  # inline: refused unless allow_inline_secret = true
//! # allow_inline_secret = true
//! # private_key_jwt instead of a secret (one of the three, never two):
//! # private_key_file = "keys/client.pem" # unencrypted PEM (PKCS#8, SEC1 or PKCS#1)
//! # kid = "2026-01"                      # optional key id, put in the assertion's header
//! # alg = "ES384"                        # "ES384" (default, EC P-384 key) or "RS384" (RSA key)
//!
//! [window]               # appointments whose start lies in [start, end), UTC dates
//! days_before = 0        # relative to today (UTC): start = today - days_before (0..=3660) …
//! days_after = 7         # … end = today + days_after (0..=3660), exclusive; default 0 and 7
//! # start = "2026-11-28" # … or absolute dates (end exclusive, after start); not both styles
//! # end = "2026-12-05"
//!
//! [sync]                        # all optional; the defaults are shown, the ranges in comments
//! concurrency = 4               # tenants synced at once (1..=64)
//! page_size = 100               # `_count` per search (1..=200)
//! location_chunk = 10           # location ids per search, as one comma list (1..=100)
//! max_retry_after_seconds = 300 # a longer 429 Retry-After defers the tenant to the next run (0..=86400)
//! max_attempts = 4              # per request, for 5xx, timeouts and resets (1..=10)
//! backoff_base_ms = 500         # first retry delay; the backoff grows from here (1..=60000)
//! backoff_max_ms = 30000        # cap of the retry delay (1..=600000, at least backoff_base_ms)
//! request_timeout_seconds = 30  # per HTTP request (1..=600)
//! refresh_margin_seconds = 60   # renew a token this long before expires_in runs out (0..=300)
//! # What the client refuses from a server (see the README's "What the client refuses"):
//! max_pages = 10000             # pages per location group; more fails the tenant (1..=1000000)
//! max_throttle_waits = 5        # 429s in a row waited out; one more defers the tenant (1..=100)
//! throttle_budget_seconds = 300 # total 429 waiting per tenant; more defers it (1..=86400)
//! throttle_floor_ms = 1000      # shortest 429 wait, whatever Retry-After says (1..=60000)
//! max_body_bytes = 67108864     # largest response body read; a larger one fails the tenant (65536..=1073741824)
//! max_page_entries = 10000      # entries read from one page; more fails the tenant (1..=100000)
//! tenant_time_budget = 1800     # seconds one tenant's sync may take; longer fails the tenant (1..=604800)
//!
//! [store]                           # a SQLite file (path) or a PostgreSQL database (url), not both
//! path = "appointments.db"          # SQLite file; default "appointments.db"
//! # url = "postgres://sync@db.internal:5432/appointments"   # PostgreSQL instead of the file
//! # password_env = "APPOINTMENT_SYNC_PG_PASSWORD"            # the database password, when the URL has none
//! output = "appointments.ndjson"    # optional: also append each stored appointment as NDJSON
//!
//! [[tenants]]                       # one table per hospital; at least one
//! id = "ec2458f2-1e24-41c8-b71b-0e701af7583d"   # [A-Za-z0-9._-], unique
//! fhir_base = "https://fhir-ehr-code.cerner.com/dstu2/ec2458f2-1e24-41c8-b71b-0e701af7583d/"
//! locations = ["21503380", "21304876"]          # FHIR ids, searched as comma lists
//!
//! [[tenants]]
//! id = "0b8a0111-e8e6-4c26-a91c-5069cbc6b1ca"
//! fhir_base = "https://fhir-ehr-code.cerner.com/dstu2/0b8a0111-e8e6-4c26-a91c-5069cbc6b1ca/"
//! locations = ["4048128"]
//! ```
//! `start`/`end` may also be TOML dates (`start = 2026-11-28`). A `fhir_base` gets a trailing `/`
//! if it lacks one (relative references resolve against it), and may carry no query, fragment or
//! `user:password@`. Duplicate locations are dropped.
//!
//! # The job file (contract v1)
//! JSON written by the harness: `client_id`, `client_secret` (inline: the harness wrote the file),
//! `scopes` (one space-separated string), `tenants`, `window` (`start`, `end`), `output` and
//! `state_dir` (absolute paths). The store is `{state_dir}/appointments.db`, the limits are the
//! defaults. Unknown fields are ignored, so a newer harness can add some.

mod check;
mod credentials;
mod error;
mod job;
mod toml_file;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_cases;
#[cfg(test)]
mod tests_hygiene;
#[cfg(test)]
mod tests_job;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::secret::Secret;
pub use crate::store::StoreLocation;
pub use crate::tenant_id::TenantId;

pub use error::ConfigError;

/// A validated configuration: what the sync engine takes.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncConfig {
    /// How the client authenticates to every tenant's token endpoint.
    pub credentials: Credentials,
    /// Space-separated when sent; each is `system/<Type>.read`, deduplicated, and
    /// `system/Appointment.read` is always among them.
    pub scopes: Vec<String>,
    /// At least one; ids unique (ignoring case).
    pub tenants: Vec<TenantConfig>,
    /// Appointments whose start lies in [start, end): UTC dates.
    pub window: Window,
    /// Politeness and resilience knobs.
    pub limits: SyncLimits,
    /// The SQLite file (for the job file: `{state_dir}/appointments.db`) or PostgreSQL database;
    /// `--store` on the command line replaces it.
    pub store: StoreLocation,
    /// NDJSON output (contract v1 `output`), when given.
    pub output: Option<PathBuf>,
    /// `http://` is refused for non-loopback hosts unless this is set (already enforced on
    /// `tenants`; kept so later checks, e.g. of discovered token URLs, can apply the same rule).
    pub allow_insecure_http: bool,
    /// Hosts (lower case) whose https token URLs are trusted besides the FHIR base's own origin.
    pub trusted_token_hosts: Vec<String>,
}

/// The token hosts trusted when the configuration names none: Cerner's authorization server.
pub const DEFAULT_TRUSTED_TOKEN_HOSTS: &[&str] = &["authorization.cerner.com"];

/// [`DEFAULT_TRUSTED_TOKEN_HOSTS`] as owned strings.
pub fn default_trusted_token_hosts() -> Vec<String> {
    DEFAULT_TRUSTED_TOKEN_HOSTS.iter().map(|h| (*h).to_owned()).collect()
}

/// How the client proves who it is (SMART Backend Services / RFC 6749 §2.3).
#[derive(Debug, Clone, PartialEq)]
pub enum Credentials {
    /// `client_secret_basic`: HTTP Basic with the client id and secret.
    ClientSecret {
        /// The client id registered in Cerner's code Console.
        client_id: String,
        /// The client secret; never logged.
        secret: Secret,
    },
    /// `private_key_jwt`: a JWT assertion signed with this key; `key_pem` was checked to look like
    /// an unencrypted PEM private key.
    PrivateKeyJwt {
        /// The client id registered in Cerner's code Console; the assertion's `iss` and `sub`.
        client_id: String,
        /// The PEM private key; never logged.
        key_pem: Secret,
        /// The JWT header's `kid`, naming the key in the registered JWKS.
        kid: Option<String>,
        /// The assertion's signing algorithm.
        alg: JwtAlg,
    },
}

/// The signing algorithms Cerner accepts for client assertions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-384 (an RSA key).
    RS384,
    /// ECDSA on P-384 with SHA-384 (an EC key).
    ES384,
}

/// One hospital: its tenant id and FHIR base, and the locations whose appointments are synced.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantConfig {
    /// `[A-Za-z0-9._-]+`, at most 128 characters.
    pub id: TenantId,
    /// Absolute http(s) URL with a host, no query, fragment or credentials; always ends with '/'.
    pub fhir_base: url::Url,
    /// FHIR ids (`[A-Za-z0-9.-]{1,64}`), at least one, no duplicates, in the given order.
    pub locations: Vec<String>,
}

/// The sync window: appointments whose start lies in `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The first day of the window (inclusive), midnight UTC.
    pub start: time::Date,
    /// Exclusive; always after `start`.
    pub end: time::Date,
}

/// Politeness and resilience knobs; the defaults suit Cerner's production and the mock.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncLimits {
    /// Tenants synced at once (1..=64).
    pub concurrency: usize,
    /// `_count` per search (1..=200).
    pub page_size: u32,
    /// Locations per search, as one comma list (1..=100).
    pub location_chunk: usize,
    /// A longer Retry-After defers the tenant to the next run instead of holding the whole run.
    pub max_retry_after: Duration,
    /// Per request, for 5xx, timeouts and resets (1 = no retry).
    pub max_attempts: u32,
    /// First retry delay, where the exponential backoff starts.
    pub backoff_base: Duration,
    /// Cap of the retry delay.
    pub backoff_max: Duration,
    /// Per HTTP request.
    pub request_timeout: Duration,
    /// Renew a token this long before `expires_in` runs out, so no request carries a token that
    /// expires in flight.
    pub refresh_margin: Duration,
    /// Pages followed per location group; a server whose `next` links never end fails the tenant.
    pub max_pages: u64,
    /// 429s in a row waited out before the tenant is deferred.
    pub max_throttle_waits: u32,
    /// Total 429 waiting per tenant and run before it is deferred.
    pub throttle_budget: Duration,
    /// Shortest 429 wait, whatever `Retry-After` says (0, past, negative, garbage, missing).
    pub throttle_floor: Duration,
    /// Largest response body read (from `Content-Length` and while streaming).
    pub max_body_bytes: u64,
    /// Most entries read from one search page (memory follows entries, not only bytes).
    pub max_page_entries: usize,
    /// Longest one tenant's sync may take in a run; a tenant still syncing then is failed, so no
    /// server, however slow, can hold a run for days.
    pub tenant_time_budget: Duration,
}

impl Default for SyncLimits {
    fn default() -> Self {
        Self {
            concurrency: 4,
            page_size: 100,
            location_chunk: 10,
            max_retry_after: Duration::from_secs(300),
            max_attempts: 4,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            request_timeout: Duration::from_secs(30),
            refresh_margin: Duration::from_secs(60),
            max_pages: 10_000,
            max_throttle_waits: 5,
            throttle_budget: Duration::from_secs(300),
            throttle_floor: Duration::from_secs(1),
            max_body_bytes: 64 * 1024 * 1024,
            max_page_entries: crate::page::DEFAULT_MAX_PAGE_ENTRIES,
            tenant_time_budget: Duration::from_secs(30 * 60),
        }
    }
}

/// What messages call a TOML config and a job file.
const CONFIG: &str = "config";
const JOB: &str = "job";

impl SyncConfig {
    /// The TOML config. `origin` names the file in messages; relative paths resolve against
    /// `base_dir`; `env` looks up environment variables (so tests can pass a map); `today` (UTC)
    /// anchors relative windows. Reads `private_key_file` when one is configured.
    pub fn from_toml(
        text: &str,
        origin: &str,
        base_dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
        today: time::Date,
    ) -> Result<Self, ConfigError> {
        Self::from_toml_with(text, origin, base_dir, env, today, false)
    }

    /// [`SyncConfig::from_toml`], with `allow_insecure_http` forced on by the command line
    /// (`--allow-insecure-http`) whatever the file says.
    pub fn from_toml_with(
        text: &str,
        origin: &str,
        base_dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
        today: time::Date,
        allow_insecure_http: bool,
    ) -> Result<Self, ConfigError> {
        let raw: toml_file::RawConfig =
            toml::from_str(text).map_err(|e| error::toml_syntax(CONFIG, origin, text, &e))?;
        let context = toml_file::Context { base_dir, env, today, allow_insecure_http };
        raw.into_config(&context).map_err(|e| e.at(CONFIG, origin))
    }

    /// Reads and validates the TOML config at `path`; relative paths in it are relative to its
    /// directory.
    pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>, today: time::Date) -> Result<Self, ConfigError> {
        Self::load_with(path, env, today, false)
    }

    /// [`SyncConfig::load`] with the command line's `--allow-insecure-http`.
    pub fn load_with(
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
        today: time::Date,
        allow_insecure_http: bool,
    ) -> Result<Self, ConfigError> {
        let origin = path.display().to_string();
        let text = read(path, CONFIG, &origin)?;
        let base_dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        Self::from_toml_with(&text, &origin, base_dir, env, today, allow_insecure_http)
    }

    /// Only the store the TOML config at `path` names: what `export` needs. No credentials are
    /// read or required.
    pub fn load_store(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<StoreLocation, ConfigError> {
        let origin = path.display().to_string();
        let text = read(path, CONFIG, &origin)?;
        let base_dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let raw: toml_file::RawConfig =
            toml::from_str(&text).map_err(|e| error::toml_syntax(CONFIG, &origin, &text, &e))?;
        let today = time::OffsetDateTime::UNIX_EPOCH.date();
        let context = toml_file::Context { base_dir, env, today, allow_insecure_http: false };
        raw.into_store(&context).map(|(store, _)| store).map_err(|e| e.at(CONFIG, &origin))
    }

    /// Only the store of the job file at `path` (`{state_dir}/appointments.db`).
    pub fn load_job_store(path: &Path) -> Result<StoreLocation, ConfigError> {
        let origin = path.display().to_string();
        let text = read(path, JOB, &origin)?;
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| error::json_syntax(JOB, &origin, &e))?;
        job::store_location(value).map_err(|e| e.at(JOB, &origin))
    }

    /// The harness job file (contract v1), JSON. `origin` names the file in messages.
    pub fn from_job(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| error::json_syntax(JOB, origin, &e))?;
        job::into_config(value).map_err(|e| e.at(JOB, origin))
    }

    /// Reads and validates the job file at `path` (the harness passes it as `HARNESS_JOB`).
    pub fn load_job(path: &Path) -> Result<Self, ConfigError> {
        let origin = path.display().to_string();
        let text = read(path, JOB, &origin)?;
        Self::from_job(&text, &origin)
    }
}

/// Reads a whole config file; the error names it.
fn read(path: &Path, kind: &'static str, origin: &str) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|error| ConfigError::Read { kind, origin: origin.to_owned(), error })
}
