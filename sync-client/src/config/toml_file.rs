//! The operator's TOML file (format in the `config` module doc): raw serde shapes, all with
//! `deny_unknown_fields` so a typo is an error rather than a silent default, and their conversion.

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use time::Date;

use super::check::{self, APPOINTMENT_SCOPE, MAX_RELATIVE_DAYS, TenantInput};
use super::credentials;
use super::error::{FieldError, invalid};
use super::{Credentials, StoreLocation, SyncConfig, SyncLimits, Window};
use crate::store::PgTarget;

/// What the conversion needs from outside the text.
pub(super) struct Context<'a> {
    pub(super) base_dir: &'a Path,
    pub(super) env: &'a dyn Fn(&str) -> Option<String>,
    pub(super) today: Date,
    /// Set by `--allow-insecure-http`; the file's own setting counts too.
    pub(super) allow_insecure_http: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table of settings")]
pub(super) struct RawConfig {
    scopes: Option<Vec<String>>,
    #[serde(default)]
    allow_insecure_http: bool,
    trusted_token_hosts: Option<Vec<String>>,
    credentials: Option<credentials::RawCredentials>,
    #[serde(default)]
    window: RawWindow,
    #[serde(default)]
    sync: RawSync,
    #[serde(default)]
    store: RawStore,
    #[serde(default)]
    tenants: Vec<RawTenant>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTenant {
    id: String,
    fhir_base: String,
    #[serde(default)]
    locations: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    days_before: Option<i64>,
    days_after: Option<i64>,
    start: Option<toml::Value>,
    end: Option<toml::Value>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSync {
    concurrency: Option<i64>,
    page_size: Option<i64>,
    location_chunk: Option<i64>,
    max_retry_after_seconds: Option<i64>,
    max_attempts: Option<i64>,
    backoff_base_ms: Option<i64>,
    backoff_max_ms: Option<i64>,
    request_timeout_seconds: Option<i64>,
    refresh_margin_seconds: Option<i64>,
    max_pages: Option<i64>,
    max_throttle_waits: Option<i64>,
    throttle_budget_seconds: Option<i64>,
    throttle_floor_ms: Option<i64>,
    max_body_bytes: Option<i64>,
    max_page_entries: Option<i64>,
    tenant_time_budget: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStore {
    path: Option<PathBuf>,
    url: Option<String>,
    password_env: Option<String>,
    output: Option<PathBuf>,
}

impl RawConfig {
    pub(super) fn into_config(self, cx: &Context<'_>) -> Result<SyncConfig, FieldError> {
        let credentials: Credentials = self
            .credentials
            .ok_or_else(|| invalid("credentials", "the [credentials] table is required"))?
            .into_credentials(cx)?;
        let scopes = self.scopes.unwrap_or_else(|| vec![APPOINTMENT_SCOPE.to_owned()]);
        let scopes = check::scopes(scopes, |i| format!("scopes[{i}]"))?;
        let tenants = self.tenants.into_iter().map(RawTenant::into_input).collect();
        let allow_insecure_http = self.allow_insecure_http || cx.allow_insecure_http;
        let tenants = check::tenants(tenants, allow_insecure_http)?;
        let window = self.window.into_window(cx.today)?;
        let limits = self.sync.into_limits()?;
        let (store, output) = self.store.into_location(cx)?;
        let trusted_token_hosts = match self.trusted_token_hosts {
            Some(hosts) => check::token_hosts(hosts)?,
            None => super::default_trusted_token_hosts(),
        };
        Ok(SyncConfig {
            credentials,
            scopes,
            tenants,
            window,
            limits,
            store,
            output,
            allow_insecure_http,
            trusted_token_hosts,
        })
    }

    /// Only the store (and output) of the file: what `export` needs, without credentials.
    pub(super) fn into_store(self, cx: &Context<'_>) -> Result<(StoreLocation, Option<PathBuf>), FieldError> {
        self.store.into_location(cx)
    }
}

impl RawTenant {
    fn into_input(self) -> TenantInput {
        TenantInput { id: self.id, fhir_base: self.fhir_base, locations: self.locations }
    }
}

/// Relative days when a daily job should always look at "the coming week"; absolute dates for a
/// one-off backfill. Mixing both would leave one of them silently ignored, so it is refused.
impl RawWindow {
    fn into_window(self, today: Date) -> Result<Window, FieldError> {
        let relative = self.days_before.is_some() || self.days_after.is_some();
        match (self.start, self.end) {
            (None, None) => relative_window(self.days_before.unwrap_or(0), self.days_after.unwrap_or(7), today),
            (Some(_), _) | (_, Some(_)) if relative => {
                Err(invalid("window", "use days_before/days_after or start/end, not both"))
            }
            (Some(start), Some(end)) => {
                check::window(toml_date(start, "window.start")?, toml_date(end, "window.end")?, "window.end")
            }
            (Some(_), None) => Err(invalid("window.end", "required with window.start")),
            (None, Some(_)) => Err(invalid("window.start", "required with window.end")),
        }
    }
}

/// `[today - before, today + after)`.
fn relative_window(before: i64, after: i64, today: Date) -> Result<Window, FieldError> {
    let start = offset_day(today, -days(before, "window.days_before")?, "window.days_before")?;
    let end = offset_day(today, days(after, "window.days_after")?, "window.days_after")?;
    if before + after == 0 {
        return Err(invalid("window", "days_before + days_after must be at least 1: the window would be empty"));
    }
    check::window(start, end, "window")
}

fn days(value: i64, field: &str) -> Result<i64, FieldError> {
    if (0..=MAX_RELATIVE_DAYS).contains(&value) {
        Ok(value)
    } else {
        Err(invalid(field, format!("{value} is out of range 0..={MAX_RELATIVE_DAYS}")))
    }
}

fn offset_day(today: Date, days: i64, field: &str) -> Result<Date, FieldError> {
    today.checked_add(time::Duration::days(days)).ok_or_else(|| invalid(field, "reaches past the supported dates"))
}

/// A date as a string (`"2026-11-28"`) or as a TOML local date (`2026-11-28`).
fn toml_date(value: toml::Value, field: &str) -> Result<Date, FieldError> {
    match value {
        toml::Value::String(text) => check::date(&text, field),
        toml::Value::Datetime(datetime) => check::date(&datetime.to_string(), field),
        _ => Err(invalid(field, "expected a date like \"2026-11-28\"")),
    }
}

impl RawSync {
    /// Ranges keep a typo (a page size of 10000, a timeout in ms) from becoming an impolite or
    /// stuck client; they are listed in the module doc.
    fn into_limits(self) -> Result<SyncLimits, FieldError> {
        let d = SyncLimits::default();
        let backoff_base_ms = ranged("backoff_base_ms", self.backoff_base_ms, 1..=60_000, millis(d.backoff_base))?;
        let backoff_max_ms = ranged("backoff_max_ms", self.backoff_max_ms, 1..=600_000, millis(d.backoff_max))?;
        if backoff_max_ms < backoff_base_ms {
            let reason = format!("{backoff_max_ms} must be at least backoff_base_ms ({backoff_base_ms})");
            return Err(invalid("sync.backoff_max_ms", reason));
        }
        Ok(SyncLimits {
            concurrency: ranged("concurrency", self.concurrency, 1..=64, d.concurrency as u64)? as usize,
            page_size: ranged("page_size", self.page_size, 1..=200, d.page_size.into())? as u32,
            location_chunk: ranged("location_chunk", self.location_chunk, 1..=100, d.location_chunk as u64)? as usize,
            max_retry_after: Duration::from_secs(ranged(
                "max_retry_after_seconds",
                self.max_retry_after_seconds,
                0..=86_400,
                d.max_retry_after.as_secs(),
            )?),
            max_attempts: ranged("max_attempts", self.max_attempts, 1..=10, d.max_attempts.into())? as u32,
            backoff_base: Duration::from_millis(backoff_base_ms),
            backoff_max: Duration::from_millis(backoff_max_ms),
            request_timeout: Duration::from_secs(ranged(
                "request_timeout_seconds",
                self.request_timeout_seconds,
                1..=600,
                d.request_timeout.as_secs(),
            )?),
            refresh_margin: Duration::from_secs(ranged(
                "refresh_margin_seconds",
                self.refresh_margin_seconds,
                0..=300,
                d.refresh_margin.as_secs(),
            )?),
            max_pages: ranged("max_pages", self.max_pages, 1..=1_000_000, d.max_pages)?,
            max_throttle_waits: ranged(
                "max_throttle_waits",
                self.max_throttle_waits,
                1..=100,
                d.max_throttle_waits.into(),
            )? as u32,
            throttle_budget: Duration::from_secs(ranged(
                "throttle_budget_seconds",
                self.throttle_budget_seconds,
                1..=86_400,
                d.throttle_budget.as_secs(),
            )?),
            throttle_floor: Duration::from_millis(ranged(
                "throttle_floor_ms",
                self.throttle_floor_ms,
                1..=60_000,
                millis(d.throttle_floor),
            )?),
            max_body_bytes: ranged("max_body_bytes", self.max_body_bytes, 65_536..=1 << 30, d.max_body_bytes)?,
            max_page_entries: usize::try_from(ranged(
                "max_page_entries",
                self.max_page_entries,
                1..=100_000,
                d.max_page_entries as u64,
            )?)
            .unwrap_or(d.max_page_entries),
            tenant_time_budget: Duration::from_secs(ranged(
                "tenant_time_budget",
                self.tenant_time_budget,
                1..=604_800,
                d.tenant_time_budget.as_secs(),
            )?),
        })
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// The value of `sync.<name>` if it lies in `range`, else `default` when absent. Every range here
/// is small and non-negative, so the casts of the result are lossless.
fn ranged(name: &str, value: Option<i64>, range: RangeInclusive<u64>, default: u64) -> Result<u64, FieldError> {
    let Some(value) = value else { return Ok(default) };
    match u64::try_from(value) {
        Ok(v) if range.contains(&v) => Ok(v),
        _ => {
            Err(invalid(format!("sync.{name}"), format!("{value} is out of range {}..={}", range.start(), range.end())))
        }
    }
}

impl RawStore {
    /// Paths relative to the config file, so a config works from any working directory. A `url`
    /// names a PostgreSQL database instead of a file; its password may come from `password_env`.
    fn into_location(self, cx: &Context<'_>) -> Result<(StoreLocation, Option<PathBuf>), FieldError> {
        let output = match self.output {
            Some(output) if output.as_os_str().is_empty() => return Err(invalid("store.output", "must not be empty")),
            Some(output) => Some(cx.base_dir.join(output)),
            None => None,
        };
        let location = match (self.path, self.url) {
            (Some(_), Some(_)) => return Err(invalid("store", "path and url exclude each other: set one")),
            (None, Some(url)) => {
                if !PgTarget::is_url(&url) {
                    return Err(invalid("store.url", "must be a postgres:// or postgresql:// URL"));
                }
                let target = PgTarget::parse(&url).map_err(|reason| invalid("store.url", reason.to_string()))?;
                let password = match &self.password_env {
                    Some(var) => Some((cx.env)(var).ok_or_else(|| {
                        invalid("store.password_env", "names an environment variable that is not set")
                    })?),
                    None => None,
                };
                StoreLocation::Postgres(target.with_password_if_missing(password))
            }
            (path, None) => {
                if self.password_env.is_some() {
                    return Err(invalid("store.password_env", "only applies to a PostgreSQL store (store.url)"));
                }
                let path = path.unwrap_or_else(|| PathBuf::from("appointments.db"));
                if path.as_os_str().is_empty() {
                    return Err(invalid("store.path", "must not be empty"));
                }
                let store_path = cx.base_dir.join(path);
                if output.as_ref() == Some(&store_path) {
                    return Err(invalid("store.output", "must not be the store file"));
                }
                StoreLocation::Sqlite(store_path)
            }
        };
        Ok((location, output))
    }
}
