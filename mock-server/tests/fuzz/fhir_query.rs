//! Target a: the FHIR endpoints' query strings and search parameter parsers (reads, searches and
//! `-pageContext` tokens, on the secured and the open endpoint, DSTU2 and R4), with arbitrary and
//! grammar-shaped input. Every answer is documented and well formed in its version's shape; a
//! search's `next` link is followable.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use percent_encoding::{AsciiSet, CONTROLS, percent_encode};
use proptest::prelude::*;
use proptest::sample::Index;

mod cases;
mod params;

use cases::{Auth, Case, PageMutation, QueryText, case};

use crate::driver::{self, ALL_SCOPES, Emulator, ORIGIN, Reply, SANDBOX, SECOND};
use crate::shapes;

const TYPES: [&str; 6] = ["Appointment", "Encounter", "Patient", "Practitioner", "Schedule", "Slot"];
/// R4's types: DSTU2's at the same indexes (the parameter grammar's), and Location.
const R4_TYPES: [&str; 7] = ["Appointment", "Encounter", "Patient", "Practitioner", "Schedule", "Slot", "Location"];
/// Bytes that stay raw in a fuzzed query: everything a URI allows, `%` included (bad escapes).
const QUERY_RAW: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'<').add(b'>').add(b'`').add(b'{').add(b'}');

/// What the target shares between cases: the emulator, tokens, and `next` links to mutate.
struct Fixture {
    emulator: Emulator,
    /// All scopes on the sandbox; all scopes on the second tenant; Patient only on the sandbox.
    tokens: [String; 3],
    /// `(secured, path and query)` of `next` links of real searches.
    next_links: Vec<(bool, String)>,
}

impl Fixture {
    fn new() -> Self {
        let emulator = Emulator::new();
        let tokens = [
            emulator.token(SANDBOX, &format!("{ALL_SCOPES} system/Location.read")),
            emulator.token(SECOND, ALL_SCOPES),
            emulator.token(SANDBOX, "system/Patient.read"),
        ];
        let mut fixture = Fixture { emulator, tokens, next_links: Vec::new() };
        let searches = [
            (
                false,
                "Appointment?location=21503380,21304876,32216049,32216052&date=ge2025-12-01&date=lt2026-03-01&_count=3",
            ),
            (
                false,
                "Slot?slot-type=24477854,https://fhir.cerner.com/x|1&start=ge2020-01-01&start=lt2030-01-01&_count=2",
            ),
            (false, "Patient?name=a&_count=1"),
            (
                true,
                "Appointment?location=21503380,21304876,32216049,32216052&date=ge2025-12-01&date=lt2026-03-01&_count=3",
            ),
            (
                true,
                "Slot?service-type=24477854&start=ge2020-01-01T00:00:00Z&start=lt2030-01-01T00:00:00Z&_count=5&_include=Schedule:actor:Practitioner",
            ),
            (true, "Patient?name=a&_count=1"),
        ];
        for secured in [true, false] {
            for (r4, search) in searches {
                let base = base(secured, r4, SANDBOX);
                let reply = fixture.get(secured, &format!("{base}{search}"), Auth::Valid, None);
                if let Some(next) = next_link(&reply) {
                    fixture.next_links.push((secured, next.clone()));
                    let later = fixture.get(secured, &next, Auth::Valid, None);
                    if let Some(previous) = link(&later, "previous") {
                        fixture.next_links.push((secured, previous));
                    }
                }
            }
        }
        assert!(fixture.next_links.len() >= 8, "the seed searches page: {:?}", fixture.next_links);
        fixture
    }

    fn get(&self, secured: bool, path_and_query: &str, auth: Auth, accept: Option<&str>) -> Reply {
        let uri = match path_and_query.parse::<axum::http::Uri>() {
            Ok(uri) => uri,
            // What the HTTP layer would refuse anyway: send it escaped instead.
            Err(_) => percent_encode(path_and_query.as_bytes(), QUERY_RAW).to_string().parse().unwrap(),
        };
        let mut request = Request::get(uri);
        if let Some(accept) = accept {
            request = request.header(header::ACCEPT, accept);
        }
        let authorization = match (secured, auth) {
            (false, _) | (_, Auth::None) => None,
            (true, Auth::Valid) => Some(format!("Bearer {}", self.tokens[0])),
            (true, Auth::OtherTenant) => Some(format!("Bearer {}", self.tokens[1])),
            (true, Auth::PatientOnly) => Some(format!("Bearer {}", self.tokens[2])),
            (true, Auth::Raw(ref value)) => Some(value.clone()),
        };
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        self.emulator.send(request.body(Body::empty()).unwrap())
    }
}

/// A tenant's base path on one of the four FHIR endpoints.
fn base(secured: bool, r4: bool, tenant: &str) -> String {
    let version = if r4 { "r4" } else { "dstu2" };
    if secured { format!("/{version}/{tenant}/") } else { format!("/open/{version}/{tenant}/") }
}

/// An R4 path gets R4's answers (media type, shapes).
fn is_r4(path: &str) -> bool {
    path.starts_with("/r4/") || path.starts_with("/open/r4/")
}

/// The answer in the shape of the version its path names.
fn well_formed(path: &str, reply: &Reply) -> Result<serde_json::Value, TestCaseError> {
    if is_r4(path) { shapes::fhir_r4(reply) } else { shapes::fhir(reply) }
}

fn link(reply: &Reply, relation: &str) -> Option<String> {
    let body = reply.json()?;
    let url = body["link"].as_array()?.iter().find(|l| l["relation"] == relation)?["url"].as_str()?.to_owned();
    url.strip_prefix(ORIGIN).map(str::to_owned)
}

fn next_link(reply: &Reply) -> Option<String> {
    link(reply, "next")
}

/// The path and query a case stands for; `true` when it must succeed (an unchanged `next` link).
fn target(fixture: &Fixture, case: &Case) -> (bool, String, bool) {
    let (kind, query) = match &case.query {
        QueryText::Pairs { kind, pairs, encoded } => {
            let text = if *encoded {
                let mut ser = url::form_urlencoded::Serializer::new(String::new());
                ser.extend_pairs(pairs.iter());
                ser.finish()
            } else {
                pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
            };
            (case.kind.clone().map(|k| if k == usize::MAX { *kind } else { k }), text)
        }
        QueryText::Raw(bytes) => {
            (case.kind.clone().map(|_| bytes.len() % 6), percent_encode(bytes, QUERY_RAW).to_string())
        }
        QueryText::Page { link, mutation } => return page_target(fixture, *link, mutation, case.auth.clone()),
    };
    let types: &[&str] = if case.r4 { &R4_TYPES } else { &TYPES };
    let kind = kind.map_or_else(|own| own, |k| types[k % types.len()].to_owned());
    let mut path = format!("{}{kind}", base(case.secured, case.r4, &case.tenant));
    if let Some(id) = &case.read_id {
        path = format!("{path}/{id}");
    }
    (case.secured, if query.is_empty() { path } else { format!("{path}?{query}") }, false)
}

fn page_target(fixture: &Fixture, link: Index, mutation: &PageMutation, auth: Auth) -> (bool, String, bool) {
    let (secured, url) = link.get(&fixture.next_links).clone();
    let (path, query) = url.split_once('?').unwrap();
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let mut path = path.to_owned();
    let token = &mut pairs[0].1;
    match mutation {
        PageMutation::AsIs => {}
        PageMutation::FlipChar(at, c) => {
            let mut chars: Vec<char> = token.chars().collect();
            let at = at.index(chars.len());
            chars[at] = *c;
            *token = chars.into_iter().collect();
        }
        PageMutation::Truncate(at) => token.truncate(at.index(token.len())),
        PageMutation::Direction(direction) => pairs[1].1 = direction.clone(),
        PageMutation::DropDirection => drop(pairs.pop()),
        PageMutation::Append(name, value) => pairs.push((name.clone(), value.clone())),
        PageMutation::OtherTenant => path = path.replace(SANDBOX, SECOND),
        PageMutation::OtherType(i) => {
            let (head, _) = path.rsplit_once('/').unwrap();
            path = format!("{head}/{}", i.get(&TYPES));
        }
        PageMutation::Replace(text) => *token = text.clone(),
    }
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    ser.extend_pairs(pairs.iter());
    let must_succeed = matches!(mutation, PageMutation::AsIs) && (!secured || matches!(auth, Auth::Valid));
    (secured, format!("{path}?{}", ser.finish()), must_succeed)
}

fn check(fixture: &Fixture, case: Case) -> Result<(), TestCaseError> {
    let (secured, path, must_succeed) = target(fixture, &case);
    let accept = if must_succeed { None } else { case.accept.as_deref() };
    let reply = fixture.get(secured, &path, case.auth.clone(), accept);
    driver::outcome(reply.status.as_u16());
    driver::outcome(if is_r4(&path) { "r4" } else { "dstu2" });
    well_formed(&path, &reply)?;
    if must_succeed {
        prop_assert_eq!(reply.status, StatusCode::OK, "{} {}", path, reply.describe());
    }
    if let Some(next) = next_link(&reply).filter(|_| reply.status == StatusCode::OK) {
        let later = fixture.get(secured, &next, case.auth.clone(), accept);
        driver::outcome("next followed");
        well_formed(&next, &later)?;
        prop_assert_eq!(later.status, StatusCode::OK, "next of {}: {}", path, later.describe());
    }
    Ok(())
}

#[test]
fn fhir_queries_are_answered_in_fhir_shape() {
    let fixture = Fixture::new();
    driver::run("fhir_query", file!(), case(), |case| check(&fixture, case));
}

/// Found by this target: escapes that decode to no UTF-8 in a path segment were answered with
/// axum's plain-text `Path` rejection instead of an OperationOutcome.
#[test]
fn a_path_segment_that_is_not_utf8_gets_an_operation_outcome() {
    let fixture = Fixture::new();
    let paths = [
        (true, "/dstu2/%FF/Patient?name=a".to_owned()),
        (false, "/open/dstu2/%C3/Appointment".to_owned()),
        (true, format!("/dstu2/{SANDBOX}/Patient/%FF%FE")),
        (false, format!("/open/dstu2/{SANDBOX}/%80/1")),
        (true, "/dstu2/%E2%82/metadata".to_owned()),
        (true, "/r4/%FF/Encounter?patient=1".to_owned()),
        (false, format!("/open/r4/{SANDBOX}/Location/%FF%FE")),
    ];
    for (secured, path) in paths {
        let reply = fixture.get(secured, &path, Auth::Valid, None);
        well_formed(&path, &reply).unwrap();
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}: {}", reply.describe());
        assert_eq!(reply.json().unwrap()["issue"][0]["code"], "invalid");
    }
}
