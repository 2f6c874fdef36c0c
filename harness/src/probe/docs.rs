//! Documented payloads as a reference: a folder of fhir.cerner.com's example payloads (saved by the
//! user as `dstu2-<probe>.json` and `r4-<probe>.json`; the project does not ship them) turned into
//! [`Recorded`] answers, so `diff` works offline and shows where the emulator departs from the
//! documentation.
//!
//! Layout: the DSTU2 and R4 files side by side in the folder, or the R4 files in its `r4/`
//! subfolder (as the examples are kept when both versions are collected).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Recorded, probes};
use crate::version::FhirVersion;

/// What the documentation implies for every example: a successful answer. The examples carry no
/// status or header of their own.
const DOCUMENTED_STATUS: u16 = 200;

/// The subfolder that may hold the R4 examples.
pub(super) const R4_SUBFOLDER: &str = "r4";

/// The documented payloads of `dir` (and of `dir/r4/`), one per probe they map to, DSTU2 then R4,
/// each in file-name order. Files that map to no probe (request bodies, combined records, patient
/// access variants, OAuth bodies) are skipped: they document something the probe lists do not ask.
pub fn documented(dir: &Path) -> std::io::Result<Vec<Recorded>> {
    let mut files = json_files(dir)?;
    let subfolder = dir.join(R4_SUBFOLDER);
    if subfolder.is_dir() {
        files.extend(json_files(&subfolder)?);
    }
    files.sort_by_key(|path| path.file_name().map(ToOwned::to_owned));
    let mut answers = Vec::new();
    for path in files {
        let Some((fhir_version, probe)) = path.file_name().and_then(|name| name.to_str()).and_then(probe_for) else {
            continue;
        };
        let text = std::fs::read_to_string(&path)?;
        let body = serde_json::from_str(&text)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {e}", path.display())))?;
        let body = unwrapped(body);
        let content_type = Some(documented_content_type(fhir_version, &probe).to_owned());
        answers.push(Recorded {
            probe,
            fhir_version,
            status: DOCUMENTED_STATUS,
            content_type,
            body,
            request: None,
            headers: Default::default(),
        });
    }
    Ok(answers)
}

/// Whether `dir` (or its `r4/` subfolder) holds documented payloads rather than a recording.
pub fn holds_documented(dir: &Path) -> std::io::Result<bool> {
    let subfolder = dir.join(R4_SUBFOLDER);
    let mut files = json_files(dir)?;
    if subfolder.is_dir() {
        files.extend(json_files(&subfolder)?);
    }
    Ok(files.iter().filter_map(|p| p.file_name()?.to_str()).any(|name| probe_for(name).is_some()))
}

fn json_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    Ok(std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect())
}

/// The documented payload with the documentation's entry wrapping undone: a few R4 examples render
/// a Bundle entry (`{fullUrl, resource}`) where a resource belongs, as the read's body or inside a
/// search Bundle's entry (an entry in an entry). No server answers so; comparing the wrapping would
/// report every element of the resource twice and hide the real departures.
fn unwrapped(body: Value) -> Value {
    let entry_resource = |value: &mut Value| -> Option<Value> {
        let map = value.as_object_mut()?;
        (!map.contains_key("resourceType") && map.contains_key("fullUrl")).then(|| map.remove("resource"))?
    };
    let mut body = body;
    if let Some(resource) = entry_resource(&mut body) {
        return resource;
    }
    for entry in body.get_mut("entry").and_then(Value::as_array_mut).into_iter().flatten() {
        if let Some(inner) = entry.get_mut("resource").and_then(entry_resource) {
            entry["resource"] = inner;
        }
    }
    body
}

/// The media type each version's documentation names: DSTU2's `application/json+fhir`, R4's
/// `application/fhir+json` (r4.md § Media Types), and plain JSON for the SMART configuration (the
/// SMART App Launch document type; Cerner's example is asked with `Accept: application/json`).
fn documented_content_type(version: FhirVersion, probe: &str) -> &'static str {
    match (version, probe) {
        (_, "smart-configuration") => "application/json",
        (FhirVersion::Dstu2, _) => "application/json+fhir",
        (FhirVersion::R4, _) => "application/fhir+json",
    }
}

/// The version and probe a documented file stands for: `dstu2-<probe>.json` or `r4-<probe>.json`,
/// except for the discovery examples, named after what they are: the secured server's metadata
/// (the one with the oauth-uris extension, `dstu2-metadata-secure`,
/// `r4-capabilitystatement-metadata-secure`) stands for `metadata`, the open server's R4 metadata
/// for `metadata-open`, and `r4-wellknown-smart-configuration` for `smart-configuration`.
fn probe_for(file_name: &str) -> Option<(FhirVersion, String)> {
    let stem = file_name.strip_suffix(".json")?;
    let (version, stem) = match stem.split_once('-')? {
        ("dstu2", stem) => (FhirVersion::Dstu2, stem),
        ("r4", stem) => (FhirVersion::R4, stem),
        _ => return None,
    };
    let name = match (version, stem) {
        (FhirVersion::Dstu2, "metadata-secure") | (FhirVersion::R4, "capabilitystatement-metadata-secure") => {
            "metadata"
        }
        (FhirVersion::R4, "capabilitystatement-metadata-open") => "metadata-open",
        (FhirVersion::R4, "wellknown-smart-configuration") => "smart-configuration",
        _ => stem,
    };
    probes(version).iter().any(|probe| probe.name == name).then(|| (version, name.to_owned()))
}

#[cfg(test)]
mod tests;
