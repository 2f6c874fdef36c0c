//! `spawn_app()` and request helpers that read like the API, plus the project's snapshot macro.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cerner_mock::clock::DEFAULT_MANUAL_START;
use cerner_mock::store::LoadOptions;
use cerner_mock::{AdminClient, Clock, MockServer, Profile, ServerConfig};
use serde_json::{Value, json};

pub(crate) use cerner_mock::defaults::{
    CLIENT_ID as CLIENT, CLIENT_SECRET as SECRET, JWT_CLIENT_ID as JWT_CLIENT, PRODUCTION_TENANT as PRODUCTION,
    SANDBOX_TENANT as SANDBOX, SECOND_TENANT as SECOND, UNAPPROVED_TENANT as UNAPPROVED,
};
pub(crate) const FORM: &str = "application/x-www-form-urlencoded";

/// A running emulator with the default profile and a manual clock.
pub(crate) struct TestApp {
    pub server: MockServer,
    pub base: String,
    pub http: reqwest::Client,
    pub clock: Clock,
    pub admin: AdminClient,
}

pub(crate) async fn spawn_app() -> TestApp {
    spawn_app_with(LoadOptions::default()).await
}

/// Every scope the default account is registered for.
pub(crate) const ALL_SCOPES: &str = "system/Appointment.read system/Patient.read system/Practitioner.read system/Schedule.read system/Slot.read system/Encounter.read";

/// The emulator with extra synthetic data (`--synthetic`).
pub(crate) async fn spawn_app_with(load: LoadOptions) -> TestApp {
    spawn_app_with_profile(Profile::embedded_default(), load).await
}

/// The default profile without rate limits, for tests that send many requests on purpose.
pub(crate) async fn spawn_unlimited_app() -> TestApp {
    let mut profile = Profile::embedded_default();
    profile.limits.enabled = false;
    spawn_app_with_profile(profile, LoadOptions::default()).await
}

pub(crate) async fn spawn_app_with_profile(profile: Profile, load: LoadOptions) -> TestApp {
    let clock = Clock::manual(DEFAULT_MANUAL_START);
    let mut config = ServerConfig::new(profile);
    config.clock = clock.clone();
    config.load = load;
    let server = MockServer::start(config).await.expect("the emulator starts");
    let base = server.origin().to_owned();
    let admin = AdminClient::new(&base).expect("an admin client");
    TestApp { server, base, http: reqwest::Client::new(), clock, admin }
}

pub(crate) fn basic(client: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{client}:{secret}")))
}

pub(crate) fn token_path(tenant: &str) -> String {
    format!("/tenants/{tenant}/protocols/oauth2/profiles/smart-v1/token")
}

impl TestApp {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn token_url(&self, tenant: &str) -> String {
        self.url(&token_path(tenant))
    }

    /// POSTs a form body to a tenant's token endpoint.
    pub(crate) async fn post_token(&self, tenant: &str, authorization: Option<&str>, body: &str) -> reqwest::Response {
        let mut request = self.http.post(self.token_url(tenant)).header("content-type", FORM).body(body.to_owned());
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        request.send().await.expect("the request reaches the emulator")
    }

    /// A token for the default account, asserting success.
    pub(crate) async fn token(&self, tenant: &str, scope: &str) -> String {
        let body = format!("grant_type=client_credentials&scope={}", scope.replace(' ', "+"));
        let response = self.post_token(tenant, Some(&basic(CLIENT, SECRET)), &body).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("JSON");
        body["access_token"].as_str().expect("a token").to_owned()
    }

    /// A FHIR GET with `Accept: application/json+fhir` and, when given, a bearer token.
    pub(crate) async fn fhir(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self.http.get(self.url(path)).header("accept", "application/json+fhir");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("the request reaches the emulator")
    }

    /// GETs an absolute URL (a `next` link) with the token.
    pub(crate) async fn follow(&self, url: &str, token: &str) -> Value {
        let response = self.http.get(url).bearer_auth(token).send().await.expect("reaches the emulator");
        assert_eq!(response.status(), 200, "{url}");
        response.json().await.expect("a JSON bundle")
    }

    pub(crate) async fn get(&self, path: &str, accept: Option<&str>) -> reqwest::Response {
        let mut request = self.http.get(self.url(path));
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        request.send().await.expect("the request reaches the emulator")
    }

    /// `{status, headers that matter, body}`, with the random origin port, tokens and instance ids
    /// replaced so it can be snapshotted.
    pub(crate) async fn envelope(&self, response: reqwest::Response) -> Value {
        let status = response.status().as_u16();
        let mut headers = serde_json::Map::new();
        for name in ["content-type", "cache-control", "pragma", "www-authenticate", "etag", "retry-after"] {
            if let Some(value) = response.headers().get(name) {
                let host = self.base.trim_start_matches("http://");
                headers.insert(name.into(), json!(value.to_str().unwrap_or("<binary>").replace(host, "[host]")));
            }
        }
        if response.headers().contains_key("x-request-id") {
            headers.insert("x-request-id".into(), json!("[uuid]"));
        }
        let text = response.text().await.expect("a body").replace(&self.base, "[origin]");
        let mut body = serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text));
        if body.get("access_token").is_some() {
            body["access_token"] = json!("[token]");
        }
        if let Some(uri) = body.get("error_uri").and_then(Value::as_str) {
            body["error_uri"] = json!(redact_instance(uri));
        }
        if body["resourceType"] == "Bundle" {
            body["id"] = json!("[uuid]");
            for link in body["link"].as_array_mut().into_iter().flatten() {
                if let Some(url) = link["url"].as_str() {
                    link["url"] = json!(redact_page_token(url));
                }
            }
        }
        json!({ "status": status, "headers": headers, "body": body })
    }
}

/// Replaces the page token of a `next`/`previous` link.
fn redact_page_token(url: &str) -> String {
    match url.split_once("-pageContext=") {
        Some((head, tail)) => {
            let rest = tail.find('&').map_or("", |at| &tail[at..]);
            format!("{head}-pageContext=[page]{rest}")
        }
        None => url.to_owned(),
    }
}

/// The ids of a bundle's entries of `resource_type`, in order.
pub(crate) fn entry_ids(bundle: &Value, resource_type: &str) -> Vec<String> {
    bundle["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["resource"]["resourceType"] == resource_type)
        .map(|e| e["resource"]["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The URL of a bundle link, when present.
pub(crate) fn link<'a>(bundle: &'a Value, relation: &str) -> Option<&'a str> {
    bundle["link"].as_array()?.iter().find(|l| l["relation"] == relation)?["url"].as_str()
}

/// Replaces the instance id in a Cerner `error_uri`.
fn redact_instance(uri: &str) -> String {
    match (uri.find("/instances/"), uri.find('?')) {
        (Some(start), Some(end)) if end > start => {
            format!("{}/instances/[uuid]{}", &uri[..start], &uri[end..])
        }
        _ => uri.to_owned(),
    }
}

/// The claims of a JWT, without verifying it.
pub(crate) fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT has three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON claims")
}

/// The JWT header.
pub(crate) fn jwt_header(token: &str) -> Value {
    let header = token.split('.').next().expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("base64url")).expect("JSON header")
}

/// Snapshots a response envelope; CI never writes snapshots.
#[macro_export]
macro_rules! assert_envelope {
    ($name:expr, $envelope:expr) => {
        insta::assert_json_snapshot!($name, $envelope)
    };
}
