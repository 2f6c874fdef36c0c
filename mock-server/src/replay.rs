//! `cerner-mock --replay DIR`: serves a folder written by `cerner-harness record` as the tenant it
//! was recorded from, on the secured and open bases of its version (`/{version}/{tenant}/`,
//! `/open/{version}/{tenant}/`). Each recorded request answers its recorded status, `Content-Type`,
//! the headers a recording keeps ([`KEPT_HEADERS`]) and body, byte for byte as recorded JSON;
//! every other request answers `404` with an OperationOutcome that names the replay. Nothing is
//! computed: no token is checked, no link rewritten (links in the bodies still name the server the
//! recording came from). `GET /__admin/health` answers as on the emulator.
//!
//! # Layout
//! - [`probes`]: the probe lists `record` asks, which name the requests of older recordings.
//! - `recording`: the file format ([`RecordedRequest`]) and the table of answers ([`Recording`]).

pub mod probes;
mod recording;

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

pub use recording::{Answer, KEPT_HEADERS, Key, RecordedRequest, Recording, RecordingError};

use crate::admin::wire::StatusBody;
use crate::fhir::error::operation_outcome;
use crate::request::FhirVersion;
use probes::Base;

/// The replay as a router: health, and every other request looked up in the recording.
pub fn router(recording: Recording) -> Router {
    Router::new()
        .route("/__admin/health", get(|| async { Json(StatusBody { status: "ok".into() }) }))
        .fallback(answer)
        .layer(crate::faults::log::trace_layer())
        .with_state(Arc::new(recording))
}

/// A base's path on the replay: `/{version}/{tenant}/` or `/open/{version}/{tenant}/`.
pub fn base_path(version: FhirVersion, base: Base, tenant: &str) -> String {
    match base {
        Base::Secured => format!("/{}/{tenant}/", version.as_str()),
        Base::Open => format!("/open/{}/{tenant}/", version.as_str()),
    }
}

async fn answer(State(recording): State<Arc<Recording>>, method: Method, uri: Uri) -> Response {
    let target = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
    let mut version = None;
    for v in recording.versions() {
        for base in [Base::Secured, Base::Open] {
            let Some(path) = target.strip_prefix(&base_path(v, base, recording.tenant.as_str())) else { continue };
            version = Some(v);
            let key = Key { version: v, base, method: method.as_str().to_owned(), path: path.to_owned() };
            if let Some(answer) = recording.answers.get(&key) {
                return recorded(answer);
            }
        }
    }
    not_recorded(&recording, &method, target, version)
}

/// A recorded answer, with a fresh `X-Request-Id` (as every emulator answer carries one).
fn recorded(answer: &Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, answer.body.clone()).into_response();
    let headers = response.headers_mut();
    headers.remove(header::CONTENT_TYPE);
    // Loading checked every name and value.
    let values =
        answer.content_type.iter().map(|v| (header::CONTENT_TYPE, v)).chain(
            answer.headers.iter().filter_map(|(name, v)| Some((HeaderName::from_bytes(name.as_bytes()).ok()?, v))),
        );
    for (name, value) in values {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    if let Ok(id) = HeaderValue::from_str(&crate::ids::random_uuid().to_string()) {
        headers.insert("x-request-id", id);
    }
    response
}

/// `404` with an OperationOutcome (`not-found`) in the version of the base asked, naming the replay.
fn not_recorded(recording: &Recording, method: &Method, target: &str, version: Option<FhirVersion>) -> Response {
    let version = version.or_else(|| recording.versions().first().copied()).unwrap_or(FhirVersion::Dstu2);
    let bases: Vec<String> = recording
        .versions()
        .iter()
        .flat_map(|v| [Base::Secured, Base::Open].map(|b| base_path(*v, b, recording.tenant.as_str())))
        .collect();
    let diagnostics = format!(
        "{method} {target} is not in the replayed recording {} ({} recorded requests, served on {})",
        recording.dir.display(),
        recording.answers.len(),
        bases.join(" and ")
    );
    let content_type = match version {
        FhirVersion::Dstu2 => crate::fhir::FHIR_JSON,
        FhirVersion::R4 => crate::fhir::r4::FHIR_JSON_R4,
    };
    let body = operation_outcome("error", "not-found", &diagnostics).to_string();
    let mut response = (StatusCode::NOT_FOUND, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
