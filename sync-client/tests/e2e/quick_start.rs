//! The root README's quick start, run as written: its `sync.toml` (pointed at a test emulator
//! instead of port 8080) syncs both hospitals with the `appointment-sync` binary.

use std::process::Stdio;

use cerner_mock::{Clock, MockServer, Profile, ServerConfig};
use serde_json::Value;

const README: &str = include_str!("../../../README.md");
const DOCUMENTED_ORIGIN: &str = "http://127.0.0.1:8080";

/// The text between `cat > sync.toml <<'EOF'` and `EOF` in the README.
fn quick_start_config() -> &'static str {
    let start = README.find("cat > sync.toml <<'EOF'\n").expect("the quick start writes sync.toml");
    let body = &README[start..];
    let body = &body[body.find('\n').expect("a heredoc") + 1..];
    &body[..body.find("\nEOF\n").expect("the heredoc ends") + 1]
}

#[tokio::test]
async fn the_quick_start_syncs_both_hospitals() {
    // The quick start runs against the real clock: its window is "today and the next 7 days", and
    // the emulator's data is spread around the day it starts.
    let mut config = ServerConfig::new(Profile::embedded_default());
    config.clock = Clock::system();
    let server = MockServer::start(config).await.expect("the emulator starts");
    let dir = std::env::temp_dir().join(format!("appointment-sync-quick-start-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let sync_toml = quick_start_config().replace(DOCUMENTED_ORIGIN, server.origin());
    assert!(sync_toml.contains(server.origin()), "the quick start names the emulator's documented origin");
    std::fs::write(dir.join("sync.toml"), sync_toml).unwrap();

    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_appointment-sync"))
        .args(["run", "--json", "--config", "sync.toml"])
        .current_dir(&dir)
        .env("CERNER_CLIENT_SECRET", "secret")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    let summary: Value = serde_json::from_slice(&output.stdout).expect("a JSON summary");
    let tenants = summary["tenants"].as_array().expect("tenants in the summary");
    assert_eq!(tenants.len(), 2, "{summary}");
    for tenant in tenants {
        assert_eq!(tenant["outcome"], "synced", "{tenant}");
        assert!(tenant["inserted"].as_u64() > Some(0), "{tenant}");
    }
    assert!(dir.join("appointments.db").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
