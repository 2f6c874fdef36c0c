//! R4 discovery documents (fhir.cerner.com R4 "Conformance" and "Authorization"): the
//! CapabilityStatement of each base, generated from the R4 declaration ([`super::table`]), and the
//! SMART configuration of the secured base. Prepared once per tenant by [`crate::fhir::discovery`].

use serde_json::{Map, Value, json};

use crate::fhir::Endpoint;
use crate::fhir::declared::SearchParam;
use crate::fhir::discovery::resources;
use crate::oauth::endpoints::{oauth_uris, smart_endpoints};
use crate::request::FhirVersion;
use crate::store::ResourceType;

pub(super) fn capability_statement(origin: &str, tenant: &str, endpoint: Endpoint) -> Value {
    let base = format!("{origin}{}", endpoint.base_path(FhirVersion::R4, tenant));
    let security = match endpoint {
        Endpoint::Open => json!({ "cors": true }),
        Endpoint::Secured => json!({
            "extension": [oauth_uris(origin, tenant, |_| true)],
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
    let resources = resources::<super::R4>("CapabilityStatement");
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
        "fhirVersion": FhirVersion::R4.fhir_version(),
        "format": ["json", "application/fhir+json"],
        "rest": [{
            "mode": "server",
            "documentation": "Cerner implementation of FHIR on top of Millennium",
            "security": security,
            "resource": resources,
        }]
    })
}

/// A listed parameter as R4's CapabilityStatement writes it: with its `definition`, and its
/// modifiers named in the documentation (R4's `searchParam` has no `modifier` element).
pub(super) fn search_param(resource: ResourceType, param: &SearchParam) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("name".into(), json!(param.name));
    out.insert("definition".into(), json!(definition(resource.as_str(), param.name)));
    out.insert("type".into(), json!(param.kind.as_str()));
    let modifiers: Vec<String> = param.modifiers.iter().map(|m| format!(":{m}")).collect();
    let documentation = match modifiers.is_empty() {
        true => param.documentation.to_owned(),
        false => format!("{} Modifiers: {}.", param.documentation, modifiers.join(", ")),
    };
    out.insert("documentation".into(), json!(documentation));
    out
}

/// The SearchParameter a parameter is defined by (Cerner's own `-` parameters point at the
/// nearest standard one).
fn definition(resource: &str, param: &str) -> String {
    let id = match param {
        "_id" => "Resource-id".to_owned(),
        "_count" => "Resource-count".to_owned(),
        "_include" => "Resource-include".to_owned(),
        other => format!("{resource}-{}", other.trim_start_matches('-')),
    };
    format!("http://hl7.org/fhir/R4/SearchParameter/{id}")
}

/// What the emulator implements: the token, revocation and introspection endpoints
/// ([`crate::oauth::endpoints`]; not Cerner's user-facing `authorization_endpoint` and
/// `management_endpoint`), client credentials with client_secret_basic or private_key_jwt (RS384,
/// ES384), and the system read scopes of the served types in their v1 and v2 forms, with
/// Provenance's, which `_revinclude=Provenance:target` needs.
pub(super) fn smart_configuration_body(origin: &str, tenant: &str) -> Value {
    let types = ResourceType::ALL.iter().map(|t| t.as_str()).chain(["Provenance"]);
    let scopes: Vec<String> = types.flat_map(|t| [format!("system/{t}.read"), format!("system/{t}.rs")]).collect();
    let mut body = smart_endpoints(origin, tenant);
    body.extend(
        json!({
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
            "grant_types_supported": ["client_credentials"],
            "scopes_supported": scopes,
            "capabilities": ["client-confidential-symmetric", "client-confidential-asymmetric", "permission-v1", "permission-v2"],
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
    );
    Value::Object(body)
}
