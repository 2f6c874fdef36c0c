//! R4 reads (`GET {base}{Type}/{id}`) and searches (`GET {base}{Type}?…`) on both R4 bases: the
//! store's search model and paging, R4 rendering and bundles.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use super::access::{authorize, require};
use super::error::r4_json;
use super::params::{R4Query, R4Search, parse};
use super::render::{to_r4, write_r4};
use super::{Endpoint, R4Error};
use crate::app::AppState;
use crate::faults::apply::ShortPage;
use crate::fhir::FhirError;
use crate::fhir::auth::Principal;
use crate::fhir::bundle::{Bundle, Entry};
use crate::fhir::paging::{Direction, PageError, PageState, page_bounds};
use crate::fhir::params::{Query, SlotQuery};
use crate::fhir::resources::{self as shared, PAGE_CONTEXT, PAGE_DIRECTION};
use crate::ids::TenantId;
use crate::oauth::presented::Presented;
use crate::store::{Key, ResourceType, Row, TenantData};

/// Kept as the last parameter of an R4 page token (and of the search cache's key), so a DSTU2
/// token is refused on R4 and the other way round, and the two never share cached matches.
const VERSION_MARK: (&str, &str) = ("-fhirVersion", "4.0.1");

pub(super) async fn read_secured(
    State(state): State<AppState>,
    Path((tenant, kind, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    presented: Option<Extension<Arc<Presented>>>,
) -> Result<Response, R4Error> {
    let presented = Presented::or_read(presented, &state, &headers, None);
    let tenant = known_tenant(&state, &tenant)?;
    let (resource_type, _) = authorized_type(&state, &presented, tenant, &kind)?;
    read(&state, tenant, resource_type, &id)
}

pub(super) async fn read_open(
    State(state): State<AppState>,
    Path((tenant, kind, id)): Path<(String, String, String)>,
) -> Result<Response, R4Error> {
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
) -> Result<Response, R4Error> {
    let presented = Presented::or_read(presented, &state, &headers, None);
    let tenant = known_tenant(&state, &tenant)?;
    let (resource_type, principal) = authorized_type(&state, &presented, tenant, &kind)?;
    let limit = short.map(|Extension(ShortPage(keep))| keep);
    let may = |t: ResourceType| require(&state, &principal, t).is_ok();
    let context = Context { state: &state, endpoint: Endpoint::Secured, tenant, resource_type, short_page: limit };
    search(&context, query.as_deref().unwrap_or_default(), &may)
}

pub(super) async fn search_open(
    State(state): State<AppState>,
    Path((tenant, kind)): Path<(String, String)>,
    short: Option<Extension<ShortPage>>,
    RawQuery(query): RawQuery,
) -> Result<Response, R4Error> {
    let tenant = known_tenant(&state, &tenant)?;
    let resource_type = open_type(&kind)?;
    let limit = short.map(|Extension(ShortPage(keep))| keep);
    let context = Context { state: &state, endpoint: Endpoint::Open, tenant, resource_type, short_page: limit };
    search(&context, query.as_deref().unwrap_or_default(), &|_| true)
}

fn authorized_type(
    state: &AppState,
    presented: &Presented,
    tenant: &TenantId,
    kind: &str,
) -> Result<(ResourceType, Principal), R4Error> {
    match kind.parse::<ResourceType>() {
        Ok(resource_type) => Ok((resource_type, authorize(state, presented, tenant, Some(resource_type))?)),
        Err(_) => {
            authorize(state, presented, tenant, None)?;
            Err(shared::unsupported(kind).into())
        }
    }
}

fn known_tenant<'s>(state: &'s AppState, tenant: &str) -> Result<&'s TenantId, R4Error> {
    Ok(shared::known_tenant(state, tenant)?)
}

fn open_type(kind: &str) -> Result<ResourceType, R4Error> {
    Ok(shared::open_type(kind)?)
}

fn read(state: &AppState, tenant: &TenantId, resource_type: ResourceType, id: &str) -> Result<Response, R4Error> {
    let store = state.store();
    let data = store.read(tenant.as_str()).ok_or(FhirError::TenantNotAccessible)?;
    let row = shared::stored_row(&data, resource_type, id)?;
    let mut body = String::with_capacity(row.json_len_hint() + 64);
    if !write_r4(resource_type, row, &mut body) {
        return Err(FhirError::Internal(format!("{resource_type}/{id} does not render as R4")).into());
    }
    let mut response = r4_json(StatusCode::OK, body.into_bytes());
    if let Some(etag) = shared::etag(row) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    Ok(response)
}

struct Context<'a> {
    state: &'a AppState,
    endpoint: Endpoint,
    tenant: &'a TenantId,
    resource_type: ResourceType,
    short_page: Option<usize>,
}

fn search(cx: &Context<'_>, raw_query: &str, may_read: &dyn Fn(ResourceType) -> bool) -> Result<Response, R4Error> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw_query.as_bytes()).into_owned().collect();
    let (params, cursor) = page_request(cx, pairs)?;
    let search = parse(cx.resource_type, &params)?;
    check_includes(cx, &search, may_read)?;
    let store = cx.state.store();
    let data = store.read(cx.tenant.as_str()).ok_or(FhirError::TenantNotAccessible)?;
    let mut marked = params.clone();
    marked.push((VERSION_MARK.0.to_owned(), VERSION_MARK.1.to_owned()));
    let matches: Arc<[Key]> = match &search.query {
        R4Query::Store(query) => store.search_cached(cx.tenant, &data, cx.resource_type, &marked, query)?,
        R4Query::Location(q) => scan(&data, ResourceType::Location, |v| q.matches(v)).into(),
        R4Query::Practitioner(q) => scan(&data, ResourceType::Practitioner, |v| q.matches(v)).into(),
    };
    let count = cx.short_page.map_or(search.count as usize, |keep| keep.min(search.count as usize));
    let (start, end) = page_bounds(&matches, cursor, count);
    let page = &matches[start..end];
    let base = format!("{}{}", cx.state.origin(), cx.endpoint.base_path(cx.tenant.as_str()));
    let link = |key: Key, direction: Direction| {
        let token = cx.state.page_keys().encode(&PageState {
            tenant: cx.tenant.to_string(),
            resource_type: cx.resource_type.as_str().to_owned(),
            params: marked.clone(),
            cursor: key,
            direction,
            issued_ms: cx.state.now_ms(),
        });
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some((_, include)) = params.iter().find(|(k, _)| k == "_include") {
            query.append_pair("_include", include);
        }
        query.append_pair(PAGE_CONTEXT, &token).append_pair(PAGE_DIRECTION, direction.as_param());
        format!("{base}{}?{}", cx.resource_type, query.finish())
    };
    // DSTU2's bundle writer, with each resource written as R4 straight from its stored form.
    let mut bundle = Bundle {
        base: String::new(),
        total: matches!(cx.resource_type, ResourceType::Patient | ResourceType::Encounter).then_some(matches.len()),
        self_url: self_url(&base, cx, raw_query, &params, cursor.is_some(), &search),
        next: (end < matches.len()).then(|| page.last().map(|k| link(*k, Direction::Next))).flatten(),
        previous: (start > 0).then(|| page.first().map(|k| link(*k, Direction::Previous))).flatten(),
        entries: Vec::with_capacity(page.len()),
    };
    add_entries(&mut bundle, &data, cx.resource_type, page, &search);
    bundle.base = base;
    Ok(r4_json(StatusCode::OK, bundle.render_with(write_r4).into_bytes()))
}

/// On the secured base an `_include` needs the read scope of what it includes.
fn check_includes(cx: &Context<'_>, search: &R4Search, may_read: &dyn Fn(ResourceType) -> bool) -> Result<(), R4Error> {
    let needs = [
        (includes_schedule(search), ResourceType::Schedule),
        (search.include_practitioners, ResourceType::Practitioner),
    ];
    for (_, needed) in needs.iter().filter(|(wanted, _)| *wanted) {
        if !may_read(*needed) {
            let realm = crate::fhir::auth::realm(cx.state);
            return Err(FhirError::InsufficientScope { realm, scope: format!("system/{needed}.read") }.into());
        }
    }
    Ok(())
}

fn includes_schedule(search: &R4Search) -> bool {
    matches!(
        &search.query,
        R4Query::Store(Query::Slot(
            SlotQuery::Ids { include_schedule: true, .. } | SlotQuery::ByType { include_schedule: true, .. }
        ))
    )
}

/// A search's parameters, and the cursor when this is a page request.
type PageRequest = (Vec<(String, String)>, Option<(Key, Direction)>);

/// DSTU2's page request, and a page token must carry R4's version mark (which it drops).
fn page_request(cx: &Context<'_>, pairs: Vec<(String, String)>) -> Result<PageRequest, R4Error> {
    let mut request = shared::page_request(cx.state, cx.tenant, cx.resource_type, pairs)?;
    if request.cursor.is_some() {
        match request.params.pop() {
            Some((name, value)) if (name.as_str(), value.as_str()) == VERSION_MARK => {}
            _ => return Err(PageError::OtherSearch.into()),
        }
    }
    Ok((request.params, request.cursor))
}

/// The request URL as received; a first Slot page also states `_count` (as Cerner's does).
fn self_url(
    base: &str,
    cx: &Context<'_>,
    raw_query: &str,
    params: &[(String, String)],
    paged: bool,
    search: &R4Search,
) -> String {
    let mut url = format!("{base}{}?{raw_query}", cx.resource_type);
    if cx.resource_type == ResourceType::Slot && !paged && !params.iter().any(|(k, _)| k == "_count") {
        url.push_str(&format!("&_count={}", search.count));
    }
    url
}

/// Every row of `resource_type` whose R4 form `keep`s, in arrival order.
fn scan(data: &TenantData, resource_type: ResourceType, keep: impl Fn(&Value) -> bool) -> Vec<Key> {
    let Some(table) = data.table(resource_type) else { return Vec::new() };
    table.rows().filter(|(_, row)| to_r4(resource_type, row).is_some_and(|v| keep(&v))).map(|(i, _)| (0, i)).collect()
}

/// The page's rows, and the resources a Slot search includes, as the bundle's entries.
fn add_entries<'d>(
    bundle: &mut Bundle<'d>,
    data: &'d TenantData,
    resource_type: ResourceType,
    page: &[Key],
    search: &R4Search,
) {
    let Some(table) = data.table(resource_type) else { return };
    let mode = (resource_type == ResourceType::Slot).then_some("match");
    for row in page.iter().filter_map(|(_, row)| table.row(*row)) {
        bundle.entries.push(Entry { resource_type, row, mode });
    }
    if resource_type != ResourceType::Slot || !(includes_schedule(search) || search.include_practitioners) {
        return;
    }
    let mut schedules: Vec<&Row> = Vec::new();
    for id in page.iter().filter_map(|(_, row)| data.slot_schedule(*row)) {
        if let Some(row) = data.read(ResourceType::Schedule, id).filter(|row| !schedules.iter().any(|s| s.id == row.id))
        {
            schedules.push(row);
        }
    }
    if !search.include_practitioners {
        for row in schedules {
            bundle.entries.push(Entry { resource_type: ResourceType::Schedule, row, mode: Some("include") });
        }
        return;
    }
    let mut seen: Vec<String> = Vec::new();
    for schedule in schedules.iter().filter_map(|row| to_r4(ResourceType::Schedule, row)) {
        for actor in schedule["actor"].as_array().into_iter().flatten() {
            let Some(id) = actor["reference"].as_str().and_then(|r| r.strip_prefix("Practitioner/")) else { continue };
            if seen.iter().any(|s| s == id) {
                continue;
            }
            seen.push(id.to_owned());
            if let Some(row) = data.read(ResourceType::Practitioner, id) {
                bundle.entries.push(Entry { resource_type: ResourceType::Practitioner, row, mode: Some("include") });
            }
        }
    }
}
