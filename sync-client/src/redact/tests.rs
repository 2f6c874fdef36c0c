use super::*;

#[test]
fn authorization_values_are_masked_in_any_case_and_shape() {
    let cases = [
        ("403: Bearer abc.DEF-123_~+/= was refused", "403: Bearer *** was refused"),
        ("authorization: bearer   tok", "authorization: bearer   ***"),
        ("Authorization: Basic YmI6c2VjcmV0 echoed", "Authorization: Basic *** echoed"),
        ("{\"header\":\"BASIC Zm9vOmJhcg==\"}", "{\"header\":\"BASIC ***\"}"),
        ("basic authentication failed", "basic *** failed"),
        ("a basic. b", "a basic. b"),
        ("Bearer", "Bearer"),
    ];
    for (text, expected) in cases {
        assert_eq!(redact(text), expected, "{text}");
    }
}

#[test]
fn token_parameters_and_jwts_are_masked() {
    let jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
    let cases = [
        (format!("token {jwt} expired"), "token *** expired".to_owned()),
        (format!("{{\"access_token\":\"{jwt}\",\"x\":1}}"), "{\"access_token\":\"***\",\"x\":1}".to_owned()),
        (
            "grant_type=client_credentials&client_assertion=abc.def.ghi&client_assertion_type=urn:x".to_owned(),
            "grant_type=client_credentials&client_assertion=***&client_assertion_type=urn:x".to_owned(),
        ),
        ("client_secret: hunter2, then".to_owned(), "client_secret: ***, then".to_owned()),
        ("invalid_token: expired".to_owned(), "invalid_token: expired".to_owned()),
        ("assertion `left != right` failed".to_owned(), "assertion `left != right` failed".to_owned()),
        ("{\\\"id_token\\\":\\\"abc\\\"}".to_owned(), "{\\\"id_token\\\":\\\"***\\\"}".to_owned()),
        ("eyJ alone".to_owned(), "eyJ alone".to_owned()),
        (format!("x{jwt}"), format!("x{jwt}")),
    ];
    for (text, expected) in cases {
        assert_eq!(redact(&text), expected, "{text}");
    }
}

#[test]
fn a_remembered_secret_is_masked_as_a_word_and_in_its_basic_encoding() {
    remember("redact-test-client", "s3cr3t-Value!");
    let basic = base64::engine::general_purpose::STANDARD.encode("redact-test-client:s3cr3t-Value%21");
    assert_eq!(redact("the secret s3cr3t-Value! was wrong"), "the secret *** was wrong");
    assert_eq!(redact("form: s3cr3t-Value%21"), "form: ***");
    assert_eq!(redact(&format!("header {basic} echoed")), "header *** echoed");
    assert_eq!(redact("xs3cr3t-Value!"), "xs3cr3t-Value!", "part of a longer word");
}

proptest::proptest! {
    #[test]
    fn redaction_never_panics_and_never_leaves_a_bearer_value(noise in "\\PC{0,40}", prefix in "[0-9 :{\",]{0,40}", token in "[A-Za-z0-9._~+/-]{1,40}", suffix in "[ ,;]\\PC{0,40}") {
        let text = format!("{prefix} Bearer {token}{suffix}");
        let out = redact(&text);
        proptest::prop_assert!(out.contains("Bearer ***"), "{out}");
        let _ = redact(&noise);
    }
}
