//! The TOML config: the documented example, windows, and every rule naming its field.

use std::path::{Path, PathBuf};
use std::time::Duration;

use time::macros::date;

use super::{ConfigError, Credentials, StoreLocation, SyncConfig, SyncLimits, Window};
use crate::secret::Secret;

pub(super) const TODAY: time::Date = date!(2026 - 11 - 28);
pub(super) const SECRET: &str = "hunter2-xyz";

/// The environment the tests run in: a secret, an empty variable, nothing else.
pub(super) fn env(name: &str) -> Option<String> {
    match name {
        "CERNER_CLIENT_SECRET" => Some(SECRET.to_owned()),
        "EMPTY_SECRET" => Some(String::new()),
        _ => None,
    }
}

pub(super) fn parse(text: &str) -> Result<SyncConfig, ConfigError> {
    SyncConfig::from_toml(text, "test.toml", Path::new("/etc/appsync"), &env, TODAY)
}

/// The ```toml block of the `config` module doc, so the documented example is the tested one.
pub(super) fn doc_example() -> String {
    let source = include_str!("../config.rs");
    let lines = source.lines().take_while(|l| l.starts_with("//!")).map(|l| l.trim_start_matches("//!"));
    let block = lines.skip_while(|l| l.trim() != "```toml").skip(1).take_while(|l| l.trim() != "```");
    block.map(|l| l.strip_prefix(' ').unwrap_or(l)).collect::<Vec<_>>().join("\n")
}

/// Small and valid; each table-driven case edits one spot of it.
pub(super) const BASE: &str = r#"
scopes = ["system/Appointment.read"]
[credentials]
client_id = "bb318a62-fa61-49ae-b692-7d99214f0ec7"
client_secret_env = "CERNER_CLIENT_SECRET"
[window]
days_before = 0
days_after = 7
[sync]
[store]
[[tenants]]
id = "t1"
fhir_base = "https://fhir.example.com/dstu2/t1/"
locations = ["1", "2"]
"#;

pub(super) fn base_with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from:?} is not in BASE");
    BASE.replacen(from, to, 1)
}

#[test]
fn full_toml_example_parses() {
    let config = parse(&doc_example()).unwrap();
    assert_eq!(
        config.credentials,
        Credentials::ClientSecret {
            client_id: "bb318a62-fa61-49ae-b692-7d99214f0ec7".into(),
            secret: Secret::new(SECRET),
        }
    );
    assert_eq!(config.scopes, ["system/Appointment.read"]);
    assert_eq!(config.window, Window { start: TODAY, end: date!(2026 - 12 - 05) });
    assert_eq!(config.limits, SyncLimits::default());
    assert_eq!(config.store, StoreLocation::Sqlite(PathBuf::from("/etc/appsync/appointments.db")));
    assert_eq!(config.output, Some(PathBuf::from("/etc/appsync/appointments.ndjson")));
    assert!(!config.allow_insecure_http);
    let ids: Vec<_> = config.tenants.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["ec2458f2-1e24-41c8-b71b-0e701af7583d", "0b8a0111-e8e6-4c26-a91c-5069cbc6b1ca"]);
    assert_eq!(
        config.tenants[0].fhir_base.as_str(),
        "https://fhir-ehr-code.cerner.com/dstu2/ec2458f2-1e24-41c8-b71b-0e701af7583d/"
    );
    assert_eq!(config.tenants[0].locations, ["21503380", "21304876"]);
}

#[test]
fn minimal_config_takes_the_defaults() {
    let text = r#"
        [credentials]
        client_id = "c"
        client_secret_env = "CERNER_CLIENT_SECRET"
        [[tenants]]
        id = "t1"
        fhir_base = "https://fhir.example.com/dstu2/t1"
        locations = ["1"]
    "#;
    let config = parse(text).unwrap();
    assert_eq!(config.scopes, ["system/Appointment.read"]);
    assert_eq!(config.window, Window { start: TODAY, end: date!(2026 - 12 - 05) });
    assert_eq!(config.limits, SyncLimits::default());
    assert_eq!(config.store, StoreLocation::Sqlite(PathBuf::from("/etc/appsync/appointments.db")));
    assert_eq!(config.output, None);
    assert_eq!(config.tenants[0].fhir_base.as_str(), "https://fhir.example.com/dstu2/t1/", "a '/' is appended");
}

#[test]
fn relative_window_counts_days_from_today() {
    let config = parse(&base_with("days_before = 0\ndays_after = 7", "days_before = 2\ndays_after = 5")).unwrap();
    assert_eq!(config.window, Window { start: date!(2026 - 11 - 26), end: date!(2026 - 12 - 03) });
    let config = parse(&base_with("days_before = 0\ndays_after = 7", "days_before = 1")).unwrap();
    assert_eq!(config.window, Window { start: date!(2026 - 11 - 27), end: date!(2026 - 12 - 05) });
}

#[test]
fn absolute_window_takes_strings_or_toml_dates() {
    for dates in ["start = \"2026-01-01\"\nend = \"2026-02-01\"", "start = 2026-01-01\nend = 2026-02-01"] {
        let config = parse(&base_with("days_before = 0\ndays_after = 7", dates)).unwrap();
        assert_eq!(config.window, Window { start: date!(2026 - 01 - 01), end: date!(2026 - 02 - 01) }, "{dates}");
    }
}

#[test]
fn sync_limits_are_read_in_their_units() {
    let sync = "[sync]\nconcurrency = 1\npage_size = 200\nlocation_chunk = 3\nmax_retry_after_seconds = 0\n\
                max_attempts = 1\nbackoff_base_ms = 10\nbackoff_max_ms = 10\nrequest_timeout_seconds = 5\n\
                refresh_margin_seconds = 0\nmax_pages = 7\nmax_throttle_waits = 2\nthrottle_budget_seconds = 9\n\
                throttle_floor_ms = 250\nmax_body_bytes = 1048576\nmax_page_entries = 300\ntenant_time_budget = 60";
    let limits = parse(&base_with("[sync]", sync)).unwrap().limits;
    let expected = SyncLimits {
        concurrency: 1,
        page_size: 200,
        location_chunk: 3,
        max_retry_after: Duration::ZERO,
        max_attempts: 1,
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(10),
        request_timeout: Duration::from_secs(5),
        refresh_margin: Duration::ZERO,
        max_pages: 7,
        max_throttle_waits: 2,
        throttle_budget: Duration::from_secs(9),
        throttle_floor: Duration::from_millis(250),
        max_body_bytes: 1 << 20,
        max_page_entries: 300,
        tenant_time_budget: Duration::from_secs(60),
    };
    assert_eq!(limits, expected);
}

#[test]
fn trusted_token_hosts_default_to_cerners_and_are_read_in_lower_case() {
    let config = parse(&base_with("[sync]", "[sync]")).unwrap();
    assert_eq!(config.trusted_token_hosts, ["authorization.cerner.com"]);
    let hosts = "trusted_token_hosts = [\"Auth.Example.org\", \"[::1]\", \"auth.example.org\"]";
    let listed = format!("{hosts}\n{}", base_with("[sync]", "[sync]"));
    assert_eq!(parse(&listed).unwrap().trusted_token_hosts, ["auth.example.org", "[::1]"]);
    let empty = format!("trusted_token_hosts = []\n{}", base_with("[sync]", "[sync]"));
    assert!(parse(&empty).unwrap().trusted_token_hosts.is_empty(), "only each base's own origin");
    for bad in ["https://auth.example.org", "auth.example.org:443", "auth.example.org/x", ""] {
        let text = format!("trusted_token_hosts = [\"{bad}\"]\n{}", base_with("[sync]", "[sync]"));
        let err = parse(&text).unwrap_err();
        assert_eq!(err.field(), Some("trusted_token_hosts[0]"), "{bad}: {err}");
    }
}

#[test]
fn duplicates_are_dropped_from_locations_and_scopes() {
    let text = base_with("[\"1\", \"2\"]", "[\"2\", \"1\", \"2\"]").replace(
        "scopes = [\"system/Appointment.read\"]",
        "scopes = [\"system/Appointment.read\", \"system/Patient.read\", \"system/Appointment.read\"]",
    );
    let config = parse(&text).unwrap();
    assert_eq!(config.tenants[0].locations, ["2", "1"]);
    assert_eq!(config.scopes, ["system/Appointment.read", "system/Patient.read"]);
}

#[test]
fn every_validation_error_names_its_field() {
    for (field, from, to) in crate::config::tests_cases::CASES {
        let text = base_with(from, to);
        match parse(&text) {
            Err(err @ ConfigError::Invalid { .. }) => {
                assert_eq!(err.field(), Some(*field), "{err}\n{text}");
                let message = err.to_string();
                assert!(message.starts_with(&format!("config test.toml: {field}: ")), "{message}");
                assert!(!message.contains('\n'), "one line: {message}");
            }
            other => panic!("expected an error naming {field}, got {other:?}\n{text}"),
        }
    }
}

#[test]
fn typo_in_a_key_is_refused_with_its_name() {
    let err = parse(&base_with("[sync]", "[sync]\npage_sise = 10")).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, ConfigError::Syntax { .. }), "{message}");
    assert!(message.starts_with("config test.toml: "), "{message}");
    assert!(message.contains("page_sise") && message.contains("line 10"), "{message}");
    assert!(!message.contains('\n'), "{message}");
}

#[test]
fn wrong_type_names_the_key() {
    let message = parse(&base_with("[sync]", "[sync]\npage_size = \"ten\"")).unwrap_err().to_string();
    assert!(message.contains("sync.page_size") && message.contains("invalid type: string"), "{message}");
}

#[test]
fn http_to_a_non_loopback_host_is_refused_unless_allowed() {
    let http = base_with("https://fhir.example.com", "http://fhir.example.com");
    let err = parse(&http).unwrap_err();
    assert_eq!(err.field(), Some("tenants[0].fhir_base"));
    assert!(err.to_string().contains("http:// is refused"), "{err}");

    let allowed = http.replacen("scopes", "allow_insecure_http = true\nscopes", 1);
    let config = parse(&allowed).unwrap();
    assert!(config.allow_insecure_http);
    assert_eq!(config.tenants[0].fhir_base.as_str(), "http://fhir.example.com/dstu2/t1/");

    for host in ["127.0.0.1:8080", "127.3.2.1", "[::1]:8080", "localhost:8080", "LOCALHOST"] {
        let loopback = base_with("https://fhir.example.com", &format!("http://{host}"));
        assert!(parse(&loopback).is_ok(), "{host} is loopback");
    }
    for host in ["10.0.0.1", "[::2]", "localhost.example.com", "128.0.0.1"] {
        let remote = base_with("https://fhir.example.com", &format!("http://{host}"));
        assert_eq!(parse(&remote).unwrap_err().field(), Some("tenants[0].fhir_base"), "{host}");
    }
}

#[test]
fn load_resolves_paths_against_the_config_directory() {
    let dir = TempDir::new("load");
    let path = dir.0.join("sync.toml");
    std::fs::write(&path, base_with("[store]", "[store]\npath = \"state/a.db\"\noutput = \"/tmp/o.ndjson\"")).unwrap();
    let config = SyncConfig::load(&path, &env, TODAY).unwrap();
    assert_eq!(config.store, StoreLocation::Sqlite(dir.0.join("state/a.db")));
    assert_eq!(config.output, Some(PathBuf::from("/tmp/o.ndjson")));

    let missing = dir.0.join("missing.toml");
    let err = SyncConfig::load(&missing, &env, TODAY).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }));
    assert!(err.to_string().starts_with(&format!("config {}: cannot read the file", missing.display())), "{err}");
}

/// A directory under the system temp dir, removed on drop.
pub(super) struct TempDir(pub(super) PathBuf);

impl TempDir {
    pub(super) fn new(tag: &str) -> Self {
        let path = std::env::temp_dir().join(format!("appointment-sync-config-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
