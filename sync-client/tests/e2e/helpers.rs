//! An emulator, a job for the client, and the ground truth to compare with.

use std::path::PathBuf;

use appointment_sync::config::SyncConfig;
use appointment_sync::fhir_version::FhirVersion;
use appointment_sync::progress::Progress;
use appointment_sync::run::RunSummary;
use appointment_sync::store::SqliteStore;
use cerner_mock::clock::DEFAULT_MANUAL_START;
use cerner_mock::store::LoadOptions;
use cerner_mock::{AdminClient, Clock, MockServer, Profile, ServerConfig};
use serde_json::json;

/// `PRODUCTION` is "Production Hospital": it refuses system accounts on DSTU2 (403) and serves
/// them on R4.
pub(crate) use cerner_mock::defaults::{
    CLIENT_ID as CLIENT, PRODUCTION_TENANT as PRODUCTION, SANDBOX_TENANT as SANDBOX, SECOND_TENANT as SECOND,
    UNAPPROVED_TENANT as UNAPPROVED,
};
/// The window around the manual clock's date (2026-01-05) that the synthetic data covers.
pub(crate) const WINDOW: (&str, &str) = ("2025-12-22", "2026-02-03");

pub(crate) struct Env {
    pub server: MockServer,
    pub admin: AdminClient,
    pub dir: PathBuf,
    pub tenants: Vec<(String, Vec<String>)>,
}

pub(crate) async fn emulator(load: LoadOptions) -> Env {
    let mut profile = Profile::embedded_default();
    profile.limits.enabled = false;
    let mut config = ServerConfig::new(profile);
    config.clock = Clock::manual(DEFAULT_MANUAL_START);
    config.load = load;
    let server = MockServer::start(config).await.unwrap();
    let admin = AdminClient::new(server.origin()).unwrap();
    let dir = std::env::temp_dir().join(format!("appointment-sync-e2e-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("state")).unwrap();
    let mut tenants = Vec::new();
    for tenant in [SANDBOX, SECOND, UNAPPROVED, PRODUCTION] {
        let locations = admin.tenant(tenant).await.unwrap().data.locations.into_iter().map(|l| l.id).collect();
        tenants.push((tenant.to_owned(), locations));
    }
    Env { server, admin, dir, tenants }
}

impl Env {
    /// A contract v1 job for `tenants` (by id), on their DSTU2 bases.
    pub(crate) fn job(&self, tenants: &[&str]) -> serde_json::Value {
        let on_dstu2: Vec<_> = tenants.iter().map(|t| (*t, FhirVersion::Dstu2)).collect();
        self.job_on(&on_dstu2)
    }

    /// The FHIR base of `tenant` on the emulator in `version`.
    pub(crate) fn base(&self, tenant: &str, version: FhirVersion) -> String {
        format!("{}/{}/{tenant}/", self.server.origin(), path_segment(version))
    }

    /// A contract v1 job for `tenants` (by id), each on its base of the given version.
    pub(crate) fn job_on(&self, tenants: &[(&str, FhirVersion)]) -> serde_json::Value {
        let tenants: Vec<_> = self
            .tenants
            .iter()
            .filter_map(|(id, locations)| {
                let (_, version) = tenants.iter().find(|(t, _)| t == id)?;
                Some(json!({ "id": id, "fhir_base": self.base(id, *version), "locations": locations }))
            })
            .collect();
        json!({
            "client_id": CLIENT,
            "client_secret": "secret",
            "scopes": "system/Appointment.read",
            "tenants": tenants,
            "window": { "start": WINDOW.0, "end": WINDOW.1 },
            "output": self.dir.join("appointments.ndjson"),
            "state_dir": self.dir.join("state"),
        })
    }

    pub(crate) fn write_job(&self, tenants: &[&str]) -> PathBuf {
        let path = self.dir.join("job.json");
        std::fs::write(&path, self.job(tenants).to_string()).unwrap();
        path
    }

    /// Runs the client in-process.
    pub(crate) async fn sync(&self, tenants: &[&str]) -> RunSummary {
        let config = SyncConfig::from_job(&self.job(tenants).to_string(), "job").unwrap();
        appointment_sync::run::run(config, Progress::Log).await.unwrap()
    }

    /// Runs the client in-process, each tenant on its base of the given version.
    pub(crate) async fn sync_on(&self, tenants: &[(&str, FhirVersion)]) -> RunSummary {
        let config = SyncConfig::from_job(&self.job_on(tenants).to_string(), "job").unwrap();
        appointment_sync::run::run(config, Progress::Log).await.unwrap()
    }

    pub(crate) fn store(&self) -> SqliteStore {
        SqliteStore::open(&self.dir.join("state").join("appointments.db")).unwrap()
    }

    /// `(id, versionId)` of what the client stored for a tenant, sorted.
    pub(crate) fn stored(&self, tenant: &str) -> Vec<(String, String)> {
        let mut rows: Vec<_> = self
            .store()
            .appointments(Some(tenant))
            .unwrap()
            .into_iter()
            .map(|a| (a.id, a.version_id.into_string()))
            .collect();
        rows.sort();
        rows
    }

    /// `(id, versionId)` of every appointment of the tenant's locations in the window, from the
    /// emulator's own store.
    pub(crate) fn truth(&self, tenant: &str) -> Vec<(String, String)> {
        let locations = &self.tenants.iter().find(|(id, _)| id == tenant).unwrap().1;
        let store = self.server.state().store();
        let data = store.read(tenant).unwrap();
        data.appointments_in_window(locations, WINDOW.0, WINDOW.1).into_iter().map(|a| (a.id, a.version)).collect()
    }

    pub(crate) async fn journal(&self, tenant: &str) -> Vec<cerner_mock::admin_client::JournalEntry> {
        self.admin.journal(&cerner_mock::admin_client::JournalQuery::new().tenant(tenant)).await.unwrap().entries
    }
}

/// The first path segment of a version's bases: `dstu2` or `r4`.
pub(crate) fn path_segment(version: FhirVersion) -> &'static str {
    match version {
        FhirVersion::Dstu2 => "dstu2",
        FhirVersion::R4 => "r4",
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
