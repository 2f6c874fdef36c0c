//! Reading the PostgreSQL store back: tenant state, appointments in the SQLite store's order,
//! counts, and the NDJSON export, streamed row by row.

use std::io::{BufWriter, Write};

use deadpool_postgres::Client;
use futures_util::TryStreamExt;
use tokio_postgres::Row;

use crate::store::{
    OutcomeKind, StoreError, StoredAppointment, TenantState, export_row, optional_instant_text, stored_fhir_version,
    stored_instant, stored_outcome,
};

/// The column list every read of a whole appointment uses, in the order [`stored_from_row`] expects.
pub(super) const COLUMNS: &str =
    "tenant, id, version_id, last_updated, start, status, locations, raw, vanished_at, fhir_version";

/// Tenant, UTC start (rows without one first), raw start, id: the SQLite store's order.
const ORDER: &str = " ORDER BY tenant, start_utc NULLS FIRST, start NULLS FIRST, id";

pub(super) fn stored_from_row(row: &Row) -> Result<StoredAppointment, StoreError> {
    let id: String = row.try_get(1)?;
    let tenant: String = row.try_get(0)?;
    let locations: String = row.try_get(6)?;
    let locations = serde_json::from_str(&locations).map_err(|cause| {
        StoreError::Postgres(format!("stored appointment {tenant}/{id} has unreadable locations: {cause}"))
    })?;
    let fhir_version: String = row.try_get(9)?;
    let fhir_version = stored_fhir_version(&tenant, &id, &fhir_version)?;
    Ok(StoredAppointment {
        tenant,
        id,
        version_id: row.try_get::<_, String>(2)?.into(),
        last_updated: row.try_get(3)?,
        start: row.try_get(4)?,
        status: row.try_get(5)?,
        locations,
        raw: row.try_get(7)?,
        vanished_at: row.try_get(8)?,
        fhir_version,
    })
}

pub(super) async fn tenant_state(client: &Client, tenant: &str) -> Result<Option<TenantState>, StoreError> {
    let row = client
        .query_opt(
            "SELECT last_success, deferred_until, last_outcome, message FROM tenant_state WHERE tenant = $1",
            &[&tenant],
        )
        .await?;
    row.map(|row| {
        Ok(TenantState {
            last_success: stored_instant(row.get(0))?,
            deferred_until: stored_instant(row.get(1))?,
            last_outcome: stored_outcome(row.get(2))?,
            message: row.get(3),
        })
    })
    .transpose()
}

/// The upsert of a tenant's state, for a client or inside a transaction.
pub(super) const SET_TENANT_STATE: &str =
    "INSERT INTO tenant_state (tenant, last_success, deferred_until, last_outcome, message)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant) DO UPDATE SET last_success = excluded.last_success,
       deferred_until = excluded.deferred_until, last_outcome = excluded.last_outcome, message = excluded.message";

pub(super) async fn set_tenant_state(client: &Client, tenant: &str, state: &TenantState) -> Result<(), StoreError> {
    client
        .execute(
            SET_TENANT_STATE,
            &[
                &tenant,
                &optional_instant_text(state.last_success)?,
                &optional_instant_text(state.deferred_until)?,
                &state.last_outcome.map(OutcomeKind::as_str),
                &state.message,
            ],
        )
        .await?;
    Ok(())
}

pub(super) async fn appointments(client: &Client, tenant: Option<&str>) -> Result<Vec<StoredAppointment>, StoreError> {
    let rows = match tenant {
        Some(tenant) => {
            client.query(&format!("SELECT {COLUMNS} FROM appointments WHERE tenant = $1{ORDER}"), &[&tenant]).await?
        }
        None => client.query(&format!("SELECT {COLUMNS} FROM appointments{ORDER}"), &[]).await?,
    };
    rows.iter().map(stored_from_row).collect()
}

pub(super) async fn count(client: &Client, tenant: Option<&str>) -> Result<u64, StoreError> {
    let row = match tenant {
        Some(tenant) => client.query_one("SELECT COUNT(*) FROM appointments WHERE tenant = $1", &[&tenant]).await?,
        None => client.query_one("SELECT COUNT(*) FROM appointments", &[]).await?,
    };
    Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or_default())
}

/// Streams the rows: the server sends them as the client reads, so memory stays flat.
pub(super) async fn export_ndjson(client: &Client, out: &mut (dyn Write + Send)) -> Result<u64, StoreError> {
    let mut out = BufWriter::new(out);
    let sql = format!("SELECT tenant, id, raw, vanished_at, fhir_version FROM appointments{ORDER}");
    let rows = client.query_raw(sql.as_str(), std::iter::empty::<&str>()).await?;
    let mut rows = std::pin::pin!(rows);
    let mut written = 0;
    while let Some(row) = rows.try_next().await? {
        let (tenant, id, raw): (String, String, String) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        let (vanished_at, fhir_version): (Option<String>, String) = (row.try_get(3)?, row.try_get(4)?);
        export_row(&mut out, &tenant, &id, &fhir_version, &raw, vanished_at.as_deref())?;
        written += 1;
    }
    out.flush().map_err(StoreError::Write)?;
    Ok(written)
}
