//! `GET {base}metadata`: the DSTU2 Conformance statement, generated from the DSTU2 declaration
//! ([`super::table`]). No token is needed. On the secured endpoint `rest[0].security` carries the
//! SMART `oauth-uris` extension with this tenant's token URL on the public origin
//! (fhir.cerner.com "Authorization › Discovery"; Cerner's DSTU2 example also lists `authorize`,
//! which a system account never uses and the emulator does not serve); the open endpoint's has none. Prepared once per
//! tenant by [`crate::fhir::discovery`].

use serde_json::{Map, Value, json};

use crate::fhir::declared::SearchParam;
use crate::oauth::endpoints::{AuthEndpoint, oauth_uris};

use crate::fhir::Endpoint;
use crate::fhir::discovery::resources;
use crate::request::FhirVersion;

pub(super) fn conformance(origin: &str, tenant: &str, endpoint: Endpoint) -> Value {
    let url = format!("{origin}{}metadata", endpoint.base_path(FhirVersion::Dstu2, tenant));
    let security = match endpoint {
        Endpoint::Open => json!({ "cors": true }),
        Endpoint::Secured => json!({
            "extension": [oauth_uris(origin, tenant, AuthEndpoint::in_dstu2_conformance)],
            "cors": true,
            "service": [{
                "coding": [{ "system": "http://hl7.org/fhir/restful-security-service", "code": "SMART-on-FHIR" }],
                "text": "OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org/)."
            }],
            "description": "OAuth2 plus SMART extensions"
        }),
    };
    let resources = resources::<super::Dstu2>("Conformance");
    json!({
        "resourceType": "Conformance",
        "text": { "status": "generated", "div": "<div>Generated Conformance Statement</div>" },
        "url": url,
        "name": "Cerner Conformance Statement",
        "status": "draft",
        "publisher": "Cerner",
        "date": "2017-02-28",
        "description": "Describes capabilities of this server",
        "kind": "instance",
        "fhirVersion": "1.0.2",
        "acceptUnknown": "no",
        "format": ["json"],
        "rest": [{
            "mode": "server",
            "documentation": "All the functionality defined in FHIR",
            "security": security,
            "resource": resources,
        }]
    })
}

/// A listed parameter as DSTU2's Conformance writes it: its modifiers in `modifier` (Conformance
/// has that element), e.g. Patient `name`'s `exact`.
pub(super) fn search_param(param: &SearchParam) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("name".into(), json!(param.name));
    out.insert("type".into(), json!(param.kind.as_str()));
    out.insert("documentation".into(), json!(param.documentation));
    if !param.modifiers.is_empty() {
        out.insert("modifier".into(), json!(param.modifiers));
    }
    out
}
