//! What the actions do: error answers in each surface's own shape, and rewrites of a response the
//! handlers produced (cut, broken, foreign `next` link, short page, an entry moved to a later page,
//! a body that stalls or dribbles).

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};

use super::FaultAction;
use crate::app::AppState;
use crate::fhir::FhirError;
use crate::store::{Change, format_instant_ms, instant_ms};

use crate::request::{FhirVersion, Surface};

/// Marks a response whose connection must be reset instead of answered.
#[derive(Debug, Clone, Copy)]
pub struct ResetConnection;

/// Largest body the rewriting actions read.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// An error answer with `status`, as the surface's handlers render their own errors.
pub fn error_response(state: &AppState, surface: Surface, status: u16, tenant: &str, client: Option<&str>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match surface {
        Surface::Token => crate::oauth::error::status_response(status, state.origin(), client, tenant),
        Surface::Fhir(version) => {
            let error = FhirError::for_status(status, crate::fhir::realm(state));
            match version {
                FhirVersion::Dstu2 => error.into_response(),
                FhirVersion::R4 => crate::fhir::r4::R4Error(error).into_response(),
            }
        }
    }
}

/// A 429 with `Retry-After` (the value as given: delta-seconds or an HTTP-date).
pub fn throttled(
    state: &AppState,
    surface: Surface,
    retry_after: &str,
    tenant: &str,
    client: Option<&str>,
) -> Response {
    let mut response = error_response(state, surface, 429, tenant, client);
    if let Ok(value) = HeaderValue::from_str(retry_after) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Applies a response-rewriting action; other actions leave the response as it is.
pub async fn rewrite(state: &AppState, action: &FaultAction, tenant: Option<&str>, response: Response) -> Response {
    if !matches!(
        action,
        FaultAction::Truncate
            | FaultAction::Malformed
            | FaultAction::ForeignNext { .. }
            | FaultAction::ShortPage { .. }
            | FaultAction::MoveEntryToLaterPage
            | FaultAction::StallBody { .. }
            | FaultAction::DribbleBody { .. }
    ) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = match action {
        FaultAction::Truncate => return truncated(parts, bytes),
        FaultAction::StallBody { after_bytes, ms } => return super::slow::stalled(parts, bytes, *after_bytes, *ms),
        FaultAction::DribbleBody { bytes_per_second } => return super::slow::dribbled(parts, bytes, *bytes_per_second),
        FaultAction::Malformed => {
            let mut broken = bytes[..bytes.len() / 2].to_vec();
            broken.extend_from_slice(b",,,");
            parts.status = StatusCode::OK;
            Body::from(broken)
        }
        FaultAction::ForeignNext { origin } => Body::from(edit_bundle(&bytes, |b| foreign_next(b, origin))),
        FaultAction::MoveEntryToLaterPage => {
            if let Some(tenant) = tenant {
                move_first_entry_later(state, tenant, &bytes);
            }
            Body::from(bytes)
        }
        _ => Body::from(bytes),
    };
    Response::from_parts(parts, body)
}

/// Announces the whole length, sends half, then fails the body so the connection is cut.
fn truncated(mut parts: axum::http::response::Parts, bytes: Bytes) -> Response {
    parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    let half = bytes.slice(..bytes.len() / 2);
    // The error comes a moment after the half, so the headers and the half are on the wire first.
    let cut = stream::once(async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        Err::<Bytes, _>(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "truncated by a fault rule"))
    });
    let body = stream::iter([Ok::<Bytes, std::io::Error>(half)]).chain(cut);
    Response::from_parts(parts, Body::from_stream(body))
}

/// Applies `edit` to a JSON Bundle body; anything else is returned unchanged.
fn edit_bundle(bytes: &Bytes, edit: impl FnOnce(&mut Value)) -> Bytes {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(mut bundle) if bundle["resourceType"] == "Bundle" => {
            edit(&mut bundle);
            Bytes::from(bundle.to_string())
        }
        _ => bytes.clone(),
    }
}

fn foreign_next(bundle: &mut Value, origin: &str) {
    for link in bundle["link"].as_array_mut().into_iter().flatten() {
        if link["relation"] != "next" {
            continue;
        }
        if let Some(url) = link["url"].as_str().and_then(|u| url::Url::parse(u).ok()) {
            let rest = &url[url::Position::BeforePath..];
            link["url"] = json!(format!("{}{rest}", origin.trim_end_matches('/')));
        }
    }
}

/// Reschedules the page's first appointment to a minute after its last one, so it comes again,
/// with a new version, on a later page.
fn move_first_entry_later(state: &AppState, tenant: &str, bytes: &Bytes) {
    let Ok(bundle) = serde_json::from_slice::<Value>(bytes) else { return };
    let entries: Vec<&Value> = bundle["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == "Appointment")
        .collect();
    let (Some(first), Some(last)) = (entries.first(), entries.last()) else { return };
    let times = |r: &Value| Some((instant_ms(r["start"].as_str()?)?, instant_ms(r["end"].as_str()?)?));
    let (Some((first_start, first_end)), Some((last_start, _)), Some(id)) =
        (times(first), times(last), first["id"].as_str())
    else {
        return;
    };
    if entries.len() < 2 {
        return;
    }
    let start = last_start + 60_000;
    let (Some(start_text), Some(end_text)) =
        (format_instant_ms(start), format_instant_ms(start + (first_end - first_start)))
    else {
        return;
    };
    let change = Change::Reschedule { id: id.to_owned(), start: start_text, end: end_text };
    let store = state.store();
    let result = store.write(tenant).map(|mut data| data.apply(&[change], state.clock().now()));
    if let Some(Err(e)) = result {
        tracing::warn!(error = %e, "move_entry_to_later_page could not move the appointment");
    }
}
