//! Rehearsal against a real server (the public sandbox): the sandbox-safe subset of the scenarios
//! (happy path, token reuse, paging, Accept, credential hygiene), judged from the recording proxy's
//! journal, the client's output and its logs, under a hard request budget; plus a few server-side
//! probes (discovery, refusal statuses). There is no ground truth to compare with: the server's
//! data is what it is.

mod examined;
mod server_probes;

use std::time::{Duration, Instant};

use serde_json::json;
use url::Url;

use crate::evidence::Evidence;
use crate::proxy::Proxy;
use crate::runner::{HarnessError, client_files, count_lines, millis, read_output, timeline};
use crate::scenarios::checks::{accept_header, credential_hygiene, exit_code, follows_links, output_well_formed};
use crate::verdict::{CheckResult, Report, RunInfo, ScenarioResult};
use crate::version::FhirVersion;
use examined::{fhir_requests, or_not_examined, searches};
use server_probes::server_probes;

/// How to rehearse a client against a real FHIR server (`cerner-harness sandbox`).
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The tenant's secured FHIR base; the client is given the recording proxy's base instead.
    pub fhir_base: Url,
    /// The client's command line, run with `sh -c`.
    pub client_cmd: String,
    /// How the reports name the client.
    pub client_label: String,
    /// The system account's client id (`CERNER_CLIENT_ID`).
    pub client_id: String,
    /// The system account's secret (`CERNER_CLIENT_SECRET`); redacted from every report.
    pub client_secret: String,
    /// The Location ids the job asks the client to sync.
    pub locations: Vec<String>,
    /// Days from today (UTC) the window covers.
    pub days: u32,
    /// Requests the client may make before the proxy answers 429 with a day-long Retry-After.
    pub budget: u64,
    /// The client is killed after this long.
    pub time_limit: Duration,
}

/// Runs the client once through the recording proxy and judges the sandbox-safe checks and the server probes.
pub async fn sandbox(config: &SandboxConfig) -> Result<Report, HarnessError> {
    let started = Instant::now();
    let broke = |cause: String| HarnessError::Setup { scenario: "sandbox".into(), cause };
    let tenant = tenant_of(&config.fhir_base)
        .ok_or_else(|| broke("the FHIR base names no tenant (…/dstu2/<tenant>/ or …/r4/<tenant>/)".into()))?;
    let probes = server_probes(config).await;
    let proxy = Proxy::start(&config.fhir_base, config.budget).await.map_err(|e| broke(e.to_string()))?;
    let dir = std::env::temp_dir().join(format!("cerner-harness-sandbox-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("state")).map_err(|e| broke(e.to_string()))?;
    let today = time::OffsetDateTime::now_utc().date();
    let end = today + time::Duration::days(i64::from(config.days.max(1)));
    let job = json!({
        "client_id": config.client_id, "client_secret": config.client_secret, "scopes": "system/Appointment.read",
        "tenants": [{ "id": tenant, "fhir_base": proxy.base_for(&config.fhir_base), "locations": config.locations }],
        "window": { "start": today.to_string(), "end": end.to_string() },
        "output": dir.join("appointments.ndjson"), "state_dir": dir.join("state"),
    });
    let job_path = dir.join("job.json");
    crate::job::write_private(&job_path, &job.to_string()).map_err(|e| broke(e.to_string()))?;
    let mut run = crate::process::run(&config.client_cmd, &job_path, config.time_limit, None)
        .await
        .map_err(|e| broke(format!("cannot run the client: {e}")))?;
    run.output_lines_after = count_lines(&dir.join("appointments.ndjson"));
    let (output, output_errors) = read_output(&dir.join("appointments.ndjson"));
    let (output_text, stored) = client_files(&dir);
    let evidence = Evidence {
        journal: proxy.journal(),
        runs: vec![run],
        output,
        output_errors,
        truth: Default::default(),
        tenants: vec![tenant.clone()],
        client_id: config.client_id.clone(),
        client_secret: config.client_secret.clone(),
        origin: proxy.origin().to_owned(),
        trap_connections: 0,
        output_text,
        stored,
        locations: [(tenant.clone(), config.locations.clone())].into(),
        window: (today.to_string(), end.to_string()),
        fhir_version: FhirVersion::of_base(config.fhir_base.as_str()),
        page_cap: crate::scenarios::PAGE_CAP,
        retry_after: Default::default(),
        changed: Vec::new(),
    };
    let _ = std::fs::remove_dir_all(&dir);
    let scenarios = vec![
        result(
            "sandbox-happy",
            "syncs the window and exits 0 within the budget",
            "the integration's purpose",
            happy(&evidence, config.budget),
            &evidence,
        ),
        result(
            "sandbox-token-reuse",
            "one token for the whole run",
            "Authorization durations (Common Issues)",
            one_token(&evidence, &tenant)
                .into_iter()
                .map(|c| or_not_examined(c, fhir_requests(&evidence), "FHIR request"))
                .collect(),
            &evidence,
        ),
        result(
            "sandbox-paging",
            "follows every next link the server gave, as given",
            "Implement paging (Common Issues)",
            vec![
                or_not_examined(follows_links(&evidence, false), searches(&evidence), "Appointment search"),
                or_not_examined(
                    every_link_followed(&evidence, &proxy.next_links()),
                    proxy.next_links().len(),
                    "next link served",
                ),
            ],
            &evidence,
        ),
        result(
            "sandbox-accept",
            accept_description(evidence.fhir_version),
            &format!("Media types ({})", evidence.fhir_version.label()),
            vec![or_not_examined(accept_header(&evidence), fhir_requests(&evidence), "FHIR request")],
            &evidence,
        ),
        result(
            "sandbox-hygiene",
            "no secret or token in URLs, output or logs",
            "Registering a system account (Authorization)",
            credential_hygiene(&evidence),
            &evidence,
        ),
        ScenarioResult {
            scenario: "server-probes".into(),
            description: "the server answers discovery and refusals as documented".into(),
            concern: "fidelity of the emulator to this server".into(),
            fhir_version: evidence.fhir_version,
            checks: probes,
            duration_ms: 0,
            runs: Vec::new(),
            rates: Vec::new(),
            timeline: Vec::new(),
            workdir: None,
        },
    ];
    let meta = crate::verdict::RunMeta::now(&config.client_label, config.time_limit.as_secs(), evidence.window.clone());
    Ok(Report { client: config.client_label.clone(), scenarios, duration_ms: millis(started.elapsed()), meta })
}

fn result(name: &str, description: &str, concern: &str, mut checks: Vec<CheckResult>, ev: &Evidence) -> ScenarioResult {
    crate::support::attach(&mut checks, ev);
    ScenarioResult {
        scenario: name.into(),
        description: description.into(),
        concern: concern.into(),
        fhir_version: ev.fhir_version,
        checks,
        duration_ms: ev.runs.iter().map(|r| r.duration_ms).sum(),
        runs: ev.runs.iter().map(|r| RunInfo::of(r, &ev.client_secret)).collect(),
        workdir: None,
        rates: Vec::new(),
        timeline: timeline(ev),
    }
}

/// What the Accept scenario asks of a client on the base's version.
fn accept_description(version: FhirVersion) -> &'static str {
    match version {
        FhirVersion::Dstu2 => "sends Accept: application/json+fhir (or application/json)",
        FhirVersion::R4 => "sends Accept: application/fhir+json (or another type R4 answers)",
    }
}

fn tenant_of(base: &Url) -> Option<String> {
    let segments: Vec<&str> = base.path_segments()?.collect();
    let at = segments.iter().position(|s| *s == "dstu2" || *s == "r4")?;
    segments.get(at + 1).filter(|t| !t.is_empty()).map(|t| (*t).to_owned())
}

fn happy(ev: &Evidence, budget: u64) -> Vec<CheckResult> {
    let spent = ev.journal.len() as u64;
    vec![
        exit_code(ev, 0),
        output_well_formed(ev),
        CheckResult::new(
            "stays within the request budget",
            spent <= budget,
            format!("at most {budget} requests"),
            format!("{spent} requests"),
        ),
        crate::scenarios::checks::finished_in_time(ev),
    ]
}

/// Each `next` link the server gave was requested, byte for byte.
fn every_link_followed(ev: &Evidence, links: &[String]) -> CheckResult {
    let requested = |link: &String| {
        ev.journal
            .iter()
            .any(|e| &format!("{}{}", e.path, e.query.as_deref().map(|q| format!("?{q}")).unwrap_or_default()) == link)
    };
    let missed: Vec<&String> = links.iter().filter(|l| !requested(l)).collect();
    CheckResult::new(
        "follows every next link the server gave",
        missed.is_empty(),
        "each next link requested exactly as given",
        match missed.first() {
            Some(link) => format!(
                "{} of {} next links never requested, e.g. {}",
                missed.len(),
                links.len(),
                crate::evidence::shorten(link, 80)
            ),
            None => format!("{} next links served, all followed", links.len()),
        },
    )
}

fn one_token(ev: &Evidence, tenant: &str) -> Vec<CheckResult> {
    let tokens = ev.token_calls(tenant);
    vec![CheckResult::new(
        "requests one token",
        tokens.len() == 1,
        "exactly one token request",
        format!("{} token request(s)", tokens.len()),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::SANDBOX;
    use crate::scenarios::kit::*;

    #[test]
    fn happy_needs_exit_0_and_the_budget_kept() {
        let mut ev = evidence();
        ev.journal = vec![token(1, SANDBOX), search(2, SANDBOX, "a", 200)];
        passes(&happy(&ev, 2)[2], "2 requests");
        fails(&happy(&ev, 1)[2], "2 requests");
        ev.runs = vec![run(None, "still paging")];
        fails(&happy(&ev, 2)[3], "killed at the time limit after 1200 ms; its last log line: still paging");
    }

    #[test]
    fn every_link_must_be_requested_as_given() {
        let mut ev = evidence();
        ev.journal = vec![search(1, SANDBOX, "-pageContext=a", 200)];
        let link = format!("/dstu2/{SANDBOX}/Appointment?-pageContext=a");
        passes(&every_link_followed(&ev, std::slice::from_ref(&link)), "1 next links served, all followed");
        let missed = format!("/dstu2/{SANDBOX}/Appointment?-pageContext=b");
        fails(&every_link_followed(&ev, &[link, missed]), "1 of 2 next links never requested");
    }

    #[test]
    fn one_token_counts_token_requests() {
        let mut ev = evidence();
        ev.journal = vec![token(1, SANDBOX)];
        passes(&one_token(&ev, SANDBOX)[0], "1 token request(s)");
        ev.journal.push(token(2, SANDBOX));
        fails(&one_token(&ev, SANDBOX)[0], "2 token request(s)");
    }

    #[test]
    fn a_tenant_is_read_from_the_fhir_base() {
        let base = Url::parse(&format!("https://h/dstu2/{SANDBOX}/")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tenant_of(&base).as_deref(), Some(SANDBOX));
        assert_eq!(tenant_of(&Url::parse("https://h/r4/").unwrap_or_else(|e| panic!("{e}"))), None);
        let r4 = Url::parse(&format!("https://h/r4/{SANDBOX}/")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tenant_of(&r4).as_deref(), Some(SANDBOX));
    }

    #[test]
    fn the_accept_scenario_names_the_media_type_of_the_version() {
        assert!(accept_description(FhirVersion::Dstu2).contains("application/json+fhir"));
        assert!(accept_description(FhirVersion::R4).contains("application/fhir+json"));
        assert!(!accept_description(FhirVersion::R4).contains("json+fhir"));
    }
}
