//! Scenarios where the server is hostile, by fault or by compromise: paging that cycles, names
//! itself, never ends or leads into another tenant; throttling that never ends; a page too large
//! to hold; a token URL on another host. Each bound is the one the scenario states.

use cerner_mock::admin_client::{FaultAction, FaultMatch, FaultRule};

use super::{searches, two_tenants};

use super::checks::{exit_code, matches_truth, output_well_formed, reports_tenant, short};
use crate::evidence::{Evidence, PeakRss, cite};
use crate::scenario::{SANDBOX, SECOND, Scenario, TRAP, UNAPPROVED};
use crate::verdict::CheckResult;

/// Pages a client may follow in one location group before it must give up (the reference
/// client's `max_pages`): the default of `rehearse --page-cap`, written into the job as
/// `limits.max_pages`.
pub const PAGE_CAP: usize = 10_000;
/// Requests answered 429 a client may make before it defers the tenant.
pub(super) const THROTTLE_CAP: usize = 10;
/// The shortest wait after a 429, whatever `Retry-After` says (even `0`): no busy loop.
pub(super) const WAIT_FLOOR_S: f64 = 1.0;
/// The huge page's padding: 160 MiB, streamed by the emulator without a length.
pub(super) const HUGE_PAGE_BYTES: u64 = 160 * 1024 * 1024;
/// The client's peak resident memory while it meets the huge page: well under the page itself.
pub(super) const RSS_BOUND_KIB: u64 = 128 * 1024;

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            faults: || vec![FaultRule::new(searches().nth(2), FaultAction::NextCycle)],
            checks: |ev| failed_cleanly(ev, vec![no_page_twice(ev, SANDBOX)]),
            ..two_tenants(
                "paging-cycle",
                "fails a tenant whose next link leads back to a page it fetched, without fetching it again",
                "a broken server's paging must not become an endless loop (production)",
            )
        },
        Scenario {
            faults: || vec![FaultRule::new(searches().nth(1), FaultAction::NextSelf)],
            checks: |ev| failed_cleanly(ev, vec![no_page_twice(ev, SANDBOX)]),
            ..two_tenants(
                "paging-self-link",
                "fails a tenant whose page names itself as next, without fetching it again",
                "a broken server's paging must not become an endless loop (production)",
            )
        },
        Scenario {
            faults: || vec![FaultRule::new(searches(), FaultAction::EndlessNext)],
            checks: |ev| failed_cleanly(ev, vec![page_cap(ev, SANDBOX)]),
            ..two_tenants(
                "endless-paging",
                "gives up a tenant whose pages never end, within the job's limits.max_pages (10,000 by default) pages per location group",
                "bounded work per tenant: one bad tenant must not hold the nightly run (production)",
            )
        },
        Scenario {
            faults: || vec![FaultRule::new(searches(), FaultAction::Throttle { retry_after: "0".into() })],
            checks: |ev| failed_cleanly(ev, vec![waits_after_429(ev, SANDBOX), gives_up(ev, SANDBOX)]),
            ..two_tenants(
                "throttled-forever",
                "waits at least 1 s per 429 even when Retry-After is 0, and defers the tenant within 10 tries",
                "rate limits: a busy loop against a throttling server is what gets an app's access cut",
            )
        },
        Scenario {
            faults: || {
                vec![FaultRule::new(searches().nth(1), FaultAction::ForeignTenantNext { tenant: UNAPPROVED.into() })]
            },
            checks: |ev| failed_cleanly(ev, vec![nothing_to_tenant(ev, UNAPPROVED)]),
            ..two_tenants(
                "foreign-tenant-next",
                "refuses a next link into another tenant's FHIR base on the same origin, before any request",
                "tenant isolation: one health system's token and data never reach another's (review, production)",
            )
        },
        Scenario {
            faults: || vec![FaultRule::new(searches().nth(1), FaultAction::HugePage { bytes: HUGE_PAGE_BYTES })],
            checks: huge_page,
            ..two_tenants(
                "huge-page",
                "fails the tenant, or survives, on a 160 MiB page without holding it: peak memory under 128 MiB",
                "bounded memory: a hostile or broken server must not take the sync host down (production)",
            )
        },
        Scenario {
            faults: || vec![FaultRule::new(searches().nth(2), FaultAction::Redirect { origin: TRAP.into() })],
            checks: |ev| failed_cleanly(ev, vec![nothing_to_trap(ev, "the redirect's host")]),
            ..two_tenants(
                "foreign-redirect",
                "does not follow a 302 to another host (with or without its token); fails the tenant",
                "Security considerations (Authorization spec): a bearer token only to the host it was issued for",
            )
        },
        Scenario {
            faults: || {
                let moved = || FaultAction::ForeignTokenUrl { origin: TRAP.into() };
                vec![
                    FaultRule::new(FaultMatch::path("/dstu2/*/metadata").tenant(SANDBOX), moved()),
                    FaultRule::new(
                        FaultMatch::path("/dstu2/*/.well-known/smart-configuration").tenant(SANDBOX),
                        moved(),
                    ),
                ]
            },
            checks: |ev| failed_cleanly(ev, vec![nothing_to_trap(ev, "the untrusted token URL's host")]),
            ..two_tenants(
                "untrusted-token-url",
                "sends nothing (no secret, no assertion) to a token URL on another host named by metadata",
                "Security considerations (Authorization spec): credentials only to the tenant's own authorization server",
            )
        },
    ]
}

/// The scenario's own `checks`, then: the tenant reported, the other one synced, exit 1.
fn failed_cleanly(ev: &Evidence, mut checks: Vec<CheckResult>) -> Vec<CheckResult> {
    checks.extend([reports_tenant(ev, SANDBOX), matches_truth(ev, SECOND), exit_code(ev, 1)]);
    checks
}

/// No page of `tenant`'s searches is requested again once it was served.
pub(super) fn no_page_twice(ev: &Evidence, tenant: &str) -> CheckResult {
    let searches: Vec<_> = ev.fhir_calls(tenant).into_iter().filter(|e| e.path.ends_with("/Appointment")).collect();
    let repeat = searches.iter().enumerate().find_map(|(i, later)| {
        let first = searches[..i].iter().find(|e| e.status == 200 && e.path == later.path && e.query == later.query)?;
        Some((first, later))
    });
    CheckResult::new(
        &format!("requests no page of {} twice", short(tenant)),
        repeat.is_none(),
        "a next link to a page already fetched is refused, not followed",
        match repeat {
            Some((first, again)) => format!("{} fetches again the page of #{}", cite(again), first.seq),
            None => format!("{} distinct pages requested", searches.len()),
        },
    )
}

/// At most the job's page cap ([`PAGE_CAP`] unless `--page-cap` said otherwise) pages per
/// location group (a group's first page is not a followed link).
pub(super) fn page_cap(ev: &Evidence, tenant: &str) -> CheckResult {
    let pages = ev.fhir_calls(tenant).into_iter().filter(|e| e.path.ends_with("/Appointment")).count();
    let groups = ev.locations.get(tenant).map_or(1, |l| l.len().max(1));
    let cap = ev.page_cap;
    let bound = cap.saturating_add(groups);
    CheckResult::new(
        &format!("stops paging {} within the page cap", short(tenant)),
        pages <= bound && pages > 0,
        format!("at most {cap} followed pages (+ one first page per location, {bound} requests)"),
        format!("{pages} page requests"),
    )
}

/// After each 429 to `tenant`, no request to it for [`WAIT_FLOOR_S`].
pub(super) fn waits_after_429(ev: &Evidence, tenant: &str) -> CheckResult {
    let calls: Vec<_> = ev.journal.iter().filter(|e| e.tenant.as_deref() == Some(tenant)).collect();
    let gaps: Vec<(f64, _, _)> = calls
        .windows(2)
        .filter(|pair| pair[0].status == 429)
        .map(|pair| ((pair[1].wall_time - pair[0].wall_time).as_seconds_f64(), pair[0], pair[1]))
        .collect();
    let short_gap = gaps.iter().find(|(gap, ..)| *gap < WAIT_FLOOR_S);
    CheckResult::new(
        "waits at least 1 s after every 429, even with Retry-After: 0",
        !gaps.is_empty() && short_gap.is_none(),
        format!("no request to {} within {WAIT_FLOOR_S} s of a 429", short(tenant)),
        match (short_gap, gaps.iter().map(|g| g.0).reduce(f64::min)) {
            (Some((gap, throttled, next)), _) => format!("{} then {} {gap:.3} s later", cite(throttled), cite(next)),
            (None, Some(least)) => format!("{} waits, the shortest {least:.2} s", gaps.len()),
            (None, None) => "no request followed a 429".to_owned(),
        },
    )
}

/// The client stops calling a tenant that answers 429 forever: at most [`THROTTLE_CAP`] tries.
pub(super) fn gives_up(ev: &Evidence, tenant: &str) -> CheckResult {
    let throttled = ev.fhir_calls(tenant).into_iter().filter(|e| e.status == 429).count();
    CheckResult::new(
        &format!("defers {} within {THROTTLE_CAP} throttled requests", short(tenant)),
        (1..=THROTTLE_CAP).contains(&throttled),
        format!("at most {THROTTLE_CAP} requests answered 429, then the tenant is deferred"),
        format!("{throttled} requests answered 429"),
    )
}

/// No request at all reached `other`'s paths.
pub(super) fn nothing_to_tenant(ev: &Evidence, other: &str) -> CheckResult {
    let sent: Vec<_> = ev.journal.iter().filter(|e| e.path.contains(&format!("/{other}/"))).collect();
    CheckResult::new(
        &format!("sends nothing to tenant {}", short(other)),
        sent.is_empty(),
        format!("no request to a path of tenant {other}, which the job did not name"),
        sent.first().map_or_else(|| format!("none of {} requests", ev.journal.len()), |e| cite(e)),
    )
}

/// The trap (a foreign origin) was never connected to.
pub(super) fn nothing_to_trap(ev: &Evidence, what: &str) -> CheckResult {
    CheckResult::new(
        &format!("sends nothing to {what}"),
        ev.trap_connections == 0,
        format!("no connection to {what}"),
        format!("{} connection(s) to {what}", ev.trap_connections),
    )
}

fn huge_page(ev: &Evidence) -> Vec<CheckResult> {
    vec![
        memory_bounded(ev, RSS_BOUND_KIB),
        fails_or_syncs(ev, SANDBOX),
        matches_truth(ev, SECOND),
        output_well_formed(ev),
    ]
}

/// Every run's peak resident memory is within `bound_kib`.
pub(super) fn memory_bounded(ev: &Evidence, bound_kib: u64) -> CheckResult {
    let mib = |kib: u64| format!("{:.1} MiB", kib as f64 / 1024.0);
    let worst = ev.runs.iter().map(|r| r.peak_rss).max_by_key(|p| match p {
        PeakRss::Exact(k) | PeakRss::AtMost(k) => *k,
        PeakRss::Unknown => u64::MAX,
    });
    let (ok, evidence) = match worst {
        Some(PeakRss::Exact(k)) => (k <= bound_kib, format!("peak resident memory {}", mib(k))),
        Some(PeakRss::AtMost(k)) if k <= bound_kib => (true, format!("peak resident memory at most {}", mib(k))),
        Some(PeakRss::AtMost(k)) => {
            (false, format!("cannot tell: an earlier client peaked at {}; run this scenario alone", mib(k)))
        }
        Some(PeakRss::Unknown) | None => (false, "the system did not report the peak memory".to_owned()),
    };
    CheckResult::new(
        &format!("keeps its memory under {}", mib(bound_kib)),
        ok,
        format!("peak resident memory (getrusage) at most {}", mib(bound_kib)),
        evidence,
    )
}

/// Either the tenant synced exactly (exit 0), or it is reported as failed (exit 1).
pub(super) fn fails_or_syncs(ev: &Evidence, tenant: &str) -> CheckResult {
    let code = ev.runs.last().and_then(|r| r.exit_code);
    let synced = matches_truth(ev, tenant);
    let reported = reports_tenant(ev, tenant);
    let ok = match code {
        Some(0) => synced.verdict.passed(),
        Some(1) => reported.verdict.passed(),
        _ => false,
    };
    CheckResult::new(
        &format!("fails {} cleanly or syncs it", short(tenant)),
        ok,
        "exit 0 with the tenant's ground truth stored, or exit 1 with the tenant reported",
        format!(
            "exit code {}; {}",
            code.map_or("none".to_owned(), |c| c.to_string()),
            if code == Some(0) { synced.verdict.evidence().to_owned() } else { reported.verdict.evidence().to_owned() }
        ),
    )
}

#[cfg(test)]
#[path = "tests/hostile.rs"]
mod tests;
