//! Documented payloads as a reference: a folder of fhir.cerner.com's DSTU2 example payloads (saved
//! by the user as `dstu2-<probe>.json`; the project does not ship them) turned into [`Recorded`]
//! answers, so `diff` works offline and shows where the emulator departs from the documentation.

use std::path::Path;

use super::{Recorded, probes};

/// What the documentation implies for every example: a successful FHIR JSON answer. The examples
/// carry no status or header of their own.
const DOCUMENTED_STATUS: u16 = 200;
const DOCUMENTED_CONTENT_TYPE: &str = "application/json+fhir";

/// The documented payloads of `dir`, one per probe they map to, in file-name order. Files that map
/// to no probe (request bodies, combined records, OAuth bodies, R4) are skipped: they document
/// something the probe list does not ask.
pub fn documented(dir: &Path) -> std::io::Result<Vec<Recorded>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?.filter_map(Result::ok).map(|entry| entry.path()).collect();
    files.sort();
    let mut answers = Vec::new();
    for path in files {
        let Some(probe) = path.file_name().and_then(|name| name.to_str()).and_then(probe_for) else {
            continue;
        };
        let text = std::fs::read_to_string(&path)?;
        let body = serde_json::from_str(&text)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {e}", path.display())))?;
        answers.push(Recorded {
            probe,
            status: DOCUMENTED_STATUS,
            content_type: Some(DOCUMENTED_CONTENT_TYPE.to_owned()),
            body,
        });
    }
    Ok(answers)
}

/// The probe a documented file stands for: `dstu2-<probe>.json`, except that the secured server's
/// Conformance (`metadata-secure`, the one with the oauth-uris extension) stands for `metadata`.
fn probe_for(file_name: &str) -> Option<String> {
    let stem = file_name.strip_prefix("dstu2-")?.strip_suffix(".json")?;
    let name = if stem == "metadata-secure" { "metadata" } else { stem };
    probes().iter().any(|probe| probe.name == name).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// A folder of payloads named as the documentation's examples are, holding small bodies: what
    /// is tested here is the mapping of file names to probes, not the payloads.
    fn folder(names: &[&str]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("probe-docs-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in names {
            std::fs::write(dir.join(name), r#"{"resourceType": "Bundle"}"#).unwrap();
        }
        dir
    }

    #[test]
    fn documented_maps_the_read_and_search_examples_to_probes() {
        let mut names: Vec<String> = ["appointment", "patient", "practitioner", "schedule", "slot", "encounter"]
            .iter()
            .flat_map(|resource| ["read", "search"].map(|kind| format!("dstu2-{resource}-{kind}.json")))
            .collect();
        names.extend(["dstu2-metadata-secure.json".into(), "dstu2-appointment-create-request.json".into()]);
        let dir = folder(&names.iter().map(String::as_str).collect::<Vec<_>>());
        let answers = documented(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let probes: Vec<&str> = answers.iter().map(|a| a.probe.as_str()).collect();
        assert_eq!(probes.len(), 13, "{probes:?}");
        assert!(probes.contains(&"metadata") && probes.contains(&"slot-search"), "{probes:?}");
        assert!(answers.iter().all(|a| a.status == 200 && a.body.is_object()));
    }

    #[test]
    fn a_payload_that_is_not_json_is_an_error_naming_the_file() {
        let dir = folder(&[]);
        std::fs::write(dir.join("dstu2-patient-read.json"), "{ not json").unwrap();
        let error = documented(&dir).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(error.contains("dstu2-patient-read.json"), "{error}");
    }

    /// With `CERNER_DOC_EXAMPLES` naming a folder of the documentation's examples, every read and
    /// search example maps to a probe.
    #[test]
    fn the_documentation_examples_map_to_probes_when_given() {
        let Some(dir) = std::env::var_os("CERNER_DOC_EXAMPLES") else {
            eprintln!("skipped: set CERNER_DOC_EXAMPLES to a folder of fhir.cerner.com's example payloads");
            return;
        };
        let answers = documented(Path::new(&dir)).unwrap();
        let names: Vec<&str> = answers.iter().map(|a| a.probe.as_str()).collect();
        for resource in ["appointment", "patient", "practitioner", "schedule", "slot", "encounter"] {
            for kind in ["read", "search"] {
                let name = format!("{resource}-{kind}");
                assert!(names.contains(&name.as_str()), "{name} not in {names:?}");
            }
        }
        assert!(names.contains(&"metadata"));
    }

    #[test]
    fn files_that_match_no_probe_are_skipped() {
        for skipped in [
            "dstu2-appointment-create-request.json",
            "dstu2-patient-read-combined.json",
            "dstu2-slot-search-include-schedule.json",
            "dstu2-metadata-open.json",
            "oauth-token-response.json",
        ] {
            assert_eq!(probe_for(skipped), None, "{skipped}");
        }
        assert_eq!(probe_for("dstu2-metadata-secure.json").as_deref(), Some("metadata"));
    }
}
