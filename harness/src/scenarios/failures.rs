//! Scenarios where the emulator misbehaves as production can: expired tokens, 429s, unapproved and
//! revoked tenants, server errors and resets, broken pages, foreign links, failures to report.

use cerner_mock::admin_client::{FaultAction, FaultRule};

use super::{searches, two_tenants};

use super::checks::{exit_code, matches_truth, output_well_formed, short, stops_after};
use crate::evidence::{Evidence, cite};
use crate::scenario::{SANDBOX, SECOND, Scenario, TRAP, UNAPPROVED};
use crate::verdict::CheckResult;

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            faults: || vec![FaultRule::new(searches().nth(2), FaultAction::ExpireToken)],
            checks: token_expiry,
            ..two_tenants(
                "token-expiry",
                "after a 401 invalid_token, fetches exactly one new token and retries",
                "Utilizing tokens (Authorization)",
            )
        },
        Scenario {
            faults: || vec![FaultRule::new(searches().nth(2), FaultAction::Throttle { retry_after: "2".into() })],
            checks: short_wait,
            ..two_tenants(
                "retry-after-short",
                "waits out a short Retry-After: no request to that tenant before it elapses",
                "rate limits (Bulk Data uses 429 + Retry-After)",
            )
        },
        Scenario {
            faults: || vec![FaultRule::new(searches().nth(1), FaultAction::Throttle { retry_after: "7200".into() })],
            checks: long_wait,
            ..two_tenants(
                "retry-after-hours",
                "defers a tenant asked to wait hours, without a busy loop; the others finish",
                "rate limits (Bulk Data uses 429 + Retry-After)",
            )
        },
        Scenario {
            tenants: &[SANDBOX, UNAPPROVED, SECOND],
            checks: unapproved,
            ..two_tenants(
                "unapproved-tenant",
                "reports a tenant that has not approved it, calls it no more, the others finish",
                "Client errors (DSTU2)",
            )
        },
        Scenario {
            faults: || vec![FaultRule::new(searches().nth(2), FaultAction::RevokeApproval)],
            checks: revoked,
            ..two_tenants(
                "approval-revoked",
                "stops a tenant cleanly on 403 mid-run and reports it; the others finish",
                "Client errors (DSTU2)",
            )
        },
        Scenario {
            faults: || {
                let steps =
                    vec![FaultAction::Status { status: 500 }, FaultAction::Reset, FaultAction::Status { status: 503 }];
                vec![FaultRule::sequence(searches(), steps)]
            },
            checks: transient,
            ..two_tenants(
                "server-errors",
                "retries 5xx and resets with backoff, within bounds",
                "Exception conditions (Authorization spec)",
            )
        },
        Scenario {
            faults: || vec![FaultRule::new(searches().nth(2), FaultAction::Malformed)],
            checks: malformed,
            ..two_tenants(
                "malformed-page",
                "fails that tenant cleanly on a broken page, or recovers and stores exactly its truth; writes nothing corrupt",
                "robustness",
            )
        },
        Scenario {
            faults: || vec![FaultRule::new(searches().nth(1), FaultAction::ForeignNext { origin: TRAP.into() })],
            checks: foreign,
            ..two_tenants(
                "foreign-next-link",
                "never sends the token to another origin",
                "Security considerations (Authorization spec)",
            )
        },
        Scenario {
            faults: || vec![FaultRule::new(searches(), FaultAction::Status { status: 500 })],
            checks: correlation,
            ..two_tenants(
                "correlation",
                "logs the X-Request-Id of failed calls, as support asks",
                "support request template",
            )
        },
    ]
}

fn token_expiry(ev: &Evidence) -> Vec<CheckResult> {
    let refused = ev.fhir_calls(SANDBOX).into_iter().find(|e| e.status == 401);
    let tokens = ev.token_calls(SANDBOX);
    let renewed = refused.map(|r| tokens.iter().filter(|t| t.seq > r.seq).count());
    let retried =
        refused.and_then(|r| ev.journal.iter().find(|e| e.seq > r.seq && e.path == r.path && e.query == r.query));
    vec![
        CheckResult::new(
            "fetches exactly one new token after a 401",
            renewed == Some(1),
            "one token request after the 401, not more",
            match (refused, renewed) {
                (Some(r), Some(n)) => format!("{n} token request(s) after {}", cite(r)),
                _ => "no 401 was served".to_owned(),
            },
        ),
        CheckResult::new(
            "retries the refused request",
            retried.is_some_and(|e| e.status == 200),
            "the same URL asked again with the new token",
            retried.map_or_else(|| "not retried".to_owned(), cite),
        ),
        matches_truth(ev, SANDBOX),
    ]
}

fn short_wait(ev: &Evidence) -> Vec<CheckResult> {
    let throttled = ev.fhir_calls(SANDBOX).into_iter().find(|e| e.status == 429);
    let next =
        throttled.and_then(|t| ev.journal.iter().find(|e| e.seq > t.seq && e.tenant.as_deref() == Some(SANDBOX)));
    let gap = match (throttled, next) {
        (Some(t), Some(n)) => Some((n.wall_time - t.wall_time).as_seconds_f64()),
        _ => None,
    };
    vec![
        CheckResult::new(
            "waits Retry-After before the next request",
            gap.is_some_and(|g| g >= 2.0),
            "no request to the tenant within 2 s of the 429",
            match (throttled, next, gap) {
                (Some(t), Some(n), Some(g)) => format!("{} then {} {g:.2} s later", cite(t), cite(n)),
                (Some(t), None, _) => format!("{} and no request after it", cite(t)),
                _ => "no 429 was served".to_owned(),
            },
        ),
        matches_truth(ev, SANDBOX),
        exit_code(ev, 0),
    ]
}

fn long_wait(ev: &Evidence) -> Vec<CheckResult> {
    vec![stops_after(ev, SANDBOX, 429, 0), matches_truth(ev, SECOND), exit_code(ev, 1), deferral_reported(ev)]
}

fn deferral_reported(ev: &Evidence) -> CheckResult {
    let stdout = ev.runs.last().map_or("", |r| r.stdout.as_str());
    if let Some(summary) = crate::summary::parse(stdout) {
        let entry = summary.iter().find(|t| t.tenant == SANDBOX);
        return CheckResult::new(
            "reports the deferred tenant",
            entry.is_some_and(|t| t.outcome == "deferred"),
            "the contract v2 summary gives the tenant the outcome deferred",
            entry.map_or_else(
                || "the summary does not list the tenant".to_owned(),
                |t| format!("summary: {}", t.outcome),
            ),
        );
    }
    let logs = ev.logs();
    let line = logs.lines().position(|l| {
        let lower = l.to_lowercase();
        l.contains(SANDBOX) && (lower.contains("defer") || lower.contains("retry-after"))
    });
    CheckResult::new(
        "reports the deferred tenant",
        line.is_some(),
        "a v2 summary saying deferred, or a log line naming the tenant and the deferral (defer, Retry-After)",
        line.map_or_else(|| "no log line names the deferral".to_owned(), |n| format!("log line {}", n + 1)),
    )
}

fn unapproved(ev: &Evidence) -> Vec<CheckResult> {
    let searches: Vec<_> = ev.fhir_calls(UNAPPROVED).into_iter().filter(|e| !e.path.ends_with("/metadata")).collect();
    vec![
        CheckResult::new(
            "makes no FHIR call to a tenant that refused it",
            searches.is_empty(),
            "after invalid_grant at the token endpoint, no search",
            searches.first().map_or_else(
                || format!("{} token request(s), no search", ev.token_calls(UNAPPROVED).len()),
                |e| cite(e),
            ),
        ),
        matches_truth(ev, SANDBOX),
        matches_truth(ev, SECOND),
        exit_code(ev, 1),
    ]
}

fn revoked(ev: &Evidence) -> Vec<CheckResult> {
    vec![stops_after(ev, SANDBOX, 403, 1), matches_truth(ev, SECOND), exit_code(ev, 1), output_well_formed(ev)]
}

/// Least time, in all, a client waits after the three failed answers before its retries succeed: a
/// client that backs off waits at least this whatever the machine's speed (a slower machine only
/// adds to it); one that retries at once does not come near it. (The reference client's first
/// three retries wait at least 250 + 500 + 1,000 ms.)
const LEAST_BACKOFF_MS: f64 = 250.0;

fn transient(ev: &Evidence) -> Vec<CheckResult> {
    let calls = ev.fhir_calls(SANDBOX);
    let failures = calls.iter().filter(|e| e.status >= 500 || e.status == 0).count();
    // From each failed answer to the request after it (the journal's real time of arrival, plus
    // the time the failed answer took).
    let waits: Vec<f64> = calls
        .windows(2)
        .filter(|pair| pair[0].status >= 500 || pair[0].status == 0)
        .map(|pair| {
            let answered = pair[0].wall_time + time::Duration::seconds_f64(pair[0].latency_ms / 1000.0);
            (pair[1].wall_time - answered).as_seconds_f64() * 1000.0
        })
        .collect();
    let waited: f64 = waits.iter().map(|w| w.max(0.0)).sum();
    let shown: Vec<String> = waits.iter().map(|w| format!("{w:.0} ms")).collect();
    vec![
        CheckResult::new(
            "backs off before retrying",
            !waits.is_empty() && waited >= LEAST_BACKOFF_MS,
            format!("at least {LEAST_BACKOFF_MS:.0} ms of waiting in all after the failed answers"),
            format!("{waited:.0} ms after {} failed answer(s) ({})", waits.len(), shown.join(", ")),
        ),
        CheckResult::new(
            "retries after server errors and resets",
            failures == 3,
            "three failed attempts, then success",
            format!("{failures} failed attempts answered"),
        ),
        matches_truth(ev, SANDBOX),
        exit_code(ev, 0),
    ]
}

/// Failing the tenant (exit 1, reported) and recovering (a retry of the corrupt 200, then exactly
/// the tenant's truth and exit 0) are both clean; dropping the page silently is not.
fn malformed(ev: &Evidence) -> Vec<CheckResult> {
    vec![output_well_formed(ev), super::hostile::fails_or_syncs(ev, SANDBOX), matches_truth(ev, SECOND)]
}

fn foreign(ev: &Evidence) -> Vec<CheckResult> {
    vec![
        CheckResult::new(
            "never follows a next link to another origin",
            ev.trap_connections == 0,
            "no connection to the foreign origin",
            format!("{} connection(s) to the foreign origin", ev.trap_connections),
        ),
        matches_truth(ev, SECOND),
        exit_code(ev, 1),
    ]
}

fn correlation(ev: &Evidence) -> Vec<CheckResult> {
    let logs = ev.logs();
    let failed: Vec<_> = ev.fhir_calls(SANDBOX).into_iter().filter(|e| e.status >= 500).collect();
    let logged = failed.iter().filter(|e| e.request_id.as_deref().is_some_and(|id| logs.contains(id))).count();
    vec![
        CheckResult::new(
            "logs the X-Request-Id of failed calls",
            !failed.is_empty() && logged == failed.len(),
            format!("each of the {} failed calls' X-Request-Id in the logs", failed.len()),
            format!("{logged} of {} logged; e.g. {}", failed.len(), failed.first().map_or("-".to_owned(), |e| cite(e))),
        ),
        matches_truth(ev, SECOND),
        exit_code(ev, 1),
        CheckResult::new(
            &format!("bounds its retries for {}", short(SANDBOX)),
            failed.len() <= 10,
            "at most 10 attempts at a failing request",
            format!("{} attempts", failed.len()),
        ),
    ]
}

#[cfg(test)]
#[path = "tests/failures.rs"]
mod tests;
