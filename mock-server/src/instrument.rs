//! The instrument around the Cerner surfaces (token endpoint and FHIR): for every request it
//! identifies the caller, applies the first fault rule that triggers, enforces the rate limits,
//! lets the handlers answer, rewrites the answer if a rule says so, stamps `X-Request-Id` on FHIR
//! answers, and records the request in the journal.

pub(crate) mod identify;

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;

use crate::app::AppState;
use crate::faults::apply::{self, ResetConnection};
use crate::faults::hostile;
use crate::faults::{FaultAction, RequestFacts};
use crate::journal::{FaultApplied, JournalEntry};
use crate::limits::InFlightGuard;
use crate::oauth::presented::Presented;
use crate::request::{FhirVersion, Record, Surface};
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{MatchedPath, RawPathParams};
use identify::identify;

use crate::oauth::MAX_TOKEN_BODY;

pub(crate) async fn instrument(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    params: Result<RawPathParams, RawPathParamsRejection>,
    request: Request,
    next: Next,
) -> Response {
    let seq = state.journal().next_seq();
    let started = Instant::now();
    let time = state.clock().now();
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    // The route axum matched names surface, tenant and resource; the path is not parsed again.
    let template = matched.as_ref().map_or("", MatchedPath::as_str);
    let params: Vec<(&str, &str)> = params.as_ref().map(|p| p.iter().collect()).unwrap_or_default();
    let route = identify::from_route(template, &params);
    let (body, bytes) = if route.surface == Some(Surface::Token) {
        match axum::body::to_bytes(body, MAX_TOKEN_BODY).await {
            Ok(bytes) => (Body::from(bytes.clone()), Some(bytes)),
            Err(_) => {
                let tenant = route.tenant.as_deref().unwrap_or_default();
                return apply::error_response(&state, Surface::Token, 413, tenant, None);
            }
        }
    } else {
        (body, None)
    };
    let presented = Presented::read(&state, &parts.headers, bytes.as_deref());
    let record = Arc::new(identify(&state, route, &presented));
    let mut entry = JournalEntry {
        seq,
        time,
        wall_time: OffsetDateTime::now_utc(),
        method: parts.method.to_string(),
        path,
        query: parts.uri.query().map(str::to_owned),
        client_id: record.client.clone(),
        tenant: record.tenant.clone(),
        jti: record.jti.clone(),
        authorization: record.scheme.clone(),
        accept: parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).map(str::to_owned),
        status: 0,
        bytes: 0,
        latency_ms: 0.0,
        request_id: None,
        opc_request_id: None,
        scope: record.scope.clone(),
        fhir_version: record.version(),
        in_flight: None,
        fault: None,
    };
    let mut request = Request::from_parts(parts, body);
    request.extensions_mut().insert(Arc::new(presented));
    request.extensions_mut().insert(record.clone());
    let (slot, over_cap) = match enter(&state, &record) {
        Some(Ok(guard)) => (Some(guard), false),
        Some(Err(guard)) => (Some(guard), true),
        None => (None, false),
    };
    entry.in_flight = slot.as_ref().map(|guard| guard.at_arrival);
    let fault = if over_cap { None } else { decide(&state, &entry, &record) };
    entry.fault =
        fault.as_ref().map(|(rule, action)| FaultApplied { rule: rule.clone(), action: action.name().to_owned() });
    let mut response = if over_cap {
        over_in_flight(&state, &record)
    } else {
        handle(&state, &record, fault.as_ref().map(|(_, a)| a), request, next).await
    };
    if let Some(applied) = &entry.fault {
        crate::faults::log::mark(&mut response, applied);
    }
    if matches!(record.surface, Some(Surface::Fhir(_))) && !response.headers().contains_key("x-request-id") {
        let mut buffer = uuid::Uuid::encode_buffer();
        let id = crate::ids::random_uuid().hyphenated().encode_lower(&mut buffer);
        let id = HeaderValue::from_str(id).unwrap_or(HeaderValue::from_static("unknown"));
        response.headers_mut().insert("x-request-id", id);
    }
    if record.surface.is_some()
        && !response.headers().contains_key(OPC_REQUEST_ID)
        && let Ok(id) = HeaderValue::from_str(&opc_request_id())
    {
        response.headers_mut().insert(OPC_REQUEST_ID, id);
    }
    if state.journal().is_enabled() {
        finish(&state, entry, &response, fault.as_ref().map(|(_, a)| a), started);
    }
    match slot {
        Some(guard) => crate::limits::hold_until_sent(response, guard),
        None => response,
    }
}

/// A FHIR request of a known account on a known tenant, counted in flight until its body is sent;
/// `Err` when it is over `[limits] max_in_flight` (only requests whose token was verified are capped).
fn enter(state: &AppState, record: &Record) -> Option<Result<InFlightGuard, InFlightGuard>> {
    let (Some(Surface::Fhir(_)), Some(client), Some(tenant)) =
        (record.surface, record.client.as_deref(), record.tenant.as_deref())
    else {
        return None;
    };
    Some(state.limits().enter_fhir(client, tenant, record.token_verified))
}

/// The answer to a request over `max_in_flight`, as the profile says: its status, with
/// `Retry-After` on a 429 or 503 (the 429 is the rate limit's own).
fn over_in_flight(state: &AppState, record: &Record) -> Response {
    let settings = state.limits().settings_at(record.tenant.as_deref());
    let surface = record.surface.unwrap_or(Surface::Fhir(FhirVersion::Dstu2));
    let (tenant, client) = (record.tenant.as_deref().unwrap_or_default(), record.client.as_deref());
    let retry_after = settings.in_flight_retry_after.to_string();
    match settings.in_flight_status {
        429 => apply::throttled(state, surface, &retry_after, tenant, client),
        503 => {
            let mut response = apply::error_response(state, surface, 503, tenant, client);
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(settings.in_flight_retry_after));
            response
        }
        status => apply::error_response(state, surface, status, tenant, client),
    }
}

/// The gateway's request id on Cerner's answers, beside `X-Request-Id`: support tickets ask for it.
pub(crate) const OPC_REQUEST_ID: &str = "opc-request-id";

/// A new `opc-request-id` in the form Cerner's examples show: `/`, 32 upper-case hex digits, `/`,
/// 32 more (`/95685D1463E5BE27E66427BBDA8725DE/BD2E22EED59A7AD48B938357F8CF72E1`).
pub(crate) fn opc_request_id() -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let random: [u8; 32] = rand::random();
    let mut id = String::with_capacity(66);
    for (i, byte) in random.iter().enumerate() {
        if i % 16 == 0 {
            id.push('/');
        }
        id.push(char::from(HEX[usize::from(byte >> 4)]));
        id.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    id
}

fn decide(state: &AppState, entry: &JournalEntry, record: &Record) -> Option<(String, FaultAction)> {
    let facts = RequestFacts {
        method: &entry.method,
        path: &entry.path,
        tenant: record.tenant.as_deref(),
        resource: record.resource.as_deref(),
        client: record.client.as_deref(),
        version: record.version(),
    };
    state.faults().decide(&facts)
}

/// Runs the pre-actions and the rate limits, the handler, then the post-actions.
async fn handle(
    state: &AppState,
    record: &Record,
    action: Option<&FaultAction>,
    mut request: Request,
    next: Next,
) -> Response {
    let surface = record.surface.unwrap_or(Surface::Fhir(FhirVersion::Dstu2));
    let tenant = record.tenant.as_deref().unwrap_or_default();
    let client = record.client.as_deref();
    // Escapes that decode to no UTF-8 fail the handlers' `Path` extractor, whose plain-text
    // rejection is neither protocol's error shape: refuse them here in the surface's own.
    if percent_encoding::percent_decode_str(request.uri().path()).decode_utf8().is_err() {
        return apply::error_response(state, surface, 400, tenant, client);
    }
    match action {
        Some(FaultAction::Status { status }) => return apply::error_response(state, surface, *status, tenant, client),
        Some(FaultAction::Throttle { retry_after }) => {
            return apply::throttled(state, surface, retry_after, tenant, client);
        }
        Some(FaultAction::Reset) => {
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.extensions_mut().insert(ResetConnection);
            return response;
        }
        Some(FaultAction::Delay { ms }) => tokio::time::sleep(std::time::Duration::from_millis(*ms)).await,
        Some(FaultAction::ShortPage { keep }) => {
            request.extensions_mut().insert(crate::request::ShortPage(*keep));
        }
        Some(FaultAction::ExpireToken) => {
            if let Some(jti) = &record.jti {
                state.expire_token(jti);
            }
        }
        Some(FaultAction::EndlessNext) => return hostile::endless(state, request.uri()),
        Some(FaultAction::Redirect { origin }) => {
            let place = request.uri().path_and_query().map_or("/", |p| p.as_str());
            let location = format!("{}{place}", origin.trim_end_matches('/'));
            return (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
        }
        Some(FaultAction::RevokeApproval) => {
            if let (Some(client), Some(tenant)) = (client, record.tenant.as_deref()) {
                state.revoke_approval(client, tenant);
            }
        }
        _ => {}
    }
    if let Some(throttled) = check_limits(state, record) {
        return apply::throttled(state, surface, &throttled.to_string(), tenant, client);
    }
    // The request's URI, for the rewrites that build links from it.
    let uri = action.filter(|action| hostile::rewrites(action)).map(|_| request.uri().clone());
    // The request's span costs on every request even when nothing listens: only when DEBUG is on.
    let response = if tracing::enabled!(tracing::Level::DEBUG) {
        let span = tracing::debug_span!(
            "request",
            version = record.version().map(FhirVersion::as_str),
            tenant = record.tenant.as_deref(),
            resource = record.resource.as_deref(),
            client = record.client.as_deref(),
            jti = record.jti.as_deref(),
        );
        tracing::Instrument::instrument(next.run(request), span).await
    } else {
        next.run(request).await
    };
    match (action, uri) {
        (Some(action), Some(uri)) => hostile::rewrite(state, action, record.tenant.as_deref(), &uri, response).await,
        (Some(action), None) => apply::rewrite(state, action, record.tenant.as_deref(), response).await,
        (None, _) => response,
    }
}

/// The wait, in seconds, when the caller is over its rate.
fn check_limits(state: &AppState, record: &Record) -> Option<u64> {
    let client = record.client.as_deref()?;
    let result = match record.surface? {
        Surface::Token => state.limits().check_token_at(client, record.tenant.as_deref()),
        Surface::Fhir(_) if record.token_verified => state.limits().check_fhir(client, record.tenant.as_deref()?),
        Surface::Fhir(_) => Ok(()),
    };
    result.err().map(|t| t.retry_after_seconds)
}

fn finish(
    state: &AppState,
    mut entry: JournalEntry,
    response: &Response,
    action: Option<&FaultAction>,
    started: Instant,
) {
    let reset = response.extensions().get::<ResetConnection>().is_some();
    let length = response
        .body()
        .size_hint()
        .exact()
        .or_else(|| response.headers().get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok())
        .unwrap_or(0);
    entry.status = if reset { 0 } else { response.status().as_u16() };
    entry.bytes = match action {
        _ if reset => 0,
        Some(FaultAction::Truncate) => length / 2,
        _ => length,
    };
    entry.latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    entry.request_id = header("x-request-id");
    entry.opc_request_id = header(OPC_REQUEST_ID);
    state.journal().record(entry);
}
