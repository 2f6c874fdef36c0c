//! The embedded default profile as the README describes it, and errors that name their field.

use super::*;
use crate::ids::TenantId;

fn parse(text: &str) -> Result<Profile, ProfileError> {
    Profile::from_toml(text, Path::new("."))
}

#[test]
fn embedded_default_matches_the_design() {
    let p = Profile::embedded_default();
    assert_eq!(p.tenants.len(), 4);
    let default = p.account("bb318a62-fa61-49ae-b692-7d99214f0ec7").unwrap();
    assert!(default.secret.as_ref().unwrap().matches("secret"));
    assert_eq!(default.approved_tenants.len(), 3);
    let without: Vec<&str> = p.tenants.iter().filter(|t| !t.dstu2_system_access).map(|t| t.name.as_str()).collect();
    assert_eq!(without, ["Production Hospital"], "one production-like tenant; the others accept system tokens");
    let unapproved = TenantId::parse("d075cf8b-3261-481d-97e5-ba6c48d3b41f").unwrap();
    assert!(p.accounts.iter().all(|a| !a.approves(&unapproved)));
    assert_eq!(p.accounts[1].jwks.as_ref().unwrap().keys.len(), 2);
    assert_eq!(p.token, TokenSettings { lifetime_seconds: 600, expires_in: 570 });
}

fn field_of(err: ProfileError) -> String {
    match err {
        ProfileError::Invalid { field, .. } => field,
        other => panic!("expected a field error, got {other}"),
    }
}

#[test]
fn errors_name_the_field() {
    let cases = [
        ("[[accounts]]\nclient_id='a'\nscopes=[]", "accounts[0].secret"),
        (
            "[[tenants]]\nid='t'\n[[accounts]]\nclient_id='a'\nsecret='s'\napproved_tenants=['x']",
            "accounts[0].approved_tenants[0]",
        ),
        ("[[accounts]]\nclient_id='a'\nsecret='s'\nscopes=['ok', 'bad scope']", "accounts[0].scopes[1]"),
        ("[[tenants]]\nid='t'\n[[tenants]]\nid='t'", "tenants[1].id"),
        ("[[tenants]]\nid='a/b'", "tenants[0].id"),
        ("[token]\nlifetime_seconds=100\nexpires_in=200", "token.expires_in"),
        ("public_origin='http://x/path'", "public_origin"),
        ("[[accounts]]\nclient_id='a'\njwks_file='missing.json'", "accounts[0].jwks_file"),
    ];
    for (text, field) in cases {
        assert_eq!(field_of(parse(text).unwrap_err()), field, "{text}");
    }
}

#[test]
fn an_inline_jwks_is_accepted() {
    let jwks = include_str!("../../../fixtures/keys/jwt-account.jwks.json");
    let set: serde_json::Value = serde_json::from_str(jwks).unwrap();
    let ec = &set["keys"][1];
    let text = format!(
        "[[accounts]]\nclient_id='a'\njwks = {{ keys = [ {{ kty = 'EC', crv = 'P-384', kid = 'k1', x = '{}', y = '{}' }} ] }}",
        ec["x"].as_str().unwrap(),
        ec["y"].as_str().unwrap()
    );
    let profile = parse(&text).unwrap();
    assert_eq!(profile.accounts[0].jwks.as_ref().unwrap().keys.len(), 1);
    let p256_key =
        "[[accounts]]\nclient_id='a'\njwks = { keys = [ { kty = 'EC', crv = 'P-256', x = 'AA', y = 'AA' } ] }";
    assert_eq!(field_of(parse(p256_key).unwrap_err()), "accounts[0].jwks");
}

#[test]
fn unknown_keys_are_refused_by_name() {
    let err = parse("[[tenants]]\nid='t'\nnmae='typo'").unwrap_err().to_string();
    assert!(err.contains("nmae"), "{err}");
}

#[test]
fn r4_settings_default_to_cerners_most_likely_behaviour_and_read_from_toml() {
    let defaults = R4Settings::default();
    assert!(defaults.slot_start_requires_time);
    assert_eq!(defaults.location_search, crate::fhir::r4::params::LocationSearch::Examples);
    let p = parse("[r4]\nslot_start_requires_time = false\nlocation_search = 'table'").unwrap();
    assert!(!p.r4.slot_start_requires_time);
    assert_eq!(p.r4.location_search, crate::fhir::r4::params::LocationSearch::Table);
    assert!(parse("[r4]\nlocation_search = 'tables'").is_err(), "a bad value is refused");
}
