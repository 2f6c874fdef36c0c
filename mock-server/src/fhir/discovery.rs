//! Discovery on every base of both versions: `GET {base}metadata` (no token; the version's
//! capability statement, generated from its declaration) and `GET {base}.well-known/smart-configuration`
//! (secured bases only; the open bases have no such route and answer 404).
//!
//! They are the requests every client sends first and load tests send most, so each tenant's
//! documents are rendered once, on the first request for them (the profile and the origin never
//! change afterwards), and served as prepared bytes from then on. Rendering them on first use
//! rather than at start-up keeps the start of a profile of a thousand tenants short.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::declared::{Capabilities, ResourceDecl};
use super::seam::Version;
use super::{Endpoint, FhirError};
use crate::app::AppState;
use crate::profile::Profile;
use crate::request::FhirVersion;
use crate::store::ResourceType;

/// One tenant's documents on one version.
#[derive(Debug)]
struct Documents {
    secured: Bytes,
    open: Bytes,
    smart: Bytes,
}

/// Every tenant's discovery documents on both versions, each rendered on its first request.
#[derive(Debug, Default)]
pub struct Prepared {
    /// The public origin (without a trailing slash) the documents name.
    origin: String,
    tenants: HashMap<String, TenantDocuments>,
}

/// A tenant's `[tenants.capabilities]` and its documents, DSTU2's then R4's, once rendered.
#[derive(Debug)]
struct TenantDocuments {
    served: Option<Capabilities>,
    rendered: [OnceLock<Documents>; 2],
}

impl Prepared {
    /// The documents of every tenant of `profile` for the public `origin` (without a trailing
    /// slash), to be rendered when first asked for.
    pub fn render(profile: &Profile, origin: &str) -> Self {
        let tenants = profile.tenants.iter().map(|tenant| {
            let documents = TenantDocuments { served: tenant.capabilities.clone(), rendered: Default::default() };
            (tenant.id.to_string(), documents)
        });
        Self { origin: origin.to_owned(), tenants: tenants.collect() }
    }

    fn get<V: Version>(&self, tenant: &str) -> Option<&Documents> {
        let (id, documents) = self.tenants.get_key_value(tenant)?;
        let slot = match V::VERSION {
            FhirVersion::Dstu2 => &documents.rendered[0],
            FhirVersion::R4 => &documents.rendered[1],
        };
        Some(slot.get_or_init(|| documents_of::<V>(&self.origin, id, documents.served.as_ref())))
    }
}

fn documents_of<V: Version>(origin: &str, tenant: &str, served: Option<&Capabilities>) -> Documents {
    let bytes = |value: Value| Bytes::from(value.to_string());
    let statement = |endpoint| {
        let mut statement = V::capability_statement(origin, tenant, endpoint);
        if let Some(served) = served {
            restrict(&mut statement, served);
        }
        bytes(statement)
    };
    Documents {
        secured: statement(Endpoint::Secured),
        open: statement(Endpoint::Open),
        smart: bytes(V::smart_configuration(origin, tenant)),
    }
}

/// A tenant's statement lists exactly what it serves: the declared types and parameters its
/// `[tenants.capabilities]` keep (the same filter the requests go through), and an `_include` only
/// where `_include` is kept.
fn restrict(statement: &mut Value, served: &Capabilities) {
    let Some(resources) = statement["rest"][0]["resource"].as_array_mut() else { return };
    resources.retain(|r| {
        let kind = r["type"].as_str().and_then(|t| t.parse::<ResourceType>().ok());
        kind.is_none_or(|t| served.serves(t))
    });
    for resource in resources.iter_mut() {
        let Some(kind) = resource["type"].as_str().and_then(|t| t.parse::<ResourceType>().ok()) else { continue };
        if let Some(params) = resource["searchParam"].as_array_mut() {
            params.retain(|p| p["name"].as_str().is_some_and(|name| served.searches(kind, name)));
        }
        if !served.searches(kind, "_include")
            && let Some(object) = resource.as_object_mut()
        {
            object.remove("searchInclude");
        }
    }
}

pub(super) async fn secured_metadata<V: Version>(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
) -> Response {
    metadata::<V>(&state, &tenant, Endpoint::Secured)
}

pub(super) async fn open_metadata<V: Version>(State(state): State<AppState>, Path(tenant): Path<String>) -> Response {
    metadata::<V>(&state, &tenant, Endpoint::Open)
}

fn metadata<V: Version>(state: &AppState, tenant: &str, endpoint: Endpoint) -> Response {
    match state.discovery().get::<V>(tenant) {
        Some(documents) => {
            let bytes = match endpoint {
                Endpoint::Secured => &documents.secured,
                Endpoint::Open => &documents.open,
            };
            bytes_response(bytes.clone(), V::CONTENT_TYPE)
        }
        None => V::error(FhirError::TenantNotAccessible),
    }
}

pub(super) async fn smart_configuration<V: Version>(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
) -> Response {
    match state.discovery().get::<V>(&tenant) {
        Some(documents) => bytes_response(documents.smart.clone(), "application/json"),
        None => V::error(FhirError::TenantNotAccessible),
    }
}

fn bytes_response(bytes: Bytes, content_type: &'static str) -> Response {
    let mut response = (StatusCode::OK, bytes).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// The `rest[0].resource` entries of a capability statement: the statement's own type, then every
/// type `V` declares with its listed `searchParam`s (each written by the version, which also says
/// where a parameter's modifiers go), its `searchInclude`s and its `searchRevInclude`s.
pub(crate) fn resources<V: Version>(statement: &str) -> Vec<Value> {
    let mut resources = vec![json!({ "type": statement, "interaction": [{ "code": "read" }] })];
    resources.extend(V::declared().resources.iter().map(resource::<V>));
    resources
}

fn resource<V: Version>(decl: &ResourceDecl) -> Value {
    let params: Vec<Value> = decl.listed().map(|p| Value::Object(V::search_param(decl.resource, p))).collect();
    let mut resource = json!({
        "type": decl.resource.as_str(),
        "interaction": [{ "code": "read" }, { "code": "search-type" }],
    });
    if !decl.rev_includes.is_empty() {
        resource["searchRevInclude"] = json!(decl.rev_includes.iter().map(|i| i.value).collect::<Vec<_>>());
    }
    resource["searchParam"] = json!(params);
    if !decl.includes.is_empty() {
        resource["searchInclude"] = json!(decl.includes.iter().map(|i| i.value).collect::<Vec<_>>());
    }
    resource
}
