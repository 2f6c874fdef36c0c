//! The in-process driver: one emulator state and router per target, requests sent with
//! `tower::ServiceExt::oneshot` on a current-thread runtime, and the run that counts executions.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use cerner_mock::clock::DEFAULT_MANUAL_START;
use cerner_mock::{AppState, Clock, Profile, build_router};
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use tower::ServiceExt;

/// The origin the emulator writes into its answers.
pub(crate) const ORIGIN: &str = "http://127.0.0.1:8080";
pub(crate) use cerner_mock::defaults::{
    CLIENT_ID as CLIENT, CLIENT_SECRET as SECRET, JWT_CLIENT_ID as JWT_CLIENT, SANDBOX_TENANT as SANDBOX,
    SECOND_TENANT as SECOND, UNAPPROVED_TENANT as UNAPPROVED,
};
pub(crate) const FORM: &str = "application/x-www-form-urlencoded";
pub(crate) const ALL_SCOPES: &str = "system/Appointment.read system/Patient.read system/Practitioner.read \
                              system/Schedule.read system/Slot.read system/Encounter.read";

/// Cases per target: `FUZZ_CASES` (underscores allowed, e.g. `1_000_000`), else 256.
pub(crate) fn cases() -> u32 {
    std::env::var("FUZZ_CASES").ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(256)
}

/// An answer, read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn content_type(&self) -> Option<&str> {
        self.header(header::CONTENT_TYPE.as_str())
    }

    pub(crate) fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Status, content type and the start of the body, for failure messages.
    pub(crate) fn describe(&self) -> String {
        let body = String::from_utf8_lossy(&self.body[..self.body.len().min(300)]).into_owned();
        format!("{} {:?} {body:?}", self.status, self.content_type())
    }
}

/// An emulator with the default profile (rate limits off, so a million requests are answered),
/// the manual clock at its default start, and the origin [`ORIGIN`].
pub(crate) struct Emulator {
    pub state: AppState,
    router: Router,
    runtime: tokio::runtime::Runtime,
}

impl Emulator {
    pub(crate) fn new() -> Self {
        let mut profile = Profile::embedded_default();
        profile.limits.enabled = false;
        let origin = url::Url::parse(ORIGIN).unwrap();
        let state = AppState::new(profile, &origin, Clock::manual(DEFAULT_MANUAL_START), Default::default()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        Self { router: build_router(state.clone()), state, runtime }
    }

    /// Sends one request through the whole router and reads the whole answer. A panic in the
    /// emulator unwinds to the caller (and so fails the case).
    pub(crate) fn send(&self, request: Request<Body>) -> Reply {
        self.runtime.block_on(async {
            let response = self.router.clone().oneshot(request).await.unwrap();
            let (parts, body) = response.into_parts();
            // A body that fails (a `truncate` fault) reads as empty.
            let body = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
            Reply { status: parts.status, headers: parts.headers, body }
        })
    }

    /// A bearer token for the Basic account on `tenant` with `scope`.
    pub(crate) fn token(&self, tenant: &str, scope: &str) -> String {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("scope", scope)
            .finish();
        let request = Request::post(token_path(tenant))
            .header(header::CONTENT_TYPE, FORM)
            .header(header::AUTHORIZATION, basic(CLIENT, SECRET))
            .body(Body::from(body))
            .unwrap();
        let reply = self.send(request);
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.describe());
        reply.json().unwrap()["access_token"].as_str().unwrap().to_owned()
    }
}

pub(crate) fn token_path(tenant: &str) -> String {
    format!("/tenants/{tenant}/protocols/oauth2/profiles/smart-v1/token")
}

pub(crate) fn basic(client: &str, secret: &str) -> String {
    use base64::Engine;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{client}:{secret}")))
}

thread_local! {
    /// Outcomes of the target running on this thread, by label, for the report.
    static OUTCOMES: RefCell<BTreeMap<String, u64>> = const { RefCell::new(BTreeMap::new()) };
}

/// Counts one outcome (a status, `ok`, an error kind), so a run shows what it exercised.
pub(crate) fn outcome(label: impl std::fmt::Display) {
    OUTCOMES.with(|o| *o.borrow_mut().entry(label.to_string()).or_default() += 1);
}

/// Runs `test` on [`cases`] inputs drawn from `strategy` (after the seeds saved in
/// `tests/proptest-regressions/` for `source_file`), then prints the executions it ran, shrinking
/// included, and the wall time. Fails with the minimal failing input.
pub(crate) fn run<S: Strategy>(
    name: &str,
    source_file: &'static str,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let mut config = Config::with_cases(cases());
    config.source_file = Some(source_file);
    config.failure_persistence = Some(Box::new(FileFailurePersistence::SourceParallel("proptest-regressions")));
    let mut runner = TestRunner::new(config);
    let executions = AtomicU64::new(0);
    let started = Instant::now();
    let result = runner.run(&strategy, |value| {
        executions.fetch_add(1, Ordering::Relaxed);
        test(value)
    });
    let seconds = started.elapsed().as_secs_f64();
    let executions = executions.into_inner();
    let outcomes = OUTCOMES.with(|o| std::mem::take(&mut *o.borrow_mut()));
    let outcomes: Vec<String> = outcomes.iter().map(|(label, n)| format!("{label}: {n}")).collect();
    eprintln!(
        "fuzz target {name}: {executions} executions ({} cases) in {seconds:.1} s ({:.0}/s): {}; outcomes {{{}}}",
        cases(),
        executions as f64 / seconds.max(1e-9),
        if result.is_ok() { "no failure" } else { "FAILED" },
        outcomes.join(", ")
    );
    if let Err(error) = result {
        panic!("fuzz target {name}: {error}");
    }
}
