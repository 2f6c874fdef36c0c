//! Server probes for `record` and `diff`: a fixed list of requests, their recorded answers, and a
//! FHIR-aware comparison of two sets of answers (real server, emulator, or documentation).
//!
//! The point is to see where the emulator departs from the real Cerner server (or from what
//! fhir.cerner.com documents) without being drowned by values that always differ: ids, timestamps
//! and page tokens. See [`shape`] for what is compared.

mod docs;
mod list;
mod record;
mod shape;
mod sign_in;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use cerner_mock::replay::{KEPT_HEADERS, RecordedRequest};
pub use docs::{documented, holds_documented};
pub use list::{Base, Probe, mock_version, probes};
pub use record::{Bases, ProbeError, emulator_answers, record};
pub use shape::shape;
pub use sign_in::{PROBE_SCOPES, SignInError, SignedIn, probe_scopes, sign_in};

use crate::version::FhirVersion;

/// A recorded answer: the request (method, base, tenant, path and query under the base), status,
/// content type, the headers a client acts on ([`KEPT_HEADERS`]) and body (JSON or null). Nothing
/// else of the exchange is kept, so a recording never holds a token, a secret or a request header.
/// `cerner-mock --replay` serves it (the format is read there too, with the same
/// [`RecordedRequest`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    /// The probe's name ([`Probe::name`]), the recording's file name.
    pub probe: String,
    /// The version of the base it was asked on; recordings made before R4 probes existed are DSTU2.
    #[serde(default = "dstu2", deserialize_with = "version")]
    pub fhir_version: FhirVersion,
    /// What was asked; recordings made before requests were kept have none (and are replayed by
    /// probe name); documented payloads have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RecordedRequest>,
    /// The HTTP status answered.
    pub status: u16,
    /// The `Content-Type` answered, when there was one.
    pub content_type: Option<String>,
    /// The headers a client acts on (ETag, Location, Retry-After, WWW-Authenticate…), by lower-case name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The body as JSON; `null` when it was empty or not JSON.
    pub body: serde_json::Value,
}

/// One departure of an actual answer from its reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The probe whose answers differ.
    pub probe: String,
    /// The version of the base it was asked on.
    pub fhir_version: FhirVersion,
    /// `status`, `content-type`, `missing` (only in the reference) or `extra` (only in the actual).
    pub kind: String,
    /// `reference != actual` for a status or media type; the element path for one missing or extra.
    pub detail: String,
}

/// The differences between a reference and an actual answer: status, media type (parameters such
/// as `charset` are ignored, servers vary them freely), then element paths only in the reference
/// ("missing") and only in the actual ("extra").
pub fn compare(reference: &Recorded, actual: &Recorded) -> Vec<Difference> {
    let difference = |kind: &str, detail: String| Difference {
        probe: reference.probe.clone(),
        fhir_version: reference.fhir_version,
        kind: kind.to_owned(),
        detail,
    };
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

fn dstu2() -> FhirVersion {
    FhirVersion::Dstu2
}

fn version<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<FhirVersion, D::Error> {
    let name = String::deserialize(deserializer)?;
    FhirVersion::ALL
        .into_iter()
        .find(|v| v.segment() == name)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown FHIR version {name:?} (dstu2 or r4)")))
}

impl Recorded {
    /// Whether `other` answers the same probe on the same version.
    pub fn same_probe(&self, other: &Recorded) -> bool {
        self.probe == other.probe && self.fhir_version == other.fhir_version
    }
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

/// Writes `answers` into `dir` (created if missing) as `record` does: `DIR/<probe>.json` each,
/// pretty-printed.
pub fn write_recording(dir: &Path, answers: &[Recorded]) -> std::io::Result<()> {
    let context = |path: &Path, e: std::io::Error| std::io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    std::fs::create_dir_all(dir).map_err(|e| context(dir, e))?;
    for answer in answers {
        let path = dir.join(format!("{}.json", answer.probe));
        std::fs::write(&path, serde_json::to_string_pretty(answer)?).map_err(|e| context(&path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, content_type: &str, body: serde_json::Value) -> Recorded {
        Recorded {
            probe: "patient-read".into(),
            fhir_version: FhirVersion::Dstu2,
            request: None,
            status,
            content_type: Some(content_type.into()),
            headers: BTreeMap::new(),
            body,
        }
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
    fn a_recording_names_its_version_and_an_older_one_is_dstu2() {
        let older = r#"{"probe": "metadata", "status": 200, "content_type": null, "body": null}"#;
        assert_eq!(serde_json::from_str::<Recorded>(older).unwrap().fhir_version, FhirVersion::Dstu2);
        let r4 = older.replace("{", r#"{"fhir_version": "r4", "#);
        assert_eq!(serde_json::from_str::<Recorded>(&r4).unwrap().fhir_version, FhirVersion::R4);
        let unknown = older.replace("{", r#"{"fhir_version": "stu3", "#);
        let error = serde_json::from_str::<Recorded>(&unknown).unwrap_err().to_string();
        assert!(error.contains("unknown FHIR version \"stu3\""), "{error}");
        let mut recorded = answer(200, "application/fhir+json", json!({}));
        recorded.fhir_version = FhirVersion::R4;
        assert_eq!(serde_json::from_str::<Recorded>(&serde_json::to_string(&recorded).unwrap()).unwrap(), recorded);
    }
}
