//! Target b: the token endpoint's form body, content type and `Authorization` header, arbitrary
//! and grammar-shaped. Every answer is 200 with a token or an OAuth error in Cerner's shape.

use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;
use proptest::sample::select;

use crate::driver::{self, CLIENT, Emulator, FORM, JWT_CLIENT, Reply, SANDBOX, SECOND, SECRET, UNAPPROVED, token_path};
use crate::shapes;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

#[derive(Debug, Clone)]
enum FormBody {
    /// Any bytes.
    Bytes(Vec<u8>),
    /// Parameters, form-encoded (or joined raw, keeping bad escapes).
    Pairs(Vec<(String, String)>, bool),
    /// Over the body limit.
    Huge(usize),
}

#[derive(Debug, Clone)]
struct Case {
    tenant: String,
    content_type: Option<Vec<u8>>,
    authorization: Option<Vec<u8>>,
    body: FormBody,
}

fn name() -> BoxedStrategy<String> {
    prop_oneof![
        8 => select(&["grant_type", "scope", "client_id", "client_secret", "client_assertion_type", "client_assertion",
            "audience", "Grant_Type", ""][..]).prop_map(str::to_owned),
        1 => "\\PC{0,10}",
    ]
    .boxed()
}

fn value() -> BoxedStrategy<String> {
    let scope = proptest::collection::vec(
        prop_oneof![
            4 => select(&["system/Appointment.read", "system/Patient.read", "system/Slot.read", "system/Observation.read",
                "user/Patient.read", "system/*.read", "launch", "openid"][..]).prop_map(str::to_owned),
            1 => "[!-~]{0,20}",
        ],
        0..5,
    )
    .prop_map(|s| s.join(" "));
    prop_oneof![
        3 => select(&["client_credentials", "authorization_code", "password", JWT_BEARER, CLIENT, JWT_CLIENT, SECRET,
            "eyJhbGciOiJub25lIn0.e30.", "a.b.c"][..]).prop_map(str::to_owned),
        3 => scope,
        2 => "\\PC{0,40}",
        1 => "(%[0-9A-Fa-f]{0,2}|\\+|%|[a-z]){0,12}",
    ]
    .boxed()
}

/// A registered scope list mostly, so that a good share of requests gets a token.
fn scope() -> BoxedStrategy<String> {
    let registered = proptest::sample::subsequence(
        &["system/Appointment.read", "system/Patient.read", "system/Slot.read", "system/Encounter.read"][..],
        1..4,
    );
    prop_oneof![3 => registered.prop_map(|s| s.join(" ")), 2 => value()].boxed()
}

fn form_body() -> BoxedStrategy<FormBody> {
    let grant = prop_oneof![3 => Just("client_credentials".to_owned()), 1 => value()];
    let extra = proptest::option::weighted(0.3, (name(), value()));
    let shaped = (scope(), grant, extra).prop_map(|(scope, grant, extra)| {
        let mut pairs = vec![("grant_type".to_owned(), grant), ("scope".to_owned(), scope)];
        pairs.extend(extra);
        pairs
    });
    prop_oneof![
        24 => (shaped, any::<bool>()).prop_map(|(p, e)| FormBody::Pairs(p, e)),
        8 => (proptest::collection::vec((name(), value()), 0..6), any::<bool>()).prop_map(|(p, e)| FormBody::Pairs(p, e)),
        16 => proptest::collection::vec(any::<u8>(), 0..300).prop_map(FormBody::Bytes),
        8 => "[a-z_=&%+0-9A-F]{0,200}".prop_map(|s| FormBody::Bytes(s.into_bytes())),
        1 => (0usize..4).prop_map(|k| FormBody::Huge(64 * 1024 + k * 40_000 - usize::from(k == 0))),
    ]
    .boxed()
}

fn content_type() -> BoxedStrategy<Option<Vec<u8>>> {
    prop_oneof![
        8 => Just(Some(FORM.as_bytes().to_vec())),
        2 => select(&["application/x-www-form-urlencoded; charset=utf-8", "APPLICATION/X-WWW-FORM-URLENCODED",
            " application/x-www-form-urlencoded ;", "application/json", "text/plain", "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded,application/json"][..]).prop_map(|s| Some(s.as_bytes().to_vec())),
        1 => Just(None),
        1 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Some),
    ]
    .boxed()
}

fn authorization() -> BoxedStrategy<Option<Vec<u8>>> {
    let credentials = ("\\PC{0,20}", "\\PC{0,20}", any::<bool>()).prop_map(|(id, secret, colon)| {
        let text = if colon { format!("{id}:{secret}") } else { id };
        format!("Basic {}", STANDARD.encode(text)).into_bytes()
    });
    prop_oneof![
        4 => Just(Some(driver::basic(CLIENT, SECRET).into_bytes())),
        1 => Just(None),
        1 => select(&[CLIENT, JWT_CLIENT, "nobody", ""][..]).prop_flat_map(|id| {
            ("\\PC{0,12}").prop_map(move |s| Some(driver::basic(id, &s).into_bytes()))
        }),
        2 => credentials.prop_map(Some),
        1 => "(Basic|basic|BASIC|Bearer|Digest|)( {0,2})[ -~]{0,60}".prop_map(|s| Some(s.into_bytes())),
        1 => proptest::collection::vec(any::<u8>(), 0..60).prop_map(Some),
    ]
    .boxed()
}

fn case() -> BoxedStrategy<Case> {
    let tenant = prop_oneof![
        6 => select(&[SANDBOX, SECOND, UNAPPROVED, "00000000-0000-0000-0000-000000000000"][..]).prop_map(str::to_owned),
        1 => "[A-Za-z0-9._~-]{1,40}",
        1 => proptest::collection::vec(any::<u8>(), 1..20)
            .prop_map(|b| percent_encoding::percent_encode(&b, percent_encoding::NON_ALPHANUMERIC).to_string()),
    ];
    (tenant, content_type(), authorization(), form_body())
        .prop_map(|(tenant, content_type, authorization, body)| Case { tenant, content_type, authorization, body })
        .boxed()
}

fn render(body: &FormBody) -> Vec<u8> {
    match body {
        FormBody::Bytes(bytes) => bytes.clone(),
        FormBody::Pairs(pairs, true) => {
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            ser.extend_pairs(pairs.iter());
            ser.finish().into_bytes()
        }
        FormBody::Pairs(pairs, false) => {
            pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&").into_bytes()
        }
        FormBody::Huge(len) => {
            let mut body = b"grant_type=client_credentials&scope=".to_vec();
            body.resize(*len, b'a');
            body
        }
    }
}

fn check(emulator: &Emulator, case: Case) -> Result<(), TestCaseError> {
    let mut request = Request::post(token_path(&case.tenant));
    // Header values the HTTP layer would refuse never reach the emulator; they are left out.
    for (name, value) in [(header::CONTENT_TYPE, &case.content_type), (header::AUTHORIZATION, &case.authorization)] {
        if let Some(value) = value.as_deref().and_then(|v| HeaderValue::from_bytes(v).ok()) {
            request = request.header(name, value);
        }
    }
    let body = render(&case.body);
    let len = body.len();
    let reply = emulator.send(request.body(Body::from(body)).unwrap());
    driver::outcome(reply.status.as_u16());
    shapes::oauth(&reply)?;
    prop_assert_eq!(
        reply.status == StatusCode::PAYLOAD_TOO_LARGE,
        len > cerner_mock::oauth::MAX_TOKEN_BODY,
        "{}",
        reply.describe()
    );
    Ok(())
}

#[test]
fn token_requests_are_answered_in_oauth_shape() {
    let emulator = Emulator::new();
    driver::run("token_form", file!(), case(), |case| check(&emulator, case));
}

fn post(emulator: &Emulator, tenant: &str, body: Vec<u8>) -> Reply {
    let request = Request::post(token_path(tenant))
        .header(header::CONTENT_TYPE, FORM)
        .header(header::AUTHORIZATION, driver::basic(CLIENT, SECRET))
        .body(Body::from(body))
        .unwrap();
    emulator.send(request)
}

/// Found by this target: a tenant segment whose escapes are not UTF-8 was answered with axum's
/// plain-text `Path` rejection instead of an OAuth error.
#[test]
fn a_tenant_that_is_not_utf8_gets_an_oauth_error() {
    let emulator = Emulator::new();
    let reply = post(&emulator, "%FF%FE", b"grant_type=client_credentials&scope=system%2FPatient.read".to_vec());
    let body = shapes::oauth(&reply).unwrap();
    assert_eq!((reply.status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
}

/// Found by this target: a body over the limit got a bare `413` without the OAuth error body.
#[test]
fn an_oversized_body_gets_an_oauth_error() {
    let emulator = Emulator::new();
    let body = render(&FormBody::Huge(cerner_mock::oauth::MAX_TOKEN_BODY + 1));
    let reply = post(&emulator, SANDBOX, body);
    let body = shapes::oauth(&reply).unwrap();
    assert_eq!((reply.status, body["error"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("invalid_request")));
    assert!(body["error_uri"].as_str().unwrap().ends_with(&format!("tenant={SANDBOX}")), "{body}");
}
