//! Runs scenarios: for each, an emulator in this process on `127.0.0.1:0` with its own data and fault
//! rules, a job file (contract v1), the client as a separate OS process (`sh -c CMD`, `HARNESS_JOB`)
//! with a time limit, then the evidence and the checks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cerner_mock::clock::DEFAULT_MANUAL_START;
use cerner_mock::{AdminClient, Clock, MockServer, Profile, ServerConfig};

use crate::evidence::{ClientRun, Evidence, TruthRow};
pub(crate) use crate::gather::{client_files, count_lines, read_output, timeline, timeline_with};
use crate::scenario::{Scenario, TRAP};
use crate::scenarios::checks::{fault_fired, finished_in_time};
use crate::verdict::{Report, RunInfo, ScenarioResult};
use crate::version::FhirVersion;

/// The default account of the emulator's default profile (Cerner's documented example).
pub use cerner_mock::defaults::CLIENT_ID;
/// The window the job asks for. The synthetic data covers the weekdays of 2025-12-22..2026-02-02,
/// so the window cuts through it: a client that asks a day too early or too late, or reads the
/// window in a local time zone, stores appointments that are not in it or misses some that are.
pub const WINDOW: (&str, &str) = ("2026-01-06", "2026-01-27");

/// Journal entries kept per scenario: enough for the endless-paging scenario's 10,000 pages.
const JOURNAL_CAPACITY: usize = 100_000;

/// How to run the client.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// A shell command (`sh -c`); the job file is named by `HARNESS_JOB`.
    pub client_cmd: String,
    /// How reports name the client.
    pub client_label: String,
    /// Each run of the client is killed after this long.
    pub time_limit: Duration,
    /// This harness's executable, to run clients under its `measure` command (their own peak
    /// memory); `None` tells the peak from this process's children.
    pub measurer: Option<PathBuf>,
    /// Pages per location group a client may follow (the job's `limits.max_pages`; the
    /// endless-paging scenario's bound). [`crate::scenarios::PAGE_CAP`] by default; tests give a
    /// small one so that no test needs a client to make thousands of requests in time.
    pub page_cap: usize,
    /// Scenarios run at once (`-j`), each on its own emulator.
    pub jobs: usize,
    /// Start no scenario once one has failed (`--fail-fast`).
    pub fail_fast: bool,
    /// Keep each scenario's job folder (`--keep-workdir`); its path is in the result.
    pub keep_workdir: bool,
}

impl RunnerConfig {
    /// A client command with the default page cap, its runs killed after `time_limit`.
    pub fn new(client_cmd: impl Into<String>, client_label: impl Into<String>, time_limit: Duration) -> Self {
        Self {
            client_cmd: client_cmd.into(),
            client_label: client_label.into(),
            time_limit,
            measurer: None,
            page_cap: crate::scenarios::PAGE_CAP,
            jobs: 1,
            fail_fast: false,
            keep_workdir: false,
        }
    }
}

/// The harness itself broke (as opposed to a check failing).
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// The scenario's emulator could not be started.
    #[error("scenario {scenario}: cannot start the emulator: {cause}")]
    Emulator {
        /// The scenario being set up.
        scenario: String,
        /// Why the emulator did not start.
        cause: String,
    },
    /// Setting up or running the scenario failed outside the client.
    #[error("scenario {scenario}: {cause}")]
    Setup {
        /// The scenario being run.
        scenario: String,
        /// What broke: the job folder, the client's spawn, the admin API.
        cause: String,
    },
    /// A scenario defines no checks, so it could pass with nothing examined.
    #[error("scenario {scenario} examined nothing: it has no checks")]
    NoChecks {
        /// The scenario without checks.
        scenario: String,
    },
}

/// Every scenario on DSTU2 (the default version).
pub async fn rehearse(config: &RunnerConfig, scenarios: &[Scenario]) -> Result<Report, HarnessError> {
    rehearse_on(config, scenarios, &[FhirVersion::Dstu2]).await
}

/// Each scenario once per version of `versions` it exists on, scenario after scenario (a scenario's
/// DSTU2 and R4 results side by side).
pub async fn rehearse_on(
    config: &RunnerConfig,
    scenarios: &[Scenario],
    versions: &[FhirVersion],
) -> Result<Report, HarnessError> {
    crate::schedule::rehearse_with(config, scenarios, versions, Arc::new(crate::schedule::Silent)).await
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

pub(crate) async fn run_scenario(
    config: &RunnerConfig,
    scenario: &Scenario,
    version: FhirVersion,
) -> Result<ScenarioResult, HarnessError> {
    let setup = |cause: String| HarnessError::Setup { scenario: scenario.name.to_owned(), cause };
    let started = Instant::now();
    // A secret of its own per scenario, distinctive enough to find if the client prints it.
    let secret = format!("harness-{}", uuid::Uuid::new_v4().simple());
    let mut profile = Profile::embedded_default();
    if let Some(account) = profile.accounts.iter_mut().find(|a| a.client_id.as_str() == CLIENT_ID) {
        account.secret = Some(cerner_mock::ids::Secret::new(secret.clone()));
    }
    profile.journal_capacity = JOURNAL_CAPACITY;
    crate::scenarios::hospitals::shape_profile(scenario.name, &mut profile);
    profile.limits.max_in_flight = crate::scenarios::network::max_in_flight(scenario.name);
    let mut server_config = ServerConfig::new(profile);
    server_config.clock = Clock::manual(DEFAULT_MANUAL_START);
    let server = MockServer::start(server_config)
        .await
        .map_err(|e| HarnessError::Emulator { scenario: scenario.name.to_owned(), cause: e.to_string() })?;
    let admin = AdminClient::new(server.origin()).map_err(|e| setup(e.to_string()))?;
    let dir = std::env::temp_dir().join(format!("cerner-harness-{}-{}", scenario.name, uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("state")).map_err(|e| setup(format!("cannot create {}: {e}", dir.display())))?;
    let locations = tenant_locations(&server, scenario.tenants);
    let mut job = crate::job::job(&server, &dir, &locations, &secret, version, config.page_cap);
    crate::scenarios::hospitals::shape_job(scenario.name, &mut job);
    let job_path = dir.join("job.json");
    crate::job::write_private(&job_path, &job.to_string())
        .map_err(|e| setup(format!("cannot write the job file: {e}")))?;
    let (trap_origin, trap_count) = trap().await.map_err(|e| setup(format!("cannot open the trap listener: {e}")))?;
    for (tenant, changes) in (scenario.setup)() {
        admin.apply_changes(tenant, &changes).await.map_err(|e| setup(e.to_string()))?;
    }
    let (mut injected, mut retry_after) = (Vec::new(), BTreeMap::new());
    for mut rule in (scenario.faults)() {
        point_at_trap(&mut rule, &trap_origin);
        on_version(&mut rule, version);
        injected.extend(action_names(&rule));
        let view = admin.add_fault(&rule).await.map_err(|e| setup(e.to_string()))?;
        if let Some(value) = throttle_value(&rule) {
            retry_after.insert(view.id, value);
        }
    }
    let (mut runs, mut applied) = (Vec::new(), Vec::new());
    for run in 0..scenario.runs.max(1) {
        if run > 0 {
            for (tenant, changes) in (scenario.between_runs)() {
                let before = crate::gather::read_before(&server, tenant, &changes);
                let done = admin.apply_changes(tenant, &changes).await.map_err(|e| setup(e.to_string()))?;
                applied.extend(crate::gather::touched(tenant, done, &before));
            }
        }
        let mut client_run =
            crate::process::run(&config.client_cmd, &job_path, config.time_limit, config.measurer.as_deref())
                .await
                .map_err(|e| setup(format!("cannot run the client: {e}")))?;
        client_run.output_lines_after = count_lines(&dir.join("appointments.ndjson"));
        client_run.journal_next_seq = server.state().journal().next_seq();
        runs.push(client_run);
    }
    let mut evidence = gather(&server, &dir, &locations, runs, trap_count.load(Ordering::Relaxed), version);
    evidence.client_secret = secret;
    evidence.page_cap = config.page_cap;
    evidence.retry_after = retry_after.clone();
    crate::gather::read_back(&server, &mut applied);
    evidence.changed = applied;
    let workdir = if config.keep_workdir {
        Some(dir.display().to_string())
    } else {
        let _ = std::fs::remove_dir_all(&dir);
        None
    };
    let own = (scenario.checks)(&evidence);
    if own.is_empty() {
        return Err(HarnessError::NoChecks { scenario: scenario.name.to_owned() });
    }
    injected.dedup();
    // A check that depends on a fault means nothing unless the fault fired: say so first.
    let mut checks: Vec<_> = injected.iter().map(|action| fault_fired(&evidence, action)).collect();
    checks.extend(own);
    checks.push(finished_in_time(&evidence));
    crate::support::attach(&mut checks, &evidence);
    Ok(ScenarioResult {
        scenario: scenario.name.to_owned(),
        description: scenario.description.to_owned(),
        concern: scenario.concern.to_owned(),
        fhir_version: version,
        checks,
        duration_ms: millis(started.elapsed()),
        runs: evidence.runs.iter().map(|r| RunInfo::of(r, &evidence.client_secret)).collect(),
        workdir,
        timeline: timeline_with(&evidence, &retry_after),
        rates: crate::rates::of(&evidence, |tenant| crate::rates::TenantLimits::at(server.state().profile(), tenant)),
    })
}

/// Each tenant with the locations that hold its appointments (from the emulator's own summary).
fn tenant_locations(server: &MockServer, tenants: &[&str]) -> Vec<(String, Vec<String>)> {
    let store = server.state().store();
    tenants
        .iter()
        .map(|tenant| {
            let locations = store.read(tenant).map(|d| d.summary().locations).unwrap_or_default();
            ((*tenant).to_owned(), locations.into_iter().map(|l| l.id).collect())
        })
        .collect()
}

/// A listener standing for a foreign origin: it only counts connections.
async fn trap() -> std::io::Result<(String, Arc<AtomicUsize>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let origin = format!("http://{}", listener.local_addr()?);
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        while listener.accept().await.is_ok() {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    Ok((origin, count))
}

/// A scenario's rules are written against DSTU2 paths (`/dstu2/*/Appointment`); on another
/// version they match that version's bases instead (path and `version`), so a rule never fires on
/// a base the job did not name.
fn on_version(rule: &mut cerner_mock::admin_client::FaultRule, version: FhirVersion) {
    let matcher = &mut rule.matcher;
    if let Some(rest) = matcher.path.as_deref().and_then(|p| p.strip_prefix("/dstu2/")) {
        matcher.path = Some(format!("/{}/{rest}", version.segment()));
        matcher.version = cerner_mock::request::FhirVersion::from_segment(version.segment());
    }
}

fn point_at_trap(rule: &mut cerner_mock::admin_client::FaultRule, origin: &str) {
    use cerner_mock::admin_client::FaultAction;
    for action in rule.all_actions_mut() {
        if let FaultAction::ForeignNext { origin: o }
        | FaultAction::ForeignTokenUrl { origin: o }
        | FaultAction::Redirect { origin: o } = action
            && o == TRAP
        {
            *o = origin.to_owned();
        }
    }
}

fn gather(
    server: &MockServer,
    dir: &Path,
    locations: &[(String, Vec<String>)],
    runs: Vec<ClientRun>,
    trap_connections: usize,
    fhir_version: FhirVersion,
) -> Evidence {
    let (output, output_errors) = read_output(&dir.join("appointments.ndjson"));
    let (output_text, stored) = client_files(dir);
    Evidence {
        journal: server.state().journal().entries(&Default::default()),
        runs,
        output,
        output_errors,
        truth: locations
            .iter()
            .map(|(tenant, locations)| (tenant.clone(), truth(server, tenant, locations, fhir_version)))
            .collect(),
        tenants: locations.iter().map(|(t, _)| t.clone()).collect(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: String::new(),
        origin: server.origin().to_owned(),
        trap_connections,
        output_text,
        stored,
        locations: locations.iter().cloned().collect(),
        window: (WINDOW.0.to_owned(), WINDOW.1.to_owned()),
        fhir_version,
        page_cap: crate::scenarios::PAGE_CAP,
        retry_after: BTreeMap::new(),
        changed: Vec::new(),
    }
}

/// The `Retry-After` of a rule that only throttles.
fn throttle_value(rule: &cerner_mock::admin_client::FaultRule) -> Option<String> {
    use cerner_mock::admin_client::FaultAction;
    match &rule.action {
        Some(FaultAction::Throttle { retry_after }) => Some(retry_after.clone()),
        _ => None,
    }
}

/// The action names of a rule, but `pass` (a gap in a sequence, nothing to prove).
fn action_names(rule: &cerner_mock::admin_client::FaultRule) -> Vec<String> {
    rule.all_actions().map(|action| action.name()).filter(|name| *name != "pass").map(str::to_owned).collect()
}

/// id → version and status (as `version` answers it) of every appointment of the tenant's
/// locations in the window, read from the emulator's store with the emulator's own search.
fn truth(server: &MockServer, tenant: &str, locations: &[String], version: FhirVersion) -> BTreeMap<String, TruthRow> {
    let store = server.state().store();
    let Some(data) = store.read(tenant) else { return BTreeMap::new() };
    let version = cerner_mock::request::FhirVersion::from_segment(version.segment());
    data.appointments_in_window(locations, WINDOW.0, WINDOW.1)
        .into_iter()
        .map(|a| {
            let status = version.map_or(a.status.as_str(), |v| a.status_on(v)).to_owned();
            (a.id, TruthRow { version: a.version, status })
        })
        .collect()
}
