//! R4 discovery documents (fhir.cerner.com R4 "Conformance" and "Authorization"): the
//! CapabilityStatement of each base, generated from the R4 declaration ([`super::table`]), and the
//! SMART configuration of the secured base. Prepared once per tenant by [`crate::fhir::discovery`].

use serde_json::{Value, json};

use crate::app::authorize_url;
use crate::fhir::Endpoint;
use crate::fhir::discovery::resources;
use crate::request::FhirVersion;
use crate::store::ResourceType;

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

pub(super) fn capability_statement(origin: &str, tenant: &str, endpoint: Endpoint) -> Value {
    let base = format!("{origin}{}", endpoint.base_path(FhirVersion::R4, tenant));
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
    let resources = resources(&super::table::DECLARATION, "CapabilityStatement", Some(&definition));
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

/// What the emulator implements: client credentials with client_secret_basic or private_key_jwt
/// (RS384, ES384), and the system read scopes of the served types in their v1 and v2 forms.
pub(super) fn smart_configuration_body(origin: &str, tenant: &str) -> Value {
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
