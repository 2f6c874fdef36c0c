//! What the client left behind, read for the checks: its output file (lines and raw text), the
//! files in its `state_dir`; and the journal as the reports show it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::evidence::{Evidence, OutputLine, STORED_BYTES, StoredFile, shorten};
use crate::verdict::TimelineEntry;

/// The resource `(resource_type, id)` of `tenant` as the emulator's store holds it now;
/// `Value::Null` when it holds none.
fn stored_now(server: &cerner_mock::MockServer, tenant: &str, resource_type: &str, id: &str) -> Value {
    let store = server.state().store();
    store
        .read(tenant)
        .and_then(|data| {
            let kind = resource_type.parse().ok()?;
            data.read(kind, id).and_then(|row| serde_json::from_str(&row.json()).ok())
        })
        .unwrap_or(Value::Null)
}

/// Each resource a batch of `changes` at `tenant` will touch, as the store holds it before the
/// batch applies, by `(type, id)`.
pub(crate) fn read_before(
    server: &cerner_mock::MockServer,
    tenant: &str,
    changes: &[cerner_mock::admin_client::Change],
) -> BTreeMap<(String, String), Value> {
    changes
        .iter()
        .filter_map(|change| change.target())
        .map(|(kind, id)| ((kind.as_str().to_owned(), id.to_owned()), stored_now(server, tenant, kind.as_str(), id)))
        .collect()
}

/// The resources a batch at `tenant` touched (the emulator's answer), each with what the store
/// held before it (from [`read_before`]); [`read_back`] adds what it holds once the runs are over.
pub(crate) fn touched(
    tenant: &str,
    applied: Vec<cerner_mock::admin_client::AppliedChange>,
    before: &BTreeMap<(String, String), Value>,
) -> Vec<crate::evidence::ChangedResource> {
    applied
        .into_iter()
        .map(|c| crate::evidence::ChangedResource {
            tenant: tenant.to_owned(),
            before: before.get(&(c.resource_type.clone(), c.id.clone())).cloned().unwrap_or(Value::Null),
            resource_type: c.resource_type,
            id: c.id,
            stored: Value::Null,
        })
        .collect()
}

/// Each resource a change between runs touched, as the emulator's store holds it now.
pub(crate) fn read_back(server: &cerner_mock::MockServer, changed: &mut [crate::evidence::ChangedResource]) {
    for c in changed {
        c.stored = stored_now(server, &c.tenant, &c.resource_type, &c.id);
    }
}

/// What the client left in `dir`: the output file's text and the files under `state/`.
pub(crate) fn client_files(dir: &Path) -> (String, Vec<StoredFile>) {
    let output = std::fs::read(dir.join("appointments.ndjson")).unwrap_or_default();
    let mut stored = Vec::new();
    let mut pending = vec![dir.join("state")];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(path),
                Ok(kind) if kind.is_file() => {
                    let mut bytes = Vec::new();
                    if let Ok(file) = std::fs::File::open(&path) {
                        use std::io::Read;
                        let _ = file.take(STORED_BYTES as u64).read_to_end(&mut bytes);
                    }
                    let name = path.strip_prefix(dir.join("state")).unwrap_or(&path).display().to_string();
                    stored.push(StoredFile { path: name, bytes });
                }
                _ => {}
            }
        }
    }
    stored.sort_by(|a, b| a.path.cmp(&b.path));
    (String::from_utf8_lossy(&output).into_owned(), stored)
}

pub(crate) fn count_lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map(|text| text.lines().count()).unwrap_or(0)
}

pub(crate) fn read_output(path: &PathBuf) -> (Vec<OutputLine>, Vec<(usize, String)>) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let (mut lines, mut errors) = (Vec::new(), Vec::new());
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        match serde_json::from_str::<Value>(line) {
            Ok(value) => match (value["tenant"].as_str(), value["resource"]["resourceType"].as_str()) {
                (Some(tenant), Some("Appointment")) => {
                    lines.push(OutputLine {
                        line: number,
                        tenant: tenant.to_owned(),
                        resource: value["resource"].clone(),
                    });
                }
                _ => errors.push((number, "not {\"tenant\", \"resource\": Appointment}".to_owned())),
            },
            Err(e) => errors.push((number, format!("not JSON: {e}; line starts {:?}", shorten(line, 40)))),
        }
    }
    (lines, errors)
}

pub(crate) fn timeline(evidence: &Evidence) -> Vec<TimelineEntry> {
    timeline_with(evidence, &BTreeMap::new())
}

/// The journal as the reports show it; `retry_after` maps a throttle rule's id to its value.
pub(crate) fn timeline_with(evidence: &Evidence, retry_after: &BTreeMap<String, String>) -> Vec<TimelineEntry> {
    let first = evidence.journal.first().map(|e| e.wall_time);
    evidence
        .journal
        .iter()
        .map(|e| TimelineEntry {
            seq: e.seq,
            wall_time: e.wall_time.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            tenant: e.tenant.clone(),
            method: e.method.clone(),
            url: format!(
                "{}{}{}",
                evidence.origin,
                e.path,
                e.query.as_deref().map(|q| format!("?{q}")).unwrap_or_default()
            ),
            status: e.status,
            fault: e.fault.as_ref().map(|f| format!("{} ({})", f.action, f.rule)),
            offset_ms: first.map_or(0, |f| u64::try_from((e.wall_time - f).whole_milliseconds()).unwrap_or(0)),
            latency_ms: e.latency_ms.max(0.0).round() as u64,
            retry_after: e.fault.as_ref().and_then(|f| retry_after.get(&f.rule).cloned()),
        })
        .collect()
}
