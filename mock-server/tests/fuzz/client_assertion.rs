//! Target c: private_key_jwt client assertions. Claims and headers from a grammar, signed with the
//! fixture keys (or with the wrong algorithm); real assertions mutated byte by byte, segment by
//! segment, or re-headed without a new signature; and arbitrary strings. An assertion that is
//! right in every part gets a token; anything else gets an OAuth error, never a 5xx.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cerner_mock::clock::DEFAULT_MANUAL_START;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::{Value, json};

use crate::driver::{self, CLIENT, Emulator, FORM, JWT_CLIENT, ORIGIN, SANDBOX, SECOND, token_path};
use crate::shapes;

const RSA_KEY: &[u8] = include_bytes!("../../../fixtures/keys/jwt-account-rs384.key.pem");
const EC_KEY: &[u8] = include_bytes!("../../../fixtures/keys/jwt-account-es384.key.pem");
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const RSA_KID: &str = "jwt-account-rs384";
const EC_KID: &str = "jwt-account-es384";

struct Fixture {
    emulator: Emulator,
    rsa: EncodingKey,
    ec: EncodingKey,
    /// An HMAC key named like the RSA key: the algorithm-confusion attempt.
    hs: EncodingKey,
    /// Assertions the emulator accepts, to mutate.
    pool: Vec<String>,
    executions: AtomicU64,
}

fn now() -> i64 {
    DEFAULT_MANUAL_START.unix_timestamp()
}

fn token_url() -> String {
    format!("{ORIGIN}{}", token_path(SANDBOX))
}

impl Fixture {
    fn new() -> Self {
        let rsa = EncodingKey::from_rsa_pem(RSA_KEY).unwrap();
        let ec = EncodingKey::from_ec_pem(EC_KEY).unwrap();
        let hs = EncodingKey::from_secret(RSA_KID.as_bytes()).unwrap();
        let emulator = Emulator::new();
        let mut fixture = Fixture { emulator, rsa, ec, hs, pool: Vec::new(), executions: AtomicU64::new(0) };
        for n in 0..16u32 {
            let claims = json!({ "iss": JWT_CLIENT, "sub": JWT_CLIENT, "aud": token_url(), "exp": now() + 200, "jti": format!("pool-{n}") });
            let signer = if n % 2 == 0 { Signer::Rs384(Some(RSA_KID)) } else { Signer::Es384(Some(EC_KID)) };
            fixture.pool.push(fixture.sign(&signer, &claims));
        }
        fixture
    }

    fn sign(&self, signer: &Signer, claims: &Value) -> String {
        let (alg, kid, key) = match signer {
            Signer::Rs384(kid) => (Algorithm::RS384, *kid, &self.rsa),
            Signer::Es384(kid) => (Algorithm::ES384, *kid, &self.ec),
            Signer::Rs256 => (Algorithm::RS256, Some(RSA_KID), &self.rsa),
            Signer::Ps384 => (Algorithm::PS384, Some(RSA_KID), &self.rsa),
            Signer::Hs384 => (Algorithm::HS384, Some(RSA_KID), &self.hs),
        };
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, key).unwrap()
    }
}

#[derive(Debug, Clone)]
enum Signer {
    Rs384(Option<&'static str>),
    Es384(Option<&'static str>),
    Rs256,
    Ps384,
    Hs384,
}

impl Signer {
    fn is_good(&self) -> bool {
        matches!(self, Signer::Rs384(Some(RSA_KID)) | Signer::Es384(Some(EC_KID)))
    }
}

/// A claim: the value (`None` = absent) and whether it is what the emulator requires.
type Claim = (Option<Value>, bool);

fn claim(good: Value, bad: impl Strategy<Value = Option<Value>> + 'static) -> BoxedStrategy<Claim> {
    prop_oneof![5 => Just((Some(good), true)), 1 => bad.prop_map(|v| (v, false))].boxed()
}

fn odd_value() -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        Just(None),
        Just(Some(Value::Null)),
        any::<i64>().prop_map(|n| Some(json!(n))),
        any::<f64>().prop_map(|f| Some(json!(f))),
        "\\PC{0,20}".prop_map(|s| Some(json!(s))),
        Just(Some(json!([]))),
        Just(Some(json!({ "a": 1 }))),
        Just(Some(json!(CLIENT))),
    ]
    .boxed()
}

#[derive(Debug, Clone)]
struct Signed {
    signer: Signer,
    claims: Value,
    good: bool,
    /// The `jti` is a fresh one, made unique per execution (shrinking replays a case).
    fresh_jti: bool,
}

fn signed() -> BoxedStrategy<Signed> {
    let signer = prop_oneof![
        4 => select(&[Some(RSA_KID), None, Some("other")][..]).prop_map(Signer::Rs384),
        2 => select(&[Some(EC_KID), None, Some(RSA_KID)][..]).prop_map(Signer::Es384),
        1 => Just(Signer::Rs256),
        1 => Just(Signer::Ps384),
        1 => Just(Signer::Hs384),
    ];
    let aud = prop_oneof![
        5 => Just((Some(json!(token_url())), true)),
        1 => Just((Some(json!(["x", token_url()])), true)),
        1 => Just((Some(json!(format!("{ORIGIN}{}", token_path(SECOND)))), false)),
        1 => odd_value().prop_map(|v| (v, false)),
    ];
    let exp = prop_oneof![
        5 => (1..=300i64).prop_map(|s| (Some(json!(now() + s)), true)),
        1 => (-100_000..=0i64).prop_map(|s| (Some(json!(now() + s)), false)),
        1 => (301..100_000i64).prop_map(|s| (Some(json!(now() + s)), false)),
        1 => odd_value().prop_map(|v| (v, false)),
    ];
    let jti = prop_oneof![5 => any::<u128>().prop_map(|n| (Some(json!(format!("{n:032x}"))), true)),
        1 => odd_value().prop_map(|v| (v, false))];
    let extra = proptest::option::of(("(nbf|iat|azp|cnf|[a-z]{1,6})", odd_value()));
    (signer, claim(json!(JWT_CLIENT), odd_value()), proptest::bool::weighted(0.15), aud, exp, jti, extra)
        .prop_map(|(signer, iss, sub_differs, aud, exp, jti, extra)| {
            let mut claims = serde_json::Map::new();
            let sub = if sub_differs { (Some(json!("someone-else")), false) } else { (iss.0.clone(), true) };
            let fields = [("iss", &iss), ("sub", &sub), ("aud", &aud), ("exp", &exp), ("jti", &jti)];
            for (name, (value, _)) in fields {
                if let Some(value) = value {
                    claims.insert(name.to_owned(), value.clone());
                }
            }
            // A registered claim of the wrong type may be refused (RFC 7519 §4.1): not "good".
            let mut extra_ok = true;
            if let Some((name, Some(value))) = extra {
                extra_ok = !matches!(name.as_str(), "nbf" | "iat" | "iss" | "sub" | "aud" | "exp" | "jti");
                claims.entry(name).or_insert(value);
            }
            let good = signer.is_good() && extra_ok && fields.iter().all(|(_, (_, good))| *good);
            Signed { signer, claims: Value::Object(claims), good, fresh_jti: jti.1 }
        })
        .boxed()
}

#[derive(Debug, Clone)]
enum Mutation {
    FlipChar(Index, char),
    Delete(Index, usize),
    Insert(Index, String),
    Truncate(Index),
    /// A new header (JSON text), the payload and signature kept.
    Header(String),
    /// A new payload (JSON text or not), the header and signature kept.
    Payload(String),
    Segments(Vec<String>),
}

fn header_json() -> BoxedStrategy<String> {
    let alg =
        select(&["RS384", "ES384", "none", "HS256", "HS384", "RS256", "PS384", "EdDSA", "ES256", "rs384", ""][..]);
    let kid = proptest::option::of(prop_oneof![Just(RSA_KID.to_owned()), Just(EC_KID.to_owned()), "\\PC{0,10}"]);
    let extra = select(
        &[
            "",
            ",\"typ\":\"JWT\"",
            ",\"crit\":[\"exp\"]",
            ",\"jku\":\"http://x/\"",
            ",\"jwk\":{\"kty\":\"oct\"}",
            ",\"alg\":\"none\"",
            ",\"x5c\":[\"AA\"]",
            ",\"cty\":\"JWT\"",
        ][..],
    );
    prop_oneof![
        4 => (alg, kid, extra).prop_map(|(alg, kid, extra)| {
            let kid = kid.map(|k| format!(",\"kid\":{}", json!(k))).unwrap_or_default();
            format!("{{\"alg\":\"{alg}\"{kid}{extra}}}")
        }),
        1 => "\\PC{0,40}",
    ]
    .boxed()
}

fn mutation() -> BoxedStrategy<Mutation> {
    let claims_text = prop_oneof![
        3 => signed().prop_map(|s| s.claims.to_string()),
        1 => "\\PC{0,60}",
    ];
    prop_oneof![
        3 => (any::<Index>(), any::<char>()).prop_map(|(i, c)| Mutation::FlipChar(i, c)),
        1 => (any::<Index>(), 1..20usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        1 => (any::<Index>(), "[A-Za-z0-9_.=+/-]{1,8}").prop_map(|(i, s)| Mutation::Insert(i, s)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        2 => header_json().prop_map(Mutation::Header),
        2 => claims_text.prop_map(Mutation::Payload),
        1 => proptest::collection::vec("[A-Za-z0-9_-]{0,12}", 0..6).prop_map(Mutation::Segments),
    ]
    .boxed()
}

#[derive(Debug, Clone)]
enum Assertion {
    Signed(Signed),
    Mutated(Index, Mutation),
    Arbitrary(String),
}

fn assertion() -> BoxedStrategy<Assertion> {
    prop_oneof![
        2 => signed().prop_map(Assertion::Signed),
        6 => (any::<Index>(), mutation()).prop_map(|(i, m)| Assertion::Mutated(i, m)),
        1 => "\\PC{0,200}".prop_map(Assertion::Arbitrary),
    ]
    .boxed()
}

fn mutate(original: &str, mutation: &Mutation) -> String {
    let segments: Vec<&str> = original.split('.').collect();
    let b64 = |text: &str| URL_SAFE_NO_PAD.encode(text);
    let boundary = |at: &Index| {
        let at = at.index(original.len() + 1);
        (0..=at).rev().find(|i| original.is_char_boundary(*i)).unwrap_or(0)
    };
    match mutation {
        Mutation::FlipChar(at, c) => {
            let mut chars: Vec<char> = original.chars().collect();
            let at = at.index(chars.len());
            chars[at] = *c;
            chars.into_iter().collect()
        }
        Mutation::Delete(at, n) => {
            let start = boundary(at);
            let end = (start + n).min(original.len());
            format!("{}{}", &original[..start], &original[end..])
        }
        Mutation::Insert(at, text) => {
            let at = boundary(at);
            format!("{}{text}{}", &original[..at], &original[at..])
        }
        Mutation::Truncate(at) => original[..boundary(at)].to_owned(),
        Mutation::Header(json) => format!("{}.{}.{}", b64(json), segments[1], segments[2]),
        Mutation::Payload(json) => format!("{}.{}.{}", segments[0], b64(json), segments[2]),
        Mutation::Segments(parts) => parts.join("."),
    }
}

fn check(fixture: &Fixture, assertion: Assertion, client_id: Option<&str>) -> Result<(), TestCaseError> {
    let execution = fixture.executions.fetch_add(1, Ordering::Relaxed);
    if execution.is_multiple_of(4096) {
        // Accepted `jti`s stay until they expire, and the clock stands still.
        fixture.emulator.state.replay_cache().clear();
    }
    let (text, good) = match &assertion {
        Assertion::Signed(s) if s.fresh_jti => {
            let mut claims = s.claims.clone();
            claims["jti"] = json!(format!("{}-{execution}", claims["jti"].as_str().unwrap_or_default()));
            (fixture.sign(&s.signer, &claims), s.good)
        }
        Assertion::Signed(s) => (fixture.sign(&s.signer, &s.claims), s.good),
        Assertion::Mutated(i, m) => (mutate(i.get(&fixture.pool).as_str(), m), false),
        Assertion::Arbitrary(text) => (text.clone(), false),
    };
    let good = good && client_id.is_none_or(|id| id == JWT_CLIENT);
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "client_credentials").append_pair("scope", "system/Appointment.read");
    form.append_pair("client_assertion_type", JWT_BEARER).append_pair("client_assertion", &text);
    if let Some(id) = client_id {
        form.append_pair("client_id", id);
    }
    let request =
        Request::post(token_path(SANDBOX)).header(header::CONTENT_TYPE, FORM).body(Body::from(form.finish())).unwrap();
    let reply = fixture.emulator.send(request);
    driver::outcome(format_args!("{}{}", reply.status.as_u16(), if good { " (expected 200)" } else { "" }));
    shapes::oauth(&reply)?;
    if good {
        prop_assert_eq!(reply.status, StatusCode::OK, "{:?}: {}", assertion, reply.describe());
    }
    Ok(())
}

#[test]
fn client_assertions_are_answered_in_oauth_shape() {
    let fixture = Fixture::new();
    let client_id = proptest::option::weighted(0.2, select(&[JWT_CLIENT, CLIENT, "x"][..]));
    driver::run("client_assertion", file!(), (assertion(), client_id), |(assertion, client_id)| {
        check(&fixture, assertion, client_id)
    });
}
