//! A search page as the client reads it: the Bundle's `link`s and, for each Appointment entry, the
//! few fields the store indexes plus the resource's text exactly as the server sent it. DSTU2 and
//! R4 Bundles and Appointments share every field read here (`link`, `entry.resource`,
//! `meta.versionId`/`lastUpdated`, `start`, `status`, `participant.actor.reference`), so one reader
//! serves both; each record is marked with the version of the page it came from. Each
//! resource is kept as a borrowed raw JSON slice: it is never parsed into a tree and written
//! back, which is most of the cost of a page.
//!
//! Fields are read leniently, as FHIR readers should: a field of an unexpected JSON type (`meta`
//! a string, `participant.actor` a string) reads as absent rather than failing the page, and an
//! Appointment the fast reader cannot take (a duplicate key) is read again as a JSON tree, keeping
//! the last of duplicate keys; it is stored, never dropped. What fails the page: a body that is
//! not JSON, not a Bundle, a `link` or `entry` that cannot be read (a page must never read as
//! "no next page" by mistake), an Appointment without an id, a `next` link that is not a URL.
//! Where a `next` link may lead is the caller's decision ([`crate::guard`]).

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use url::Url;

use crate::fhir_version::FhirVersion;
use crate::store::AppointmentRecord;
use lenient::{MaybeObject, lenient, lenient_list};

mod entries;
mod lenient;
#[cfg(test)]
mod tests;

/// Read strictly: a link whose relation or url is not a string could be the `next` one.
#[derive(Deserialize)]
struct Link {
    #[serde(default)]
    relation: Option<String>,
    #[serde(default)]
    url: Option<String>,
}

#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(default, borrow)]
    resource: Option<&'a RawValue>,
    #[serde(default)]
    search: MaybeObject<Search>,
}

#[derive(Deserialize)]
struct Search {
    #[serde(default, deserialize_with = "lenient")]
    mode: Option<String>,
}

#[derive(Deserialize)]
struct Fields {
    #[serde(rename = "resourceType", default, deserialize_with = "lenient")]
    resource_type: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    id: Option<String>,
    #[serde(default)]
    meta: MaybeObject<Meta>,
    #[serde(default, deserialize_with = "lenient")]
    start: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    status: Option<String>,
    #[serde(default, deserialize_with = "lenient_list")]
    participant: Vec<Participant>,
}

#[derive(Deserialize, Default)]
struct Meta {
    #[serde(rename = "versionId", default, deserialize_with = "lenient")]
    version_id: Option<String>,
    #[serde(rename = "lastUpdated", default, deserialize_with = "lenient")]
    last_updated: Option<String>,
}

#[derive(Deserialize)]
struct Participant {
    #[serde(default)]
    actor: MaybeObject<Actor>,
}

#[derive(Deserialize)]
struct Actor {
    #[serde(default, deserialize_with = "lenient")]
    reference: Option<String>,
}

/// A parsed page: its Appointments as the store takes them, its `next` link (unchecked), and
/// the text of the OperationOutcomes the server put among its entries (warnings to log).
#[derive(Debug)]
pub(crate) struct Page {
    pub records: Vec<AppointmentRecord>,
    pub next: Option<Url>,
    pub outcomes: Vec<String>,
}

/// Why a page cannot be used. The text never quotes the body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct PageError(pub String);

/// The most entries [`Page::parse`] reads from one page.
pub(crate) const DEFAULT_MAX_PAGE_ENTRIES: usize = 10_000;

impl Page {
    /// Reads a search answer's body, a page of a `version` server, of at most
    /// [`DEFAULT_MAX_PAGE_ENTRIES`] entries.
    #[cfg(test)]
    pub(crate) fn parse(body: &[u8], version: FhirVersion) -> Result<Self, PageError> {
        Self::parse_bounded(body, version, DEFAULT_MAX_PAGE_ENTRIES)
    }

    /// Reads a search answer's body, a page of a `version` server; more than `max_entries`
    /// entries fails the page, before more than that many are held.
    pub(crate) fn parse_bounded(body: &[u8], version: FhirVersion, max_entries: usize) -> Result<Self, PageError> {
        let (mut records, mut outcomes) = (Vec::new(), Vec::new());
        let head = entries::read_bundle(body, max_entries, &mut |entry| {
            let Some(resource) = entry.resource else { return Ok(()) };
            let outcome_mode = entry.search.0.as_ref().and_then(|s| s.mode.as_deref()) == Some("outcome");
            match read(resource, version)? {
                Read::Appointment(record) => records.push(record),
                Read::Outcome(text) => outcomes.push(text),
                Read::Other if outcome_mode => outcomes.push("an entry with search.mode outcome".to_owned()),
                Read::Other => {}
            }
            Ok(())
        })
        .map_err(|e| PageError(format!("the answer is not a FHIR JSON Bundle: {e}")))?;
        if head.resource_type.as_deref() != Some("Bundle") {
            return Err(PageError("the answer is not a Bundle".to_owned()));
        }
        let links: Vec<Link> = match head.link {
            Some(raw) => serde_json::from_str::<Option<Vec<Link>>>(raw.get())
                .map_err(|e| PageError(format!("the Bundle's link cannot be read: {e}")))?
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let next = next_link(&links)?;
        head.entries?;
        Ok(Self { records, next, outcomes })
    }
}

enum Read {
    Appointment(AppointmentRecord),
    Outcome(String),
    Other,
}

/// An Appointment, the text of an OperationOutcome, or another resource (an `_include`).
fn read(resource: &RawValue, version: FhirVersion) -> Result<Read, PageError> {
    let fields = match serde_json::from_str::<Fields>(resource.get()) {
        Ok(fields) => fields,
        Err(_) => match fields_from_tree(resource.get()) {
            Some(fields) => fields,
            // Not an object: not an Appointment either.
            None => return Ok(Read::Other),
        },
    };
    match fields.resource_type.as_deref() {
        Some("Appointment") => record(fields, resource, version).map(Read::Appointment),
        Some("OperationOutcome") => Ok(Read::Outcome(outcome_text(resource.get()))),
        _ => Ok(Read::Other),
    }
}

fn record(fields: Fields, resource: &RawValue, version: FhirVersion) -> Result<AppointmentRecord, PageError> {
    let id = fields.id.filter(|id| !id.is_empty()).ok_or_else(|| PageError("an Appointment without an id".into()))?;
    let locations = fields
        .participant
        .into_iter()
        .filter_map(|p| p.actor.0?.reference?.strip_prefix("Location/").map(str::to_owned))
        .collect();
    let meta = fields.meta.0.unwrap_or_default();
    // The parser has checked the text: only whitespace between tokens can hold a line break.
    let raw = if memchr::memchr2(b'\n', b'\r', resource.get().as_bytes()).is_some() {
        let value: Value = serde_json::from_str(resource.get())
            .map_err(|e| PageError(format!("appointment {id} is not valid JSON: {e}")))?;
        value.to_string()
    } else {
        resource.get().to_owned()
    };
    Ok(AppointmentRecord {
        id,
        version_id: meta.version_id.unwrap_or_else(|| "0".to_owned()).into(),
        last_updated: meta.last_updated,
        start: fields.start,
        status: fields.status.unwrap_or_default(),
        locations,
        raw,
        fhir_version: version,
    })
}

/// The fields of a resource the typed reader refused (a duplicate key), read from its JSON tree,
/// where the last of duplicate keys wins; `None` when it is not an object.
fn fields_from_tree(text: &str) -> Option<Fields> {
    let value: Value = serde_json::from_str(text).ok()?;
    let object = value.as_object()?;
    let string = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let meta = object
        .get("meta")
        .and_then(Value::as_object)
        .map(|meta| Meta { version_id: string(meta.get("versionId")), last_updated: string(meta.get("lastUpdated")) });
    let participant = object
        .get("participant")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|p| Participant {
                    actor: MaybeObject(
                        p.get("actor")
                            .and_then(Value::as_object)
                            .map(|actor| Actor { reference: string(actor.get("reference")) }),
                    ),
                })
                .collect()
        })
        .unwrap_or_default();
    let fields = Fields {
        resource_type: string(object.get("resourceType")),
        id: string(object.get("id")),
        meta: MaybeObject(meta),
        start: string(object.get("start")),
        status: string(object.get("status")),
        participant,
    };
    if fields.resource_type.as_deref() == Some("Appointment") {
        let id = fields.id.as_deref().unwrap_or("?");
        tracing::warn!(appointment = %id, "an Appointment with duplicate keys: read keeping the last of each");
    }
    Some(fields)
}

/// An OperationOutcome's issues in one line: `severity code: diagnostics or details.text`, at
/// most 500 characters.
fn outcome_text(text: &str) -> String {
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let issues: Vec<String> = value["issue"]
        .as_array()
        .map(|issues| {
            issues
                .iter()
                .map(|issue| {
                    let say = |v: &Value| v.as_str().unwrap_or("").to_owned();
                    let detail = issue["diagnostics"].as_str().or(issue["details"]["text"].as_str()).unwrap_or("");
                    format!("{} {}: {detail}", say(&issue["severity"]), say(&issue["code"]))
                })
                .collect()
        })
        .unwrap_or_default();
    let joined = if issues.is_empty() { "an OperationOutcome without issues".to_owned() } else { issues.join("; ") };
    let cut: String = joined.chars().take(500).collect();
    cut.replace(['\n', '\r'], " ")
}

/// The page's `next` link as a URL.
fn next_link(links: &[Link]) -> Result<Option<Url>, PageError> {
    let Some(link) = links.iter().find(|l| l.relation.as_deref() == Some("next")) else { return Ok(None) };
    let text = link.url.as_deref().ok_or_else(|| PageError("the next link has no url".into()))?;
    let url = Url::parse(text).map_err(|e| PageError(format!("the next link is not a URL: {e}")))?;
    Ok(Some(url))
}
