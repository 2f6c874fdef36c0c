//! The failure report a client owes (README, "The harness ↔ client contract"): under contract v2,
//! a final machine-readable summary on stdout with each tenant's outcome and reason; under v1, log
//! lines that put a word of failure or deferral next to the tenant's id.
//!
//! The v2 summary is the last JSON object on stdout that starts a line and holds a `tenants` array
//! of `{"tenant", "outcome", "reason"}`, pretty-printed or on one line: exactly what
//! `appointment-sync run --json` prints (other fields are ignored). A tenant's entry may also count
//! what the run did to its rows (`inserted`, `updated`, `unchanged`, `vanished`: non-negative
//! integers, each optional), which the `rescheduled` scenario judges.

use serde_json::Value;

/// How a tenant's sync ended, as a v2 summary states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TenantOutcome {
    pub tenant: String,
    /// `synced`, `deferred`, `rejected` or `failed`.
    pub outcome: String,
    pub reason: Option<String>,
    /// What the run did to the tenant's stored rows, when the summary counts it.
    pub counts: RowCounts,
}

/// A v2 summary entry's optional row counts: rows first stored, rewritten with a newer version,
/// seen again unchanged, and marked vanished (stored before, inside the window, no longer returned).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RowCounts {
    pub inserted: Option<u64>,
    pub updated: Option<u64>,
    pub unchanged: Option<u64>,
    pub vanished: Option<u64>,
}

/// The outcomes a summary may state; every one but `synced` says the tenant was not synced.
pub(crate) const OUTCOMES: [&str; 4] = ["synced", "deferred", "rejected", "failed"];

/// The v2 summary in `stdout`, if the client printed one.
pub(crate) fn parse(stdout: &str) -> Option<Vec<TenantOutcome>> {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(stdout.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| stdout[i..].starts_with('{'))
        .collect();
    starts.iter().rev().find_map(|&start| summary_at(&stdout[start..]))
}

/// The summary that starts `text`: one JSON object, then only whitespace or other lines that are
/// not part of it (a one-line summary may be followed by more log lines).
fn summary_at(text: &str) -> Option<Vec<TenantOutcome>> {
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let value = values.next()?.ok()?;
    let tenants = value.get("tenants")?.as_array()?;
    tenants
        .iter()
        .map(|t| {
            let outcome = t.get("outcome")?.as_str().filter(|o| OUTCOMES.contains(o))?;
            Some(TenantOutcome {
                tenant: t.get("tenant")?.as_str()?.to_owned(),
                outcome: outcome.to_owned(),
                reason: t.get("reason").and_then(Value::as_str).map(str::to_owned).filter(|r| !r.trim().is_empty()),
                counts: RowCounts {
                    inserted: t.get("inserted").and_then(Value::as_u64),
                    updated: t.get("updated").and_then(Value::as_u64),
                    unchanged: t.get("unchanged").and_then(Value::as_u64),
                    vanished: t.get("vanished").and_then(Value::as_u64),
                },
            })
        })
        .collect()
}

/// Words that say a tenant was not synced (whole words, any case).
const FAILURE_WORDS: &[&str] = &[
    "fail",
    "failed",
    "fails",
    "failing",
    "failure",
    "error",
    "rejected",
    "rejects",
    "refused",
    "refuses",
    "deferred",
    "deferring",
    "defers",
    "defer",
    "unapproved",
    "forbidden",
    "denied",
    "aborted",
    "abandoned",
    "skipped",
    "skipping",
    "throttled",
    "unavailable",
];

/// Phrases that say the same in several words.
const FAILURE_PHRASES: &[&str] =
    &["gave up", "giving up", "not synced", "could not", "cannot", "unable to", "not approved"];

/// Whether a v1 log line says `tenant` was not synced: it names the tenant's full id and a word
/// of failure or deferral (`syncing tenant X` alone does not).
pub(crate) fn says_not_synced(line: &str, tenant: &str) -> bool {
    if !line.contains(tenant) {
        return false;
    }
    let lower = line.replace(tenant, " ").to_lowercase();
    let words = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty());
    let mut words = words;
    words.any(|w| FAILURE_WORDS.contains(&w)) || FAILURE_PHRASES.iter().any(|p| lower.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "ec2458f2-1e24-41c8-b71b-0e701af7583d";

    #[test]
    fn the_reference_clients_pretty_summary_is_read() {
        let stdout = format!(
            "log line\n{{\n  \"run\": 1,\n  \"tenants\": [\n    {{\n      \"tenant\": \"{T}\",\n      \"outcome\": \"failed\",\n      \"reason\": \"paging did not end\",\n      \"request_id\": null,\n      \"pages\": 3\n    }}\n  ]\n}}\n"
        );
        let summary = parse(&stdout).unwrap_or_default();
        assert_eq!(
            summary,
            vec![TenantOutcome {
                tenant: T.into(),
                outcome: "failed".into(),
                reason: Some("paging did not end".into()),
                counts: RowCounts::default(),
            }]
        );
    }

    #[test]
    fn row_counts_are_read_when_given_and_absent_otherwise() {
        let stdout = format!(
            "{{\"tenants\":[{{\"tenant\":\"{T}\",\"outcome\":\"synced\",\"inserted\":0,\"updated\":2,\"unchanged\":40,\"vanished\":1}},{{\"tenant\":\"b\",\"outcome\":\"synced\",\"updated\":-1}}]}}"
        );
        let summary = parse(&stdout).unwrap_or_default();
        let counts = RowCounts { inserted: Some(0), updated: Some(2), unchanged: Some(40), vanished: Some(1) };
        assert_eq!(summary[0].counts, counts);
        assert_eq!(summary[1].counts, RowCounts::default(), "a negative count is no count");
    }

    #[test]
    fn the_last_one_line_summary_wins_and_junk_is_no_summary() {
        let stdout = format!(
            "{{\"tenants\":[{{\"tenant\":\"{T}\",\"outcome\":\"synced\"}}]}}\n{{\"tenants\":[{{\"tenant\":\"{T}\",\"outcome\":\"deferred\",\"reason\":\"429\"}}]}}\nbye\n"
        );
        assert_eq!(parse(&stdout).unwrap_or_default()[0].outcome, "deferred");
        assert!(parse("{\"tenants\": [{\"tenant\": \"x\", \"outcome\": \"great\"}]}").is_none());
        assert!(parse("{\"run\": 1}\n").is_none());
        assert!(parse("{ not json").is_none());
        assert!(parse("").is_none());
    }

    #[test]
    fn a_v1_line_needs_the_tenant_and_a_word_of_failure() {
        assert!(!says_not_synced(&format!("syncing tenant {T}"), T));
        assert!(!says_not_synced(&format!("tenant {T}: 0 errors, 12 appointments"), T));
        assert!(!says_not_synced("tenant failed", T));
        for line in [
            format!("tenant {T} failed: 503"),
            format!("WARN tenant={T} deferred until 2026-01-01"),
            format!("{T}: Rejected the account"),
            format!("gave up on {T} after 5 tries"),
            format!("tenant {T} is not approved"),
        ] {
            assert!(says_not_synced(&line, T), "{line}");
        }
    }
}
