//! The job file a client is given (contract v1/v2, README "The harness ↔ client contract"): its
//! fields, and its writing, readable by its owner only since it holds the client secret.

use std::path::Path;

use cerner_mock::MockServer;
use serde_json::{Value, json};

use crate::runner::{CLIENT_ID, WINDOW};
use crate::version::FhirVersion;

/// The per-request total timeout the job advises (`limits.request_timeout_seconds`): long enough
/// for any healthy answer of the emulator on a busy machine, short enough that a client retrying a
/// stalled or dribbling request a few times still finishes within the default time limit.
pub(crate) const REQUEST_TIMEOUT_SECONDS: u64 = 5;

/// The job of one scenario run: the tenants' bases on `server` in `version`, the window, the
/// output and `state_dir` in `dir`, and `limits.max_pages`.
pub(crate) fn job(
    server: &MockServer,
    dir: &Path,
    locations: &[(String, Vec<String>)],
    secret: &str,
    version: FhirVersion,
    page_cap: usize,
) -> Value {
    let segment = version.segment();
    let tenants: Vec<Value> = locations
        .iter()
        .map(|(id, locations)| {
            json!({ "id": id, "fhir_base": format!("{}/{segment}/{id}/", server.origin()), "locations": locations })
        })
        .collect();
    json!({
        "client_id": CLIENT_ID,
        "client_secret": secret,
        "scopes": "system/Appointment.read",
        "tenants": tenants,
        "window": { "start": WINDOW.0, "end": WINDOW.1 },
        "output": dir.join("appointments.ndjson"),
        "state_dir": dir.join("state"),
        "limits": { "max_pages": page_cap, "request_timeout_seconds": REQUEST_TIMEOUT_SECONDS },
    })
}

/// Writes `text` to a new file only its owner may read (0600): the job file holds the secret.
pub(crate) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    file.write_all(text.as_bytes())
}
