//! The store: where the sync engine keeps the appointments it pulled, keyed by (tenant, id) as FHIR
//! ids are only unique within one server's base URL; the sync runs; and the state each tenant
//! carries between runs. A tenant's DSTU2 and R4 bases serve the same appointments under the same
//! ids, so there is one row per (tenant, id) whatever the version: the raw resource as the server
//! sent it, and the FHIR version it was sent in (`DSTU2` or `R4`, schema version 2).
//!
//! One trait, [`SyncStore`], two implementations:
//! - [`SqliteStore`]: an embedded SQLite file (rusqlite, bundled, WAL), the default.
//! - [`PgStore`]: a PostgreSQL database (tokio-postgres with a deadpool pool), for several
//!   processes at once; it also holds the tenant leases of `run --worker` ([`postgres::lease`]).
//!
//! Both keep the same semantics, checked by one test suite run against both (`store::suite`):
//! - Each page of a search is saved in one transaction, so a crash loses at most the page in
//!   flight and a re-run completes the work with no duplicates.
//! - A record never replaces a newer `meta.versionId`, because Cerner may serve an appointment
//!   again on a later page while paging (DSTU2 Pagination › Concurrency). A record of the same
//!   `versionId` in another FHIR version replaces the row (a tenant moved from DSTU2 to R4 gets
//!   R4 rows on its next sync); see [`replaces`].
//! - Starts and window bounds compare as UTC instants whatever offset they were written with.
//! - The schema is created and migrated by the client and carries a version; a store laid out by
//!   a newer client is refused.

use std::cmp::Ordering;
use std::fmt;
use std::future::Future;
use std::io::Write;
use std::path::PathBuf;

use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::fhir_version::FhirVersion;

pub mod postgres;
pub mod sqlite;
#[cfg(test)]
mod suite;
mod types;

pub use postgres::{PgStore, PgTarget};
pub use sqlite::SqliteStore;
pub use types::{OutcomeKind, Window};
pub(crate) use types::{instant_text, stored_outcome};

/// One appointment as the sync engine saw it on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentRecord {
    pub id: String,
    /// `meta.versionId` ("0", "1", …): compared numerically when both sides parse as `u64`, else as strings.
    pub version_id: String,
    pub last_updated: Option<String>,
    /// The FHIR instant as received (any offset); windows compare on its UTC value.
    pub start: Option<String>,
    pub status: String,
    /// Location ids from the participant actors.
    pub locations: Vec<String>,
    /// The resource's compact JSON.
    pub raw: String,
    /// The FHIR version of the server that sent it.
    pub fhir_version: FhirVersion,
}

/// A sync run, as numbered by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunId(pub i64);

/// What saving one page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageOutcome {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// Per-tenant state kept between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantState {
    /// RFC 3339 end time of the last complete sync.
    pub last_success: Option<String>,
    /// RFC 3339: do not call this tenant before then (long `Retry-After`).
    pub deferred_until: Option<String>,
    pub last_outcome: Option<OutcomeKind>,
    pub message: Option<String>,
}

/// One appointment as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAppointment {
    pub tenant: String,
    pub id: String,
    pub version_id: String,
    pub last_updated: Option<String>,
    pub start: Option<String>,
    pub status: String,
    pub locations: Vec<String>,
    pub raw: String,
    /// The FHIR version `raw` is in.
    pub fhir_version: FhirVersion,
    /// Set when a complete sync of a window no longer returned it; cleared when it is seen again.
    pub vanished_at: Option<String>,
}

impl StoredAppointment {
    /// The row a record becomes when it is inserted or replaces an older version.
    pub(crate) fn from_record(tenant: &str, record: &AppointmentRecord) -> Self {
        Self {
            tenant: tenant.to_owned(),
            id: record.id.clone(),
            version_id: record.version_id.clone(),
            last_updated: record.last_updated.clone(),
            start: record.start.clone(),
            status: record.status.clone(),
            locations: record.locations.clone(),
            raw: record.raw.clone(),
            fhir_version: record.fhir_version,
            vanished_at: None,
        }
    }
}

/// For each record of a page, in page order, its row as stored after the page: the rows are moved
/// out of `latest` (by id), and copied only for an id the page holds more than once.
pub(crate) fn in_page_order<K: std::borrow::Borrow<str> + std::hash::Hash + Eq>(
    page: &[AppointmentRecord],
    mut latest: std::collections::HashMap<K, StoredAppointment>,
) -> Vec<StoredAppointment> {
    let mut rows: Vec<StoredAppointment> = Vec::with_capacity(page.len());
    let mut placed: std::collections::HashMap<&str, usize> = std::collections::HashMap::with_capacity(page.len());
    for record in page.iter().rev() {
        if let Some(&at) = placed.get(record.id.as_str()) {
            let row = rows[at].clone();
            rows.push(row);
        } else if let Some(row) = latest.remove(record.id.as_str()) {
            placed.insert(&record.id, rows.len());
            rows.push(row);
        }
    }
    rows.reverse();
    rows
}

/// Why the store could not do what was asked. Messages are one line and carry their cause, so
/// they are not repeated by a `source()` chain. No message ever carries a database password.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store at {}: {cause}", path.display())]
    Open { path: PathBuf, cause: rusqlite::Error },
    #[error("cannot connect to the PostgreSQL store {target}: {cause}")]
    Connect { target: String, cause: String },
    #[error("store schema version {found} is newer than this client ({supported})")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("store schema version {0} is not one this client knows")]
    SchemaUnknown(i64),
    #[error("sync run {0} does not exist in the store")]
    UnknownRun(i64),
    #[error("window bound {0:?} is not an ISO date or date-time")]
    InvalidWindow(String),
    #[error("instant {0} cannot be written as RFC 3339")]
    InvalidInstant(String),
    #[error("the store holds an outcome this client does not know: {0:?}")]
    UnknownOutcome(String),
    #[error("cannot encode the locations of appointment {id} as JSON: {cause}")]
    EncodeLocations { id: String, cause: serde_json::Error },
    #[error("stored appointment {tenant}/{id} has an unknown FHIR version {found:?}")]
    UnknownFhirVersion { tenant: String, id: String, found: String },
    #[error("stored appointment {tenant}/{id} holds a raw resource that is not JSON: {cause}")]
    InvalidRaw { tenant: String, id: String, cause: serde_json::Error },
    #[error("cannot write the export: {0}")]
    Write(std::io::Error),
    #[error("store query failed: {0}")]
    Sqlite(rusqlite::Error),
    #[error("store query failed: {0}")]
    Postgres(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(cause: rusqlite::Error) -> Self {
        Self::Sqlite(cause)
    }
}

/// What the sync engine needs of a store. Every method is one atomic step: a failed call leaves
/// the store as it was.
pub trait SyncStore: fmt::Debug + Send + Sync + 'static {
    /// Records the start of a sync run; its id marks every appointment the run sees.
    fn begin_run(&self, started_at: OffsetDateTime) -> impl Future<Output = Result<RunId, StoreError>> + Send;

    /// Records the end of a run with the summary the engine printed (JSON text, stored as given).
    fn finish_run(
        &self,
        run: RunId,
        finished_at: OffsetDateTime,
        summary_json: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The state a tenant was left in by earlier runs, if any run recorded one.
    fn tenant_state(&self, tenant: &str) -> impl Future<Output = Result<Option<TenantState>, StoreError>> + Send;

    /// Replaces a tenant's state as a whole (fields set to `None` are cleared).
    fn set_tenant_state(
        &self,
        tenant: &str,
        state: &TenantState,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Upserts one page of a tenant's appointments in ONE transaction: a record is inserted if
    /// new, replaces the stored row if its version is newer, and is otherwise left as stored (an
    /// equal version counts as unchanged even if its raw differs). Every record of the page gets
    /// `last_seen_run = run` and its `vanished_at` cleared. Returns the counts and, for each
    /// record in page order, the row as stored after the page (the newest version wins, also
    /// when an id repeats within the page). On error nothing of the page is stored.
    fn save_page(
        &self,
        run: RunId,
        tenant: &str,
        page: &[AppointmentRecord],
    ) -> impl Future<Output = Result<(PageOutcome, Vec<StoredAppointment>), StoreError>> + Send;

    /// After a COMPLETE sync of a tenant's window, marks the rows of that tenant whose start lies
    /// in `window` and that `run` did not see: `vanished_at = at`, unless it
    /// is already set (so it keeps the first time they went missing). Rows without a start are
    /// never marked. Returns how many rows were marked.
    fn mark_vanished(
        &self,
        run: RunId,
        tenant: &str,
        window: &Window,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Every stored appointment (vanished ones included), of one tenant or of all, ordered by
    /// tenant, start (as a UTC instant; rows without a start first), raw start, id.
    fn appointments(
        &self,
        tenant: Option<&str>,
    ) -> impl Future<Output = Result<Vec<StoredAppointment>, StoreError>> + Send;

    /// How many appointments are stored (vanished ones included), of one tenant or of all.
    fn count(&self, tenant: Option<&str>) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Writes one JSON line per stored appointment, in [`SyncStore::appointments`] order:
    /// `{"tenant": "...", "fhir_version": "DSTU2"|"R4", "resource": <raw JSON>, "vanished_at": "..."}`,
    /// `vanished_at` omitted when unset. The raw resource is written as stored when it is compact, so the export is
    /// byte-faithful to what the server sent. Streams rows, so memory stays flat on large stores.
    /// Returns the number of lines written.
    fn export_ndjson(&self, out: &mut (dyn Write + Send)) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

/// Why a text names no store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreLocationError {
    #[error("the store must not be empty")]
    Empty,
    #[error(transparent)]
    Postgres(#[from] postgres::PgTargetError),
}

/// Where the store lives: a SQLite file (the default) or a PostgreSQL database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    Sqlite(PathBuf),
    Postgres(PgTarget),
}

impl StoreLocation {
    /// `postgres://…` or `postgresql://…` is a PostgreSQL database, anything else a file path.
    pub fn parse(text: &str) -> Result<Self, StoreLocationError> {
        if text.trim().is_empty() {
            return Err(StoreLocationError::Empty);
        }
        if PgTarget::is_url(text) { Ok(Self::Postgres(PgTarget::parse(text)?)) } else { Ok(Self::Sqlite(text.into())) }
    }
}

impl fmt::Display for StoreLocation {
    /// The file path, or the database without its password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
            Self::Postgres(target) => write!(f, "{target}"),
        }
    }
}

/// Whether `record` replaces the stored row: a newer `meta.versionId`, or the same one in another
/// FHIR version (the tenant's server now speaks that version). An older version never does.
pub(crate) fn replaces(record: &AppointmentRecord, stored: &StoredAppointment) -> bool {
    match compare_versions(&record.version_id, &stored.version_id) {
        Ordering::Greater => true,
        Ordering::Equal => record.fhir_version != stored.fhir_version,
        Ordering::Less => false,
    }
}

/// The version of a stored row's `fhir_version` text.
pub(crate) fn stored_fhir_version(tenant: &str, id: &str, text: &str) -> Result<FhirVersion, StoreError> {
    FhirVersion::from_name(text).ok_or_else(|| StoreError::UnknownFhirVersion {
        tenant: tenant.to_owned(),
        id: id.to_owned(),
        found: text.chars().take(32).collect(),
    })
}

/// `meta.versionId` order. Cerner's versions are decimal counters, so "10" must beat "9"; anything
/// else falls back to string order.
pub(crate) fn compare_versions(a: &str, b: &str) -> Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        _ => a.cmp(b),
    }
}

/// The UTC instant of an ISO date (`YYYY-MM-DD`, midnight UTC) or date-time
/// (`YYYY-MM-DDTHH:MM[:SS[.fff…]]` then `Z`, `±HH:MM` or nothing for UTC; `T` or a space between),
/// the forms SQLite's date functions read; `None` for anything else.
pub fn utc_instant(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    let date = parse_date(text.get(..10)?)?;
    let rest = &text[10..];
    if rest.is_empty() {
        return Some(date.midnight().assume_utc());
    }
    let rest = rest.strip_prefix(['T', ' '])?;
    let (clock, offset) = split_offset(rest)?;
    let time = parse_time(clock)?;
    PrimitiveDateTime::new(date, time).assume_offset(offset).checked_to_offset(UtcOffset::UTC)
}

/// [`utc_instant`] as the text both stores compare and sort on: `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub fn utc_text(text: &str) -> Option<String> {
    let utc = utc_instant(text)?;
    let (y, m, d) = (utc.year(), u8::from(utc.month()), utc.day());
    if !(0..=9999).contains(&y) {
        return None;
    }
    let (h, min, s, micro) = (utc.hour(), utc.minute(), utc.second(), utc.microsecond());
    Some(format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{micro:06}Z"))
}

fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(&text[..4])?).ok()?;
    let month = time::Month::try_from(u8::try_from(digits(&text[5..7])?).ok()?).ok()?;
    let day = u8::try_from(digits(&text[8..10])?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// Splits `HH:MM…` from a trailing `Z`, `±HH:MM` or nothing (UTC).
fn split_offset(text: &str) -> Option<(&str, UtcOffset)> {
    if let Some(clock) = text.strip_suffix(['Z', 'z']) {
        return Some((clock, UtcOffset::UTC));
    }
    match text.len().checked_sub(6).and_then(|at| text.get(at..).map(|tail| (at, tail))) {
        Some((at, tail)) if tail.starts_with(['+', '-']) && tail.as_bytes()[3] == b':' => {
            let hours = i8::try_from(digits(&tail[1..3])?).ok()?;
            let minutes = i8::try_from(digits(&tail[4..6])?).ok()?;
            let sign = if tail.starts_with('-') { -1 } else { 1 };
            let offset = UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()?;
            Some((&text[..at], offset))
        }
        _ => Some((text, UtcOffset::UTC)),
    }
}

fn parse_time(text: &str) -> Option<Time> {
    let (hm, seconds) = match text.len() {
        5 => (text, None),
        n if n >= 8 && text.as_bytes()[5] == b':' => (&text[..5], Some(&text[6..])),
        _ => return None,
    };
    if hm.as_bytes()[2] != b':' {
        return None;
    }
    let hour = u8::try_from(digits(&hm[..2])?).ok()?;
    let minute = u8::try_from(digits(&hm[3..5])?).ok()?;
    let (second, micro) = match seconds {
        None => (0, 0),
        Some(s) => {
            let (whole, fraction) = s.split_once('.').map_or((s, None), |(w, f)| (w, Some(f)));
            if whole.len() != 2 {
                return None;
            }
            let micro = match fraction {
                None => 0,
                Some(f) => {
                    let kept: String = f.chars().take(6).collect();
                    digits(f)?;
                    digits(&kept)? * 10u32.pow(6 - u32::try_from(kept.len()).ok()?)
                }
            };
            (u8::try_from(digits(whole)?).ok()?, micro)
        }
    };
    Time::from_hms_micro(hour, minute, second, micro).ok()
}

/// Writes one export line: `{"tenant":…,"fhir_version":…,"resource":…[,"vanished_at":…]}`.
pub(crate) fn write_export_line(
    out: &mut impl Write,
    tenant: &str,
    fhir_version: &str,
    resource: &str,
    vanished_at: Option<&str>,
) -> std::io::Result<()> {
    out.write_all(b"{\"tenant\":")?;
    serde_json::to_writer(&mut *out, tenant)?;
    out.write_all(b",\"fhir_version\":")?;
    serde_json::to_writer(&mut *out, fhir_version)?;
    out.write_all(b",\"resource\":")?;
    out.write_all(resource.as_bytes())?;
    if let Some(at) = vanished_at {
        out.write_all(b",\"vanished_at\":")?;
        serde_json::to_writer(&mut *out, at)?;
    }
    out.write_all(b"}\n")
}

/// The raw resource as JSON on one line: as stored when it already is (a raw newline can only be
/// whitespace between tokens in valid JSON), re-serialized otherwise.
pub(crate) fn one_line_json(raw: &str) -> Result<std::borrow::Cow<'_, str>, serde_json::Error> {
    if raw.contains(['\n', '\r']) {
        let value: serde_json::Value = serde_json::from_str(raw)?;
        return Ok(std::borrow::Cow::Owned(serde_json::to_string(&value)?));
    }
    serde_json::from_str::<serde::de::IgnoredAny>(raw)?;
    Ok(std::borrow::Cow::Borrowed(raw.trim()))
}

/// The exported line of one stored row, its raw resource and FHIR version checked.
pub(crate) fn export_row(
    out: &mut impl Write,
    tenant: &str,
    id: &str,
    fhir_version: &str,
    raw: &str,
    vanished_at: Option<&str>,
) -> Result<(), StoreError> {
    let fhir_version = stored_fhir_version(tenant, id, fhir_version)?;
    let resource = one_line_json(raw).map_err(|cause| StoreError::InvalidRaw {
        tenant: tenant.to_owned(),
        id: id.to_owned(),
        cause,
    })?;
    write_export_line(out, tenant, fhir_version.name(), &resource, vanished_at).map_err(StoreError::Write)
}
