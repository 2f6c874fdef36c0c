//! Target d: the profile parser and validator (`Profile::from_toml`), on grammar-built profiles
//! (every section, values in and out of range, wrong types, fault rules), on the default profile
//! and small ones mutated byte- and line-wise, and on arbitrary text. A profile is either a clean
//! `Err` with a message naming what is wrong, or `Ok` and consistent; a small valid profile also
//! loads its data without a panic.

use std::path::{Path, PathBuf};

use cerner_mock::clock::DEFAULT_MANUAL_START;
use cerner_mock::store::{LoadOptions, Store};
use cerner_mock::{Profile, ProfileError};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::Value;

use crate::driver::{self, JWT_CLIENT, SANDBOX, SECOND};
use crate::fault_json;

const DEFAULT_PROFILE: &str = include_str!("../../../fixtures/profile.toml");
const SMALL: &str = "[token]\nlifetime_seconds = 600\nexpires_in = 570\n\n[[tenants]]\nid = \"t1\"\n\n\
    [[accounts]]\nclient_id = \"c\"\nsecret = \"s\"\nscopes = [\"system/Patient.read\"]\napproved_tenants = [\"t1\"]\n\n\
    [limits]\nenabled = true\nfhir_burst = 5\n\n[journal]\ncapacity = 10\n\n\
    [[faults]]\nid = \"f\"\nmatch = { path = \"/dstu2/*\", nth = 2 }\naction = { type = \"status\", status = 503 }\n";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// A TOML value literal: numbers at and past every limit, and some of the wrong type.
fn literal() -> BoxedStrategy<String> {
    prop_oneof![
        48 => (1..4000u32).prop_map(|n| n.to_string()),
        2 => select(&["0", "1", "-1", "600", "4294967295", "4294967296", "9223372036854775807", "18446744073709551616",
            "1.5", "nan", "-inf", "1e400", "0x10", "1_000", "true", "\"600\"", "[]", "{}", "1979-05-27T07:32:00Z"][..])
            .prop_map(str::to_owned),
        1 => "\\PC{0,12}".prop_map(|s| Value::String(s).to_string()),
    ]
    .boxed()
}

fn string(good: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![12 => select(good).prop_map(|s| Value::from(s).to_string()), 1 => literal()].boxed()
}

fn list(item: BoxedStrategy<String>) -> BoxedStrategy<String> {
    proptest::collection::vec(item, 0..4).prop_map(|items| format!("[{}]", items.join(", "))).boxed()
}

fn lines(fields: Vec<(&'static str, BoxedStrategy<String>)>) -> impl Strategy<Value = String> {
    let strategies: Vec<_> = fields
        .into_iter()
        .map(|(name, value)| {
            proptest::option::weighted(0.7, value).prop_map(move |v| v.map(|v| format!("{name} = {v}\n")))
        })
        .collect();
    strategies.prop_map(|lines| lines.into_iter().flatten().collect::<String>())
}

fn tenant() -> BoxedStrategy<String> {
    let id = string(&[SANDBOX, SECOND, "t1", "t2", "a/b", "", "x y"]);
    let data =
        proptest::option::weighted(0.1, string(&["data/ec2458f2-1e24-41c8-b71b-0e701af7583d", "missing", "keys", "."]));
    let synthetic = proptest::option::weighted(
        0.5,
        lines(vec![
            ("seed", literal().boxed()),
            ("patients", (0..20u32).prop_map(|n| n.to_string()).boxed()),
            ("practitioners", (0..5u32).prop_map(|n| n.to_string()).boxed()),
            ("appointments", (0..30u32).prop_map(|n| n.to_string()).boxed()),
            ("slots", (0..30u32).prop_map(|n| n.to_string()).boxed()),
            ("encounters", (0..20u32).prop_map(|n| n.to_string()).boxed()),
            ("days_before", prop_oneof![0..40u32, 3000..4000u32].prop_map(|n| n.to_string()).boxed()),
            ("days_after", prop_oneof![0..40u32, 3000..4000u32].prop_map(|n| n.to_string()).boxed()),
            ("locations", list(string(&["1:One", "2", "a b:c", ":x", "3:"])).boxed()),
            (
                "first_location_share",
                select(&["0.3", "0", "1", "1.0001", "-0.0", "nan"][..]).prop_map(str::to_owned).boxed(),
            ),
            ("id_base", select(&["30000000", "0", "18446744073709551615"][..]).prop_map(str::to_owned).boxed()),
        ]),
    );
    (id, proptest::option::of(string(&["A hospital"])), data, synthetic)
        .prop_map(|(id, name, data, synthetic)| {
            let mut text = format!("[[tenants]]\nid = {id}\n");
            text.extend(name.map(|n| format!("name = {n}\n")));
            text.extend(data.map(|d| format!("data = {d}\n")));
            text.extend(synthetic.map(|s| format!("[tenants.synthetic]\n{s}")));
            text
        })
        .boxed()
}

fn account() -> BoxedStrategy<String> {
    let scopes = list(string(&["system/Patient.read", "system/Appointment.read", "bad scope", "system/*.read", ""]));
    let inline_jwks = select(
        &[
            "{ keys = [] }",
            "{ keys = [ { kty = 'EC', crv = 'P-256', x = 'AA', y = 'AA' } ] }",
            "{ keys = [ { kty = 'RSA', n = 'AQAB', e = 'AQAB' } ] }",
            "{ keys = [ { kty = 'oct', k = 'AA' } ] }",
            "{ nokeys = 1 }",
        ][..],
    )
    .prop_map(str::to_owned);
    let fields = lines(vec![
        ("name", string(&["An account"]).boxed()),
        ("secret", string(&["s", ""]).boxed()),
        (
            "jwks_file",
            string(&["keys/jwt-account.jwks.json", "missing.json", "profile.toml", "keys", "data/README.md"]).boxed(),
        ),
        ("jwks", prop_oneof![6 => inline_jwks, 1 => literal()].boxed()),
        ("scopes", scopes.boxed()),
        ("approved_tenants", list(string(&["t1", "t2", SANDBOX, "unknown"])).boxed()),
    ]);
    (string(&["c", JWT_CLIENT, "a:b", ""]), fields)
        .prop_map(|(id, fields)| format!("[[accounts]]\nclient_id = {id}\n{fields}"))
        .boxed()
}

/// A JSON fault rule as a TOML inline table (`None` where TOML has no null).
fn inline(value: &Value) -> Option<String> {
    Some(match value {
        Value::Null => return None,
        Value::Object(map) => {
            let fields: Vec<String> =
                map.iter().filter_map(|(k, v)| Some(format!("{} = {}", Value::from(k.as_str()), inline(v)?))).collect();
            format!("{{ {} }}", fields.join(", "))
        }
        Value::Array(items) => format!("[{}]", items.iter().filter_map(inline).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    })
}

/// A whole profile, section by section, each present or not.
fn grammar_profile() -> BoxedStrategy<String> {
    let head =
        lines(vec![("public_origin", string(&["http://localhost:8080", "http://x/path", "ftp://x", "x"]).boxed())]);
    let token = lines(vec![("lifetime_seconds", literal().boxed()), ("expires_in", literal().boxed())]);
    let limits = lines(vec![
        ("enabled", select(&["true", "false"][..]).prop_map(str::to_owned).boxed()),
        ("fhir_per_second", literal().boxed()),
        ("fhir_burst", literal().boxed()),
        ("token_per_minute", literal().boxed()),
        ("token_burst", literal().boxed()),
    ]);
    let flag = select(&["true", "false"][..]).prop_map(str::to_owned).boxed();
    let journal = lines(vec![("capacity", literal().boxed()), ("enabled", flag)]);
    let faults = proptest::option::weighted(0.2, proptest::collection::vec(fault_json::rule(), 1..3));
    let sections = (head, token, proptest::collection::vec(tenant(), 0..3), proptest::collection::vec(account(), 0..3));
    (sections, limits, journal, faults)
        .prop_map(|((head, token, tenants, accounts), limits, journal, faults)| {
            let faults: Vec<String> = faults.iter().flatten().filter_map(inline).collect();
            format!(
                "{head}faults = [{}]\n[token]\n{token}[limits]\n{limits}[journal]\n{journal}{}{}",
                faults.join(", "),
                tenants.concat(),
                accounts.concat()
            )
        })
        .boxed()
}

#[derive(Debug, Clone)]
enum Edit {
    Delete(Index, usize),
    Insert(Index, String),
    /// The value after the n-th `=` becomes this literal.
    Value(Index, String),
    DuplicateLine(Index),
    DropLine(Index),
    SwapLines(Index, Index),
}

fn edit() -> BoxedStrategy<Edit> {
    let token = prop_oneof![
        3 => select(&["[", "]", "=", "\"", "'", "'''", "\n", "[[tenants]]\n", "[[accounts]]\n", "[token]\n", "{", "}", ",",
            "#", "\\", ".", "-", "0", "\u{0}", "\u{feff}"][..]).prop_map(str::to_owned),
        1 => "\\PC{1,6}",
    ];
    prop_oneof![
        1 => (any::<Index>(), 1..30usize).prop_map(|(i, n)| Edit::Delete(i, n)),
        1 => (any::<Index>(), token).prop_map(|(i, t)| Edit::Insert(i, t)),
        3 => (any::<Index>(), literal()).prop_map(|(i, v)| Edit::Value(i, v)),
        1 => any::<Index>().prop_map(Edit::DuplicateLine),
        1 => any::<Index>().prop_map(Edit::DropLine),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
    ]
    .boxed()
}

fn floor_boundary(text: &str, at: usize) -> usize {
    (0..=at.min(text.len())).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0)
}

fn apply(text: &mut String, edit: &Edit) {
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    match edit {
        Edit::Delete(at, n) => {
            let start = floor_boundary(text, at.index(text.len() + 1));
            let end = floor_boundary(text, start + n);
            text.replace_range(start..end, "");
            return;
        }
        Edit::Insert(at, token) => {
            let at = floor_boundary(text, at.index(text.len() + 1));
            text.insert_str(at, token);
            return;
        }
        Edit::Value(n, literal) => {
            let positions: Vec<usize> =
                lines.iter().enumerate().filter(|(_, l)| l.contains(" = ")).map(|(i, _)| i).collect();
            if positions.is_empty() {
                return;
            }
            let line = &mut lines[*n.get(&positions)];
            let name = line.split(" = ").next().unwrap_or_default().to_owned();
            *line = format!("{name} = {literal}");
        }
        Edit::DuplicateLine(i) => {
            let line = i.get(&lines).clone();
            lines.insert(i.index(lines.len()), line);
        }
        Edit::DropLine(i) => drop(lines.remove(i.index(lines.len()))),
        Edit::SwapLines(a, b) => {
            let (a, b) = (a.index(lines.len()), b.index(lines.len()));
            lines.swap(a, b);
        }
    }
    *text = lines.join("\n");
}

#[derive(Debug, Clone)]
enum Input {
    Grammar(String),
    Mutated(bool, Vec<Edit>),
    Arbitrary(String),
}

fn input() -> BoxedStrategy<Input> {
    prop_oneof![
        4 => grammar_profile().prop_map(Input::Grammar),
        4 => (any::<bool>(), proptest::collection::vec(edit(), 1..5)).prop_map(|(d, e)| Input::Mutated(d, e)),
        1 => "\\PC{0,200}".prop_map(Input::Arbitrary),
    ]
    .boxed()
}

fn check(input: &Input) -> Result<(), TestCaseError> {
    let text = match input {
        Input::Grammar(text) | Input::Arbitrary(text) => text.clone(),
        Input::Mutated(default, edits) => {
            let mut text = if *default { DEFAULT_PROFILE.to_owned() } else { SMALL.to_owned() };
            edits.iter().for_each(|e| apply(&mut text, e));
            text
        }
    };
    match Profile::from_toml(&text, &fixtures()) {
        Err(error) => {
            driver::outcome(match &error {
                ProfileError::Invalid { field, .. } => field.split(['[', '.']).next().unwrap_or_default().to_owned(),
                ProfileError::Syntax { message, .. } if message.contains("invalid type") => "type".to_owned(),
                _ => "syntax".to_owned(),
            });
            let message = error.to_string();
            prop_assert!(!message.is_empty());
            match error {
                ProfileError::Invalid { field, message, .. } => prop_assert!(!field.is_empty() && !message.is_empty()),
                ProfileError::Syntax { message, .. } => prop_assert!(!message.is_empty()),
                ProfileError::Read { .. } => prop_assert!(false, "from_toml reads no profile file"),
            }
        }
        Ok(profile) => {
            driver::outcome("ok");
            consistent(&profile)?;
            if matches!(input, Input::Grammar(_)) {
                // Small by construction: the data of a valid profile loads, or is refused cleanly.
                let loaded = Store::load(&profile, DEFAULT_MANUAL_START.date(), &LoadOptions::default());
                driver::outcome(if loaded.is_ok() { "ok, data loaded" } else { "ok, data refused" });
            }
        }
    }
    Ok(())
}

fn consistent(profile: &Profile) -> Result<(), TestCaseError> {
    let token = profile.token;
    prop_assert!(token.lifetime_seconds >= 1 && (1..=token.lifetime_seconds).contains(&token.expires_in));
    for (i, tenant) in profile.tenants.iter().enumerate() {
        prop_assert!(profile.tenants[..i].iter().all(|t| t.id != tenant.id), "tenant {} twice", tenant.id);
    }
    for account in &profile.accounts {
        prop_assert!(account.secret.is_some() || account.jwks.is_some());
        prop_assert!(account.approved_tenants.iter().all(|t| profile.tenant(t.as_str()).is_some()));
    }
    prop_assert!((1..=10_000_000).contains(&profile.journal_capacity));
    prop_assert!(profile.faults.iter().all(|rule| rule.validate().is_ok()));
    Ok(())
}

#[test]
fn profiles_parse_or_fail_cleanly() {
    driver::run("profile_toml", file!(), input(), |input| check(&input));
}
