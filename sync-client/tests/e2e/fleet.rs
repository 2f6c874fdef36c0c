//! A fleet: an emulator with many synthetic tenants, `appointment-sync run --worker` processes
//! pointed at one PostgreSQL schema, and the ground truth to compare the store with. Used by the
//! worker tests and by the scale check (`examples/scale_workers.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use appointment_sync::store::postgres::lease::RoundTenant;
use appointment_sync::store::{PgStore, PgTarget, SyncStore};
use cerner_mock::clock::DEFAULT_MANUAL_START;
use cerner_mock::{Clock, MockServer, ServerConfig};
use serde_json::json;

use crate::synthetic::Synthetic;

/// The window the synthetic data covers around the manual clock's date (2026-01-05).
pub(crate) const FLEET_WINDOW: (&str, &str) = ("2025-12-22", "2026-02-03");
/// The server the PostgreSQL tests use (`.ci/run` starts one).
pub(crate) const PG_ENV: &str = "APPOINTMENT_SYNC_TEST_PG";

pub(crate) struct Fleet {
    pub server: MockServer,
    pub tenants: Vec<String>,
    /// The location ids every tenant has and every job names.
    pub locations: Vec<String>,
    pub dir: PathBuf,
    /// The store URL every worker gets (a schema of its own on the test server).
    pub store_url: String,
    pub store: PgStore,
}

/// The fleet's tenants: small, so that many of them fit a test.
fn synthetic(appointments: u64) -> Synthetic {
    Synthetic {
        client_id: "fleet",
        first_seed: 1,
        appointments,
        patients: (appointments / 10).max(20),
        practitioners: 4,
        slots: 10,
        encounters: 10,
        days_before: 14,
        days_after: 28,
        locations: &["1001:North", "1002:South"],
    }
}

/// The test server's URL: required under CI, else `None` (the caller skips, saying why).
pub(crate) fn pg_url() -> Option<String> {
    match std::env::var(PG_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!("{PG_ENV} is not set: CI must run the PostgreSQL tests"),
        _ => {
            eprintln!("skipped: set {PG_ENV} (or run bash .ci/run) to run the worker tests");
            None
        }
    }
}

/// A fresh schema on the test server, as a store URL.
pub(crate) async fn pg_schema(url: &str) -> String {
    let schema = format!("fleet_{}", uuid::Uuid::new_v4().simple());
    let (client, connection) =
        tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap_or_else(|e| panic!("{url}: {e}"));
    tokio::spawn(connection);
    client.batch_execute(&format!("CREATE SCHEMA {schema}")).await.unwrap_or_else(|e| panic!("{e}"));
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-csearch_path%3D{schema}")
}

impl Fleet {
    /// Starts an emulator with `tenants` tenants of `appointments` synthetic appointments each,
    /// and a store in a schema of its own.
    pub(crate) async fn start(pg: &str, tenants: usize, appointments: u64) -> Self {
        let tenants: Vec<String> = (0..tenants).map(|n| format!("fleet-{n:03}")).collect();
        let synthetic = synthetic(appointments);
        let mut config = ServerConfig::new(synthetic.profile(&tenants));
        config.clock = Clock::manual(DEFAULT_MANUAL_START);
        let server = MockServer::start(config).await.unwrap_or_else(|e| panic!("start: {e}"));
        let dir = std::env::temp_dir().join(format!("appointment-sync-fleet-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let store_url = pg_schema(pg).await;
        let target = PgTarget::parse(&store_url).unwrap_or_else(|e| panic!("{e}"));
        let store = PgStore::connect(&target).await.unwrap_or_else(|e| panic!("{e}"));
        let locations = synthetic.location_ids().into_iter().map(str::to_owned).collect();
        Self { server, tenants, locations, dir, store_url, store }
    }

    /// A contract v1 job for worker `n` (its own output and state directory).
    pub(crate) fn write_job(&self, n: usize) -> PathBuf {
        let tenants: Vec<_> = self
            .tenants
            .iter()
            .map(|id| json!({ "id": id, "fhir_base": format!("{}/dstu2/{id}/", self.server.origin()), "locations": self.locations }))
            .collect();
        let state = self.dir.join(format!("worker-{n}"));
        std::fs::create_dir_all(&state).unwrap_or_else(|e| panic!("{e}"));
        let job = json!({
            "client_id": "fleet", "client_secret": "secret", "scopes": "system/Appointment.read",
            "tenants": tenants,
            "window": { "start": FLEET_WINDOW.0, "end": FLEET_WINDOW.1 },
            "output": state.join("appointments.ndjson"), "state_dir": state,
        });
        let path = self.dir.join(format!("job-{n}.json"));
        std::fs::write(&path, job.to_string()).unwrap_or_else(|e| panic!("{e}"));
        path
    }

    /// Starts worker `n` as a process of the release or debug client binary next to the caller.
    pub(crate) fn spawn_worker(&self, binary: &Path, n: usize, lease_ttl: Duration) -> tokio::process::Child {
        tokio::process::Command::new(binary)
            .args(["run", "--worker", "--json", "--store", &self.store_url, "--lease-ttl"])
            .arg(lease_ttl.as_secs().to_string())
            .arg("--job")
            .arg(self.write_job(n))
            .env("RUST_LOG", "warn")
            .env_remove("APPOINTMENT_SYNC_STORE")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", binary.display()))
    }

    /// `(id, versionId)` of every appointment of a tenant in the window, from the emulator's store.
    pub(crate) fn truth(&self, tenant: &str) -> Vec<(String, String)> {
        let store = self.server.state().store();
        let data = store.read(tenant).unwrap_or_else(|| panic!("no tenant {tenant}"));
        data.appointments_in_window(&self.locations, FLEET_WINDOW.0, FLEET_WINDOW.1)
            .into_iter()
            .map(|a| (a.id, a.version))
            .collect()
    }

    /// `(id, versionId)` of what the workers stored for a tenant, sorted.
    pub(crate) async fn stored(&self, tenant: &str) -> Vec<(String, String)> {
        let rows = self.store.appointments(Some(tenant)).await.unwrap_or_else(|e| panic!("{e}"));
        let mut rows: Vec<_> = rows.into_iter().map(|a| (a.id, a.version_id.into_string())).collect();
        rows.sort();
        rows
    }

    /// Tenants whose stored appointments differ from the ground truth, with both counts.
    pub(crate) async fn mismatches(&self) -> BTreeMap<String, (usize, usize)> {
        let mut wrong = BTreeMap::new();
        for tenant in &self.tenants {
            let (stored, truth) = (self.stored(tenant).await, self.truth(tenant));
            if stored != truth {
                wrong.insert(tenant.clone(), (stored.len(), truth.len()));
            }
        }
        wrong
    }

    /// The tenants of the latest round (none before a worker opened one).
    pub(crate) async fn round(&self) -> Vec<RoundTenant> {
        match self.store.latest_round().await.unwrap_or_else(|e| panic!("{e}")) {
            Some(round) => self.store.round_tenants(round).await.unwrap_or_else(|e| panic!("{e}")),
            None => Vec::new(),
        }
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What a worker process printed with `--json`, and its exit code.
#[derive(Debug)]
pub(crate) struct WorkerResult {
    pub code: Option<i32>,
    pub summary: serde_json::Value,
    pub stderr: String,
}

impl WorkerResult {
    /// `tenant → outcome` of the tenants this worker reported.
    pub(crate) fn tenants(&self) -> Vec<(String, String)> {
        self.summary["tenants"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| (t["tenant"].as_str().unwrap_or("").to_owned(), t["outcome"].as_str().unwrap_or("").to_owned()))
            .collect()
    }

    /// Appointments this worker saved (new, updated or unchanged).
    pub(crate) fn appointments(&self) -> u64 {
        self.summary["tenants"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| ["inserted", "updated", "unchanged"].iter().map(|k| t[k].as_u64().unwrap_or(0)).sum::<u64>())
            .sum()
    }
}

pub(crate) async fn finish(child: tokio::process::Child) -> WorkerResult {
    let output = child.wait_with_output().await.unwrap_or_else(|e| panic!("{e}"));
    let summary = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    WorkerResult { code: output.status.code(), summary, stderr: String::from_utf8_lossy(&output.stderr).into_owned() }
}
