//! A search page's links: `self` as the request came (with the `_count` applied, where the
//! version's documented bundles state it), signed `next`/`previous` links that continue the search
//! ([`crate::fhir::paging`]), and a page request read back into the search it continues.

use super::super::FhirError;
use super::super::paging::{Direction, PageError, PageStateRef};
use super::super::seam::{LinkParams, Version};
use super::{Context, PAGE_CONTEXT, PAGE_DIRECTION, Request};
use crate::store::{Key, ResourceType};

/// A signed `next`/`previous` link continuing this search from `key`.
pub(super) fn page_link<V: Version>(
    cx: &Context<'_>,
    base: &str,
    params: &[(String, String)],
    key: Key,
    direction: Direction,
) -> String {
    let state = PageStateRef {
        tenant: cx.tenant.as_str(),
        version: V::VERSION,
        resource_type: cx.resource.as_str(),
        params,
        cursor: key,
        direction,
        issued_ms: cx.state.now_ms(),
    };
    let resource = cx.resource.as_str();
    let mut link = String::with_capacity(base.len() + resource.len() + 64 + 6 * params.len() + 4 * 96);
    link.push_str(base);
    link.push_str(resource);
    link.push('?');
    let query_start = link.len();
    let kept = |name: &str| match V::link_params(cx.resource) {
        LinkParams::None => false,
        LinkParams::Include => name == "_include",
        LinkParams::All => true,
    };
    let mut query = url::form_urlencoded::Serializer::for_suffix(&mut link, query_start);
    for (name, value) in params.iter().filter(|(name, _)| kept(name)) {
        query.append_pair(name, value);
    }
    query.finish();
    if link.len() > query_start {
        link.push('&');
    }
    // The token and the direction are written as they are: neither has a character to escape.
    link.push_str(PAGE_CONTEXT);
    link.push('=');
    cx.state.page_keys().push_token(&state, &mut link);
    link.push('&');
    link.push_str(PAGE_DIRECTION);
    link.push('=');
    link.push_str(direction.as_param());
    link
}

/// A first-page request as is; a page request (`-pageContext`) replaced by the search it
/// continues. A token is refused on another version's base, tenant or type.
pub(super) fn page_request<V: Version>(cx: &Context<'_>, pairs: Vec<(String, String)>) -> Result<Request, FhirError> {
    let find = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let Some(token) = find(PAGE_CONTEXT) else {
        if find(PAGE_DIRECTION).is_some() {
            return Err(PageError::Invalid.into());
        }
        return Ok(Request { params: pairs, cursor: None });
    };
    let direction = find(PAGE_DIRECTION).unwrap_or("NEXT");
    let now = cx.state.now_ms();
    let page = cx.state.page_keys().decode(token, direction, V::VERSION, cx.tenant, cx.resource, now)?;
    Ok(Request { params: page.params, cursor: Some((page.cursor, page.direction)) })
}

/// The request URL as received; a first page states the `_count` it applied where the version's
/// documented bundles do.
pub(super) fn self_url<V: Version>(
    base: &str,
    resource: ResourceType,
    raw_query: &str,
    request: &Request,
    count: usize,
) -> String {
    let mut url = String::with_capacity(base.len() + raw_query.len() + 32);
    for part in [base, resource.as_str(), "?", raw_query] {
        url.push_str(part);
    }
    let has_count = request.params.iter().any(|(k, _)| k == "_count");
    if V::self_states_count(resource) && request.cursor.is_none() && !has_count {
        url.push_str("&_count=");
        url.push_str(itoa::Buffer::new().format(count));
    }
    url
}
