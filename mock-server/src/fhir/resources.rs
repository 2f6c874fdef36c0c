//! Reads (`GET {base}{Type}/{id}`) and searches (`GET {base}{Type}?…`) on both endpoints of both
//! versions: one pipeline (tenant, authorization, parameters, the store's search, paging, links,
//! the bundle), with what differs asked of the version ([`Version`]).

use std::sync::Arc;

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::auth::{Caller, Principal};
use super::bundle::{Bundle, Entry, Parts};
use super::declared::{Capabilities, ResourceDecl};
use super::paging::{Direction, page_bounds, page_bounds_in_order};
use super::seam::Version;
use super::{Endpoint, FhirError};
use crate::app::AppState;
use crate::ids::TenantId;
use crate::oauth::presented::Presented;
use crate::request::{Record, ShortPage};
use crate::store::{Key, ResourceType, Row, TenantData};

mod links;

use links::{page_link, page_request, self_url};

pub(crate) const PAGE_CONTEXT: &str = "-pageContext";
pub(crate) const PAGE_DIRECTION: &str = "-pageDirection";

pub(super) async fn read_secured<V: Version>(
    State(state): State<AppState>,
    Path((tenant, kind, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    presented: Option<Extension<Arc<Presented>>>,
    record: Option<Extension<Arc<Record>>>,
) -> Response {
    let presented = Presented::or_read(presented, &state, &headers, None);
    let caller = Caller { presented: &presented, record: record.as_deref().map(Arc::as_ref) };
    let result = known_tenant(&state, &tenant)
        .and_then(|tenant| Ok((tenant, authorized_type::<V>(&state, &caller, tenant, &kind)?)))
        .and_then(|(tenant, (resource, _))| read::<V>(&state, tenant, resource, &id));
    result.unwrap_or_else(V::error)
}

pub(super) async fn read_open<V: Version>(
    State(state): State<AppState>,
    Path((tenant, kind, id)): Path<(String, String, String)>,
) -> Response {
    let result = known_tenant(&state, &tenant)
        .and_then(|tenant| read::<V>(&state, tenant, served_type::<V>(&state, tenant, &kind)?, &id));
    result.unwrap_or_else(V::error)
}

pub(super) async fn search_secured<V: Version>(
    State(state): State<AppState>,
    Path((tenant, kind)): Path<(String, String)>,
    headers: HeaderMap,
    presented: Option<Extension<Arc<Presented>>>,
    record: Option<Extension<Arc<Record>>>,
    short: Option<Extension<ShortPage>>,
    RawQuery(query): RawQuery,
) -> Response {
    let presented = Presented::or_read(presented, &state, &headers, None);
    let caller = Caller { presented: &presented, record: record.as_deref().map(Arc::as_ref) };
    let result = known_tenant(&state, &tenant).and_then(|tenant| {
        let (resource, principal) = authorized_type::<V>(&state, &caller, tenant, &kind)?;
        let context = Context { state: &state, endpoint: Endpoint::Secured, tenant, resource, short_page: short };
        search::<V>(&context, query.as_deref().unwrap_or_default(), Some(&principal))
    });
    result.unwrap_or_else(V::error)
}

pub(super) async fn search_open<V: Version>(
    State(state): State<AppState>,
    Path((tenant, kind)): Path<(String, String)>,
    short: Option<Extension<ShortPage>>,
    RawQuery(query): RawQuery,
) -> Response {
    let result = known_tenant(&state, &tenant).and_then(|tenant| {
        let resource = served_type::<V>(&state, tenant, &kind)?;
        let context = Context { state: &state, endpoint: Endpoint::Open, tenant, resource, short_page: short };
        search::<V>(&context, query.as_deref().unwrap_or_default(), None)
    });
    result.unwrap_or_else(V::error)
}

/// `GET {base}` (the `implementation.url` of a capability statement, with or without its `/`): a
/// search that names no type, which no version serves: Cerner's 400 for a search without the
/// parameters it needs (an unknown tenant is its 403 first).
pub(super) async fn base<V: Version>(State(state): State<AppState>, Path(tenant): Path<String>) -> Response {
    let error = match known_tenant(&state, &tenant) {
        Ok(_) => FhirError::BadSearch(super::params::ParamError::NoSupportedParameters),
        Err(error) => error,
    };
    V::error(error)
}

/// Authorizes, then resolves the type; an unknown type is a 404 only for an authorized caller.
fn authorized_type<V: Version>(
    state: &AppState,
    caller: &Caller<'_>,
    tenant: &TenantId,
    kind: &str,
) -> Result<(ResourceType, Principal), FhirError> {
    match offered::<V>(state, tenant, kind) {
        Some(declared) => {
            let principal = V::authorize(state, caller, tenant, Some(declared.resource))?;
            tracing::debug!(client = %principal.client_id, jti = %principal.jti, %tenant, resource = %declared.resource, "authorized");
            Ok((declared.resource, principal))
        }
        None => {
            V::authorize(state, caller, tenant, None)?;
            Err(unsupported(kind))
        }
    }
}

/// The profile's id of the tenant a path names; an unknown tenant is Cerner's 403.
pub(crate) fn known_tenant<'s>(state: &'s AppState, tenant: &str) -> Result<&'s TenantId, FhirError> {
    state.profile().tenant(tenant).map(|t| &t.id).ok_or(FhirError::TenantNotAccessible)
}

/// The type a path segment names, when the version declares it and the tenant serves it.
fn served_type<V: Version>(state: &AppState, tenant: &TenantId, kind: &str) -> Result<ResourceType, FhirError> {
    offered::<V>(state, tenant, kind).map(|d| d.resource).ok_or_else(|| unsupported(kind))
}

/// The declaration of the type a path segment names, filtered by the tenant's capabilities
/// (`[tenants.capabilities]`): a type it does not serve is as unsupported as an undeclared one.
fn offered<V: Version>(state: &AppState, tenant: &TenantId, kind: &str) -> Option<&'static ResourceDecl> {
    let declared = V::declared().served(kind)?;
    capabilities(state, tenant).is_none_or(|c| c.serves(declared.resource)).then_some(declared)
}

fn capabilities<'s>(state: &'s AppState, tenant: &TenantId) -> Option<&'s Capabilities> {
    state.profile().tenant(tenant.as_str())?.capabilities.as_ref()
}

pub(crate) fn unsupported(kind: &str) -> FhirError {
    FhirError::NotFound(format!("Resource type '{kind}' is not supported"))
}

fn read<V: Version>(
    state: &AppState,
    tenant: &TenantId,
    resource: ResourceType,
    id: &str,
) -> Result<Response, FhirError> {
    let store = state.store();
    let data = store.read(tenant.as_str()).ok_or(FhirError::TenantNotAccessible)?;
    let row = data.read(resource, id).ok_or_else(|| FhirError::NotFound(format!("{resource}/{id} was not found")))?;
    let mut body = String::with_capacity(V::len_hint(row) + 64);
    if !V::write(resource, row, &mut body) {
        return Err(FhirError::Internal(format!("{resource}/{id} does not render as {}", V::VERSION)));
    }
    let mut response = json_response::<V>(body);
    if let Ok(etag) = HeaderValue::from_str(&format!("W/\"{}\"", row.version)) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    Ok(response)
}

fn json_response<V: Version>(body: String) -> Response {
    with_content_type::<V>((StatusCode::OK, body).into_response())
}

fn with_content_type<V: Version>(mut response: Response) -> Response {
    // Room for every header the layers add (about fifteen), so the map is not grown four times.
    response.headers_mut().reserve(24);
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(V::CONTENT_TYPE));
    response
}

/// What a search handler knows before it reads the query.
struct Context<'a> {
    state: &'a AppState,
    endpoint: Endpoint,
    tenant: &'a TenantId,
    resource: ResourceType,
    short_page: Option<Extension<ShortPage>>,
}

/// The search's parameters, and the cursor when this is a page request.
struct Request {
    params: Vec<(String, String)>,
    cursor: Option<(Key, Direction)>,
}

fn search<V: Version>(cx: &Context<'_>, raw_query: &str, principal: Option<&Principal>) -> Result<Response, FhirError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw_query.as_bytes()).into_owned().collect();
    let request = page_request::<V>(cx, pairs)?;
    // A parameter the tenant does not serve is refused as one the version does not declare.
    if let Some(name) = capabilities(cx.state, cx.tenant).and_then(|c| c.refused(cx.resource, &request.params)) {
        return Err(super::params::ParamError::Unsupported(name.to_owned()).into());
    }
    let search = V::parse(cx.state, cx.resource, &request.params)?;
    let includes = V::includes(&search);
    // On the secured base an `_include` needs the read scope of what it includes.
    let missing = principal.and_then(|principal| includes.needs().find(|t| !V::may_read(principal, t)));
    if let Some(needed) = missing {
        let realm = super::auth::realm(cx.state);
        return Err(FhirError::InsufficientScope { realm, scope: format!("system/{needed}.read") });
    }
    let store = cx.state.store();
    let data = store.read(cx.tenant.as_str()).ok_or(FhirError::TenantNotAccessible)?;
    let matches = V::matches(cx.state, cx.tenant, &data, cx.resource, &request.params, &search)?;
    let wanted = V::count(&search) as usize;
    let count = cx.short_page.as_ref().map_or(wanted, |Extension(ShortPage(keep))| (*keep).min(wanted));
    // Slots have an order of their own within equal starts; the cursor is found by position.
    let (start, end) = if cx.resource == ResourceType::Slot {
        page_bounds_in_order(&matches, request.cursor, count)
    } else {
        page_bounds(&matches, request.cursor, count)
    };
    let origin = cx.state.origin();
    let mut base = String::with_capacity(origin.len() + cx.tenant.as_str().len() + 16);
    base.push_str(origin);
    cx.endpoint.push_base_path(V::VERSION, cx.tenant.as_str(), &mut base);
    let page = &matches[start..end];
    let link = |key: Key, direction: Direction| page_link::<V>(cx, &base, &request.params, key, direction);
    let mut bundle = Bundle {
        base: String::new(),
        total: V::total(cx.resource).then_some(matches.len()),
        self_url: self_url::<V>(&base, cx.resource, raw_query, &request, wanted),
        next: (end < matches.len()).then(|| page.last().map(|k| link(*k, Direction::Next))).flatten(),
        previous: (start > 0).then(|| page.first().map(|k| link(*k, Direction::Previous))).flatten(),
        entries: Vec::with_capacity(page.len()),
    };
    add_entries::<V>(&mut bundle, &data, cx.resource, page, includes);
    bundle.base = base;
    if cx.resource == ResourceType::Slot {
        // Slot pages add their includes and search modes: written whole each time.
        return Ok(json_response::<V>(bundle.render_with(V::len_hint, V::write)));
    }
    // The entries depend on the data, the version, the base and the page's rows only: a page
    // asked again on the same data is sent as written the first time, after a new head.
    let key = page_key::<V>(&bundle.base, cx.resource, page);
    let entries = store.rendered(cx.tenant, &data, &key, || {
        let mut entries = String::with_capacity(bundle.entries_len(V::len_hint));
        bundle.push_entries(&mut entries, V::write);
        entries
    });
    let mut head = String::with_capacity(bundle.head_len());
    bundle.push_head(&mut head);
    let body = Parts::new([Bytes::from(head), entries, Bytes::from_static(b"}")]);
    Ok(with_content_type::<V>((StatusCode::OK, Body::new(body)).into_response()))
}

/// What a page's entries are written from besides the data: the version, the base, the type and
/// the rows (the base holds no NUL, and rows are four bytes each, so no two pages share a key).
fn page_key<V: Version>(base: &str, resource: ResourceType, page: &[Key]) -> Vec<u8> {
    let mut key = Vec::with_capacity(base.len() + 32 + 4 * page.len());
    for text in [V::VERSION.as_str(), base, resource.as_str()] {
        key.extend_from_slice(text.as_bytes());
        key.push(0);
    }
    for (_, row) in page {
        key.extend_from_slice(&row.to_le_bytes());
    }
    key
}

/// The page's rows, and the resources a Slot search includes, as the bundle's entries.
fn add_entries<'d, V: Version>(
    bundle: &mut Bundle<'d>,
    data: &'d TenantData,
    resource: ResourceType,
    page: &[Key],
    includes: super::seam::Includes,
) {
    let Some(table) = data.table(resource) else { return };
    let mode = (resource == ResourceType::Slot).then_some("match");
    for row in page.iter().filter_map(|(_, row)| table.row(*row)) {
        bundle.entries.push(Entry { resource_type: resource, row, mode });
    }
    if resource != ResourceType::Slot || !includes.adds_entries() {
        return;
    }
    let mut schedules: Vec<&Row> = Vec::new();
    for id in page.iter().filter_map(|(_, row)| data.slot_schedule(*row)) {
        if let Some(row) = data.read(ResourceType::Schedule, id).filter(|row| !schedules.iter().any(|s| s.id == row.id))
        {
            schedules.push(row);
        }
    }
    let include = |row| Entry { resource_type: ResourceType::Schedule, row, mode: Some("include") };
    if includes.schedules {
        bundle.entries.extend(schedules.iter().map(|row| include(row)));
    }
    if includes.practitioners {
        let mut seen: Vec<String> = Vec::new();
        for id in schedules.iter().flat_map(|row| V::schedule_practitioners(row)) {
            if seen.contains(&id) {
                continue;
            }
            if let Some(row) = data.read(ResourceType::Practitioner, &id) {
                bundle.entries.push(Entry { resource_type: ResourceType::Practitioner, row, mode: Some("include") });
            }
            seen.push(id);
        }
    }
}
