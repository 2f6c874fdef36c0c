//! Waiting and giving up, where an independently written client slipped through the other
//! scenarios: a `Retry-After` given as an HTTP-date (RFC 9110 §10.2.3), a deferral that must
//! survive into the next run, and a tenant whose every new token is rejected.

use cerner_mock::admin_client::{FaultAction, FaultRule};
use cerner_mock::faults::{RetryAfter, parse_retry_after};
use time::OffsetDateTime;

use super::checks::{exit_code, matches_truth, reports_tenant, short};
use super::{searches, two_tenants};
use crate::evidence::{Evidence, cite};
use crate::scenario::{SANDBOX, SECOND, Scenario};
use crate::verdict::CheckResult;

/// How far ahead the HTTP-date lies when the rule is installed: long enough that a client that
/// reads only delta-seconds (and falls back to a second or two) reaches the 429 well before it.
pub(super) const DATE_AHEAD_S: i64 = 20;
/// Token requests a client may make for a tenant whose every token is rejected.
pub(super) const TOKEN_CAP: usize = 3;

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            faults: || {
                let date = http_date(OffsetDateTime::now_utc() + time::Duration::seconds(DATE_AHEAD_S));
                vec![FaultRule::new(searches().nth(2), FaultAction::Throttle { retry_after: date })]
            },
            checks: |ev| vec![waits_until_retry_after(ev, SANDBOX), matches_truth(ev, SANDBOX), exit_code(ev, 0)],
            ..two_tenants(
                "retry-after-date",
                "reads a Retry-After given as an HTTP-date, ~20 s ahead, and waits until then",
                "Retry-After is delta-seconds or an HTTP-date (RFC 9110 §10.2.3); rate limits",
            )
        },
        Scenario {
            runs: 2,
            faults: || vec![FaultRule::new(searches().nth(1), FaultAction::Throttle { retry_after: "7200".into() })],
            checks: |ev| {
                vec![
                    quiet_in_later_runs(ev, SANDBOX),
                    reports_tenant(ev, SANDBOX),
                    matches_truth(ev, SECOND),
                    exit_code(ev, 1),
                ]
            },
            ..two_tenants(
                "deferral-remembered",
                "a tenant deferred for two hours is not called again by the next run minutes later",
                "rate limits: a deferral outlives the run (state_dir); the next nightly run respects it",
            )
        },
        Scenario {
            faults: || vec![FaultRule::new(searches(), FaultAction::ExpireToken)],
            checks: |ev| {
                vec![token_cap(ev, SANDBOX), reports_tenant(ev, SANDBOX), matches_truth(ev, SECOND), exit_code(ev, 1)]
            },
            ..two_tenants(
                "token-rejected-forever",
                "gives up a tenant that answers 401 to every new token, within 3 token requests",
                "Utilizing tokens (Authorization); refresh throttling: a rejected token is not answered forever",
            )
        },
    ]
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate).
pub(super) fn http_date(at: OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[usize::from(at.weekday().number_days_from_monday())],
        at.day(),
        MONTHS[usize::from(u8::from(at.month()) - 1)],
        at.year(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// After each 429 a throttle rule answered for `tenant`, the next request to it comes no earlier
/// than the `Retry-After` allowed: the 429's time plus delta-seconds, or the HTTP-date.
pub(super) fn waits_until_retry_after(ev: &Evidence, tenant: &str) -> CheckResult {
    let calls: Vec<_> = ev.journal.iter().filter(|e| e.tenant.as_deref() == Some(tenant)).collect();
    let mut waits = Vec::new();
    for (i, throttled) in calls.iter().enumerate().filter(|(_, e)| e.status == 429) {
        let Some(value) = throttled.fault.as_ref().and_then(|f| ev.retry_after.get(&f.rule)) else { continue };
        let allowed = match parse_retry_after(value) {
            Ok(RetryAfter::Seconds(s)) => throttled.wall_time + time::Duration::seconds(i64::try_from(s).unwrap_or(0)),
            Ok(RetryAfter::Date(date)) => date,
            Err(_) => continue,
        };
        waits.push((throttled, calls.get(i + 1), allowed, value));
    }
    let early = waits.iter().find(|(_, next, allowed, _)| next.is_some_and(|n| n.wall_time < *allowed));
    CheckResult::new(
        "waits until the Retry-After allows (delta-seconds or HTTP-date)",
        !waits.is_empty() && early.is_none(),
        format!("no request to {} before the time a 429's Retry-After names", short(tenant)),
        match (early, waits.first()) {
            (Some((t, Some(n), allowed, value)), _) => format!(
                "{} said Retry-After: {value}; {} came {:.2} s too early",
                cite(t),
                cite(n),
                (*allowed - n.wall_time).as_seconds_f64()
            ),
            (_, Some((t, next, _, value))) => format!(
                "{} said Retry-After: {value}; {}",
                cite(t),
                next.map_or_else(|| "no request after it".to_owned(), |n| format!("next {}", cite(n)))
            ),
            _ => "no 429 with a known Retry-After was served".to_owned(),
        },
    )
}

/// No request at all to `tenant` in the runs after the first (its deferral was remembered).
pub(super) fn quiet_in_later_runs(ev: &Evidence, tenant: &str) -> CheckResult {
    let Some(first) = ev.runs.first().filter(|_| ev.runs.len() > 1) else {
        return CheckResult::new(
            &format!("remembers the deferral of {}", short(tenant)),
            false,
            "a second run",
            "the scenario ran the client once",
        );
    };
    let deferred = ev.journal.iter().any(|e| e.seq < first.journal_next_seq && e.status == 429);
    let later: Vec<_> =
        ev.journal.iter().filter(|e| e.seq >= first.journal_next_seq && e.tenant.as_deref() == Some(tenant)).collect();
    CheckResult::new(
        &format!("remembers the deferral of {}", short(tenant)),
        deferred && later.is_empty(),
        format!("after a 429 asking for hours in run 1, no request to {} in run 2", short(tenant)),
        match (deferred, later.first()) {
            (false, _) => "run 1 was never answered 429".to_owned(),
            (true, Some(e)) => format!("run 2 made {} request(s) to it, the first {}", later.len(), cite(e)),
            (true, None) => "no request to it in run 2".to_owned(),
        },
    )
}

/// At most [`TOKEN_CAP`] token requests for a tenant that rejects every token.
pub(super) fn token_cap(ev: &Evidence, tenant: &str) -> CheckResult {
    let tokens = ev.token_calls(tenant);
    CheckResult::new(
        &format!("stops asking {} for tokens it keeps rejecting", short(tenant)),
        (1..=TOKEN_CAP).contains(&tokens.len()),
        format!("at most {TOKEN_CAP} token requests, then the tenant is failed"),
        format!(
            "{} token request(s){}",
            tokens.len(),
            tokens.last().map_or_else(String::new, |e| format!(", the last {}", cite(e)))
        ),
    )
}

#[cfg(test)]
#[path = "tests/retries.rs"]
mod tests;
