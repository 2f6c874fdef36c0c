//! Hospitals differ: one account, many hospitals, and go-live fails hospital by hospital. Each
//! scenario shapes the emulator's profile (the root README, "Hospitals differ"): a hospital that grants no
//! Appointment scope, an app still LIMITED, a hospital whose capability statement leaves out the
//! search the client needs, and production's messy data. A tenant that fails must be reported,
//! the others synced.

use cerner_mock::AccountStatus;
use cerner_mock::Profile;
use cerner_mock::fhir::declared::Capabilities;
use cerner_mock::scope::ScopeSet;
use cerner_mock::store::ResourceType;
use cerner_mock::store::synthetic::Mess;
use serde_json::Value;

use super::checks::{exit_code, matches_truth, output_well_formed, reports_tenant, short};
use super::two_tenants;
use crate::evidence::{Evidence, cite};
use crate::runner::CLIENT_ID;
use crate::scenario::{SANDBOX, SECOND, Scenario};
use crate::verdict::CheckResult;

pub(crate) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            checks: without_scope,
            ..two_tenants(
                "tenant-without-scope",
                "one hospital grants no Appointment scope: reads the granted scope, sends it no search, reports it; syncs the others",
                "A scope registered in the console but not granted at one hospital (403 insufficient_scope there only)",
            )
        },
        Scenario {
            checks: limited,
            ..two_tenants(
                "limited-account",
                "the app is LIMITED and every sign-in is refused: bounded attempts, exit 1, a clear reason",
                "An app in LIMITED status cannot authenticate (developer forums)",
            )
        },
        Scenario {
            checks: capabilities,
            ..two_tenants(
                "tenant-capabilities",
                "one hospital does not offer Appointment search by location: reads its metadata, sends nothing unsupported, reports it; syncs the others",
                "Always fetch the CapabilityStatement for the specific tenant (developer forums)",
            )
        },
        Scenario {
            runs: 2,
            between_runs: super::rescheduled::changes,
            checks: super::rescheduled::checks,
            ..two_tenants(
                "rescheduled",
                "between runs, appointments inside the window are rescheduled, cancelled and moved out, and slots churn: run 2 updates exactly those rows, reports the moved one vanished, and no change for slot churn alone",
                "A rescheduled appointment keeps its id: how do I tell? (appointment pollers' most asked question)",
            )
        },
        Scenario {
            checks: messy,
            ..two_tenants(
                "messy-data",
                "stores every messy appointment exactly, raw kept, crashes on nothing, follows no dangling reference",
                "Production data is messier than the sandbox's (missing optional fields, unknown extensions, dangling references)",
            )
        },
    ]
}

/// What the scopes ask for in `tenant-without-scope`: the hospital grants the second only.
const BOTH_SCOPES: &str = "system/Appointment.read system/Patient.read";

/// The emulator's profile for scenario `name` (the default profile for any other).
pub(crate) fn shape_profile(name: &str, profile: &mut Profile) {
    let account = profile.accounts.iter_mut().find(|a| a.client_id.as_str() == CLIENT_ID);
    let second = profile.tenants.iter_mut().position(|t| t.id.as_str() == SECOND);
    match (name, account, second) {
        ("tenant-without-scope", Some(account), Some(i)) => {
            let patient_only = ScopeSet::parse("system/Patient.read").unwrap_or_default();
            account.tenant_scopes.push((profile.tenants[i].id.clone(), patient_only));
        }
        ("limited-account", Some(account), _) => account.status = AccountStatus::Limited,
        ("tenant-capabilities", _, Some(i)) => {
            let without_location =
                ["_id", "patient", "practitioner", "date", "-date-or-req-period", "status", "_count"];
            profile.tenants[i].capabilities = Some(Capabilities {
                resources: None,
                search: vec![(ResourceType::Appointment, without_location.map(str::to_owned).to_vec())],
            });
        }
        ("messy-data", _, _) => {
            let mess = Mess { missing_optional: 0.2, unknown_extensions: 0.2, dangling_references: 0.1 };
            for tenant in &mut profile.tenants {
                if let Some(synthetic) = tenant.synthetic.as_mut() {
                    synthetic.mess = mess;
                }
            }
        }
        _ => {}
    }
}

/// The job for scenario `name`: `tenant-without-scope` asks for a scope the hospital does grant
/// besides Appointment's, so that its token is issued and its `scope` tells what is missing.
pub(crate) fn shape_job(name: &str, job: &mut Value) {
    if name == "tenant-without-scope" {
        job["scopes"] = Value::from(BOTH_SCOPES);
    }
}

fn without_scope(ev: &Evidence) -> Vec<CheckResult> {
    let issued = ev.token_calls(SECOND).into_iter().find(|e| e.status == 200);
    let searches: Vec<_> = ev.fhir_calls(SECOND).into_iter().filter(|e| e.path.ends_with("/Appointment")).collect();
    let refused = ev.fhir_calls(SECOND).into_iter().filter(|e| e.status == 403).count();
    vec![
        CheckResult::new(
            &format!("{} issued a token without the Appointment scope", short(SECOND)),
            issued.is_some(),
            format!("a token request to {SECOND} answered 200 (its grant: system/Patient.read only)"),
            issued.map_or_else(|| "no token was issued at that hospital: nothing was tested".to_owned(), cite),
        ),
        CheckResult::new(
            "reads the granted scope: no Appointment search where it is not granted",
            searches.is_empty(),
            format!("no Appointment search to {} (its token's scope lacks system/Appointment.read)", short(SECOND)),
            match searches.first() {
                Some(first) => format!("{} search(es), {refused} answered 403; first {}", searches.len(), cite(first)),
                None => format!("{} FHIR call(s) to that hospital, no Appointment search", ev.fhir_calls(SECOND).len()),
            },
        ),
        reports_tenant(ev, SECOND),
        matches_truth(ev, SANDBOX),
        output_well_formed(ev),
        exit_code(ev, 1),
    ]
}

/// At most this many token requests per tenant when every one is refused.
const SIGN_IN_ATTEMPTS: usize = 2;

fn limited(ev: &Evidence) -> Vec<CheckResult> {
    let tokens: Vec<_> = ev.tenants.iter().flat_map(|t| ev.token_calls(t)).collect();
    let refused = tokens.iter().find(|e| e.status == 400);
    let busiest = ev.tenants.iter().map(|t| (t, ev.token_calls(t).len())).max_by_key(|(_, n)| *n);
    let beyond: Vec<_> =
        ev.journal.iter().filter(|e| crate::version::is_fhir_path(&e.path) && !e.path.ends_with("/metadata")).collect();
    let mut checks = vec![
        CheckResult::new(
            "the sign-in was refused",
            refused.is_some() && tokens.iter().all(|e| e.status != 200),
            "token requests answered 400 unauthorized_client (the app is LIMITED), none 200",
            refused.map_or_else(|| format!("{} token request(s), none refused", tokens.len()), |e| cite(e)),
        ),
        CheckResult::new(
            "bounds its sign-in attempts",
            busiest.is_some_and(|(_, n)| n <= SIGN_IN_ATTEMPTS) && beyond.is_empty(),
            format!("at most {SIGN_IN_ATTEMPTS} token requests per tenant, and no FHIR call but metadata"),
            match (busiest, beyond.first()) {
                (_, Some(e)) => format!("a FHIR call without a token: {}", cite(e)),
                (Some((t, n)), None) => format!("{n} token request(s) to {} at most", short(t)),
                (None, None) => "no tenant".to_owned(),
            },
        ),
        clear_reason(ev),
        exit_code(ev, 1),
    ];
    checks.extend(ev.tenants.iter().map(|t| reports_tenant(ev, t)));
    checks
}

/// The report names the refusal (`unauthorized_client`) or the app's status (`LIMITED`).
fn clear_reason(ev: &Evidence) -> CheckResult {
    let stdout = ev.runs.last().map_or("", |r| r.stdout.as_str());
    let texts: Vec<String> = match crate::summary::parse(stdout) {
        Some(summary) => summary.into_iter().filter_map(|t| t.reason).collect(),
        None => ev.logs().lines().map(str::to_owned).collect(),
    };
    let clear = |t: &String| {
        let lower = t.to_ascii_lowercase();
        lower.contains("unauthorized_client") || lower.contains("limited")
    };
    let found = texts.iter().find(|t| clear(t));
    CheckResult::new(
        "says why it could not sign in",
        found.is_some(),
        "a reason (v2 summary, or a log line under v1) naming unauthorized_client or the LIMITED status",
        found.map_or_else(
            || format!("{} reason(s)/line(s), none names the refusal", texts.len()),
            |t| crate::evidence::shorten(t, 160),
        ),
    )
}

fn capabilities(ev: &Evidence) -> Vec<CheckResult> {
    let calls = ev.fhir_calls(SECOND);
    let metadata = calls.iter().find(|e| e.path.ends_with("/metadata") && e.status == 200);
    let unsupported: Vec<_> = calls
        .iter()
        .filter(|e| {
            e.status == 400
                || (e.path.ends_with("/Appointment") && e.query.as_deref().is_some_and(|q| q.contains("location=")))
        })
        .collect();
    vec![
        CheckResult::new(
            &format!("reads the metadata of {}", short(SECOND)),
            metadata.is_some(),
            format!("GET {SECOND}'s own metadata (its statement leaves out Appointment search by location)"),
            metadata
                .map_or_else(|| "that hospital's metadata was never read: nothing was tested".to_owned(), |e| cite(e)),
        ),
        CheckResult::new(
            "sends no search the hospital does not offer",
            unsupported.is_empty(),
            format!("no Appointment search by location to {}, no 400", short(SECOND)),
            match unsupported.first() {
                Some(e) => format!("{} unsupported request(s); first {}", unsupported.len(), cite(e)),
                None => format!("{} FHIR call(s) to that hospital, none unsupported", calls.len()),
            },
        ),
        reports_tenant(ev, SECOND),
        matches_truth(ev, SANDBOX),
        output_well_formed(ev),
        exit_code(ev, 1),
    ]
}

fn messy(ev: &Evidence) -> Vec<CheckResult> {
    let view = ev.final_view();
    let stored: Vec<&Value> = view.values().flat_map(|v| v.values().copied()).collect();
    let sparse = stored.iter().filter(|r| r.get("text").is_none() && r.get("minutesDuration").is_none()).count();
    let extended = stored.iter().filter(|r| r["extension"].to_string().contains("example.invalid")).count();
    let dangling = stored.iter().filter(|r| r["participant"].as_array().is_some_and(|p| p.len() > 3)).count();
    // The participants past the three every appointment has: the dangling ones the data names.
    let dangling_refs: std::collections::BTreeSet<&str> = stored
        .iter()
        .filter_map(|r| r["participant"].as_array())
        .flat_map(|p| p.iter().skip(3).filter_map(|p| p["actor"]["reference"].as_str()))
        .collect();
    let followed: Vec<_> = ev
        .journal
        .iter()
        .filter(|e| crate::version::is_fhir_path(&e.path))
        .filter(|e| e.status == 404 || dangling_refs.iter().any(|r| e.path.ends_with(&format!("/{r}"))))
        .collect();
    let mut checks = vec![CheckResult::new(
        "the data was messy, and kept so",
        sparse > 0 && extended > 0 && dangling > 0,
        "stored appointments that lack optional elements, carry unknown extensions and name a Practitioner that does not exist, as served",
        format!(
            "of {} stored: {sparse} without text, {extended} with an unknown extension, {dangling} with a dangling participant",
            stored.len()
        ),
    )];
    checks.extend(ev.tenants.iter().map(|t| matches_truth(ev, t)));
    checks.push(CheckResult::new(
        "follows no dangling reference",
        followed.is_empty(),
        "no request for a participant that does not exist, and none answered 404",
        match followed.first() {
            Some(e) => format!("{} such request(s); first {}", followed.len(), cite(e)),
            None => format!("{} dangling participant(s) stored, none requested", dangling_refs.len()),
        },
    ));
    checks.push(output_well_formed(ev));
    checks.push(exit_code(ev, 0));
    checks
}
