//! Server probes for `record` and `diff`: a fixed list of requests, their recorded answers, and a
//! FHIR-aware comparison of two sets of answers (real server, emulator, or documentation).
//!
//! The point is to see where the emulator departs from the real Cerner server (or from what
//! fhir.cerner.com documents) without being drowned by values that always differ: ids, timestamps
//! and page tokens. See [`shape`] for what is compared.

mod docs;
mod record;
mod shape;
mod sign_in;

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use docs::documented;
pub use record::{ProbeError, emulator_answers, record};
pub use shape::shape;
pub use sign_in::{PROBE_SCOPES, SignInError, SignedIn, sign_in};

/// One request of the fixed probe list, relative to a FHIR base (`{base}{path}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// Stable name: the file name of a recording and the key documented payloads map to.
    pub name: &'static str,
    /// Path and query under the FHIR base, without a leading `/`.
    pub path: &'static str,
    /// Whether the request needs a bearer token (everything but `metadata`).
    pub secured: bool,
}

/// The probes: one read and one search per resource a sync client touches (with the ids the
/// fhir.cerner.com examples use, so documented payloads line up), plus the error answers a client
/// must handle. A fixed list keeps a recording from a rate-limited sandbox small and repeatable.
pub fn probes() -> Vec<Probe> {
    const fn p(name: &'static str, path: &'static str, secured: bool) -> Probe {
        Probe { name, path, secured }
    }
    vec![
        p("metadata", "metadata", false),
        p("appointment-read", "Appointment/4817508", true),
        p("appointment-search", "Appointment?patient=12724066&date=2020", true),
        p("patient-read", "Patient/12724067", true),
        p("patient-search", "Patient?_id=12724067", true),
        p("practitioner-read", "Practitioner/4122622", true),
        p("practitioner-search", "Practitioner?_id=4122622", true),
        p("schedule-read", "Schedule/24477854-21304876-62852027-0", true),
        p("schedule-search", "Schedule?_id=24477854-21304876-62852027-0%2C24477854-21304876-62852027-15", true),
        p("slot-read", "Slot/24477854-21304876-62852027-0", true),
        p("slot-search", SLOT_SEARCH, true),
        p("encounter-read", "Encounter/97953477", true),
        p("encounter-search", "Encounter?patient=12724066", true),
        p("search-no-parameters", "Appointment", true),
        p("unknown-id", "Appointment/1", true),
    ]
}

/// The documented Slot search (fhir.cerner.com DSTU2 Slot), minus its `_count`.
const SLOT_SEARCH: &str = "Slot?slot-type=https%3A%2F%2Ffhir.cerner.com%2Fec2458f2-1e24-41c8-b71b-0e701af7583d%2FcodeSet%2F14249%7C24477854&schedule.actor=Practitioner%2F593923&start=2020";

/// A recorded answer: status, content type, body (JSON or null). Nothing else of the exchange is
/// kept, so a recording never holds a token, a secret or a request header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    pub probe: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: serde_json::Value,
}

/// One departure of an actual answer from its reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub probe: String,
    /// `status`, `content-type`, `missing` (only in the reference) or `extra` (only in the actual).
    pub kind: String,
    pub detail: String,
}

/// The differences between a reference and an actual answer: status, media type (parameters such
/// as `charset` are ignored, servers vary them freely), then element paths only in the reference
/// ("missing") and only in the actual ("extra").
pub fn compare(reference: &Recorded, actual: &Recorded) -> Vec<Difference> {
    let difference =
        |kind: &str, detail: String| Difference { probe: reference.probe.clone(), kind: kind.to_owned(), detail };
    let mut differences = Vec::new();
    if reference.status != actual.status {
        differences.push(difference("status", format!("{} != {}", reference.status, actual.status)));
    }
    let (expected, got) = (media_type(&reference.content_type), media_type(&actual.content_type));
    if expected != got {
        differences.push(difference("content-type", format!("{expected:?} != {got:?}")));
    }
    let (expected, got): (BTreeSet<String>, BTreeSet<String>) = (shape(&reference.body), shape(&actual.body));
    differences.extend(expected.difference(&got).map(|path| difference("missing", path.clone())));
    differences.extend(got.difference(&expected).map(|path| difference("extra", path.clone())));
    differences
}

/// The media type of a `Content-Type` value, lower-cased, without parameters.
fn media_type(content_type: &Option<String>) -> Option<String> {
    content_type.as_deref().and_then(|value| value.split(';').next()).map(|value| value.trim().to_ascii_lowercase())
}

/// A recording written by `record`: the `DIR/<probe>.json` files of [`Recorded`], in file-name
/// order so a diff reads the same every time. Other `.json` files fail loudly rather than being
/// silently skipped, since a recording folder holds nothing else.
pub fn load_recording(dir: &Path) -> std::io::Result<Vec<Recorded>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)?;
            serde_json::from_str(&text)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {e}", path.display())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, content_type: &str, body: serde_json::Value) -> Recorded {
        Recorded { probe: "patient-read".into(), status, content_type: Some(content_type.into()), body }
    }

    #[test]
    fn compare_reports_status_content_type_and_missing_and_extra_paths() {
        let reference = answer(
            200,
            "application/json+fhir",
            json!({ "resourceType": "Patient", "id": "1",
            "name": [ { "text": "A" } ], "gender": "male" }),
        );
        let actual = answer(
            404,
            "application/json",
            json!({ "resourceType": "Patient", "id": "2",
            "name": [ { "text": "B" }, { "text": "C" } ], "birthDate": "2000" }),
        );
        let kinds: Vec<(String, String)> =
            compare(&reference, &actual).into_iter().map(|d| (d.kind, d.detail)).collect();
        assert_eq!(
            kinds,
            [
                ("status".into(), "200 != 404".into()),
                ("content-type".into(), "Some(\"application/json+fhir\") != Some(\"application/json\")".into()),
                ("missing".into(), "Patient.gender".into()),
                ("extra".into(), "Patient.birthDate".into()),
            ]
        );
    }

    #[test]
    fn compare_ignores_content_type_parameters_and_values() {
        let reference = answer(200, "application/json+fhir", json!({ "resourceType": "Patient", "id": "1" }));
        let actual =
            answer(200, "Application/JSON+FHIR; charset=utf-8", json!({ "resourceType": "Patient", "id": "9" }));
        assert!(compare(&reference, &actual).is_empty());
    }

    #[test]
    fn load_recording_reads_back_what_was_written() {
        let dir = std::env::temp_dir().join(format!("probe-recording-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let recorded = answer(200, "application/json+fhir", json!({ "resourceType": "Patient" }));
        std::fs::write(dir.join("patient-read.json"), serde_json::to_string(&recorded).unwrap()).unwrap();
        assert_eq!(load_recording(&dir).unwrap(), vec![recorded]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn probe_names_are_unique_and_paths_are_relative() {
        let probes = probes();
        let names: BTreeSet<_> = probes.iter().map(|p| p.name).collect();
        assert_eq!(names.len(), probes.len());
        assert!(probes.iter().all(|p| !p.path.starts_with('/')));
    }
}
