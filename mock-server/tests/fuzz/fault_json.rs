//! Target e: fault rules as JSON, posted to `POST /__admin/faults` and given to the `FaultRule`
//! deserializer: grammar-shaped rules (right and wrong field types, out-of-range numbers, unknown
//! actions), mutated rules and arbitrary bytes. The admin API answers `201` exactly when the
//! deserializer and `validate` accept the rule, else a `{"error"}` JSON; an accepted rule is then
//! applied to a request without a panic, and removed.

use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use cerner_mock::faults::FaultRule;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::{Value, json};

use crate::driver::{self, ALL_SCOPES, Emulator, Reply, SANDBOX};
use crate::shapes;

/// The id of a rule that is always present, so that posting it again is a conflict.
const TAKEN_ID: &str = "taken";

fn number() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => (0..700u64).prop_map(|n| json!(n)),
        1 => any::<u64>().prop_map(|n| json!(n)),
        1 => any::<i64>().prop_map(|n| json!(n)),
        1 => select(&[0.5, -0.0, 1.0, 1e308, -1.5, 2.0][..]).prop_map(|f| json!(f)),
    ]
    .boxed()
}

/// Any JSON scalar or a small container: a value of the wrong type for most fields.
fn odd() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        "\\PC{0,16}".prop_map(Value::String),
        Just(json!([1, "a"])),
        Just(json!({ "type": "reset" })),
    ]
    .boxed()
}

fn text(good: &'static [&'static str]) -> BoxedStrategy<Value> {
    prop_oneof![4 => select(good).prop_map(|s| json!(s)), 1 => "\\PC{0,16}".prop_map(|s| json!(s)), 1 => odd()].boxed()
}

fn action() -> BoxedStrategy<Value> {
    let kind = prop_oneof![
        8 => select(&["status", "throttle", "delay", "reset", "truncate", "malformed", "expire_token", "revoke_approval",
            "foreign_next", "short_page", "move_entry_to_later_page", "pass"][..]).prop_map(|s| json!(s)),
        1 => odd(),
    ];
    let field = prop_oneof![
        (0..1000u64).prop_map(|n| ("status".to_owned(), json!(n))),
        text(&[
            "120",
            "0",
            "18446744073709551616",
            "Wed, 21 Oct 2026 07:28:00 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "-1",
            ""
        ])
        .prop_map(|v| ("retry_after".to_owned(), v)),
        number().prop_map(|v| ("ms".to_owned(), v)),
        text(&["http://other.example:9", "https://x", "http://x/path", "ftp://x", "x"])
            .prop_map(|v| ("origin".to_owned(), v)),
        number().prop_map(|v| ("keep".to_owned(), v)),
        ("[a-z_]{1,8}", odd()),
    ];
    (kind, proptest::collection::vec(field, 0..3))
        .prop_map(|(kind, fields)| {
            let mut action = serde_json::Map::new();
            action.insert("type".into(), kind);
            for (name, value) in fields {
                action.insert(name, value);
            }
            Value::Object(action)
        })
        .boxed()
}

fn matcher() -> BoxedStrategy<Value> {
    let field = prop_oneof![
        text(&["GET", "POST", "get", "G3T", ""]).prop_map(|v| ("method".to_owned(), v)),
        text(&["/dstu2/*/Appointment", "*", "*token", "/**/", ""]).prop_map(|v| ("path".to_owned(), v)),
        text(&[SANDBOX, "other"]).prop_map(|v| ("tenant".to_owned(), v)),
        text(&["Appointment", "token", "metadata"]).prop_map(|v| ("resource".to_owned(), v)),
        text(&["bb318a62-fa61-49ae-b692-7d99214f0ec7"]).prop_map(|v| ("client".to_owned(), v)),
        number().prop_map(|v| ("nth".to_owned(), v)),
        number().prop_map(|v| ("every".to_owned(), v)),
        number().prop_map(|v| ("first".to_owned(), v)),
        prop_oneof![(0.0..=1.0f64).prop_map(|p| json!(p)), number()].prop_map(|v| ("probability".to_owned(), v)),
        number().prop_map(|v| ("seed".to_owned(), v)),
        odd().prop_map(|v| ("unknown".to_owned(), v)),
    ];
    proptest::collection::vec(field, 0..4).prop_map(|fields| Value::Object(fields.into_iter().collect())).boxed()
}

/// A rule as JSON: `id`, `match`, `action` and/or `actions`, each present or not, mostly well typed.
pub(crate) fn rule() -> BoxedStrategy<Value> {
    let id = proptest::option::weighted(
        0.3,
        prop_oneof![Just(json!(TAKEN_ID)), "[a-z0-9-]{1,8}".prop_map(|s| json!(s)), odd()],
    );
    let actions = proptest::option::weighted(0.3, proptest::collection::vec(action(), 0..4).prop_map(Value::Array));
    let extra = proptest::option::weighted(0.05, odd());
    (id, proptest::option::weighted(0.8, matcher()), proptest::option::weighted(0.8, action()), actions, extra)
        .prop_map(|(id, matcher, action, actions, extra)| {
            let mut rule = serde_json::Map::new();
            let fields = [("id", id), ("match", matcher), ("action", action), ("actions", actions), ("extra", extra)];
            for (name, value) in fields {
                if let Some(value) = value {
                    rule.insert(name.into(), value);
                }
            }
            Value::Object(rule)
        })
        .boxed()
}

#[derive(Debug, Clone)]
enum Input {
    Rule(Value),
    /// A rule's JSON text with bytes deleted, inserted or replaced.
    Mutated(Value, Index, usize, Vec<u8>),
    Bytes(Vec<u8>),
}

fn input() -> BoxedStrategy<Input> {
    prop_oneof![
        6 => rule().prop_map(Input::Rule),
        2 => (rule(), any::<Index>(), 0..6usize, proptest::collection::vec(any::<u8>(), 0..4))
            .prop_map(|(r, at, cut, new)| Input::Mutated(r, at, cut, new)),
        1 => proptest::collection::vec(any::<u8>(), 0..100).prop_map(Input::Bytes),
    ]
    .boxed()
}

fn bytes(input: &Input) -> Vec<u8> {
    match input {
        Input::Rule(rule) => rule.to_string().into_bytes(),
        Input::Mutated(rule, at, cut, new) => {
            let mut text = rule.to_string().into_bytes();
            let at = at.index(text.len() + 1);
            let end = (at + cut).min(text.len());
            text.splice(at..end, new.iter().copied());
            text
        }
        Input::Bytes(bytes) => bytes.clone(),
    }
}

fn content_type() -> BoxedStrategy<Option<&'static str>> {
    prop_oneof![
        8 => Just(Some("application/json")),
        1 => select(&["application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded",
            "application/merge-patch+json", ""][..]).prop_map(Some),
        1 => Just(None),
    ]
    .boxed()
}

fn post(emulator: &Emulator, body: Vec<u8>, content_type: Option<&str>) -> Reply {
    let mut request = Request::post("/__admin/faults");
    if let Some(value) = content_type {
        request = request.header(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
    }
    emulator.send(request.body(Body::from(body)).unwrap())
}

struct Fixture {
    emulator: Emulator,
    token: String,
}

fn check(fixture: &Fixture, input: Input, content_type: Option<&str>) -> Result<(), TestCaseError> {
    let body = bytes(&input);
    let parsed = serde_json::from_slice::<FaultRule>(&body);
    let valid = parsed.as_ref().map(|rule| rule.validate());
    if let Ok(Err(message)) = &valid {
        prop_assert!(!message.to_string().is_empty());
    }
    let reply = post(&fixture.emulator, body, content_type);
    let json = content_type
        .map(|t| t.split(';').next().unwrap_or_default().trim())
        .is_some_and(|t| t == "application/json" || (t.starts_with("application/") && t.ends_with("+json")));
    let taken = parsed.as_ref().is_ok_and(|rule| rule.id.as_deref() == Some(TAKEN_ID));
    let expected = match &valid {
        _ if !json => StatusCode::BAD_REQUEST,
        Ok(Ok(())) if taken => StatusCode::CONFLICT,
        Ok(Ok(())) => StatusCode::CREATED,
        _ => StatusCode::BAD_REQUEST,
    };
    driver::outcome(reply.status.as_u16());
    prop_assert_eq!(reply.status, expected, "{:?}: {}", String::from_utf8_lossy(&bytes(&input)), reply.describe());
    if reply.status != StatusCode::CREATED {
        shapes::admin_error(&reply)?;
        return Ok(());
    }
    let view = reply.json().unwrap_or_default();
    let id = view["id"].as_str().unwrap_or_default().to_owned();
    prop_assert!(!id.is_empty() && view["matched"] == 0, "{}", reply.describe());
    let applied = apply(fixture, parsed.ok().as_ref());
    let removed =
        fixture.emulator.send(Request::delete(format!("/__admin/faults/{}", encode(&id))).body(Body::empty()).unwrap());
    prop_assert_eq!(removed.status, StatusCode::NO_CONTENT, "removing {:?}: {}", id, removed.describe());
    applied
}

fn encode(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Sends a search the rule may trigger on. Not applied: rules that wait (`delay`, and `truncate`,
/// which cuts the body after a pause) to keep the run fast, and rules that would take away the
/// target's token for good (`expire_token`, `revoke_approval`).
fn apply(fixture: &Fixture, rule: Option<&FaultRule>) -> Result<(), TestCaseError> {
    let Some(rule) = rule else { return Ok(()) };
    let actions: Vec<_> = rule.action.iter().chain(rule.actions.iter().flatten()).collect();
    if actions.iter().any(|a| matches!(a.name(), "delay" | "truncate" | "expire_token" | "revoke_approval")) {
        return Ok(());
    }
    let path = format!("/dstu2/{SANDBOX}/Appointment?location=21503380&date=ge2026-01-01&date=lt2026-01-20&_count=5");
    let request = Request::get(path).header(header::AUTHORIZATION, format!("Bearer {}", fixture.token));
    let reply = fixture.emulator.send(request.body(Body::empty()).unwrap());
    driver::outcome(format_args!("applied {}xx", reply.status.as_u16() / 100));
    let injected = |status: u16| {
        actions.iter().any(|a| a.name() == "reset" || a == &&cerner_mock::faults::FaultAction::Status { status })
    };
    prop_assert!(reply.status.as_u16() < 500 || injected(reply.status.as_u16()), "{}", reply.describe());
    Ok(())
}

#[test]
fn fault_rules_are_accepted_exactly_when_valid() {
    let emulator = Emulator::new();
    let taken = json!({ "id": TAKEN_ID, "match": { "path": "/never" }, "action": { "type": "reset" } });
    assert_eq!(post(&emulator, taken.to_string().into_bytes(), Some("application/json")).status, StatusCode::CREATED);
    let token = emulator.token(SANDBOX, ALL_SCOPES);
    let fixture = Fixture { emulator, token };
    driver::run("fault_json", file!(), (input(), content_type()), |(input, content_type)| {
        check(&fixture, input, content_type)
    });
}

/// Found by this target: a rule with the id `""` was accepted, and then no
/// `DELETE /__admin/faults/{id}` could name it.
#[test]
fn a_rule_with_an_empty_id_is_refused() {
    let emulator = Emulator::new();
    let rule = json!({ "id": "", "action": { "type": "reset" } });
    let reply = post(&emulator, rule.to_string().into_bytes(), Some("application/json"));
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.describe());
    assert!(shapes::admin_error(&reply).unwrap().contains("id"));
    assert!(serde_json::from_value::<FaultRule>(rule).unwrap().validate().is_err());
}
