//! `GET {base}metadata`: the DSTU2 Conformance statement. No token is needed. On the secured
//! endpoint `rest[0].security` carries the SMART `oauth-uris` extension with this tenant's token
//! URL on the public origin (fhir.cerner.com "Authorization › Discovery"); the open endpoint's has
//! none.
//!
//! It is the request every client sends first and load tests send most, so each tenant's two
//! statements are rendered once, when the state is built (the profile and the origin never change
//! afterwards), and served as prepared bytes.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Endpoint, FHIR_JSON, FhirError};
use crate::app::AppState;
use crate::profile::Profile;

/// A search parameter: name, FHIR type, documentation.
type SearchParam = (&'static str, &'static str, &'static str);

/// Every type the emulator serves, with its search parameters.
const RESOURCES: &[(&str, &[SearchParam])] = &[
    (
        "Appointment",
        &[
            (
                "_id",
                "token",
                "A single or comma separated list of Appointment ids. Required if no other search parameter is given.",
            ),
            (
                "patient",
                "reference",
                "Patient ids (comma separated). One of patient, practitioner or location is required with date.",
            ),
            (
                "practitioner",
                "reference",
                "Practitioner ids (comma separated). One of patient, practitioner or location is required with date.",
            ),
            (
                "location",
                "reference",
                "Location ids (comma separated). One of patient, practitioner or location is required with date.",
            ),
            (
                "date",
                "date",
                "Appointment date: once without a prefix, or twice with one 'ge'/'gt' and one 'le'/'lt' prefix.",
            ),
            ("status", "token", "Appointment statuses, comma separated."),
            ("_count", "number", "The maximum number of results to return in a page."),
        ],
    ),
    (
        "Encounter",
        &[
            ("_id", "token", "A single or comma separated list of Encounter ids. Required if patient is not given."),
            ("patient", "reference", "The patient present at the encounter. Required if _id is not given."),
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
    ("Practitioner", &[("_id", "token", "A single or comma separated list of Practitioner ids.")]),
    ("Schedule", &[("_id", "token", "A single or comma separated list of Schedule ids.")]),
    (
        "Slot",
        &[
            ("_id", "token", "A single or comma separated list of Slot ids."),
            ("slot-type", "token", "The type of appointments that can be booked into the slot. Required with start."),
            ("start", "date", "Slot start: once without a prefix, or a 'ge' and 'lt' pair."),
            ("schedule.actor", "reference", "The individual or location the schedule belongs to."),
            ("-location", "reference", "Location ids."),
            ("_count", "number", "The maximum number of results to return in a page."),
        ],
    ),
];

/// Every tenant's Conformance statements, secured and open, as the bytes served.
#[derive(Debug, Default)]
pub struct Conformances(HashMap<String, [Bytes; 2]>);

impl Conformances {
    /// Renders both statements of every tenant of `profile` for the public `origin` (without a
    /// trailing slash).
    pub fn render(profile: &Profile, origin: &str) -> Self {
        let statements = profile.tenants.iter().map(|tenant| {
            let id = tenant.id.as_str();
            let bytes = |endpoint| Bytes::from(conformance(origin, id, endpoint).to_string());
            (id.to_owned(), [bytes(Endpoint::Secured), bytes(Endpoint::Open)])
        });
        Self(statements.collect())
    }

    fn get(&self, tenant: &str, endpoint: Endpoint) -> Option<Bytes> {
        let [secured, open] = self.0.get(tenant)?;
        Some(match endpoint {
            Endpoint::Secured => secured.clone(),
            Endpoint::Open => open.clone(),
        })
    }
}

pub(super) async fn secured(State(state): State<AppState>, Path(tenant): Path<String>) -> Result<Response, FhirError> {
    serve(&state, &tenant, Endpoint::Secured)
}

pub(super) async fn open(State(state): State<AppState>, Path(tenant): Path<String>) -> Result<Response, FhirError> {
    serve(&state, &tenant, Endpoint::Open)
}

fn serve(state: &AppState, tenant: &str, endpoint: Endpoint) -> Result<Response, FhirError> {
    let body = state.conformances().get(tenant, endpoint).ok_or(FhirError::TenantNotAccessible)?;
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON))], body).into_response())
}

fn conformance(origin: &str, tenant: &str, endpoint: Endpoint) -> Value {
    let url = format!("{origin}{}metadata", endpoint.base_path(tenant));
    let security = match endpoint {
        Endpoint::Open => json!({ "cors": true }),
        Endpoint::Secured => json!({
            "extension": [{
                "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                "extension": [
                    { "url": "token", "valueUri": format!("{origin}{}", crate::oauth::token_path(tenant)) },
                    { "url": "authorize", "valueUri": crate::app::authorize_url(origin, tenant) },
                ]
            }],
            "cors": true,
            "service": [{
                "coding": [{ "system": "http://hl7.org/fhir/restful-security-service", "code": "SMART-on-FHIR" }],
                "text": "OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org/)."
            }],
            "description": "OAuth2 plus SMART extensions"
        }),
    };
    let mut resources = vec![json!({ "type": "Conformance", "interaction": [{ "code": "read" }] })];
    resources.extend(RESOURCES.iter().map(|(name, params)| resource(name, params)));
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

fn resource(name: &str, params: &[SearchParam]) -> Value {
    let search: Vec<Value> =
        params.iter().map(|(name, kind, doc)| json!({ "name": name, "type": kind, "documentation": doc })).collect();
    json!({
        "type": name,
        "interaction": [{ "code": "read" }, { "code": "search-type" }],
        "searchParam": search,
    })
}
