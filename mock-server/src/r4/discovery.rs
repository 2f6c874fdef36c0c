//! `GET {base}metadata` (the R4 CapabilityStatement; no token) and
//! `GET {base}.well-known/smart-configuration` (secured base only; the open base answers 404 as
//! it has no such route). Both are prepared once per tenant when the router is built, and served
//! as bytes.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Endpoint, FHIR_VERSION, R4Error};
use crate::app::{AppState, authorize_url};
use crate::fhir::FhirError;
use crate::profile::Profile;
use crate::store::ResourceType;

/// A search parameter: name, FHIR type, documentation.
type SearchParam = (&'static str, &'static str, &'static str);

/// Every type the R4 surface serves, with the search parameters it implements.
const RESOURCES: &[(&str, &[SearchParam])] = &[
    (
        "Appointment",
        &[
            (
                "_id",
                "token",
                "A single or comma separated list of Appointment ids. Either '_id' or one of 'patient', 'practitioner' or 'location' must be set.",
            ),
            ("_count", "number", "The maximum number of results to return in a page. Not honored when '_id' is set."),
            (
                "date",
                "date",
                "Required with patient, practitioner or location unless '-date-or-req-period' is given: once with a prefix (ge, gt, le, lt, eq), once without one (that period), or twice as a lower and an upper bound.",
            ),
            ("-date-or-req-period", "date", "As 'date', also matching proposed appointments by their requestedPeriod."),
            ("patient", "reference", "Patient ids (comma separated). Not combinable with practitioner or location."),
            (
                "practitioner",
                "reference",
                "Practitioner ids (comma separated). Not combinable with patient or location.",
            ),
            ("location", "reference", "Location ids (comma separated). Not combinable with patient or practitioner."),
            ("status", "token", "Appointment statuses, comma separated."),
        ],
    ),
    (
        "Encounter",
        &[
            ("_id", "token", "A single or comma separated list of Encounter ids."),
            ("patient", "reference", "The patient present at the encounter."),
            ("subject", "reference", "The patient present at the encounter (Patient/id)."),
            ("account", "reference", "The account associated with the encounter (Account/id)."),
            ("identifier", "token", "An identifier of the encounter ([system|]value, comma separated)."),
            ("date", "date", "A date within the period of the encounter; with patient or subject."),
            ("status", "token", "Encounter statuses, comma separated."),
            ("_lastUpdated", "date", "When the encounter last changed (at most twice: eq, ge, gt, le, lt)."),
            ("_count", "number", "The maximum number of results to return in a page."),
        ],
    ),
    (
        "Location",
        &[
            ("_id", "token", "A single or comma separated list of Location ids."),
            ("-physicalType", "token", "A location-physical-type code (system|code)."),
            ("type", "token", "The location's type code."),
            ("identifier", "token", "A location identifier; with -physicalType or an address parameter narrows."),
            ("address", "string", "Any part of the address."),
            ("address-city", "string", "The city; needs address-state or address-postalcode."),
            ("address-state", "string", "The state."),
            ("address-postalcode", "string", "The postal code."),
            ("name", "string", "The location's name; with -physicalType, identifier or an address parameter."),
            ("_count", "number", "The maximum number of results to return in a page."),
        ],
    ),
    (
        "Patient",
        &[
            ("_id", "token", "A single or comma separated list of Patient ids."),
            ("identifier", "token", "A patient identifier."),
            ("name", "string", "A portion of the family or given name."),
            ("family", "string", "A portion of the family name."),
            ("given", "string", "A portion of the given name."),
            ("birthdate", "date", "The patient's date of birth."),
            ("phone", "token", "A phone number."),
            ("email", "token", "An email address."),
            ("address-postalcode", "string", "A postal code."),
            ("gender", "token", "Gender; only together with another parameter."),
            ("_count", "number", "The maximum number of results to return in a page."),
        ],
    ),
    (
        "Practitioner",
        &[
            ("_id", "token", "A single or comma separated list of Practitioner ids."),
            ("identifier", "token", "A practitioner identifier (system|code)."),
            ("family", "string", "The start of the family name."),
            ("given", "string", "The start of a given name; only with family."),
            ("name", "string", "The start of any part of the name, at least 2 characters."),
            ("active", "token", "Whether the practitioner record is active."),
            ("_count", "number", "The maximum number of results to return in a page."),
        ],
    ),
    ("Schedule", &[("_id", "token", "A single or comma separated list of Schedule ids.")]),
    (
        "Slot",
        &[
            ("_id", "token", "A single or comma separated list of Slot ids."),
            (
                "service-type",
                "token",
                "Service types, comma separated: all standard codes or all codeSet/14249 codes. Required with start.",
            ),
            ("start", "date", "Twice: a 'ge' and an 'lt' value with times."),
            ("schedule.actor", "reference", "The practitioner or location of the slot's schedule (Type/id)."),
            ("-location", "reference", "Location ids."),
            ("_include", "special", "Slot:schedule or Schedule:actor:Practitioner."),
            ("_count", "number", "The maximum number of results to return in a page (5-200)."),
        ],
    ),
];

/// Every tenant's R4 discovery documents (CapabilityStatement, secured and open, and the SMART
/// configuration), rendered once at start as the bytes served; kept in the [`AppState`].
#[derive(Debug, Default)]
pub struct Prepared {
    /// `[secured, open]` CapabilityStatements by tenant.
    metadata: HashMap<String, [Bytes; 2]>,
    smart: HashMap<String, Bytes>,
}

impl Prepared {
    /// Renders the documents of every tenant of `profile` for the public `origin` (without a
    /// trailing slash).
    pub fn render(profile: &Profile, origin: &str) -> Self {
        let mut metadata = HashMap::new();
        let mut smart = HashMap::new();
        for tenant in &profile.tenants {
            let id = tenant.id.as_str();
            let statement = |endpoint| Bytes::from(capability_statement(origin, id, endpoint).to_string());
            metadata.insert(id.to_owned(), [statement(Endpoint::Secured), statement(Endpoint::Open)]);
            smart.insert(id.to_owned(), Bytes::from(smart_configuration_body(origin, id).to_string()));
        }
        Self { metadata, smart }
    }
}

pub(super) async fn secured_metadata(State(state): State<AppState>, Path(tenant): Path<String>) -> Response {
    metadata(&state, &tenant, Endpoint::Secured)
}

pub(super) async fn open_metadata(State(state): State<AppState>, Path(tenant): Path<String>) -> Response {
    metadata(&state, &tenant, Endpoint::Open)
}

fn metadata(state: &AppState, tenant: &str, endpoint: Endpoint) -> Response {
    let found = state.r4_discovery().metadata.get(tenant).map(|[secured, open]| match endpoint {
        Endpoint::Secured => secured,
        Endpoint::Open => open,
    });
    match found {
        Some(bytes) => bytes_response(bytes.clone(), super::FHIR_JSON_R4),
        None => R4Error(FhirError::TenantNotAccessible).into_response(),
    }
}

pub(super) async fn smart_configuration(State(state): State<AppState>, Path(tenant): Path<String>) -> Response {
    match state.r4_discovery().smart.get(&tenant) {
        Some(bytes) => bytes_response(bytes.clone(), "application/json"),
        None => R4Error(FhirError::TenantNotAccessible).into_response(),
    }
}

fn bytes_response(bytes: Bytes, content_type: &'static str) -> Response {
    let mut response = (StatusCode::OK, bytes).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn token_url(origin: &str, tenant: &str) -> String {
    format!("{origin}{}", crate::oauth::token_path(tenant))
}

fn revoke_url(origin: &str, tenant: &str) -> String {
    format!("{}/revoke", token_url(origin, tenant))
}

fn manage_url(origin: &str, tenant: &str) -> String {
    format!("{origin}/tenants/{tenant}/personas/provider/my-authorizations")
}

fn introspect_url(origin: &str) -> String {
    format!("{origin}/tokeninfo")
}

fn capability_statement(origin: &str, tenant: &str, endpoint: Endpoint) -> Value {
    let base = format!("{origin}{}", endpoint.base_path(tenant));
    let security = match endpoint {
        Endpoint::Open => json!({ "cors": true }),
        Endpoint::Secured => json!({
            "extension": [{
                "extension": [
                    { "valueUri": token_url(origin, tenant), "url": "token" },
                    { "valueUri": revoke_url(origin, tenant), "url": "revoke" },
                    { "valueUri": authorize_url(origin, tenant), "url": "authorize" },
                    { "valueUri": manage_url(origin, tenant), "url": "manage" },
                    { "valueUri": introspect_url(origin), "url": "introspect" },
                ],
                "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
            }],
            "cors": true,
            "service": [{
                "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                    "code": "SMART-on-FHIR"
                }],
                "text": "OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org/)."
            }],
            "description": "OAuth2 plus SMART extensions"
        }),
    };
    let mut resources = vec![json!({ "type": "CapabilityStatement", "interaction": [{ "code": "read" }] })];
    resources.extend(RESOURCES.iter().map(|(name, params)| resource(name, params)));
    json!({
        "resourceType": "CapabilityStatement",
        "url": format!("{base}metadata"),
        "name": "CernerCapabilityStatement",
        "title": "Cerner Capability Statement",
        "status": "active",
        "date": "2023-11-21",
        "publisher": "Cerner",
        "description": "Cerner implementation of FHIR on top of Millennium",
        "kind": "instance",
        "implementation": { "description": "Cerner implementation of FHIR on top of Millennium", "url": base.trim_end_matches('/') },
        "fhirVersion": FHIR_VERSION,
        "format": ["json", "application/fhir+json"],
        "rest": [{
            "mode": "server",
            "documentation": "Cerner implementation of FHIR on top of Millennium",
            "security": security,
            "resource": resources,
        }]
    })
}

fn resource(name: &str, params: &[SearchParam]) -> Value {
    let search: Vec<Value> = params
        .iter()
        .map(|(param, kind, doc)| {
            json!({
                "name": param,
                "definition": format!("http://hl7.org/fhir/R4/SearchParameter/{}", definition(name, param)),
                "type": kind,
                "documentation": doc,
            })
        })
        .collect();
    json!({
        "type": name,
        "interaction": [{ "code": "read" }, { "code": "search-type" }],
        "searchParam": search,
    })
}

/// The SearchParameter a parameter is defined by (Cerner's own `-` parameters point at the
/// nearest standard one).
fn definition(resource: &str, param: &str) -> String {
    match param {
        "_id" => "Resource-id".to_owned(),
        "_count" => "Resource-count".to_owned(),
        "_include" => "Resource-include".to_owned(),
        other => format!("{resource}-{}", other.trim_start_matches('-')),
    }
}

/// What the emulator implements: client credentials with client_secret_basic or private_key_jwt
/// (RS384, ES384), and the system read scopes of the served types in their v1 and v2 forms.
fn smart_configuration_body(origin: &str, tenant: &str) -> Value {
    let mut scopes = Vec::new();
    for resource_type in ResourceType::ALL {
        scopes.push(format!("system/{resource_type}.read"));
        scopes.push(format!("system/{resource_type}.rs"));
    }
    json!({
        "authorization_endpoint": authorize_url(origin, tenant),
        "token_endpoint": token_url(origin, tenant),
        "revocation_endpoint": revoke_url(origin, tenant),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
        "grant_types_supported": ["client_credentials"],
        "scopes_supported": scopes,
        "management_endpoint": manage_url(origin, tenant),
        "introspection_endpoint": introspect_url(origin),
        "capabilities": ["client-confidential-symmetric", "client-confidential-asymmetric", "permission-v1", "permission-v2"],
    })
}
