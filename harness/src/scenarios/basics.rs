//! Scenarios on a healthy emulator: the ground truth, tokens, scopes, parameters, media types,
//! statuses, identity across tenants, credential hygiene, re-runs.

use super::checks::{credential_hygiene, exit_code, matches_truth, output_well_formed, short};
use crate::evidence::{Evidence, cite};
use crate::scenario::{EVERY_VERSION, SANDBOX, SECOND, Scenario, no_changes, no_faults};
use crate::verdict::CheckResult;
use crate::version::{FhirVersion, is_fhir_path};

pub(super) fn scenarios() -> Vec<Scenario> {
    let base = Scenario {
        name: "",
        description: "",
        concern: "",
        tenants: &[SANDBOX, SECOND],
        setup: no_changes,
        faults: no_faults,
        runs: 1,
        versions: EVERY_VERSION,
        between_runs: no_changes,
        checks: |_| Vec::new(),
    };
    vec![
        Scenario {
            name: "happy-multi-tenant",
            description: "stores exactly the ground truth for every approved tenant",
            concern: "the integration's purpose",
            checks: happy,
            ..base.clone()
        },
        Scenario {
            name: "token-reuse",
            description: "one token per tenant per lifetime, never one per call; no introspection",
            concern: "Authorization durations (Common Issues); refresh throttling (Authorization)",
            checks: token_reuse,
            ..base.clone()
        },
        Scenario {
            name: "scopes",
            description: "requests only the system/*.read scopes it uses",
            concern: "Registering more scopes than the app uses (Common Issues); Scopes (Authorization)",
            checks: scopes,
            ..base.clone()
        },
        Scenario {
            name: "valid-search-parameters",
            description: "never causes a 400: one actor parameter, a date pair, comma lists",
            concern: "Leverage query parameters (Common Issues); Appointment search (DSTU2)",
            checks: valid_parameters,
            ..base.clone()
        },
        Scenario {
            name: "no-duplicate-calls",
            description: "never repeats an identical request that succeeded",
            concern: "Avoid multiple resource calls (Common Issues)",
            checks: no_duplicates,
            ..base.clone()
        },
        Scenario {
            name: "accept-header",
            description: "sends Accept: application/json+fhir (or application/json); on R4 application/fhir+json (or another type R4 answers)",
            concern: "Media types (DSTU2, R4)",
            checks: accept,
            ..base.clone()
        },
        Scenario {
            name: "statuses",
            description: "keeps cancelled, noshow and proposed appointments with their status",
            concern: "Review filtering options (Common Issues)",
            checks: statuses,
            ..base.clone()
        },
        Scenario {
            name: "tenant-scoped-identity",
            description: "keys records on (tenant, id): the same id in two tenants is two records",
            concern: "Resource identity (DSTU2)",
            checks: identity,
            ..base.clone()
        },
        Scenario {
            name: "credential-hygiene",
            description: "the secret only to the token endpoint; secrets and tokens never in URLs, output or logs",
            concern: "Registering a system account (Authorization)",
            checks: hygiene,
            ..base.clone()
        },
        Scenario {
            name: "rerun-and-changes",
            description: "a second run adds no duplicates; rescheduled, cancelled and new appointments are reflected",
            concern: "incremental daily sync",
            tenants: &[SANDBOX],
            runs: 2,
            setup: super::rerun::stored_then_changed,
            between_runs: super::rerun::changes,
            checks: super::rerun::rerun,
            ..base
        },
    ]
}

fn happy(ev: &Evidence) -> Vec<CheckResult> {
    let mut checks = vec![exit_code(ev, 0), output_well_formed(ev), super::checks::stays_on_job_bases(ev)];
    checks.extend(ev.tenants.iter().map(|t| matches_truth(ev, t)));
    checks
}

fn token_reuse(ev: &Evidence) -> Vec<CheckResult> {
    let mut checks: Vec<CheckResult> = ev
        .tenants
        .iter()
        .map(|tenant| {
            let tokens = ev.token_calls(tenant);
            let searches = ev.fhir_calls(tenant).len();
            CheckResult::new(
                &format!("requests one token for {}", short(tenant)),
                tokens.len() == 1,
                "exactly one token request for the whole run (tokens live 570 s)",
                format!("{} token request(s) for {searches} FHIR calls: {}", tokens.len(), list(&tokens)),
            )
        })
        .collect();
    let introspection: Vec<_> =
        ev.journal.iter().filter(|e| e.path.contains("tokeninfo") || e.path.contains("introspect")).collect();
    checks.push(CheckResult::new(
        "never calls an introspection endpoint",
        introspection.is_empty(),
        "no request to tokeninfo or introspect",
        introspection.first().map_or_else(|| "none".to_owned(), |e| cite(e)),
    ));
    checks
}

/// A read-only system scope: `system/T.read`; on R4 also SMART v2's `system/T.r`, `.s` or `.rs`.
fn read_only(scope: &str, version: FhirVersion) -> Option<&str> {
    let (kind, access) = scope.strip_prefix("system/")?.rsplit_once('.')?;
    let allowed = access == "read" || (version == FhirVersion::R4 && matches!(access, "r" | "s" | "rs"));
    (allowed && !kind.is_empty() && !kind.contains('*')).then_some(kind)
}

fn scopes(ev: &Evidence) -> Vec<CheckResult> {
    let requests: Vec<_> = ev.journal.iter().filter(|e| e.path.ends_with("/token")).collect();
    let asked = |e: &cerner_mock::journal::JournalEntry, ok: &dyn Fn(Option<&str>) -> bool| {
        e.scope.as_deref().unwrap_or_default().split(' ').all(|s| ok(read_only(s, ev.fhir_version)))
    };
    let bad: Vec<_> = requests.iter().filter(|e| !asked(e, &|kind| kind.is_some())).collect();
    let unused: Vec<_> = requests.iter().filter(|e| !asked(e, &|kind| kind == Some("Appointment"))).collect();
    vec![
        CheckResult::new(
            "requests only system/*.read scopes",
            !requests.is_empty() && bad.is_empty(),
            "no .write, wildcard, online_access or offline_access scope",
            bad.first().map_or_else(
                || {
                    format!(
                        "{} token requests, scopes {:?}",
                        requests.len(),
                        requests.first().and_then(|e| e.scope.clone())
                    )
                },
                |e| format!("{} asked for {:?}", cite(e), e.scope),
            ),
        ),
        CheckResult::new(
            "requests no scope it does not use",
            unused.is_empty(),
            "only system/Appointment.read (the client reads nothing else)",
            unused.first().map_or_else(
                || "only system/Appointment.read".to_owned(),
                |e| format!("{} asked for {:?}", cite(e), e.scope),
            ),
        ),
    ]
}

fn valid_parameters(ev: &Evidence) -> Vec<CheckResult> {
    let refused: Vec<_> = ev.journal.iter().filter(|e| e.status == 400 || e.status == 422).collect();
    let mut checks = vec![CheckResult::new(
        "causes no 400",
        refused.is_empty(),
        "every search uses parameters Cerner accepts",
        refused.first().map_or_else(|| format!("{} requests, none refused", ev.journal.len()), |e| cite(e)),
    )];
    checks.extend(happy(ev).into_iter().skip(2));
    checks
}

fn no_duplicates(ev: &Evidence) -> Vec<CheckResult> {
    let mut seen = std::collections::HashMap::new();
    let mut repeated = None;
    for entry in ev.journal.iter().filter(|e| e.method == "GET" && e.status == 200 && !e.path.ends_with("/metadata")) {
        let key = (entry.path.clone(), entry.query.clone());
        if let Some(first) = seen.insert(key, entry.seq) {
            repeated = Some((first, entry));
            break;
        }
    }
    vec![CheckResult::new(
        "never repeats a successful request",
        repeated.is_none(),
        "each successful search or page fetched once",
        repeated.map_or_else(
            || format!("{} distinct requests", seen.len()),
            |(first, e)| format!("{} repeats #{first}", cite(e)),
        ),
    )]
}

fn accept(ev: &Evidence) -> Vec<CheckResult> {
    vec![super::checks::accept_header(ev)]
}

fn statuses(ev: &Evidence) -> Vec<CheckResult> {
    let view = ev.final_view();
    let mut checks = Vec::new();
    for status in ["cancelled", "noshow", "proposed"] {
        let expected: Vec<(&String, &String)> = ev
            .truth
            .iter()
            .flat_map(|(t, rows)| rows.iter().filter(|(_, r)| r.status == status).map(move |(id, _)| (t, id)))
            .collect();
        let wrong: Vec<_> = expected
            .iter()
            .filter(|(t, id)| view.get(*t).and_then(|v| v.get(*id)).and_then(|r| r["status"].as_str()) != Some(status))
            .collect();
        checks.push(CheckResult::new(
            &format!("keeps {status} appointments as {status}"),
            !expected.is_empty() && wrong.is_empty(),
            format!("all {} {status} appointments stored with that status", expected.len()),
            wrong.first().map_or_else(
                || format!("{} {status} appointments kept", expected.len()),
                |(t, id)| format!("{} {id} is missing or not {status} in the output", short(t)),
            ),
        ));
    }
    checks
}

fn identity(ev: &Evidence) -> Vec<CheckResult> {
    let shared: Vec<&String> = ev
        .truth
        .get(SANDBOX)
        .map(|a| a.keys().filter(|id| ev.truth.get(SECOND).is_some_and(|b| b.contains_key(*id))).collect())
        .unwrap_or_default();
    let view = ev.final_view();
    let both = shared
        .iter()
        .filter(|id| {
            view.get(SANDBOX).is_some_and(|v| v.contains_key(**id))
                && view.get(SECOND).is_some_and(|v| v.contains_key(**id))
        })
        .count();
    let mismatched: Vec<_> = ev.journal.iter().filter(|e| e.status == 401 && is_fhir_path(&e.path)).collect();
    vec![
        CheckResult::new(
            "keeps the same id in two tenants as two records",
            !shared.is_empty() && both == shared.len(),
            format!("{} ids exist in both tenants; each is stored for both", shared.len()),
            format!("{both} of {} shared ids stored for both tenants", shared.len()),
        ),
        CheckResult::new(
            "never uses one tenant's token on another",
            mismatched.is_empty(),
            "no FHIR call answered 401 (a token for another tenant is refused)",
            mismatched.first().map_or_else(|| "no 401".to_owned(), |e| cite(e)),
        ),
    ]
}

fn hygiene(ev: &Evidence) -> Vec<CheckResult> {
    let mut checks = credential_hygiene(ev);
    let secret_elsewhere: Vec<_> = ev
        .journal
        .iter()
        .filter(|e| e.authorization.as_deref() == Some("Basic") && !e.path.ends_with("/token"))
        .collect();
    checks.push(CheckResult::new(
        "sends the secret to the token endpoint only",
        secret_elsewhere.is_empty(),
        "Basic credentials only on token requests",
        secret_elsewhere.first().map_or_else(|| "Basic only on token requests".to_owned(), |e| cite(e)),
    ));
    checks
}

fn list(entries: &[&cerner_mock::journal::JournalEntry]) -> String {
    entries.iter().map(|e| format!("#{}", e.seq)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
#[path = "tests/basics.rs"]
mod tests;
