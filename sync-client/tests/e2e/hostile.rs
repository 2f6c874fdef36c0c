//! A hostile FHIR server for what the emulator cannot produce: a small axum app on 127.0.0.1:0
//! that signs any client in, serves what each test tells it to, and records every request it
//! received. The client runs as its own process (the real binary, exit code included), with a
//! good tenant on the emulator beside the hostile ones.

mod budget;
mod credentials;
mod leaks;
mod messages;
mod pages;
mod paging;
mod panics;
mod summary;
mod throttling;
mod window;

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use appointment_sync::store::OutcomeKind;
pub(crate) use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
pub(crate) use axum::response::IntoResponse;
use axum::response::Response;
use serde_json::{Value, json};

pub(crate) use appointment_sync::fhir_version::FhirVersion;

pub(crate) use crate::helpers::path_segment;
use crate::helpers::{CLIENT, Env, SANDBOX, WINDOW};

const BINARY: &str = env!("CARGO_BIN_EXE_appointment-sync");
const SECRET_ENV: &str = "HOSTILE_TEST_CLIENT_SECRET";

/// A request the hostile server received.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub method: String,
    /// Path and query, as received.
    pub target: String,
    pub authorization: Option<String>,
    pub at: Instant,
}

pub(crate) struct Hostile {
    pub origin: String,
    log: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

async fn record(State(log): State<Arc<Mutex<Vec<Seen>>>>, request: Request, next: Next) -> Response {
    let seen = Seen {
        method: request.method().to_string(),
        target: request.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default(),
        authorization: request.headers().get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned),
        at: Instant::now(),
    };
    log.lock().unwrap().push(seen);
    next.run(request).await
}

impl Hostile {
    /// Serves the routes `app` builds from the server's origin, recording every request.
    pub(crate) async fn start(app: impl FnOnce(&str) -> Router) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let router = app(&origin).layer(axum::middleware::from_fn_with_state(log.clone(), record));
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self { origin, log, task }
    }

    /// The FHIR base of `tenant` on this server in `version`.
    pub(crate) fn base(&self, version: FhirVersion, tenant: &str) -> String {
        format!("{}/{}/{tenant}/", self.origin, path_segment(version))
    }

    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }

    /// The targets received, in order.
    pub(crate) fn targets(&self) -> Vec<String> {
        self.seen().into_iter().map(|s| s.target).collect()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The metadata of a `version` server naming `token_url`: a DSTU2 Conformance statement or an R4
/// CapabilityStatement.
pub(crate) fn metadata(version: FhirVersion, token_url: &str) -> Value {
    let resource_type = match version {
        FhirVersion::Dstu2 => "Conformance",
        FhirVersion::R4 => "CapabilityStatement",
    };
    json!({"resourceType": resource_type, "fhirVersion": version.release(), "rest": [{"mode": "server",
    "security": {"extension": [{
        "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
        "extension": [{"url": "token", "valueUri": token_url}]
    }]}}]})
}

/// A token answer with this `expires_in`.
pub(crate) fn token(expires_in: Value) -> Value {
    json!({"access_token": "hostile-token", "token_type": "Bearer", "expires_in": expires_in, "scope": "system/Appointment.read"})
}

/// The usual sign-in routes: `/dstu2/{tenant}/metadata` and `/r4/{tenant}/metadata` name
/// `{origin}/token`, which grants a token for 570 s.
pub(crate) fn sign_in(origin: &str) -> Router {
    let mut router = Router::new();
    for version in FhirVersion::ALL {
        let metadata = metadata(version, &format!("{origin}/token"));
        let path = format!("/{}/{{tenant}}/metadata", path_segment(version));
        router = router.route(&path, axum::routing::get(move || async move { axum::Json(metadata) }));
    }
    router.route("/token", axum::routing::post(|| async { axum::Json(token(json!(570))) }))
}

/// A searchset page: these resources, and a `next` link when given.
pub(crate) fn bundle(resources: Vec<Value>, next: Option<&str>) -> Value {
    let mut links = vec![json!({"relation": "self", "url": "http://x/"})];
    if let Some(next) = next {
        links.push(json!({"relation": "next", "url": next}));
    }
    let entry: Vec<Value> = resources.into_iter().map(|r| json!({"resource": r})).collect();
    json!({"resourceType": "Bundle", "type": "searchset", "link": links, "entry": entry})
}

/// An Appointment at Location 1 in the window.
pub(crate) fn appointment(id: &str) -> Value {
    json!({"resourceType": "Appointment", "id": id, "meta": {"versionId": "1"}, "status": "booked",
           "start": "2026-01-06T09:00:00.000Z", "participant": [{"actor": {"reference": "Location/1"}}]})
}

/// A tenant of the client's configuration.
pub(crate) struct Tenant {
    pub id: String,
    pub base: String,
    pub locations: Vec<String>,
}

impl Tenant {
    pub(crate) fn hostile(version: FhirVersion, server: &Hostile, id: &str) -> Self {
        Self { id: id.to_owned(), base: server.base(version, id), locations: vec!["1".to_owned()] }
    }

    /// The emulator's sandbox tenant on its `version` base: the good one whose store contents
    /// every test checks.
    pub(crate) fn good(version: FhirVersion, env: &Env) -> Self {
        let locations = env.tenants.iter().find(|(id, _)| id == SANDBOX).unwrap().1.clone();
        Self { id: SANDBOX.to_owned(), base: env.base(SANDBOX, version), locations }
    }
}

/// The client's TOML config for `tenants`, with `sync` lines added to `[sync]`, storing into
/// the emulator environment's state directory (where [`Env::stored`] reads).
pub(crate) fn config(env: &Env, tenants: &[Tenant], sync: &str) -> std::path::PathBuf {
    let mut text = format!(
        "[credentials]\nclient_id = \"{CLIENT}\"\nclient_secret_env = \"{SECRET_ENV}\"\n\
         [window]\nstart = \"{}\"\nend = \"{}\"\n[sync]\nbackoff_base_ms = 10\nbackoff_max_ms = 50\n{sync}\n\
         [store]\npath = {:?}\n",
        WINDOW.0,
        WINDOW.1,
        env.dir.join("state").join("appointments.db")
    );
    for tenant in tenants {
        text.push_str(&format!(
            "[[tenants]]\nid = \"{}\"\nfhir_base = \"{}\"\nlocations = {:?}\n",
            tenant.id, tenant.base, tenant.locations
        ));
    }
    let path = env.dir.join("hostile.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// What a run of the client process gave.
#[derive(Debug)]
pub(crate) struct Run {
    pub code: Option<i32>,
    pub summary: Value,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// `(outcome, reason)` of a tenant in the summary.
    pub(crate) fn outcome(&self, tenant: &str) -> (String, String) {
        let report = self.report(tenant);
        (report["outcome"].as_str().unwrap_or("").to_owned(), report["reason"].as_str().unwrap_or("").to_owned())
    }

    pub(crate) fn report(&self, tenant: &str) -> Value {
        let tenants = self.summary["tenants"].as_array().unwrap_or_else(|| panic!("no summary: {self:#?}"));
        tenants.iter().find(|t| t["tenant"] == tenant).cloned().unwrap_or_else(|| panic!("{tenant} not reported"))
    }
}

/// Runs `appointment-sync run --config … [args]` as a process and waits for it.
pub(crate) async fn run_client(config: &std::path::Path, args: &[&str]) -> Run {
    let output = client_command(config, args).output().await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    Run {
        code: output.status.code(),
        summary: serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

pub(crate) fn client_command(config: &std::path::Path, args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(BINARY);
    command
        .args(["run", "--config"])
        .arg(config)
        .args(args)
        .env(SECRET_ENV, "secret")
        .env("RUST_LOG", "info")
        .env_remove("APPOINTMENT_SYNC_STORE")
        .env_remove("HARNESS_JOB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// The run's exit code is 1, the good tenant synced exactly as the emulator holds it, and the
/// hostile tenant ended with `outcome` and a reason containing `reason`.
pub(crate) fn assert_contained(env: &Env, run: &Run, tenant: &str, outcome: &str, reason: &str) {
    assert_eq!(run.code, Some(1), "{run:#?}");
    assert_eq!(run.outcome(SANDBOX).0, "synced", "{run:#?}");
    assert_eq!(env.stored(SANDBOX), env.truth(SANDBOX), "the good tenant's store");
    let (got, why) = run.outcome(tenant);
    assert_eq!(got, outcome, "{run:#?}");
    assert!(why.contains(reason), "reason {why:?} lacks {reason:?}");
    let state = env.store().tenant_state(tenant).unwrap().unwrap();
    assert_eq!(state.last_outcome.map(OutcomeKind::as_str), Some(outcome), "the tenant's stored state");
}
