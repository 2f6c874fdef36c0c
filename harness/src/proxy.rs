//! A recording forward proxy on loopback, for rehearsing against a real server (the public
//! sandbox), where there is no emulator journal to judge from. The client is given the proxy's
//! address as its FHIR base; the proxy forwards every request to the real FHIR server, rewrites the
//! discovered token URL and the Bundles' `next` links to come back through it, journals each request
//! as the emulator would (scheme only, never a secret or a token) and enforces a hard request budget:
//! past it, it answers 429 with a day-long `Retry-After` instead of calling the server.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cerner_mock::journal::JournalEntry;
use time::OffsetDateTime;
use url::Url;

const AUTH_PREFIX: &str = "/__auth";

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    /// The real FHIR server's origin, e.g. `https://fhir-ehr-code.cerner.com`.
    fhir_origin: String,
    /// The real authorization server's origin, learnt from the metadata.
    auth_origin: Mutex<Option<String>>,
    proxy_origin: String,
    budget: u64,
    seq: AtomicU64,
    journal: Mutex<Vec<JournalEntry>>,
    /// Every `next` link served (as rewritten to the proxy), path and query.
    next_links: Mutex<Vec<String>>,
}

/// A running proxy.
#[derive(Debug, Clone)]
pub(crate) struct Proxy(Arc<Inner>);

impl Proxy {
    /// Starts a proxy for `fhir_base` on 127.0.0.1:0 with a budget of `budget` forwarded requests.
    pub(crate) async fn start(fhir_base: &Url, budget: u64) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let proxy_origin = format!("http://{}", listener.local_addr()?);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(std::io::Error::other)?;
        let proxy = Self(Arc::new(Inner {
            http,
            fhir_origin: fhir_base.origin().ascii_serialization(),
            auth_origin: Mutex::new(None),
            proxy_origin,
            budget,
            seq: AtomicU64::new(0),
            journal: Mutex::new(Vec::new()),
            next_links: Mutex::new(Vec::new()),
        }));
        let router = axum::Router::new().fallback(forward).with_state(proxy.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(proxy)
    }

    /// The FHIR base the client is given: the proxy's origin with the real base's path.
    pub(crate) fn base_for(&self, fhir_base: &Url) -> String {
        format!("{}{}", self.0.proxy_origin, fhir_base.path())
    }

    pub(crate) fn origin(&self) -> &str {
        &self.0.proxy_origin
    }

    /// The `next` links the server gave (path and query, as the client sees them).
    pub(crate) fn next_links(&self) -> Vec<String> {
        self.0.next_links.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub(crate) fn journal(&self) -> Vec<JournalEntry> {
        self.0.journal.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let inner = &proxy.0;
    let seq = inner.seq.fetch_add(1, Ordering::Relaxed) + 1;
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().map(str::to_owned);
    let mut entry = entry(seq, &parts.method, &path, query.clone(), &parts.headers);
    let response = if seq > inner.budget {
        let mut response = (StatusCode::TOO_MANY_REQUESTS, "request budget of the rehearsal spent").into_response();
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("86400"));
        response
    } else {
        let body = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
        entry.scope = url::form_urlencoded::parse(&body).find(|(k, _)| k == "scope").map(|(_, v)| v.into_owned());
        relay(&proxy, &parts.method, &path, query.as_deref(), &parts.headers, body).await
    };
    entry.status = response.status().as_u16();
    inner.journal.lock().unwrap_or_else(PoisonError::into_inner).push(entry);
    response
}

fn entry(
    seq: u64,
    method: &axum::http::Method,
    path: &str,
    query: Option<String>,
    headers: &HeaderMap,
) -> JournalEntry {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let authorization = text(header::AUTHORIZATION);
    let scheme = authorization.as_deref().and_then(|a| a.split(' ').next()).map(str::to_owned);
    let client_id = authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Basic "))
        .and_then(|b| base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| pair.split_once(':').map(|(id, _)| id.to_owned()));
    let segments: Vec<&str> = path.split('/').collect();
    let tenant =
        segments.iter().position(|s| *s == "dstu2" || *s == "r4" || *s == "tenants").and_then(|i| segments.get(i + 1));
    let now = OffsetDateTime::now_utc();
    JournalEntry {
        seq,
        time: now,
        wall_time: now,
        method: method.to_string(),
        path: path.strip_prefix(AUTH_PREFIX).unwrap_or(path).to_owned(),
        query,
        client_id,
        tenant: tenant.map(|t| (*t).to_owned()),
        jti: None,
        authorization: scheme,
        accept: text(header::ACCEPT),
        status: 0,
        bytes: 0,
        latency_ms: 0.0,
        request_id: None,
        opc_request_id: None,
        scope: None,
        fhir_version: fhir_version(&segments),
        in_flight: None,
        fault: None,
    }
}

/// The version of a FHIR request's base, named as the emulator's journal names it.
fn fhir_version(segments: &[&str]) -> Option<cerner_mock::request::FhirVersion> {
    segments.iter().find_map(|s| cerner_mock::request::FhirVersion::from_segment(s))
}

async fn relay(
    proxy: &Proxy,
    method: &axum::http::Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let inner = &proxy.0;
    let (origin, rest) = match path.strip_prefix(AUTH_PREFIX) {
        Some(rest) => (inner.auth_origin.lock().unwrap_or_else(PoisonError::into_inner).clone(), rest),
        None => (Some(inner.fhir_origin.clone()), path),
    };
    let Some(origin) = origin else { return StatusCode::BAD_GATEWAY.into_response() };
    let url = format!("{origin}{rest}{}", query.map(|q| format!("?{q}")).unwrap_or_default());
    let method = reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut request = inner.http.request(method, url).body(body);
    for name in [header::AUTHORIZATION, header::ACCEPT, header::CONTENT_TYPE] {
        if let Some(value) = headers.get(&name).and_then(|v| v.to_str().ok()) {
            request = request.header(name.as_str(), value);
        }
    }
    let Ok(answer) = request.send().await else { return StatusCode::BAD_GATEWAY.into_response() };
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut kept = HeaderMap::new();
    for name in ["content-type", "retry-after", "x-request-id", "www-authenticate", "etag"] {
        if let Some(value) = answer.headers().get(name).and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok()) {
            kept.insert(name, value);
        }
    }
    let bytes = answer.bytes().await.unwrap_or_default();
    let body = rewrite(proxy, &bytes);
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = kept;
    response
}

/// Points the discovered token URL and Bundle `next` links back at the proxy.
fn rewrite(proxy: &Proxy, bytes: &Bytes) -> Vec<u8> {
    let inner = &proxy.0;
    let Ok(text) = std::str::from_utf8(bytes) else { return bytes.to_vec() };
    let Ok(mut json) = serde_json::from_str::<serde_json::Value>(text) else { return bytes.to_vec() };
    // The token URL, from DSTU2's Conformance or R4's CapabilityStatement (the oauth-uris
    // extension, wherever it sits among the security extensions) or from R4's SMART configuration.
    let token = match json["resourceType"].as_str() {
        Some("Conformance" | "CapabilityStatement") => json["rest"][0]["security"]["extension"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["url"].as_str().is_some_and(|u| u.ends_with("/oauth-uris")))
            .flat_map(|e| e["extension"].as_array().into_iter().flatten())
            .find(|e| e["url"] == "token")
            .and_then(|e| e["valueUri"].as_str()),
        None => json["token_endpoint"].as_str(),
        Some(_) => None,
    };
    if let Some(token) = token.and_then(|u| Url::parse(u).ok()) {
        *inner.auth_origin.lock().unwrap_or_else(PoisonError::into_inner) = Some(token.origin().ascii_serialization());
        let through = format!("{}{AUTH_PREFIX}{}", inner.proxy_origin, token.path());
        return text.replace(token.as_str(), &through).into_bytes();
    }
    if json["resourceType"] == "Bundle" {
        for link in json["link"].as_array_mut().into_iter().flatten() {
            if let Some(url) = link["url"].as_str() {
                let through = url.replacen(&inner.fhir_origin, &inner.proxy_origin, 1);
                if link["relation"] == "next" {
                    let relative = through.strip_prefix(&inner.proxy_origin).unwrap_or(&through).to_owned();
                    inner.next_links.lock().unwrap_or_else(PoisonError::into_inner).push(relative);
                }
                link["url"] = serde_json::Value::String(through);
            }
        }
        return json.to_string().into_bytes();
    }
    bytes.to_vec()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    async fn proxy() -> Proxy {
        let base = Url::parse("http://127.0.0.1:9/r4/t/").unwrap_or_else(|e| panic!("{e}"));
        Proxy::start(&base, 10).await.unwrap_or_else(|e| panic!("{e}"))
    }

    fn rewritten(proxy: &Proxy, body: &serde_json::Value) -> String {
        String::from_utf8(rewrite(proxy, &Bytes::from(body.to_string()))).unwrap_or_default()
    }

    #[tokio::test]
    async fn the_token_url_comes_back_through_the_proxy_on_both_versions_and_from_smart_configuration() {
        let proxy = proxy().await;
        let through = format!("{}{AUTH_PREFIX}/tenants/t/token", proxy.origin());
        let oauth = |token: &str| {
            json!({ "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                    "extension": [ { "url": "authorize", "valueUri": "https://auth.example/a" },
                                   { "url": "token", "valueUri": token } ] })
        };
        let other =
            json!({ "url": "https://example/other", "extension": [ { "url": "token", "valueUri": "https://x/t" } ] });
        for kind in ["Conformance", "CapabilityStatement"] {
            let statement = json!({ "resourceType": kind,
                "rest": [ { "security": { "extension": [ other, oauth("https://auth.example/tenants/t/token") ] } } ] });
            let text = rewritten(&proxy, &statement);
            assert!(text.contains(&through) && text.contains("https://x/t"), "{kind}: {text}");
        }
        let smart =
            json!({ "token_endpoint": "https://auth.example/tenants/t/token", "issuer": "https://auth.example" });
        assert!(rewritten(&proxy, &smart).contains(&through));
        let unrelated = json!({ "resourceType": "Patient", "id": "1" });
        assert_eq!(rewritten(&proxy, &unrelated), unrelated.to_string());
    }

    #[test]
    fn the_journal_names_the_version_of_the_base() {
        assert_eq!(fhir_version(&["", "r4", "t", "Appointment"]).map(|v| v.as_str()), Some("r4"));
        assert_eq!(fhir_version(&["", "dstu2", "t", "metadata"]).map(|v| v.as_str()), Some("dstu2"));
        assert_eq!(fhir_version(&["", "__auth", "tenants", "t", "token"]), None);
    }
}
