//! Support-ready evidence: every failing check carries a note to paste into an Oracle Health
//! support ticket, which asks for the time, the request and its ids. The note names the request
//! the check cites (its first `#seq` that is in the journal), or else the scenario's last failed
//! request, or else its last request: UTC time, method, URL, status, `X-Request-Id` and
//! `opc-request-id`. It never holds a secret, a token or a resource body: the journal keeps none,
//! query values that are patient data or credentials are replaced by `[redacted]` (parameter names
//! stay), a Patient id in the path too, and the whole note goes through [`crate::redact`].

use cerner_mock::journal::JournalEntry;
use time::format_description::well_known::Rfc3339;

use crate::evidence::Evidence;
use crate::verdict::{CheckResult, Verdict};

/// Parameters whose values are patient data (FHIR search parameters of Patient and of references
/// to a patient) or credentials; matched on the name before any `:modifier` or `.chain`.
const SENSITIVE: &[&str] = &[
    "patient",
    "subject",
    "identifier",
    "name",
    "family",
    "given",
    "birthdate",
    "gender",
    "phone",
    "email",
    "telecom",
    "address",
    "address-city",
    "address-postalcode",
    "address-state",
    "address-country",
    "mrn",
    "ssn",
    "access_token",
    "token",
    "client_secret",
    "secret",
    "password",
    "code",
    "assertion",
    "client_assertion",
    // An opaque page token may encode the search it continues, patient parameters included.
    "pagecontext",
];

const REDACTED: &str = "[redacted]";

/// Gives each failing check of a scenario its support note.
pub(crate) fn attach(checks: &mut [CheckResult], ev: &Evidence) {
    for check in checks.iter_mut().filter(|c| matches!(c.verdict, Verdict::Fail { .. })) {
        let entry = cited(check.verdict.evidence(), &ev.journal)
            .or_else(|| ev.journal.iter().rev().find(|e| e.status == 0 || e.status >= 400))
            .or_else(|| ev.journal.last());
        check.support_note = Some(note(&check.check, entry, &ev.origin, &ev.client_secret));
    }
}

/// The first journal entry the text cites as `#seq`.
fn cited<'a>(text: &str, journal: &'a [JournalEntry]) -> Option<&'a JournalEntry> {
    text.match_indices('#').find_map(|(at, _)| {
        let digits: String = text[at + 1..].chars().take_while(char::is_ascii_digit).collect();
        let seq: u64 = digits.parse().ok()?;
        journal.iter().find(|e| e.seq == seq)
    })
}

/// The note for `check` about `entry`.
pub(crate) fn note(check: &str, entry: Option<&JournalEntry>, origin: &str, secret: &str) -> String {
    let mut lines = vec![format!("Check failed: {check}")];
    match entry {
        None => lines.push("Request: none was made".to_owned()),
        Some(e) => {
            let time = e.wall_time.to_offset(time::UtcOffset::UTC).format(&Rfc3339).unwrap_or_default();
            let query = e.query.as_deref().map(|q| format!("?{}", redact_query(&e.path, q))).unwrap_or_default();
            let status = if e.status == 0 { "none (connection cut)".to_owned() } else { e.status.to_string() };
            lines.push(format!("Time (UTC): {time}"));
            lines.push(format!("Request: {} {origin}{}{query}", e.method, redact_path(&e.path)));
            lines.push(format!("Status: {status}"));
            lines.push(format!("X-Request-Id: {}", e.request_id.as_deref().unwrap_or("none")));
            lines.push(format!("opc-request-id: {}", e.opc_request_id.as_deref().unwrap_or("none")));
            if let Some(tenant) = &e.tenant {
                lines.push(format!("Tenant: {tenant}"));
            }
            if let Some(client) = &e.client_id {
                lines.push(format!("Client id: {client}"));
            }
        }
    }
    crate::redact::redact(&lines.join("\n"), secret)
}

/// The query of a request to `path` with the values of sensitive parameters replaced (and `_id`
/// on a Patient search); names and order kept.
pub(crate) fn redact_query(path: &str, query: &str) -> String {
    let patients = path.ends_with("/Patient");
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if sensitive(name) || (patients && name == "_id") => format!("{name}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn sensitive(name: &str) -> bool {
    let decoded = url::form_urlencoded::parse(name.as_bytes()).next().map(|(k, _)| k.to_ascii_lowercase());
    let decoded = decoded.unwrap_or_default();
    let base = decoded.trim_start_matches(['_', '-']).split([':', '.']).next().unwrap_or_default().to_owned();
    SENSITIVE.contains(&base.as_str())
}

/// A Patient read's id (`…/Patient/{id}`) is patient data too.
fn redact_path(path: &str) -> String {
    match path.split_once("/Patient/") {
        Some((base, _)) => format!("{base}/Patient/{REDACTED}"),
        None => path.to_owned(),
    }
}

#[cfg(test)]
#[path = "support/tests.rs"]
mod tests;
