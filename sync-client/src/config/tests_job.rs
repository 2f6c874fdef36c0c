//! The harness job file (contract v1, the README's "The harness ↔ client contract (v1)").

use std::path::PathBuf;

use time::macros::date;

use super::tests::{SECRET, TempDir};
use super::{ConfigError, Credentials, StoreLocation, SyncConfig, SyncLimits, Window};
use crate::secret::Secret;

/// The README's example job, with a loopback FHIR base as the harness writes it.
pub(super) fn example_job() -> String {
    r#"{
      "client_id": "bb318a62-fa61-49ae-b692-7d99214f0ec7", "client_secret": "hunter2-xyz",
      "scopes": "system/Appointment.read system/Patient.read",
      "tenants": [{"id": "ec2458f2-1e24-41c8-b71b-0e701af7583d",
                   "fhir_base": "http://127.0.0.1:48123/dstu2/ec2458f2-1e24-41c8-b71b-0e701af7583d/",
                   "locations": ["21503380", "21304876"]}],
      "window": {"start": "2026-11-28", "end": "2026-12-05"},
      "output": "/abs/path/appointments.ndjson",
      "state_dir": "/abs/path/state"
    }"#
    .to_owned()
}

fn job(text: &str) -> Result<SyncConfig, ConfigError> {
    SyncConfig::from_job(text, "job.json")
}

#[test]
fn job_file_of_design_md_parses() {
    let config = job(&example_job()).unwrap();
    assert_eq!(
        config.credentials,
        Credentials::ClientSecret {
            client_id: "bb318a62-fa61-49ae-b692-7d99214f0ec7".into(),
            secret: Secret::new(SECRET),
        }
    );
    assert_eq!(config.scopes, ["system/Appointment.read", "system/Patient.read"]);
    assert_eq!(config.tenants.len(), 1);
    assert_eq!(config.tenants[0].id, "ec2458f2-1e24-41c8-b71b-0e701af7583d");
    assert_eq!(
        config.tenants[0].fhir_base.as_str(),
        "http://127.0.0.1:48123/dstu2/ec2458f2-1e24-41c8-b71b-0e701af7583d/"
    );
    assert_eq!(config.tenants[0].locations, ["21503380", "21304876"]);
    assert_eq!(config.window, Window { start: date!(2026 - 11 - 28), end: date!(2026 - 12 - 05) });
    assert_eq!(config.store, StoreLocation::Sqlite(PathBuf::from("/abs/path/state/appointments.db")));
    assert_eq!(config.output, Some(PathBuf::from("/abs/path/appointments.ndjson")));
    assert_eq!(config.limits, SyncLimits::default());
    assert!(!config.allow_insecure_http);
}

#[test]
fn job_file_ignores_unknown_fields() {
    let text = example_job().replacen('{', r#"{"version": 2, "hints": {"x": [1]},"#, 1).replacen(
        r#""locations""#,
        r#""name": "Public Sandbox", "locations""#,
        1,
    );
    assert!(job(&text).is_ok(), "{text}");
}

#[test]
fn job_file_errors_name_their_field() {
    let cases = [
        ("client_id", r#""client_id": "bb318a62-fa61-49ae-b692-7d99214f0ec7""#, r#""client_id": """#),
        ("client_secret", r#""client_secret": "hunter2-xyz""#, r#""client_secret": " ""#),
        ("scopes", "system/Appointment.read system/Patient.read", "system/Appointment.read system/*.read"),
        ("scopes", "system/Appointment.read system/Patient.read", "system/Patient.read"),
        ("tenants", r#""tenants": [{"#, r#""tenants": [], "x": [{"#),
        ("tenants[0].fhir_base", "http://127.0.0.1:48123", "http://10.1.1.1:48123"),
        ("tenants[0].locations", r#"["21503380", "21304876"]"#, "[]"),
        ("window.start", "2026-11-28", "28.11.2026"),
        ("window.end", "2026-12-05", "2026-11-28"),
        ("output", "/abs/path/appointments.ndjson", "appointments.ndjson"),
        ("state_dir", "/abs/path/state", "state"),
        ("state_dir", r#""state_dir": "/abs/path/state""#, r#""state": 1"#),
        ("client_secret", r#""client_secret": "hunter2-xyz""#, r#""client_secret": 5"#),
        ("tenants[0].locations", r#"["21503380", "21304876"]"#, r#""21503380""#),
        ("tenants[0].id", r#""id": "ec2458f2-1e24-41c8-b71b-0e701af7583d","#, ""),
        ("tenants[0]", r#""tenants": [{"#, r#""tenants": [1, {"#),
        ("window", r#""window": {"start": "2026-11-28", "end": "2026-12-05"}"#, r#""window": "2026""#),
        ("window.end", r#", "end": "2026-12-05""#, ""),
    ];
    for (field, from, to) in cases {
        let text = example_job().replacen(from, to, 1);
        let err = job(&text).unwrap_err();
        assert_eq!(err.field(), Some(field), "{err}");
        assert!(err.to_string().starts_with(&format!("job job.json: {field}: ")), "{err}");
    }
}

#[test]
fn job_file_must_be_a_json_object() {
    for text in ["", "{", "[]", "null", "{} {}"] {
        let message = job(text).unwrap_err().to_string();
        assert!(message.starts_with("job job.json: "), "{message}");
    }
}

#[test]
fn load_job_reads_the_file_and_names_it() {
    let dir = TempDir::new("job");
    let path = dir.0.join("job.json");
    std::fs::write(&path, example_job()).unwrap();
    assert!(SyncConfig::load_job(&path).is_ok());
    std::fs::write(&path, "{").unwrap();
    let message = SyncConfig::load_job(&path).unwrap_err().to_string();
    assert!(message.starts_with(&format!("job {}: line 1", path.display())), "{message}");
}
