//! The files `cerner-harness record` writes (`DIR/<probe>.json`, one answer each) as the replay
//! reads them, and the table of answers they make: keyed by version, base, method and the path
//! and query under the base.
//!
//! A recording names its request (`request`: method, which base, the tenant of the base it was
//! recorded from, and the path and query under it); no header of the request and nothing secret is
//! kept. A recording made before requests were kept has no `request`: it is replayed by its probe
//! name ([`super::probes`]) as the public sandbox's tenant, whose ids the probes use.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::probes::{Base, probes};
use crate::defaults::SANDBOX_TENANT;
use crate::ids::TenantId;
use crate::request::FhirVersion;

/// The request a recorded answer answered, relative to the FHIR base it was asked on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedRequest {
    /// The HTTP method (`GET`, `POST`).
    pub method: String,
    /// The secured or the open base of the tenant.
    pub base: Base,
    /// The tenant: the last path segment of the base URL it was recorded from.
    pub tenant: String,
    /// Path and query under the base, without a leading `/` (`Patient?_id=12724067`).
    pub path: String,
}

/// The response headers a recording keeps, besides `Content-Type`: those a client acts on.
pub const KEPT_HEADERS: [&str; 5] = ["etag", "last-modified", "location", "retry-after", "www-authenticate"];

/// One `DIR/<probe>.json`, as the replay needs it.
#[derive(Debug, Clone, Deserialize)]
struct File {
    probe: String,
    #[serde(default = "dstu2")]
    fhir_version: FhirVersion,
    #[serde(default)]
    request: Option<RecordedRequest>,
    status: u16,
    content_type: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    body: serde_json::Value,
}

fn dstu2() -> FhirVersion {
    FhirVersion::Dstu2
}

/// Where a recorded answer is served: the request it answers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    /// The FHIR version of the base it was asked on.
    pub version: FhirVersion,
    /// The secured or the open base.
    pub base: Base,
    /// The HTTP method.
    pub method: String,
    /// Path and query under the base, without a leading `/`.
    pub path: String,
}

/// A recorded answer, ready to serve.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The probe that recorded it (the file's name).
    pub probe: String,
    /// The recorded status.
    pub status: u16,
    /// The recorded `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The recorded headers of [`KEPT_HEADERS`], by lower-case name.
    pub headers: BTreeMap<String, String>,
    /// The body's bytes; empty when the recording kept none (`null`).
    pub body: Vec<u8>,
}

/// A recording folder, loaded.
#[derive(Debug, Clone)]
pub struct Recording {
    /// The folder it was read from.
    pub dir: PathBuf,
    /// The tenant it was recorded from, served under the same id.
    pub tenant: TenantId,
    /// Every recorded answer, by the request it answers.
    pub answers: BTreeMap<Key, Answer>,
}

/// Why a folder cannot be replayed. Each message names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// The folder cannot be listed.
    #[error("cannot read the recording {dir}: {source}")]
    Read {
        /// The folder.
        dir: PathBuf,
        /// Why it cannot be read.
        source: std::io::Error,
    },
    /// One file cannot be read or is not a recording.
    #[error("{file}: {reason}")]
    File {
        /// The file.
        file: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The folder holds no recorded answer.
    #[error("{dir} holds no recording (<probe>.json files written by `cerner-harness record`)")]
    Empty {
        /// The folder.
        dir: PathBuf,
    },
    /// Files recorded from two tenants.
    #[error("{file} was recorded from tenant {found}, the other files from {expected}: replay one tenant at a time")]
    Tenants {
        /// The file from another tenant.
        file: PathBuf,
        /// The tenant of the files read before it.
        expected: String,
        /// Its tenant.
        found: String,
    },
    /// Two files answer the same request.
    #[error("{file} answers the same request as {other}")]
    Duplicate {
        /// The second file.
        file: PathBuf,
        /// The probe of the first one.
        other: String,
    },
}

impl Recording {
    /// Reads every `*.json` file of `dir` (other files are left alone).
    pub fn load(dir: &Path) -> Result<Self, RecordingError> {
        let read = |source| RecordingError::Read { dir: dir.to_owned(), source };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(read)?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        files.sort();
        let mut tenant: Option<(TenantId, PathBuf)> = None;
        let mut answers = BTreeMap::new();
        for file in files {
            let (key, answer, found) = entry(&file)?;
            match &tenant {
                Some((expected, _)) if *expected != found => {
                    let (expected, found) = (expected.to_string(), found.to_string());
                    return Err(RecordingError::Tenants { file, expected, found });
                }
                Some(_) => {}
                None => tenant = Some((found, file.clone())),
            }
            if let Some(other) = answers.get(&key).map(|a: &Answer| a.probe.clone()) {
                return Err(RecordingError::Duplicate { file, other: format!("probe {other:?}") });
            }
            answers.insert(key, answer);
        }
        let (tenant, _) = tenant.ok_or_else(|| RecordingError::Empty { dir: dir.to_owned() })?;
        Ok(Self { dir: dir.to_owned(), tenant, answers })
    }

    /// The versions the recording holds answers of.
    pub fn versions(&self) -> Vec<FhirVersion> {
        FhirVersion::ALL.into_iter().filter(|v| self.answers.keys().any(|k| k.version == *v)).collect()
    }
}

/// One file: where it is served, what it answers, and its tenant.
fn entry(file: &Path) -> Result<(Key, Answer, TenantId), RecordingError> {
    let bad = |reason: String| RecordingError::File { file: file.to_owned(), reason };
    let text = std::fs::read_to_string(file).map_err(|e| bad(e.to_string()))?;
    let recorded: File = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let request = match recorded.request {
        Some(request) => request,
        None => by_probe_name(&recorded.probe, recorded.fhir_version).map_err(bad)?,
    };
    let tenant = TenantId::parse(&request.tenant).map_err(|e| bad(e.to_string()))?;
    if request.path.starts_with('/') || request.method.is_empty() {
        return Err(bad(format!("request {} {:?} is not relative to its base", request.method, request.path)));
    }
    if axum::http::StatusCode::from_u16(recorded.status).is_err() {
        return Err(bad(format!("status {} is not an HTTP status", recorded.status)));
    }
    let body = match recorded.body {
        serde_json::Value::Null => Vec::new(),
        body => body.to_string().into_bytes(),
    };
    let key = Key {
        version: recorded.fhir_version,
        base: request.base,
        method: request.method.to_ascii_uppercase(),
        path: request.path,
    };
    let mut headers = BTreeMap::new();
    for (name, value) in recorded.headers {
        let name = name.to_ascii_lowercase();
        if !KEPT_HEADERS.contains(&name.as_str()) {
            return Err(bad(format!("header {name:?} is not one a recording keeps ({})", KEPT_HEADERS.join(", "))));
        }
        if axum::http::HeaderValue::from_str(&value).is_err() {
            return Err(bad(format!("header {name}: {value:?} is not a valid header value")));
        }
        headers.insert(name, value);
    }
    if let Some(value) = &recorded.content_type
        && axum::http::HeaderValue::from_str(value).is_err()
    {
        return Err(bad(format!("content_type {value:?} is not a valid header value")));
    }
    let answer =
        Answer { probe: recorded.probe, status: recorded.status, content_type: recorded.content_type, headers, body };
    Ok((key, answer, tenant))
}

/// The request an older recording (without `request`) answered: its probe's, on the sandbox tenant.
fn by_probe_name(probe: &str, version: FhirVersion) -> Result<RecordedRequest, String> {
    let found = probes(version).into_iter().find(|p| p.name == probe).ok_or_else(|| {
        format!(
            "probe {probe:?} records no request and is not a {} probe of this version: record it again",
            version.as_str()
        )
    })?;
    Ok(RecordedRequest {
        method: "GET".into(),
        base: found.base,
        tenant: SANDBOX_TENANT.to_owned(),
        path: found.path.to_owned(),
    })
}
