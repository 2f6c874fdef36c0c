//! Reading the store back: appointments in a stable order, counts, and the NDJSON export the
//! harness contract (v1) reads, one `{"tenant", "resource"}` line per appointment.

use std::borrow::Cow;
use std::io::{BufWriter, Write};

use rusqlite::types::Type;
use rusqlite::{Row, params};

use super::{Store, StoreError, StoredAppointment};

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
    Ok(StoredAppointment {
        tenant: row.get(0)?,
        id: row.get(1)?,
        version_id: row.get(2)?,
        last_updated: row.get(3)?,
        start: row.get(4)?,
        status: row.get(5)?,
        locations,
        raw: row.get(7)?,
        vanished_at: row.get(8)?,
    })
}

impl Store {
    /// Every stored appointment (vanished ones included), of one tenant or of all, ordered by
    /// tenant, start (as a UTC instant; rows without a start first), id.
    pub fn appointments(&self, tenant: Option<&str>) -> Result<Vec<StoredAppointment>, StoreError> {
        let rows = match tenant {
            Some(tenant) => {
                let sql = ordered!(concat!("SELECT ", columns!(), " FROM appointments WHERE tenant = ?1"));
                let mut stmt = self.conn.prepare_cached(sql)?;
                stmt.query_map(params![tenant], stored_from_row)?.collect::<Result<Vec<_>, _>>()?
            }
            None => {
                let mut stmt =
                    self.conn.prepare_cached(ordered!(concat!("SELECT ", columns!(), " FROM appointments")))?;
                stmt.query_map([], stored_from_row)?.collect::<Result<Vec<_>, _>>()?
            }
        };
        Ok(rows)
    }

    /// How many appointments are stored (vanished ones included), of one tenant or of all.
    pub fn count(&self, tenant: Option<&str>) -> Result<u64, StoreError> {
        let count: i64 = match tenant {
            Some(tenant) => {
                self.conn
                    .query_row("SELECT COUNT(*) FROM appointments WHERE tenant = ?1", params![tenant], |r| r.get(0))?
            }
            None => self.conn.query_row("SELECT COUNT(*) FROM appointments", [], |r| r.get(0))?,
        };
        Ok(u64::try_from(count).unwrap_or_default())
    }

    /// Writes one JSON line per stored appointment, in [`Store::appointments`] order:
    /// `{"tenant": "...", "resource": <raw JSON>, "vanished_at": "..."}`, `vanished_at` omitted
    /// when unset. The raw resource is written as stored when it is compact, so the export is
    /// byte-faithful to what the server sent. Streams rows, so memory stays flat on large stores.
    /// Returns the number of lines written.
    pub fn export_ndjson(&self, out: &mut dyn Write) -> Result<u64, StoreError> {
        let mut out = BufWriter::new(out);
        let mut stmt = self.conn.prepare_cached(ordered!("SELECT tenant, id, raw, vanished_at FROM appointments"))?;
        let mut rows = stmt.query([])?;
        let mut written = 0;
        while let Some(row) = rows.next()? {
            let (tenant, id, raw): (String, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
            let vanished_at: Option<String> = row.get(3)?;
            let resource =
                one_line_json(&raw).map_err(|cause| StoreError::InvalidRaw { tenant: tenant.clone(), id, cause })?;
            write_line(&mut out, &tenant, &resource, vanished_at.as_deref()).map_err(StoreError::Write)?;
            written += 1;
        }
        out.flush().map_err(StoreError::Write)?;
        Ok(written)
    }
}

/// The raw resource as JSON on one line: as stored when it already is (a raw newline can only be
/// whitespace between tokens in valid JSON), re-serialized otherwise.
fn one_line_json(raw: &str) -> Result<Cow<'_, str>, serde_json::Error> {
    if raw.contains(['\n', '\r']) {
        let value: serde_json::Value = serde_json::from_str(raw)?;
        return Ok(Cow::Owned(serde_json::to_string(&value)?));
    }
    serde_json::from_str::<serde::de::IgnoredAny>(raw)?;
    Ok(Cow::Borrowed(raw.trim()))
}

fn write_line(out: &mut impl Write, tenant: &str, resource: &str, vanished_at: Option<&str>) -> std::io::Result<()> {
    out.write_all(b"{\"tenant\":")?;
    serde_json::to_writer(&mut *out, tenant)?;
    out.write_all(b",\"resource\":")?;
    out.write_all(resource.as_bytes())?;
    if let Some(at) = vanished_at {
        out.write_all(b",\"vanished_at\":")?;
        serde_json::to_writer(&mut *out, at)?;
    }
    out.write_all(b"}\n")
}
