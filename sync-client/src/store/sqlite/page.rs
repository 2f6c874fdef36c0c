//! Saving one page of a tenant's search results, and marking the appointments a complete sync of
//! a window no longer returned.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::read::stored_from_row;
use super::{AppointmentRecord, PageOutcome, RunId, SqliteStore, StoreError, StoredAppointment, write_transaction};
use crate::store::{Window, in_page_order, instant_text, replaces, replaces_version, stored_fhir_version};
use time::OffsetDateTime;

const LOOKUP: &str = concat!("SELECT ", columns!(), " FROM appointments WHERE tenant = ?1 AND id = ?2");
/// What deciding between insert, update and touch needs of a stored row, and no more.
const LOOKUP_VERSION: &str = "SELECT version_id, fhir_version FROM appointments WHERE tenant = ?1 AND id = ?2";
const INSERT: &str = "INSERT INTO appointments (tenant, id, version_id, last_updated, start, status, locations,
    raw, first_seen_run, last_seen_run, vanished_at, fhir_version)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, NULL, ?10)";
const UPDATE: &str = "UPDATE appointments SET version_id = ?3, last_updated = ?4, start = ?5, status = ?6,
    locations = ?7, raw = ?8, last_seen_run = ?9, vanished_at = NULL, fhir_version = ?10
    WHERE tenant = ?1 AND id = ?2";
const TOUCH: &str = "UPDATE appointments SET last_seen_run = ?3, vanished_at = NULL WHERE tenant = ?1 AND id = ?2";

/// The raw-text range on `start` lets the (tenant, start) index narrow the scan before the exact
/// UTC test: a FHIR instant's local date is within a day of its UTC date (offsets stay within ±14 h).
/// The CASE makes the exact test (two date conversions) run only for rows this run did not see,
/// which after a complete sync are few.
pub(super) const MARK_VANISHED: &str = concat!(
    "UPDATE appointments SET vanished_at = ?1 WHERE tenant = ?2
     AND start >= date(?4, '-1 day') AND start < date(?5, '+2 days')
     AND CASE WHEN last_seen_run <> ?3 AND vanished_at IS NULL THEN ",
    utc_of!("start"),
    " >= ?4 AND ",
    utc_of!("start"),
    " < ?5 ELSE 0 END"
);

/// What happened to one record of a page.
#[derive(Debug, Clone, Copy)]
enum Change {
    Inserted,
    Updated,
    Unchanged,
}

impl PageOutcome {
    fn count(&mut self, change: Change) {
        match change {
            Change::Inserted => self.inserted += 1,
            Change::Updated => self.updated += 1,
            Change::Unchanged => self.unchanged += 1,
        }
    }
}

impl SqliteStore {
    /// [`SyncStore::save_page`](crate::store::SyncStore::save_page): one IMMEDIATE transaction.
    pub fn save_page(
        &self,
        run: RunId,
        tenant: &str,
        page: &[AppointmentRecord],
    ) -> Result<(PageOutcome, Vec<StoredAppointment>), StoreError> {
        let mut conn = self.conn();
        let tx = write_transaction(&mut conn)?;
        let mut outcome = PageOutcome::default();
        let mut latest: HashMap<&str, StoredAppointment> = HashMap::with_capacity(page.len());
        for record in page {
            let (change, row) = upsert(&tx, run, tenant, record)?;
            outcome.count(change);
            latest.insert(record.id.as_str(), row);
        }
        tx.commit()?;
        self.committed();
        Ok((outcome, in_page_order(page, latest)))
    }

    /// [`SyncStore::save_page_counted`](crate::store::SyncStore::save_page_counted): one IMMEDIATE
    /// transaction, reading of each stored row only its version.
    pub fn save_page_counted(
        &self,
        run: RunId,
        tenant: &str,
        page: &[AppointmentRecord],
    ) -> Result<PageOutcome, StoreError> {
        let mut conn = self.conn();
        let tx = write_transaction(&mut conn)?;
        let mut outcome = PageOutcome::default();
        for record in page {
            outcome.count(upsert_counted(&tx, run, tenant, record)?);
        }
        tx.commit()?;
        self.committed();
        Ok(outcome)
    }

    /// [`SyncStore::mark_vanished`](crate::store::SyncStore::mark_vanished), comparing starts and
    /// bounds as UTC text computed by SQLite (so both sides round alike).
    pub fn mark_vanished(
        &self,
        run: RunId,
        tenant: &str,
        window: &Window,
        at: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let at = instant_text(at)?;
        let start = self.utc_bound(window.start_utc())?;
        let end = self.utc_bound(window.end_utc())?;
        let marked = self.conn().execute(MARK_VANISHED, params![at, tenant, run.0, start, end])?;
        Ok(marked as u64)
    }

    /// A window bound as UTC text, comparable with `utc_of!("start")`.
    fn utc_bound(&self, bound: &str) -> Result<String, StoreError> {
        let utc: Option<String> =
            self.conn().query_row(concat!("SELECT ", utc_of!("?1")), params![bound], |row| row.get(0))?;
        utc.ok_or_else(|| StoreError::InvalidWindow(bound.to_owned()))
    }
}

/// Saves one record inside the page's transaction and returns the row as it now stands.
fn upsert(
    tx: &Connection,
    run: RunId,
    tenant: &str,
    record: &AppointmentRecord,
) -> Result<(Change, StoredAppointment), StoreError> {
    let stored = tx.prepare_cached(LOOKUP)?.query_row(params![tenant, record.id], stored_from_row).optional()?;
    match stored {
        None => {
            write(tx, INSERT, run, tenant, record)?;
            Ok((Change::Inserted, StoredAppointment::from_record(tenant, record)))
        }
        Some(stored) if replaces(record, &stored) => {
            write(tx, UPDATE, run, tenant, record)?;
            Ok((Change::Updated, StoredAppointment::from_record(tenant, record)))
        }
        Some(mut stored) => {
            tx.prepare_cached(TOUCH)?.execute(params![tenant, record.id, run.0])?;
            stored.vanished_at = None;
            Ok((Change::Unchanged, stored))
        }
    }
}

/// [`upsert`] without reading the row back: the same decision and the same writes.
fn upsert_counted(tx: &Connection, run: RunId, tenant: &str, record: &AppointmentRecord) -> Result<Change, StoreError> {
    let stored = tx
        .prepare_cached(LOOKUP_VERSION)?
        .query_row(params![tenant, record.id], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))
        .optional()?;
    let Some((version_id, fhir_version)) = stored else {
        write(tx, INSERT, run, tenant, record)?;
        return Ok(Change::Inserted);
    };
    let fhir_version = stored_fhir_version(tenant, &record.id, &fhir_version)?;
    if replaces_version(record, &version_id.into(), fhir_version) {
        write(tx, UPDATE, run, tenant, record)?;
        Ok(Change::Updated)
    } else {
        tx.prepare_cached(TOUCH)?.execute(params![tenant, record.id, run.0])?;
        Ok(Change::Unchanged)
    }
}

/// Runs [`INSERT`] or [`UPDATE`], which take the same parameters.
fn write(tx: &Connection, sql: &str, run: RunId, tenant: &str, record: &AppointmentRecord) -> Result<(), StoreError> {
    let locations = serde_json::to_string(&record.locations)
        .map_err(|cause| StoreError::EncodeLocations { id: record.id.clone(), cause })?;
    tx.prepare_cached(sql)?.execute(params![
        tenant,
        record.id,
        record.version_id.as_str(),
        record.last_updated,
        record.start,
        record.status,
        locations,
        record.raw,
        run.0,
        record.fhir_version.name(),
    ])?;
    Ok(())
}
