//! Reads (`GET {base}{Type}/{id}`) and searches (`GET {base}{Type}?…`) on both endpoints.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::auth::{Principal, authorize};
use super::bundle::{Bundle, Entry};
use super::paging::{Direction, PageState, page_bounds, page_bounds_in_order};
use super::params::{Query, Search, SlotQuery, parse_search};
use super::{Endpoint, FHIR_JSON, FhirError};
use crate::app::AppState;
use crate::faults::apply::ShortPage;
use crate::ids::TenantId;
use crate::oauth::presented::Presented;
use crate::store::{Key, ResourceType, Row, TenantData};

pub(crate) const PAGE_CONTEXT: &str = "-pageContext";
pub(crate) const PAGE_DIRECTION: &str = "-pageDirection";

pub(super) async fn read_secured(
    State(state): State<AppState>,
    Path((tenant, kind, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    presented: Option<Extension<Arc<Presented>>>,
) -> Result<Response, FhirError> {
    let presented = Presented::or_read(presented, &state, &headers, None);
    let tenant = known_tenant(&state, &tenant)?;
    let (resource_type, _) = authorized_type(&state, &presented, tenant, &kind)?;
    read(&state, tenant, resource_type, &id)
}

pub(super) async fn read_open(
    State(state): State<AppState>,
    Path((tenant, kind, id)): Path<(String, String, String)>,
) -> Result<Response, FhirError> {
    let tenant = known_tenant(&state, &tenant)?;
    read(&state, tenant, open_type(&kind)?, &id)
}

pub(super) async fn search_secured(
    State(state): State<AppState>,
    Path((tenant, kind)): Path<(String, String)>,
    headers: HeaderMap,
    presented: Option<Extension<Arc<Presented>>>,
    short: Option<Extension<ShortPage>>,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let presented = Presented::or_read(presented, &state, &headers, None);
    let tenant = known_tenant(&state, &tenant)?;
    let (resource_type, principal) = authorized_type(&state, &presented, tenant, &kind)?;
    let limit = short.map(|Extension(ShortPage(keep))| keep);
    let query = query.as_deref().unwrap_or_default();
    search(&state, Endpoint::Secured, tenant, resource_type, query, limit, Some(&principal))
}

pub(super) async fn search_open(
    State(state): State<AppState>,
    Path((tenant, kind)): Path<(String, String)>,
    short: Option<Extension<ShortPage>>,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let tenant = known_tenant(&state, &tenant)?;
    let resource_type = open_type(&kind)?;
    let limit = short.map(|Extension(ShortPage(keep))| keep);
    search(&state, Endpoint::Open, tenant, resource_type, query.as_deref().unwrap_or_default(), limit, None)
}

/// Authorizes, then resolves the type; an unknown type is a 404 only for an authorized caller.
fn authorized_type(
    state: &AppState,
    presented: &Presented,
    tenant: &TenantId,
    kind: &str,
) -> Result<(ResourceType, Principal), FhirError> {
    // Location is served on R4 only.
    match kind.parse::<ResourceType>().ok().filter(|t| t.in_dstu2()).ok_or(()) {
        Ok(resource_type) => {
            let principal = authorize(state, presented, tenant, Some(resource_type))?;
            tracing::debug!(client = %principal.client_id, jti = %principal.jti, %tenant, %resource_type, "authorized");
            Ok((resource_type, principal))
        }
        Err(_) => {
            authorize(state, presented, tenant, None)?;
            Err(unsupported(kind))
        }
    }
}

/// The profile's id of the tenant a path names; an unknown tenant is Cerner's 403.
/// The profile's id of the tenant a path names; an unknown tenant is Cerner's 403 (both versions).
pub(crate) fn known_tenant<'s>(state: &'s AppState, tenant: &str) -> Result<&'s TenantId, FhirError> {
    state.profile().tenant(tenant).map(|t| &t.id).ok_or(FhirError::TenantNotAccessible)
}

/// Location is served on R4 only.
pub(crate) fn open_type(kind: &str) -> Result<ResourceType, FhirError> {
    kind.parse().ok().filter(|t: &ResourceType| t.in_dstu2()).ok_or_else(|| unsupported(kind))
}

pub(crate) fn unsupported(kind: &str) -> FhirError {
    FhirError::NotFound(format!("Resource type '{kind}' is not supported"))
}

fn read(state: &AppState, tenant: &TenantId, resource_type: ResourceType, id: &str) -> Result<Response, FhirError> {
    let store = state.store();
    let data = store.read(tenant.as_str()).ok_or(FhirError::TenantNotAccessible)?;
    let row = stored_row(&data, resource_type, id)?;
    let mut response = (StatusCode::OK, row.json().into_owned()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    if let Some(etag) = etag(row) {
        headers.insert(header::ETAG, etag);
    }
    Ok(response)
}

/// The row a read names, or the 404 both versions answer.
pub(crate) fn stored_row<'d>(
    data: &'d TenantData,
    resource_type: ResourceType,
    id: &str,
) -> Result<&'d Row, FhirError> {
    data.read(resource_type, id).ok_or_else(|| FhirError::NotFound(format!("{resource_type}/{id} was not found")))
}

/// A read's weak `ETag`, from the stored version.
pub(crate) fn etag(row: &Row) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("W/\"{}\"", row.version)).ok()
}

/// The search's parameters, and the cursor when this is a page request.
pub(crate) struct Request {
    pub(crate) params: Vec<(String, String)>,
    pub(crate) cursor: Option<(Key, Direction)>,
}

fn search(
    state: &AppState,
    endpoint: Endpoint,
    tenant: &TenantId,
    resource_type: ResourceType,
    raw_query: &str,
    short_page: Option<usize>,
    principal: Option<&Principal>,
) -> Result<Response, FhirError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw_query.as_bytes()).into_owned().collect();
    let request = page_request(state, tenant, resource_type, pairs)?;
    let search = parse_search(resource_type, &request.params)?;
    // Slot `_include=Slot:schedule` on the secured endpoint needs a Schedule scope too (Slot).
    if let Some(principal) = principal.filter(|_| includes_schedule(&search)) {
        principal.require(state, ResourceType::Schedule)?;
    }
    let store = state.store();
    let data = store.read(tenant.as_str()).ok_or(FhirError::TenantNotAccessible)?;
    let matches = store.search_cached(tenant, &data, resource_type, &request.params, &search.query)?;
    let count = short_page.map_or(search.count as usize, |keep| keep.min(search.count as usize));
    let (start, end) = if resource_type == ResourceType::Slot {
        page_bounds_in_order(&matches, request.cursor, count)
    } else {
        page_bounds(&matches, request.cursor, count)
    };
    let base = format!("{}{}", state.origin(), endpoint.base_path(tenant.as_str()));
    let link = |key: Key, direction: Direction| {
        let token = state.page_keys().encode(&PageState {
            tenant: tenant.to_string(),
            resource_type: resource_type.as_str().to_owned(),
            params: request.params.clone(),
            cursor: key,
            direction,
            issued_ms: state.now_ms(),
        });
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair(PAGE_CONTEXT, &token).append_pair(PAGE_DIRECTION, direction.as_param());
        format!("{base}{resource_type}?{}", query.finish())
    };
    let page = &matches[start..end];
    let mut bundle = Bundle {
        base: String::new(),
        total: (resource_type != ResourceType::Slot).then_some(matches.len()),
        self_url: self_url(&base, resource_type, raw_query, &request, &search),
        next: (end < matches.len()).then(|| page.last().map(|k| link(*k, Direction::Next))).flatten(),
        previous: (start > 0).then(|| page.first().map(|k| link(*k, Direction::Previous))).flatten(),
        entries: Vec::with_capacity(page.len()),
    };
    add_entries(&mut bundle, &data, resource_type, page, &search);
    bundle.base = base;
    let mut response = (StatusCode::OK, bundle.render()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    Ok(response)
}

/// A first-page request as is; a page request (`-pageContext`, both versions) replaced by the
/// search it continues.
pub(crate) fn page_request(
    state: &AppState,
    tenant: &TenantId,
    resource_type: ResourceType,
    pairs: Vec<(String, String)>,
) -> Result<Request, FhirError> {
    let find = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let Some(token) = find(PAGE_CONTEXT) else {
        if find(PAGE_DIRECTION).is_some() {
            return Err(super::paging::PageError::Invalid.into());
        }
        return Ok(Request { params: pairs, cursor: None });
    };
    let direction = find(PAGE_DIRECTION).unwrap_or("NEXT");
    let page = state.page_keys().decode(token, direction, tenant, resource_type, state.now_ms())?;
    Ok(Request { params: page.params, cursor: Some((page.cursor, page.direction)) })
}

/// The request URL as received; a first page of a paged type also states `_count` (as Cerner's do).
fn self_url(base: &str, resource_type: ResourceType, raw_query: &str, request: &Request, search: &Search) -> String {
    let paged = matches!(resource_type, ResourceType::Appointment | ResourceType::Slot);
    let has_count = request.params.iter().any(|(k, _)| k == "_count");
    let mut url = format!("{base}{resource_type}?{raw_query}");
    if paged && request.cursor.is_none() && !has_count {
        url.push_str(&format!("&_count={}", search.count));
    }
    url
}

fn add_entries<'a>(
    bundle: &mut Bundle<'a>,
    data: &'a TenantData,
    resource_type: ResourceType,
    page: &[Key],
    search: &Search,
) {
    let Some(table) = data.table(resource_type) else { return };
    let mode = (resource_type == ResourceType::Slot).then_some("match");
    for row in page.iter().filter_map(|(_, row)| table.row(*row)) {
        bundle.entries.push(Entry { resource_type, row, mode });
    }
    if includes_schedule(search) {
        let mut seen = Vec::new();
        for schedule_id in page.iter().filter_map(|(_, row)| data.slot_schedule(*row)) {
            if seen.contains(&schedule_id) {
                continue;
            }
            seen.push(schedule_id);
            if let Some(row) = data.read(ResourceType::Schedule, schedule_id) {
                bundle.entries.push(Entry { resource_type: ResourceType::Schedule, row, mode: Some("include") });
            }
        }
    }
}

fn includes_schedule(search: &Search) -> bool {
    matches!(
        &search.query,
        Query::Slot(SlotQuery::Ids { include_schedule: true, .. } | SlotQuery::ByType { include_schedule: true, .. })
    )
}
