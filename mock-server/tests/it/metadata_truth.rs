//! The metadata tells the truth, on both versions and both bases, probed over HTTP: every
//! advertised resource type is served, every advertised search parameter is recognised, every
//! parameter the server recognises is advertised (or declared unlisted, as Cerner's own statement
//! leaves it out), every `_include` it serves is in `searchInclude` and every `_revinclude` in
//! `searchRevInclude`.
//!
//! "Recognised" is what the server answers, not what the table says: a parameter is recognised
//! unless the search is refused as `unsupported search parameter '…'`, so the candidates below
//! include names neither version serves.

use std::collections::BTreeSet;

use cerner_mock::fhir::declared;
use cerner_mock::request::{Endpoint, FhirVersion};
use cerner_mock::store::ResourceType;
use serde_json::Value;

use crate::helpers::*;

const SCOPES: &str = "system/Appointment.read system/Patient.read system/Practitioner.read system/Schedule.read \
                      system/Slot.read system/Encounter.read system/Location.read";

/// Names a client might send: every name either version declares, their modifiers, and common
/// FHIR search parameters neither serves.
fn candidates() -> BTreeSet<String> {
    let mut names: BTreeSet<String> = [
        "_id",
        "_count",
        "_include",
        "_revinclude",
        "_sort",
        "_lastUpdated",
        "_elements",
        "_summary",
        "identifier",
        "name",
        "name:exact",
        "name:contains",
        "family:exact",
        "given:exact",
        "address-postalcode:exact",
        "identifier:exact",
        "subject:Patient",
        "date",
        "status",
        "patient",
        "telecom",
        "type",
        "actor",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    for version in FhirVersion::ALL {
        for resource in declared::of(version).resources {
            for param in resource.params {
                names.insert(param.name.to_owned());
                names.extend(param.modifiers.iter().map(|m| format!("{}:{m}", param.name)));
            }
        }
    }
    names
}

const INCLUDES: [&str; 5] =
    ["Slot:schedule", "Schedule:actor:Practitioner", "Slot:actor", "Appointment:patient", "Schedule:actor"];

const REVINCLUDES: [&str; 4] = ["Provenance:target", "Provenance:entity", "Appointment:patient", "Encounter:subject"];

/// The `_include`-like parameters, probed by value against their own list of the statement.
const INCLUSIONS: [(&str, &[&str], &str); 2] =
    [("_include", &INCLUDES, "searchInclude"), ("_revinclude", &REVINCLUDES, "searchRevInclude")];

struct Base<'a> {
    app: &'a TestApp,
    version: FhirVersion,
    endpoint: Endpoint,
    token: Option<String>,
}

impl Base<'_> {
    async fn get(&self, path: &str) -> (u16, String) {
        let base = self.endpoint.base_path(self.version, SANDBOX);
        let mut request = self.app.http.get(self.app.url(&format!("{base}{path}")));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("reaches the emulator");
        (response.status().as_u16(), response.text().await.unwrap_or_default())
    }

    /// True unless the server refuses `name` as an unsupported parameter of `kind`.
    async fn recognises(&self, kind: &str, name: &str, value: &str) -> bool {
        let query = url::form_urlencoded::Serializer::new(String::new()).append_pair(name, value).finish();
        let (status, body) = self.get(&format!("{kind}?{query}")).await;
        let refused = format!("unsupported search parameter '{name}'");
        let inclusion = INCLUSIONS.iter().any(|(n, _, _)| *n == name);
        let include_refused = inclusion && status == 400 && body.contains(&format!("'{name}'"));
        !(include_refused || status == 400 && body.contains(&refused))
    }
}

/// Per searchable type: its name, its `searchParam` names (with `name:modifier`), its
/// `searchInclude` and `searchRevInclude` lists, and its parameters' documentation.
type Advertised = (String, Vec<String>, [Vec<String>; 2], String);

fn advertised(statement: &Value) -> Vec<Advertised> {
    let resources = statement["rest"][0]["resource"].as_array().cloned().unwrap_or_default();
    resources
        .iter()
        .filter(|r| r["interaction"].as_array().is_some_and(|i| i.iter().any(|i| i["code"] == "search-type")))
        .map(|r| {
            let strings = |v: &Value, field: &str| -> Vec<String> {
                v[field].as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_owned)).collect()
            };
            let params = r["searchParam"].as_array().into_iter().flatten();
            let mut names = Vec::new();
            let mut docs = String::new();
            for param in params {
                let name = param["name"].as_str().unwrap_or_default().to_owned();
                for modifier in strings(param, "modifier") {
                    names.push(format!("{name}:{modifier}"));
                }
                docs.push_str(&format!("{name}: {}\n", param["documentation"].as_str().unwrap_or_default()));
                names.push(name);
            }
            let lists = [strings(r, "searchInclude"), strings(r, "searchRevInclude")];
            (r["type"].as_str().unwrap_or_default().to_owned(), names, lists, docs)
        })
        .collect()
}

#[tokio::test]
async fn every_base_serves_exactly_what_its_metadata_says() {
    let app = spawn_unlimited_app().await;
    let token = app.token(SANDBOX, SCOPES).await;
    let candidates = candidates();
    for version in FhirVersion::ALL {
        for endpoint in Endpoint::ALL {
            let secured = endpoint == Endpoint::Secured;
            let base = Base { app: &app, version, endpoint, token: secured.then(|| token.clone()) };
            let (status, body) = base.get("metadata").await;
            assert_eq!(status, 200, "{version} {endpoint:?} metadata");
            let statement: Value = serde_json::from_str(&body).expect("a JSON statement");
            let listed = advertised(&statement);
            assert!(listed.len() >= 6, "{version} {endpoint:?} lists its types");
            let where_ = |kind: &str| format!("{version} {endpoint:?} {kind}");
            for (kind, names, lists, docs) in &listed {
                // Served: a search with no parameters is a 400 of that type, never a 404.
                let (status, body) = base.get(kind).await;
                assert_eq!(status, 400, "{} is served: {body}", where_(kind));
                for name in names.iter().filter(|n| !n.contains(':')) {
                    assert!(base.recognises(kind, name, "1").await, "{} advertises '{name}'", where_(kind));
                }
                for candidate in &candidates {
                    let inclusion = INCLUSIONS.iter().any(|(n, _, _)| n == candidate);
                    if inclusion || !base.recognises(kind, candidate, "1").await {
                        continue;
                    }
                    let base_name = candidate.split(':').next().unwrap_or_default();
                    let resource: ResourceType = kind.parse().expect("a known type");
                    let unlisted =
                        declared::decl(version, resource).param(base_name).is_some_and(|p| p.unlisted.is_some());
                    let modifier_documented = candidate.split_once(':').is_some_and(|(_, m)| {
                        docs.lines().any(|l| l.starts_with(&format!("{base_name}:")) && l.contains(&format!(":{m}")))
                    });
                    assert!(
                        names.contains(candidate) || unlisted || modifier_documented,
                        "{} recognises '{candidate}' but does not advertise it",
                        where_(kind)
                    );
                }
                for ((name, values, field), listed) in INCLUSIONS.iter().zip(lists) {
                    for value in *values {
                        let served = base.recognises(kind, name, value).await;
                        let says = listed.iter().any(|i| i == value);
                        assert_eq!(served, says, "{} {name}={value} served, and in {field}", where_(kind));
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn the_open_r4_base_serves_location_as_its_metadata_says() {
    let app = spawn_app().await;
    let (status, _) = (Base { app: &app, version: FhirVersion::R4, endpoint: Endpoint::Open, token: None })
        .get("Location/21503380")
        .await;
    assert_eq!(status, 200, "fhir.cerner.com R4 Location: GET https://fhir-open.cerner.com/r4/…/Location/{{id}}");
    let dstu2 = Base { app: &app, version: FhirVersion::Dstu2, endpoint: Endpoint::Open, token: None };
    assert_eq!(dstu2.get("Location/21503380").await.0, 404, "DSTU2 has no Location resource");
}

#[tokio::test]
async fn dstu2_practitioner_and_schedule_take_id_alone_as_documented() {
    let app = spawn_app().await;
    let open = Base { app: &app, version: FhirVersion::Dstu2, endpoint: Endpoint::Open, token: None };
    for kind in ["Practitioner", "Schedule"] {
        let (status, body) = open.get(&format!("{kind}?_id=1&_count=5")).await;
        assert_eq!(status, 400, "fhir.cerner.com DSTU2 {kind}: the only parameter is _id");
        assert!(body.contains("unsupported search parameter '_count'"), "{body}");
    }
}
