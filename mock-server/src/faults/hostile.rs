//! The hostile-paging actions: a `next` link that cycles back (`next_cycle`) or names its own page
//! (`next_self`), pages that never end (`endless_next`), a `next` link into another tenant
//! (`foreign_tenant_next`), a page too large to hold (`huge_page`), and metadata naming a token URL
//! on another origin (`foreign_token_url`). They rehearse what a sync client meets on a broken or
//! compromised server: each must be met with a bounded loop, bounded memory, or a refusal.

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};

use super::FaultAction;
use crate::app::AppState;
use crate::fhir::error::fhir_json;
use crate::journal::JournalQuery;

/// Largest page body these actions read to rewrite it.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// Largest `huge_page` padding: 16 GiB, streamed, so it costs the emulator no memory.
const MAX_HUGE_BYTES: u64 = 16 << 30;

/// The padding a huge page streams, one chunk at a time: JSON whitespace.
static SPACES: [u8; 64 * 1024] = [b' '; 64 * 1024];

/// Why a hostile action's setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostileError {
    /// A `foreign_tenant_next` tenant that is not a tenant id.
    #[error("tenant {0:?} must be a tenant id (letters, digits, '-', '_', '.')")]
    Tenant(String),
    /// A `huge_page` size of 0 or above the cap.
    #[error("bytes must be between 1 and {MAX_HUGE_BYTES}")]
    Bytes,
}

/// Checks a `foreign_tenant_next` tenant: non-empty, letters, digits, `-`, `_` and `.` only.
pub fn validate_tenant(tenant: &str) -> Result<(), HostileError> {
    if tenant.is_empty() || !tenant.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
        return Err(HostileError::Tenant(tenant.to_owned()));
    }
    Ok(())
}

/// Checks a `huge_page` size: from 1 to the cap.
pub fn validate_bytes(bytes: u64) -> Result<(), HostileError> {
    if bytes == 0 || bytes > MAX_HUGE_BYTES {
        return Err(HostileError::Bytes);
    }
    Ok(())
}

/// Whether `action` is one of this module's response rewrites.
pub fn rewrites(action: &FaultAction) -> bool {
    matches!(
        action,
        FaultAction::NextCycle
            | FaultAction::NextSelf
            | FaultAction::ForeignTenantNext { .. }
            | FaultAction::HugePage { .. }
            | FaultAction::ForeignTokenUrl { .. }
    )
}

/// An empty searchset whose `next` link names a page never served before. Answered without
/// searching (and without counting against the rate limits), so thousands cost milliseconds.
pub fn endless(state: &AppState, uri: &Uri) -> Response {
    let own = format!("{}{uri}", state.origin());
    let next = format!(
        "{}{}?-pageContext=endless-{}&-pageDirection=NEXT",
        state.origin(),
        uri.path(),
        crate::ids::random_uuid()
    );
    let bundle = json!({
        "resourceType": "Bundle",
        "id": crate::ids::random_uuid().to_string(),
        "type": "searchset",
        "link": [{ "relation": "self", "url": own }, { "relation": "next", "url": next }],
    });
    fhir_json(StatusCode::OK, &bundle)
}

/// Applies a rewrite to the page the handlers produced for the request to `uri`.
pub async fn rewrite(
    state: &AppState,
    action: &FaultAction,
    tenant: Option<&str>,
    uri: &Uri,
    response: Response,
) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let own = format!("{}{uri}", state.origin());
    let body = match action {
        FaultAction::NextSelf => Body::from(with_next(&bytes, &own, |_| Some(own.clone()))),
        FaultAction::NextCycle => {
            let earlier = tenant.and_then(|t| earlier_page(state, t, uri.path())).unwrap_or_else(|| own.clone());
            Body::from(with_next(&bytes, &own, |_| Some(earlier.clone())))
        }
        FaultAction::ForeignTenantNext { tenant: other } => {
            Body::from(with_next(&bytes, &own, |next| tenant.map(|mine| into_tenant(next, mine, other))))
        }
        FaultAction::ForeignTokenUrl { origin } => Body::from(edit_json(&bytes, |v| foreign_token_urls(v, origin))),
        FaultAction::HugePage { bytes: padding } => huge(bytes, *padding),
        _ => Body::from(bytes),
    };
    Response::from_parts(parts, body)
}

/// The URL of the tenant's last page of the same path, as the client asked for it.
fn earlier_page(state: &AppState, tenant: &str, path: &str) -> Option<String> {
    let filter =
        JournalQuery { tenant: Some(tenant.to_owned()), path_prefix: Some(path.to_owned()), ..Default::default() };
    let entries = state.journal().entries(&filter);
    let last = entries.iter().rev().find(|e| e.path == path && e.status == 200)?;
    let query = last.query.as_deref().map(|q| format!("?{q}")).unwrap_or_default();
    Some(format!("{}{}{query}", state.origin(), last.path))
}

/// The same URL with `/dstu2/{mine}/` replaced by `/dstu2/{other}/`.
fn into_tenant(url: &str, mine: &str, other: &str) -> String {
    url.replacen(&format!("/{mine}/"), &format!("/{other}/"), 1)
}

/// Replaces the `next` link of a Bundle body by what `to` makes of it (of the page's own URL when
/// it has none, so the fault bites on a last page too); other bodies pass.
fn with_next(bytes: &Bytes, own: &str, to: impl Fn(&str) -> Option<String>) -> Bytes {
    edit_json(bytes, |bundle| {
        if bundle["resourceType"] != "Bundle" {
            return;
        }
        let links = bundle["link"].as_array().map(Vec::as_slice).unwrap_or_default();
        let Some(index) = links.iter().position(|l| l["relation"] == "next") else {
            if let (Some(url), Some(links)) = (to(own), bundle["link"].as_array_mut()) {
                links.push(json!({ "relation": "next", "url": url }));
            }
            return;
        };
        if let Some(url) = bundle["link"][index]["url"].as_str().and_then(&to) {
            bundle["link"][index]["url"] = json!(url);
        }
    })
}

fn edit_json(bytes: &Bytes, edit: impl FnOnce(&mut Value)) -> Bytes {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(mut value) => {
            edit(&mut value);
            Bytes::from(value.to_string())
        }
        Err(_) => bytes.clone(),
    }
}

/// Moves the OAuth URLs of a Conformance statement (its `oauth-uris` extension) or of a SMART
/// configuration to `origin`, keeping their paths.
fn foreign_token_urls(value: &mut Value, origin: &str) {
    let moved = |url: &str| match url::Url::parse(url) {
        Ok(parsed) => format!("{}{}", origin.trim_end_matches('/'), &parsed[url::Position::BeforePath..]),
        Err(_) => url.to_owned(),
    };
    for key in ["token_endpoint", "authorization_endpoint"] {
        if let Some(url) = value.get(key).and_then(Value::as_str) {
            value[key] = json!(moved(url));
        }
    }
    for rest in value["rest"].as_array_mut().into_iter().flatten() {
        for extension in rest["security"]["extension"].as_array_mut().into_iter().flatten() {
            for item in extension["extension"].as_array_mut().into_iter().flatten() {
                if (item["url"] == "token" || item["url"] == "authorize")
                    && let Some(url) = item["valueUri"].as_str()
                {
                    item["valueUri"] = json!(moved(url));
                }
            }
        }
    }
}

/// The page with `padding` bytes of whitespace after its opening brace, streamed in 64 KiB chunks
/// with no `Content-Length`: still valid JSON, but a client that holds the whole body holds it all.
fn huge(page: Bytes, padding: u64) -> Body {
    let (head, tail) = match page.first() {
        Some(b'{') => (page.slice(..1), page.slice(1..)),
        _ => (Bytes::new(), page),
    };
    let chunk = SPACES.len() as u64;
    let spaces = stream::unfold(padding, move |left| async move {
        (left > 0).then(|| {
            let n = left.min(chunk);
            (Ok::<Bytes, std::io::Error>(Bytes::from_static(&SPACES[..n as usize])), left - n)
        })
    });
    let parts = stream::iter([Ok(head)]).chain(spaces).chain(stream::iter([Ok(tail)]));
    Body::from_stream(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links_are_replaced_only_in_bundles() {
        let page = Bytes::from(
            r#"{"resourceType":"Bundle","link":[{"relation":"self","url":"a"},{"relation":"next","url":"http://h/dstu2/t1/Appointment?x"}]}"#,
        );
        let cycled: Value = serde_json::from_slice(&with_next(&page, "own", |_| Some("back".into()))).unwrap();
        assert_eq!((cycled["link"][0]["url"].as_str(), cycled["link"][1]["url"].as_str()), (Some("a"), Some("back")));
        let other: Value =
            serde_json::from_slice(&with_next(&page, "own", |n| Some(into_tenant(n, "t1", "t2")))).unwrap();
        assert_eq!(other["link"][1]["url"], "http://h/dstu2/t2/Appointment?x");
        let outcome = Bytes::from(r#"{"resourceType":"OperationOutcome","link":[{"relation":"next","url":"x"}]}"#);
        assert_eq!(with_next(&outcome, "own", |_| Some("y".into())), outcome);
        let last = Bytes::from(r#"{"resourceType":"Bundle","link":[{"relation":"self","url":"me"}]}"#);
        let linked: Value = serde_json::from_slice(&with_next(&last, "me", |u| Some(format!("{u}!")))).unwrap();
        assert_eq!(linked["link"][1], json!({ "relation": "next", "url": "me!" }), "a last page gets a next link");
    }

    #[test]
    fn token_urls_move_to_the_other_origin_in_metadata_and_smart_configuration() {
        let mut conformance = json!({ "rest": [{ "security": { "extension": [{ "extension": [
            { "url": "token", "valueUri": "http://127.0.0.1:1/tenants/t/token" },
            { "url": "authorize", "valueUri": "http://127.0.0.1:1/tenants/t/authorize?x=1" },
            { "url": "other", "valueUri": "http://127.0.0.1:1/keep" }
        ] }] } }] });
        foreign_token_urls(&mut conformance, "http://127.0.0.2:9/");
        let items = &conformance["rest"][0]["security"]["extension"][0]["extension"];
        assert_eq!(items[0]["valueUri"], "http://127.0.0.2:9/tenants/t/token");
        assert_eq!(items[1]["valueUri"], "http://127.0.0.2:9/tenants/t/authorize?x=1");
        assert_eq!(items[2]["valueUri"], "http://127.0.0.1:1/keep");
        let mut smart = json!({ "token_endpoint": "http://127.0.0.1:1/token", "issuer": "http://127.0.0.1:1" });
        foreign_token_urls(&mut smart, "http://127.0.0.2:9");
        assert_eq!(
            (smart["token_endpoint"].as_str(), smart["issuer"].as_str()),
            (Some("http://127.0.0.2:9/token"), Some("http://127.0.0.1:1"))
        );
    }

    #[tokio::test]
    async fn a_huge_page_streams_valid_json_of_the_asked_size() {
        let page = Bytes::from_static(br#"{"resourceType":"Bundle","total":0}"#);
        let padding = 200_000;
        let mut stream = huge(page.clone(), padding).into_data_stream();
        let (mut total, mut largest, mut text) = (0usize, 0usize, Vec::new());
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.unwrap();
            total += chunk.len();
            largest = largest.max(chunk.len());
            if text.len() < 300_000 {
                text.extend_from_slice(&chunk);
            }
        }
        assert_eq!(total as u64, page.len() as u64 + padding);
        assert!(largest <= SPACES.len());
        let parsed: Value = serde_json::from_slice(&text).unwrap();
        assert_eq!(parsed["resourceType"], "Bundle");
    }

    #[test]
    fn settings_are_validated() {
        assert!(validate_tenant("0b8a0111-e8e6").is_ok());
        assert!(validate_tenant("a/b").is_err() && validate_tenant("").is_err());
        assert!(validate_bytes(1).is_ok() && validate_bytes(0).is_err() && validate_bytes(MAX_HUGE_BYTES + 1).is_err());
    }
}
