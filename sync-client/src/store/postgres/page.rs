//! Saving one page of a tenant's appointments and marking the ones a complete sync of a window no
//! longer returned. A page costs a fixed number of round trips whatever its size: one lookup of
//! the stored versions, then at most one INSERT, one UPDATE and one touch, each over arrays.

use std::collections::HashMap;

use deadpool_postgres::Client;

use super::read::{COLUMNS, stored_from_row};
use crate::store::{
    AppointmentRecord, PageOutcome, RunId, StoreError, StoredAppointment, Window, in_page_order, instant_text,
    replaces, utc_text,
};

/// The advisory lock class of page saves; the second key is the tenant's hash.
const PAGE_LOCK_CLASS: i32 = 0x6170_7370;

/// The columns a write sets from a record, in the order of the arrays bound to it.
const RECORD_ARRAYS: &str = "unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], \
     $9::text[], $10::text[], $11::text[]) AS u(id, version_id, last_updated, start, start_utc, status, locations, raw, \
     fhir_version)";

/// What the page does to one id once all its records are applied, in page order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    Insert,
    Update,
    Touch,
}

pub(super) async fn save_page(
    client: &mut Client,
    run: RunId,
    tenant: &str,
    page: &[AppointmentRecord],
) -> Result<(PageOutcome, Vec<StoredAppointment>), StoreError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", &[&PAGE_LOCK_CLASS, &tenant]).await?;
    // The tenant's advisory lock already keeps every other page save out: no row locks needed.
    let ids: Vec<&str> = page.iter().map(|r| r.id.as_str()).collect();
    let lookup =
        tx.prepare_cached(&format!("SELECT {COLUMNS} FROM appointments WHERE tenant = $1 AND id = ANY($2)")).await?;
    let mut current: HashMap<String, StoredAppointment> = HashMap::with_capacity(page.len());
    for row in tx.query(&lookup, &[&tenant, &ids]).await? {
        let stored = stored_from_row(&row)?;
        current.insert(stored.id.clone(), stored);
    }

    // Apply the records in order, exactly as one upsert after another would.
    let mut outcome = PageOutcome::default();
    let mut writes: HashMap<&str, Write> = HashMap::with_capacity(page.len());
    let mut order: Vec<&str> = Vec::with_capacity(page.len());
    for record in page {
        let id = record.id.as_str();
        if !writes.contains_key(id) {
            order.push(id);
        }
        match current.get_mut(id) {
            None => {
                outcome.inserted += 1;
                current.insert(record.id.clone(), StoredAppointment::from_record(tenant, record));
                writes.insert(id, Write::Insert);
            }
            Some(stored) if replaces(record, stored) => {
                outcome.updated += 1;
                *stored = StoredAppointment::from_record(tenant, record);
                let write = writes.entry(id).or_insert(Write::Update);
                if *write == Write::Touch {
                    *write = Write::Update;
                }
            }
            Some(stored) => {
                outcome.unchanged += 1;
                stored.vanished_at = None;
                writes.entry(id).or_insert(Write::Touch);
            }
        }
    }

    let pick = |kind: Write| -> Vec<&StoredAppointment> {
        order.iter().filter(|id| writes[*id] == kind).filter_map(|id| current.get(*id)).collect()
    };
    let (inserts, updates) = (pick(Write::Insert), pick(Write::Update));
    let touches: Vec<&str> = order.iter().copied().filter(|id| writes[id] == Write::Touch).collect();
    if !inserts.is_empty() {
        let sql = format!(
            "INSERT INTO appointments (tenant, id, version_id, last_updated, start, start_utc, status, locations, raw,
               first_seen_run, last_seen_run, fhir_version)
             SELECT $1, u.id, u.version_id, u.last_updated, u.start, u.start_utc, u.status, u.locations, u.raw, $2, $2,
               u.fhir_version
             FROM {RECORD_ARRAYS}"
        );
        write_rows(&tx, &sql, run, tenant, &inserts).await?;
    }
    if !updates.is_empty() {
        let sql = format!(
            "UPDATE appointments a SET version_id = u.version_id, last_updated = u.last_updated, start = u.start,
               start_utc = u.start_utc, status = u.status, locations = u.locations, raw = u.raw,
               last_seen_run = $2, vanished_at = NULL, fhir_version = u.fhir_version
             FROM {RECORD_ARRAYS} WHERE a.tenant = $1 AND a.id = u.id"
        );
        write_rows(&tx, &sql, run, tenant, &updates).await?;
    }
    if !touches.is_empty() {
        let touch = tx
            .prepare_cached(
                "UPDATE appointments SET last_seen_run = $2, vanished_at = NULL WHERE tenant = $1 AND id = ANY($3)",
            )
            .await?;
        tx.execute(&touch, &[&tenant, &run.0, &touches]).await?;
    }
    tx.commit().await?;
    Ok((outcome, in_page_order(page, current)))
}

/// Binds the rows as one array per column and runs an INSERT or UPDATE over [`RECORD_ARRAYS`].
async fn write_rows(
    tx: &deadpool_postgres::Transaction<'_>,
    sql: &str,
    run: RunId,
    tenant: &str,
    rows: &[&StoredAppointment],
) -> Result<(), StoreError> {
    let mut locations = Vec::with_capacity(rows.len());
    for row in rows {
        let text = serde_json::to_string(&row.locations)
            .map_err(|cause| StoreError::EncodeLocations { id: row.id.clone(), cause })?;
        locations.push(text);
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let versions: Vec<&str> = rows.iter().map(|r| r.version_id.as_str()).collect();
    let updated: Vec<Option<&str>> = rows.iter().map(|r| r.last_updated.as_deref()).collect();
    let starts: Vec<Option<&str>> = rows.iter().map(|r| r.start.as_deref()).collect();
    let utc: Vec<Option<String>> = rows.iter().map(|r| r.start.as_deref().and_then(utc_text)).collect();
    let statuses: Vec<&str> = rows.iter().map(|r| r.status.as_str()).collect();
    let raws: Vec<&str> = rows.iter().map(|r| r.raw.as_str()).collect();
    let fhir_versions: Vec<&str> = rows.iter().map(|r| r.fhir_version.name()).collect();
    let statement = tx.prepare_cached(sql).await?;
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 11] =
        [&tenant, &run.0, &ids, &versions, &updated, &starts, &utc, &statuses, &locations, &raws, &fhir_versions];
    tx.execute(&statement, &params).await?;
    Ok(())
}

pub(super) async fn mark_vanished(
    client: &impl deadpool_postgres::GenericClient,
    run: RunId,
    tenant: &str,
    window: &Window,
    at: time::OffsetDateTime,
) -> Result<u64, StoreError> {
    let (start, end, at) = (window.start_utc(), window.end_utc(), instant_text(at)?);
    let marked = client
        .execute(
            "UPDATE appointments SET vanished_at = $1 WHERE tenant = $2 AND last_seen_run <> $3
             AND vanished_at IS NULL AND start_utc >= $4 AND start_utc < $5",
            &[&at, &tenant, &run.0, &start, &end],
        )
        .await?;
    Ok(marked)
}
