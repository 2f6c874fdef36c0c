//! Credential hygiene and robustness: no secret in any message or `Debug`, no panic on any input.

use std::path::Path;

use proptest::prelude::*;

use super::tests::{BASE, SECRET, TODAY, base_with, doc_example, env, parse};
use super::tests_job::example_job;
use super::{ConfigError, SyncConfig};

const SECRET_ENV: &str = "client_secret_env = \"CERNER_CLIENT_SECRET\"";

fn assert_hidden(result: Result<SyncConfig, ConfigError>, case: &str) {
    let shown = match &result {
        Ok(config) => format!("{config:?} {config:#?}"),
        Err(err) => format!("{err} {err:?}"),
    };
    assert!(!shown.contains(SECRET), "{case} shows the secret: {shown}");
    assert!(!shown.contains("hunter2"), "{case} shows part of the secret: {shown}");
}

#[test]
fn secret_never_appears_in_debug_of_a_config() {
    let from_env = parse(BASE).unwrap();
    let inline = parse(&base_with(SECRET_ENV, "client_secret = \"hunter2-xyz\"\nallow_inline_secret = true")).unwrap();
    let from_job = SyncConfig::from_job(&example_job(), "job.json").unwrap();
    for config in [from_env, inline, from_job] {
        assert!(
            matches!(&config.credentials, super::Credentials::ClientSecret { secret, .. } if secret.expose() == SECRET)
        );
        assert_hidden(Ok(config), "a valid config");
    }
}

#[test]
fn secret_never_appears_in_an_error_message() {
    let toml_cases = [
        "client_secret = \"hunter2-xyz\"",
        "client_secret = \"hunter2-xyz",
        "client_secret = 'hunter2-xyz",
        "client_secret = \"hunter2-xyz\"\nallow_inline_secret = \"hunter2-xyz\"",
        "client_secret = \"hunter2-xyz\"\nallow_inline_secret = true\nclient_secret_env = \"X\"",
        "client_secret = \"hunter2-xyz\" hunter2-xyz",
        "client_secret = hunter2-xyz",
        "client_secret_env = \"hunter2-xyz\"",
        "client_secret_env = \"hunter2_xyz\"",
        "client_secret = [\"hunter2-xyz\", 1]",
        "client_secret = { value = \"hunter2-xyz\" }",
    ];
    for case in toml_cases {
        assert_hidden(parse(&base_with(SECRET_ENV, case)), case);
    }
    let mut broken_secret_line = BASE.replace(SECRET_ENV, "client_secret = \"\"\"hunter2-xyz");
    broken_secret_line.push_str("\n[window]");
    assert_hidden(parse(&broken_secret_line), "an unterminated multi-line string");

    let secret_field = r#""client_secret": "hunter2-xyz""#;
    let job_cases = [
        r#""client_secret": "hunter2-xyz" "#,
        r#""client_secret": "hunter2-xyz", "client_id": 5"#,
        r#""client_secret": 1234, "x": "hunter2-xyz""#,
        r#""client_secret": ["hunter2-xyz"]"#,
        r#""client_secret": {"hunter2-xyz": 1}"#,
        r#""client_secret": "hunter2-xyz\q""#,
        r#""client_secret": "hunter2-xyz"#,
    ];
    for case in job_cases {
        assert_hidden(SyncConfig::from_job(&example_job().replacen(secret_field, case, 1), "job.json"), case);
    }
    let bad_window = example_job().replacen("2026-12-05", "2026-11-01", 1);
    assert_hidden(SyncConfig::from_job(&bad_window, "job.json"), "a job with a bad window");
}

#[test]
fn scrub_drops_quoted_values_but_keeps_key_names() {
    use super::error::scrub;
    assert_eq!(scrub("invalid type: string \"a, expected b\", expected u32"), "invalid type: string, expected u32");
    assert_eq!(scrub("invalid value: integer `-1`, expected u32"), "invalid value: integer, expected u32");
    assert_eq!(
        scrub("invalid type: floating point `1.5`, expected a string"),
        "invalid type: floating point, expected a string"
    );
    assert_eq!(
        scrub("unknown field `page_sise`, expected one of\n `page_size`"),
        "unknown field `page_sise`, expected one of `page_size`"
    );
}

#[test]
fn deeply_nested_input_is_refused_without_overflowing_the_stack() {
    let depth = 100_000;
    let arrays = format!("scopes = {}{}", "[".repeat(depth), "]".repeat(depth));
    let tables = format!("scopes = {}1{}", "{a=".repeat(depth), "}".repeat(depth));
    for text in [arrays, tables] {
        assert!(matches!(parse(&text), Err(ConfigError::Syntax { .. })));
    }
    let json = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert!(matches!(SyncConfig::from_job(&json, "job.json"), Err(ConfigError::Syntax { .. })));
}

fn no_env(_: &str) -> Option<String> {
    None
}

proptest! {
    #[test]
    fn from_toml_never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = SyncConfig::from_toml(&text, "p.toml", Path::new("/nonexistent"), &no_env, TODAY);
    }

    #[test]
    fn from_toml_never_panics_on_a_damaged_example(cut in 0usize..4000, insert in "\\PC{0,12}") {
        let example = doc_example();
        let at = example.char_indices().map(|(i, _)| i).nth(cut % example.chars().count()).unwrap_or(0);
        let damaged = format!("{}{insert}{}", &example[..at], &example[at..]);
        let _ = SyncConfig::from_toml(&damaged, "p.toml", Path::new("/nonexistent"), &env, TODAY);
    }

    #[test]
    fn from_job_never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = SyncConfig::from_job(&text, "p.json");
    }

    #[test]
    fn from_job_never_panics_on_a_damaged_job(cut in 0usize..2000, insert in "\\PC{0,12}") {
        let job = example_job();
        let at = job.char_indices().map(|(i, _)| i).nth(cut % job.chars().count()).unwrap_or(0);
        let damaged = format!("{}{insert}{}", &job[..at], &job[at..]);
        let _ = SyncConfig::from_job(&damaged, "p.json");
    }
}
