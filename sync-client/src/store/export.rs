//! The NDJSON export line, written the same by both stores so that an export does not depend on
//! where the appointments were kept, and byte-faithful to what the server sent.

use std::io::Write;

use super::{StoreError, stored_fhir_version};

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
