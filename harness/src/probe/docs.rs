//! Documented payloads as a reference: the fhir.cerner.com examples (kept beside the checkout in
//! `../shared/cerner-examples`) turned into [`Recorded`] answers, so `diff` works offline and shows
//! where the emulator departs from the documentation.

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
    use super::*;

    fn examples() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/cerner-examples"))
    }

    #[test]
    fn documented_maps_the_read_and_search_examples_to_probes() {
        let answers = documented(examples()).unwrap();
        let names: Vec<&str> = answers.iter().map(|a| a.probe.as_str()).collect();
        for resource in ["appointment", "patient", "practitioner", "schedule", "slot", "encounter"] {
            for kind in ["read", "search"] {
                let name = format!("{resource}-{kind}");
                assert!(names.contains(&name.as_str()), "{name} not in {names:?}");
            }
        }
        assert!(names.contains(&"metadata"));
        assert!(answers.iter().all(|a| a.status == 200 && a.body.is_object()));
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
