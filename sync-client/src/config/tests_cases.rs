//! The table behind `every_validation_error_names_its_field`: (field, text in `BASE`, replacement),
//! and the private key file rules, which need files.

use super::tests::{BASE, TODAY, TempDir, base_with, env, parse};
use super::{Credentials, JwtAlg, SyncConfig};

const WINDOW: &str = "days_before = 0\ndays_after = 7";
const SECRET_ENV: &str = "client_secret_env = \"CERNER_CLIENT_SECRET\"";
const BASE_URL: &str = "\"https://fhir.example.com/dstu2/t1/\"";
const TENANT: &str = "[[tenants]]\nid = \"t1\"";
const TENANT_BLOCK: &str =
    "[[tenants]]\nid = \"t1\"\nfhir_base = \"https://fhir.example.com/dstu2/t1/\"\nlocations = [\"1\", \"2\"]";
const CREDENTIALS_BLOCK: &str =
    "[credentials]\nclient_id = \"bb318a62-fa61-49ae-b692-7d99214f0ec7\"\nclient_secret_env = \"CERNER_CLIENT_SECRET\"";

pub(super) const CASES: &[(&str, &str, &str)] = &[
    // tenants
    ("tenants", TENANT_BLOCK, ""),
    ("tenants[0].id", "id = \"t1\"", "id = \"\""),
    ("tenants[0].id", "id = \"t1\"", "id = \"a/b\""),
    (
        "tenants[1].id",
        TENANT,
        "[[tenants]]\nid = \"T1\"\nfhir_base = \"https://x.example/\"\nlocations = [\"1\"]\n[[tenants]]\nid = \"t1\"",
    ),
    ("tenants[0].fhir_base", BASE_URL, "\"dstu2/t1/\""),
    ("tenants[0].fhir_base", BASE_URL, "\"ftp://fhir.example.com/dstu2/t1/\""),
    ("tenants[0].fhir_base", BASE_URL, "\"https://fhir.example.com/dstu2/t1/?a=b\""),
    ("tenants[0].fhir_base", BASE_URL, "\"https://fhir.example.com/dstu2/t1/#top\""),
    ("tenants[0].fhir_base", BASE_URL, "\"https://user:pw@fhir.example.com/dstu2/t1/\""),
    ("tenants[0].fhir_base", BASE_URL, "\"http://fhir.example.com/dstu2/t1/\""),
    ("tenants[0].locations", "locations = [\"1\", \"2\"]", "locations = []"),
    ("tenants[0].locations", "locations = [\"1\", \"2\"]", ""),
    ("tenants[0].locations[1]", "[\"1\", \"2\"]", "[\"1\", \"2,3\"]"),
    ("tenants[0].locations[0]", "[\"1\", \"2\"]", "[\"\"]"),
    (
        "tenants[0].locations[0]",
        "[\"1\", \"2\"]",
        "[\"12345678901234567890123456789012345678901234567890123456789012345\"]",
    ),
    // scopes
    ("scopes[0]", "\"system/Appointment.read\"]", "\"system/Appointment.write\"]"),
    ("scopes[1]", "\"system/Appointment.read\"]", "\"system/Appointment.read\", \"system/*.read\"]"),
    ("scopes[1]", "\"system/Appointment.read\"]", "\"system/Appointment.read\", \"system/Patient.*\"]"),
    ("scopes[1]", "\"system/Appointment.read\"]", "\"system/Appointment.read\", \"online_access\"]"),
    ("scopes[1]", "\"system/Appointment.read\"]", "\"system/Appointment.read\", \"offline_access\"]"),
    ("scopes[0]", "\"system/Appointment.read\"]", "\"patient/Appointment.read\"]"),
    ("scopes[0]", "\"system/Appointment.read\"]", "\"system/appointment.read\"]"),
    ("scopes[0]", "\"system/Appointment.read\"]", "\"system/Appointment.read launch\"]"),
    ("scopes", "\"system/Appointment.read\"]", "\"system/Patient.read\"]"),
    ("scopes", "\"system/Appointment.read\"]", "]"),
    // window
    ("window", WINDOW, "days_after = 7\nstart = \"2026-01-01\"\nend = \"2026-02-01\""),
    ("window", WINDOW, "days_before = 0\ndays_after = 0"),
    ("window.end", WINDOW, "start = \"2026-02-01\"\nend = \"2026-02-01\""),
    ("window.end", WINDOW, "start = \"2026-02-01\""),
    ("window.start", WINDOW, "end = \"2026-02-01\""),
    ("window.start", WINDOW, "start = \"2026-13-01\"\nend = \"2027-01-01\""),
    ("window.end", WINDOW, "start = \"2026-01-01\"\nend = 5"),
    ("window.days_before", WINDOW, "days_before = 3661"),
    ("window.days_after", WINDOW, "days_after = -1"),
    // credentials
    ("credentials", CREDENTIALS_BLOCK, ""),
    ("credentials.client_id", "client_id = \"bb318a62-fa61-49ae-b692-7d99214f0ec7\"", "client_id = \"\""),
    ("credentials.client_id", "client_id = \"bb318a62-fa61-49ae-b692-7d99214f0ec7\"", "client_id = \"a b\""),
    ("credentials.client_secret_env", SECRET_ENV, "client_secret_env = \"NOT_SET\""),
    ("credentials.client_secret_env", SECRET_ENV, "client_secret_env = \"EMPTY_SECRET\""),
    ("credentials.client_secret", SECRET_ENV, "client_secret = \"s3cret\""),
    ("credentials.client_secret", SECRET_ENV, "client_secret = \"\"\nallow_inline_secret = true"),
    ("credentials", SECRET_ENV, "client_secret_env = \"X\"\nclient_secret = \"s3cret\""),
    ("credentials", SECRET_ENV, "client_secret_env = \"X\"\nprivate_key_file = \"k.pem\""),
    ("credentials", SECRET_ENV, ""),
    ("credentials.kid", SECRET_ENV, "client_secret_env = \"CERNER_CLIENT_SECRET\"\nkid = \"k1\""),
    ("credentials.alg", SECRET_ENV, "client_secret_env = \"CERNER_CLIENT_SECRET\"\nalg = \"RS384\""),
    ("credentials.alg", SECRET_ENV, "private_key_file = \"k.pem\"\nalg = \"HS256\""),
    ("credentials.kid", SECRET_ENV, "private_key_file = \"k.pem\"\nkid = \"\""),
    ("credentials.private_key_file", SECRET_ENV, "private_key_file = \"does-not-exist.pem\""),
    ("credentials.private_key_file", SECRET_ENV, "private_key_file = \"\""),
    // sync limits
    ("sync.concurrency", "[sync]", "[sync]\nconcurrency = 0"),
    ("sync.concurrency", "[sync]", "[sync]\nconcurrency = 65"),
    ("sync.page_size", "[sync]", "[sync]\npage_size = 0"),
    ("sync.page_size", "[sync]", "[sync]\npage_size = 201"),
    ("sync.location_chunk", "[sync]", "[sync]\nlocation_chunk = 101"),
    ("sync.max_retry_after_seconds", "[sync]", "[sync]\nmax_retry_after_seconds = -1"),
    ("sync.max_attempts", "[sync]", "[sync]\nmax_attempts = 0"),
    ("sync.backoff_base_ms", "[sync]", "[sync]\nbackoff_base_ms = 0"),
    ("sync.backoff_max_ms", "[sync]", "[sync]\nbackoff_max_ms = 499"),
    ("sync.backoff_max_ms", "[sync]", "[sync]\nbackoff_base_ms = 40000"),
    ("sync.request_timeout_seconds", "[sync]", "[sync]\nrequest_timeout_seconds = 601"),
    ("sync.refresh_margin_seconds", "[sync]", "[sync]\nrefresh_margin_seconds = 301"),
    ("sync.max_pages", "[sync]", "[sync]\nmax_pages = 0"),
    ("sync.max_throttle_waits", "[sync]", "[sync]\nmax_throttle_waits = 101"),
    ("sync.throttle_budget_seconds", "[sync]", "[sync]\nthrottle_budget_seconds = 0"),
    ("sync.throttle_floor_ms", "[sync]", "[sync]\nthrottle_floor_ms = 0"),
    ("sync.max_body_bytes", "[sync]", "[sync]\nmax_body_bytes = 1024"),
    ("sync.max_page_entries", "[sync]", "[sync]\nmax_page_entries = 0"),
    ("sync.tenant_time_budget", "[sync]", "[sync]\ntenant_time_budget = 0"),
    // store
    ("store.path", "[store]", "[store]\npath = \"\""),
    ("store.output", "[store]", "[store]\noutput = \"\""),
    ("store.output", "[store]", "[store]\noutput = \"appointments.db\""),
];

/// A syntactically plausible key; the rules only look at the armour lines.
fn pem(label: &str) -> String {
    format!("-----BEGIN {label}-----\nMIGkAgEBBDBhunter2-xyz\n-----END {label}-----\n")
}

fn with_key(dir: &TempDir, content: &str, extra: &str) -> Result<SyncConfig, super::ConfigError> {
    std::fs::create_dir_all(dir.0.join("keys")).unwrap();
    std::fs::write(dir.0.join("keys/client.pem"), content).unwrap();
    let text = base_with(SECRET_ENV, &format!("private_key_file = \"keys/client.pem\"\n{extra}"));
    SyncConfig::from_toml(&text, "test.toml", &dir.0, &env, TODAY)
}

#[test]
fn private_key_file_is_read_relative_to_the_config() {
    let dir = TempDir::new("key-ok");
    let config = with_key(&dir, &pem("EC PRIVATE KEY"), "kid = \"k1\"").unwrap();
    match config.credentials {
        Credentials::PrivateKeyJwt { client_id, key_pem, kid, alg } => {
            assert_eq!(client_id, "bb318a62-fa61-49ae-b692-7d99214f0ec7");
            assert_eq!(key_pem.expose(), pem("EC PRIVATE KEY"));
            assert_eq!(kid.as_deref(), Some("k1"));
            assert_eq!(alg, JwtAlg::ES384, "the default");
        }
        other => panic!("expected private_key_jwt, got {other:?}"),
    }
    let config = with_key(&dir, &pem("PRIVATE KEY"), "alg = \"RS384\"").unwrap();
    assert!(matches!(config.credentials, Credentials::PrivateKeyJwt { alg: JwtAlg::RS384, kid: None, .. }));
}

#[test]
fn private_key_file_must_be_an_unencrypted_pem_key_fitting_alg() {
    let dir = TempDir::new("key-bad");
    let cases = [
        ("hunter2-xyz is not a key\n", "", "credentials.private_key_file", "not a PEM private key"),
        (&pem("PUBLIC KEY"), "", "credentials.private_key_file", "not a PEM private key"),
        (&pem("CERTIFICATE"), "", "credentials.private_key_file", "not a PEM private key"),
        (&pem("ENCRYPTED PRIVATE KEY"), "", "credentials.private_key_file", "encrypted"),
        ("-----BEGIN PRIVATE KEY-----\nhunter2-xyz\n", "", "credentials.private_key_file", "truncated"),
        (&pem("RSA PRIVATE KEY"), "", "credentials.alg", "RS384"),
        (&pem("EC PRIVATE KEY"), "alg = \"RS384\"", "credentials.alg", "ES384"),
    ];
    for (content, extra, field, says) in cases {
        let err = with_key(&dir, content, extra).unwrap_err();
        let message = err.to_string();
        assert_eq!(err.field(), Some(field), "{message}");
        assert!(message.contains(says), "{message}");
        assert!(!message.contains("hunter2"), "the key file is never echoed: {message}");
    }
}

#[test]
fn base_is_valid_so_each_case_breaks_one_rule() {
    assert!(parse(BASE).is_ok());
}
