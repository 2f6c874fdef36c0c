//! Checks shared by several scenarios. Each cites its evidence: journal entries by sequence number,
//! output lines by number, log lines.

pub use super::secrets::{credential_hygiene, has_jwt};
use crate::evidence::{Evidence, cite, shorten};
use crate::verdict::CheckResult;
use crate::version::{FhirVersion, is_fhir_path};

/// The client's final view of `tenant` equals the emulator's appointments: same ids, versions and
/// statuses.
pub fn matches_truth(ev: &Evidence, tenant: &str) -> CheckResult {
    let view = ev.final_view();
    let empty = Default::default();
    let (mine, truth) = (view.get(tenant).unwrap_or(&empty), ev.truth.get(tenant).cloned().unwrap_or_default());
    let mut problems = Vec::new();
    for (id, row) in &truth {
        match mine.get(id) {
            None => problems.push(format!("{id} missing")),
            Some(r) if r["meta"]["versionId"].as_str() != Some(row.version.as_str()) => problems.push(format!(
                "{id} has version {} (the emulator has {})",
                r["meta"]["versionId"].as_str().unwrap_or("?"),
                row.version
            )),
            Some(r) if r["status"].as_str() != Some(row.status.as_str()) => {
                problems.push(format!("{id} has status {} (the emulator has {})", r["status"], row.status))
            }
            Some(_) => {}
        }
    }
    problems.extend(mine.keys().filter(|id| !truth.contains_key(*id)).map(|id| format!("{id} is not in the window")));
    let evidence = if problems.is_empty() {
        format!("{} appointments of {} match the emulator's store", truth.len(), short(tenant))
    } else {
        format!("{} difference(s): {}", problems.len(), shorten(&problems.join("; "), 300))
    };
    CheckResult::new(
        &format!("stores exactly the ground truth of {}", short(tenant)),
        problems.is_empty(),
        format!("the final view of {} equals the emulator's {} appointments", short(tenant), truth.len()),
        evidence,
    )
}

/// The last run's exit code.
pub fn exit_code(ev: &Evidence, expected: i32) -> CheckResult {
    let run = ev.runs.last();
    let got = run.and_then(|r| r.exit_code);
    let evidence = match run {
        Some(r) if r.timed_out => "the client was killed at the time limit".to_owned(),
        _ => format!("exit code {}", got.map_or("none".to_owned(), |c| c.to_string())),
    };
    CheckResult::new(&format!("exits {expected}"), got == Some(expected), format!("exit code {expected}"), evidence)
}

/// Every output line is a contract line.
pub fn output_well_formed(ev: &Evidence) -> CheckResult {
    let first = ev.output_errors.first();
    CheckResult::new(
        "writes only well-formed output lines",
        first.is_none(),
        "every output line is {\"tenant\", \"resource\": Appointment}",
        match first {
            Some((line, why)) => format!("output line {line}: {why} ({} bad lines)", ev.output_errors.len()),
            None => format!("{} output lines, all well formed", ev.output.len()),
        },
    )
}

/// No FHIR request to `tenant` after the first one answered with `status` (beyond `allowed`).
pub fn stops_after(ev: &Evidence, tenant: &str, status: u16, allowed: usize) -> CheckResult {
    let calls = ev.fhir_calls(tenant);
    let Some(first) = calls.iter().find(|e| e.status == status) else {
        return CheckResult::new(
            &format!("stops calling {} after its {status}", short(tenant)),
            false,
            format!("a {status} from {} in the journal", short(tenant)),
            "the emulator never answered it (the fault did not trigger)",
        );
    };
    let later: Vec<_> =
        ev.journal.iter().filter(|e| e.seq > first.seq && e.tenant.as_deref() == Some(tenant)).collect();
    CheckResult::new(
        &format!("stops calling {} after its {status}", short(tenant)),
        later.len() <= allowed,
        format!("at most {allowed} request(s) to {} after {}", short(tenant), cite(first)),
        match later.first() {
            Some(e) => format!("{} request(s) after {}; the first is {}", later.len(), cite(first), cite(e)),
            None => format!("none after {}", cite(first)),
        },
    )
}

/// Every FHIR request accepts the FHIR JSON of the job's version.
pub fn accept_header(ev: &Evidence) -> CheckResult {
    let version = ev.fhir_version;
    let fhir: Vec<_> = ev.journal.iter().filter(|e| is_fhir_path(&e.path)).collect();
    let bad: Vec<_> = fhir.iter().filter(|e| !version.accepts(e.accept.as_deref())).collect();
    let name = match version {
        FhirVersion::Dstu2 => "sends Accept: application/json+fhir",
        FhirVersion::R4 => "sends an Accept R4 answers (application/fhir+json)",
    };
    CheckResult::new(
        name,
        !fhir.is_empty() && bad.is_empty(),
        format!("every FHIR request accepts {}", version.accepted_types()),
        bad.first().map_or_else(
            || format!("{} FHIR requests", fhir.len()),
            |e| format!("{} sent Accept {:?}", cite(e), e.accept),
        ),
    )
}

/// Every FHIR request goes to a base the job named: the job's FHIR version and one of its tenants
/// (a client that reads another version or base than the job names syncs something else).
pub fn stays_on_job_bases(ev: &Evidence) -> CheckResult {
    let segment = ev.fhir_version.segment();
    let fhir: Vec<_> = ev.journal.iter().filter(|e| is_fhir_path(&e.path)).collect();
    let on_job = |path: &str| ev.tenants.iter().any(|t| path.starts_with(&format!("/{segment}/{t}/")));
    let off = fhir.iter().filter(|e| !on_job(&e.path)).count();
    CheckResult::new(
        "reads only the FHIR bases the job names",
        !fhir.is_empty() && off == 0,
        format!(
            "every FHIR request under /{segment}/<tenant>/ of a tenant the job named ({})",
            ev.fhir_version.label()
        ),
        match fhir.iter().find(|e| !on_job(&e.path)) {
            Some(e) => format!("{off} request(s) elsewhere, the first {}", cite(e)),
            None => format!("{} FHIR requests, all on the job's bases", fhir.len()),
        },
    )
}

/// Later pages are requested with the server's own `next` links (which carry a page token), never
/// built (page/offset parameters), and none is refused.
pub fn follows_next_links(ev: &Evidence) -> CheckResult {
    follows_links(ev, true)
}

/// [`follows_next_links`]; `require_pages` when the data surely spans pages.
pub fn follows_links(ev: &Evidence, require_pages: bool) -> CheckResult {
    let searches: Vec<_> = ev.journal.iter().filter(|e| e.path.ends_with("/Appointment")).collect();
    let linked = |q: &str| q.contains("pageContext=");
    let built: Vec<_> = searches
        .iter()
        .filter(|e| {
            let query = e.query.as_deref().unwrap_or_default();
            !linked(query) && (query.contains("page") || query.contains("offset") || query.contains("_getpages"))
        })
        .collect();
    let pages = searches.iter().filter(|e| e.query.as_deref().is_some_and(linked)).count();
    let invalid: Vec<_> = searches.iter().filter(|e| e.status == 400).collect();
    CheckResult::new(
        "follows next links as given",
        built.is_empty() && invalid.is_empty() && (pages > 0 || !require_pages),
        "every later page requested with the server's own next link, none refused",
        match (built.first(), invalid.first()) {
            (Some(e), _) => format!("{} looks built, not followed", cite(e)),
            (None, Some(e)) => format!("{} was refused", cite(e)),
            _ => format!("{pages} pages followed by link over {} searches", searches.len()),
        },
    )
}

/// The first 8 characters of a tenant id, for readable evidence.
pub fn short(tenant: &str) -> &str {
    tenant.get(..8).unwrap_or(tenant)
}

/// That the scenario's fault fired, from the journal: a check that depends on a fault proves
/// nothing when it never did.
pub fn fault_fired(ev: &Evidence, action: &str) -> CheckResult {
    let fired: Vec<_> = ev.journal.iter().filter(|e| e.fault.as_ref().is_some_and(|f| f.action == action)).collect();
    CheckResult::new(
        &format!("the {action} fault fired"),
        !fired.is_empty(),
        format!("a request answered by the {action} fault rule"),
        match fired.first() {
            Some(first) => format!("{} time(s), first {}", fired.len(), cite(first)),
            None => "the fault never fired: nothing in this scenario was tested".to_owned(),
        },
    )
}

/// Every run ended by itself within the time limit; a killed run's last words are the evidence.
pub fn finished_in_time(ev: &Evidence) -> CheckResult {
    let killed = ev.runs.iter().enumerate().find(|(_, r)| r.timed_out);
    CheckResult::new(
        "finishes within the time limit",
        killed.is_none(),
        "every run ends by itself",
        match killed {
            Some((n, run)) => {
                let said = |text: &str| text.lines().rfind(|l| !l.trim().is_empty()).map(str::to_owned);
                let last = said(&run.stderr).or_else(|| said(&run.stdout));
                format!(
                    "run {} was killed at the time limit after {} ms; its last log line: {}",
                    n + 1,
                    run.duration_ms,
                    last.map_or_else(|| "(none)".to_owned(), |l| shorten(&l, 160))
                )
            }
            None => format!("{} run(s), none killed", ev.runs.len()),
        },
    )
}

/// The last run reports `tenant` as not synced: under contract v2 its summary gives the tenant an
/// outcome other than `synced`, with a reason; under v1 (no summary) a log line names the tenant's
/// full id next to a word of failure or deferral (`syncing tenant X` is not a report).
pub fn reports_tenant(ev: &Evidence, tenant: &str) -> CheckResult {
    let name = format!("reports {} as not synced", short(tenant));
    let stdout = ev.runs.last().map_or("", |r| r.stdout.as_str());
    if let Some(summary) = crate::summary::parse(stdout) {
        let entry = summary.iter().find(|t| t.tenant == tenant);
        let ok = entry.is_some_and(|t| t.outcome != "synced" && t.reason.is_some());
        return CheckResult::new(
            &name,
            ok,
            format!("the contract v2 summary gives tenant {tenant} an outcome other than synced, with a reason"),
            match entry {
                Some(t) => format!(
                    "summary: {} {}{}",
                    short(tenant),
                    t.outcome,
                    t.reason.as_deref().map_or_else(|| " (no reason)".to_owned(), |r| format!(": {}", shorten(r, 140)))
                ),
                None => format!("the summary lists {} tenant(s), not {tenant}", summary.len()),
            },
        );
    }
    let logs = ev.logs();
    let line = logs.lines().position(|l| crate::summary::says_not_synced(l, tenant));
    let named = logs.lines().position(|l| l.contains(tenant));
    CheckResult::new(
        &name,
        line.is_some(),
        format!("a v2 summary, or a log line naming tenant {tenant} with a word of failure or deferral"),
        match (line, named) {
            (Some(n), _) => format!("log line {}: {}", n + 1, shorten(logs.lines().nth(n).unwrap_or_default(), 160)),
            (None, Some(n)) => format!(
                "no summary; log line {} names the tenant without failure or deferral: {}",
                n + 1,
                shorten(logs.lines().nth(n).unwrap_or_default(), 120)
            ),
            (None, None) => format!("no summary, and no log line names {tenant}"),
        },
    )
}

#[cfg(test)]
#[path = "tests/checks.rs"]
mod tests;
