//! Which scenario runs when: each selected (scenario, version) pair, up to `jobs` at once (each on
//! its own emulator, job folder and client process), reported to a [`Progress`] as it starts and
//! as it finishes; with `fail_fast`, no new scenario starts once one has failed. The report keeps
//! the catalogue's order (a scenario's DSTU2 and R4 results next to each other) whatever order
//! they finished in.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::runner::{HarnessError, RunnerConfig, millis, run_scenario};
use crate::scenario::Scenario;
use crate::verdict::{Report, ScenarioResult};
use crate::version::FhirVersion;

/// Told about each scenario as it starts and finishes (the terminal's rows and live line).
pub trait Progress: Send + Sync {
    /// A scenario starts, on one FHIR version.
    fn started(&self, _scenario: &str, _version: FhirVersion) {}
    /// A scenario finished with this result.
    fn finished(&self, _result: &ScenarioResult) {}
}

/// A progress that shows nothing.
#[derive(Debug, Clone, Copy)]
pub struct Silent;

impl Progress for Silent {}

/// Runs `scenarios` on `versions` as `config` says (`jobs`, `fail_fast`).
pub async fn rehearse_with(
    config: &RunnerConfig,
    scenarios: &[Scenario],
    versions: &[FhirVersion],
    progress: Arc<dyn Progress>,
) -> Result<Report, HarnessError> {
    let started = Instant::now();
    let window = (crate::runner::WINDOW.0.to_owned(), crate::runner::WINDOW.1.to_owned());
    let meta = crate::verdict::RunMeta::now(&config.client_label, config.time_limit.as_secs(), window);
    let pairs: Vec<(Scenario, FhirVersion)> = scenarios
        .iter()
        .flat_map(|s| versions.iter().filter(|v| s.versions.contains(v)).map(move |v| (s.clone(), *v)))
        .collect();
    let slots = Arc::new(Semaphore::new(config.jobs.max(1)));
    let failed = Arc::new(AtomicBool::new(false));
    let mut tasks = JoinSet::new();
    for (index, (scenario, version)) in pairs.into_iter().enumerate() {
        let (slots, failed, progress, config) = (slots.clone(), failed.clone(), progress.clone(), config.clone());
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await.ok()?;
            if config.fail_fast && failed.load(Ordering::SeqCst) {
                return None;
            }
            tracing::info!(scenario = scenario.name, version = version.label(), "running");
            progress.started(scenario.name, version);
            let result = run_scenario(&config, &scenario, version).await;
            match &result {
                Ok(done) => {
                    if !done.passed() {
                        failed.store(true, Ordering::SeqCst);
                    }
                    progress.finished(done);
                }
                Err(_) => failed.store(true, Ordering::SeqCst),
            }
            Some((index, result))
        });
    }
    let mut results: Vec<(usize, ScenarioResult)> = Vec::new();
    let mut broke = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Some((index, Ok(result)))) => results.push((index, result)),
            Ok(Some((_, Err(error)))) => {
                broke.get_or_insert(error);
            }
            Ok(None) => {}
            Err(panic) => {
                broke.get_or_insert(HarnessError::Setup { scenario: "?".into(), cause: panic.to_string() });
            }
        }
    }
    if let Some(error) = broke {
        return Err(error);
    }
    results.sort_by_key(|(index, _)| *index);
    Ok(Report {
        client: config.client_label.clone(),
        scenarios: results.into_iter().map(|(_, r)| r).collect(),
        duration_ms: millis(started.elapsed()),
        meta,
    })
}
