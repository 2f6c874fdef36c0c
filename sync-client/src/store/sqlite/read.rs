//! Reading the store back: appointments in a stable order, counts, and the NDJSON export the
//! harness contract (v1) reads, one `{"tenant", "resource"}` line per appointment.

use std::io::{BufWriter, Write};

use rusqlite::types::Type;
use rusqlite::{Row, params};

use super::{SqliteStore, StoreError, StoredAppointment};
use crate::store::{export_row, stored_fhir_version};

/// Order by UTC start so that offsets do not scramble the day; the raw start and the id break ties.
macro_rules! ordered {
    ($select:expr) => {
        concat!($select, " ORDER BY tenant, ", utc_of!("start"), ", start, id")
    };
}

/// Maps a row selected with [`columns!`]; undecodable locations surface as a conversion error
/// naming the column rather than as an empty list.
pub(super) fn stored_from_row(row: &Row<'_>) -> rusqlite::Result<StoredAppointment> {
    let locations: String = row.get(6)?;
    let locations = serde_json::from_str(&locations)
        .map_err(|cause| rusqlite::Error::FromSqlConversionFailure(6, Type::Text, Box::new(cause)))?;
    let (tenant, id, fhir_version): (String, String, String) = (row.get(0)?, row.get(1)?, row.get(9)?);
    let fhir_version = stored_fhir_version(&tenant, &id, &fhir_version)
        .map_err(|cause| rusqlite::Error::FromSqlConversionFailure(9, Type::Text, Box::new(cause)))?;
    Ok(StoredAppointment {
        tenant,
        id,
        version_id: row.get::<_, String>(2)?.into(),
        last_updated: row.get(3)?,
        start: row.get(4)?,
        status: row.get(5)?,
        locations,
        raw: row.get(7)?,
        vanished_at: row.get(8)?,
        fhir_version,
    })
}

impl SqliteStore {
    /// Every stored appointment (vanished ones included), of one tenant or of all, ordered by
    /// tenant, start (as a UTC instant; rows without a start first), id.
    pub fn appointments(&self, tenant: Option<&str>) -> Result<Vec<StoredAppointment>, StoreError> {
        let conn = self.conn();
        let rows = match tenant {
            Some(tenant) => {
                let sql = ordered!(concat!("SELECT ", columns!(), " FROM appointments WHERE tenant = ?1"));
                let mut stmt = conn.prepare_cached(sql)?;
                stmt.query_map(params![tenant], stored_from_row)?.collect::<Result<Vec<_>, _>>()?
            }
            None => {
                let mut stmt = conn.prepare_cached(ordered!(concat!("SELECT ", columns!(), " FROM appointments")))?;
                stmt.query_map([], stored_from_row)?.collect::<Result<Vec<_>, _>>()?
            }
        };
        Ok(rows)
    }

    /// How many appointments are stored (vanished ones included), of one tenant or of all.
    pub fn count(&self, tenant: Option<&str>) -> Result<u64, StoreError> {
        let conn = self.conn();
        let count: i64 = match tenant {
            Some(tenant) => {
                conn.query_row("SELECT COUNT(*) FROM appointments WHERE tenant = ?1", params![tenant], |r| r.get(0))?
            }
            None => conn.query_row("SELECT COUNT(*) FROM appointments", [], |r| r.get(0))?,
        };
        Ok(u64::try_from(count).unwrap_or_default())
    }

    /// Writes one JSON line per stored appointment, in [`Self::appointments`] order:
    /// `{"tenant": "...", "fhir_version": "DSTU2"|"R4", "resource": <raw JSON>, "vanished_at": "..."}`,
    /// `vanished_at` omitted when unset. The raw resource is written as stored when it is compact, so the export is
    /// byte-faithful to what the server sent. Streams rows, so memory stays flat on large stores.
    /// Returns the number of lines written.
    pub fn export_ndjson(&self, out: &mut dyn Write) -> Result<u64, StoreError> {
        let mut out = BufWriter::new(out);
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached(ordered!("SELECT tenant, id, raw, vanished_at, fhir_version FROM appointments"))?;
        let mut rows = stmt.query([])?;
        let mut written = 0;
        while let Some(row) = rows.next()? {
            let (tenant, id, raw): (String, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
            let (vanished_at, fhir_version): (Option<String>, String) = (row.get(3)?, row.get(4)?);
            export_row(&mut out, &tenant, &id, &fhir_version, &raw, vanished_at.as_deref())?;
            written += 1;
        }
        out.flush().map_err(StoreError::Write)?;
        Ok(written)
    }
}
