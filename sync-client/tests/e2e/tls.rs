//! TLS to PostgreSQL: the client verifies the server's certificate against the trust store, which
//! `SSL_CERT_FILE` names on Linux. The test server (`.ci/postgres.sh`) serves a certificate for
//! 127.0.0.1 from a throwaway CA.

use std::process::Output;

const BINARY: &str = env!("CARGO_BIN_EXE_appointment-sync");

async fn export(url: &str, trust: Option<&str>) -> Output {
    let mut command = tokio::process::Command::new(BINARY);
    command.args(["export", "--store", url]).env("RUST_LOG", "off").env_remove("SSL_CERT_DIR");
    match trust {
        Some(ca) => command.env("SSL_CERT_FILE", ca),
        None => command.env_remove("SSL_CERT_FILE"),
    };
    command.output().await.unwrap()
}

#[tokio::test]
async fn the_postgres_server_certificate_is_verified() {
    let (Ok(url), Ok(ca)) =
        (std::env::var("APPOINTMENT_SYNC_TEST_PG_TLS"), std::env::var("APPOINTMENT_SYNC_TEST_PG_CA"))
    else {
        assert!(std::env::var_os("CI").is_none(), "CI must run the TLS test (.ci/postgres.sh sets its variables)");
        eprintln!("skipped: run bash .ci/run (or set APPOINTMENT_SYNC_TEST_PG_TLS and _CA) to test TLS");
        return;
    };
    let untrusted = export(&url, None).await;
    let stderr = String::from_utf8_lossy(&untrusted.stderr);
    assert_eq!(untrusted.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("invalid peer certificate"), "{stderr}");

    let trusted = export(&url, Some(&ca)).await;
    assert!(trusted.status.success(), "{}", String::from_utf8_lossy(&trusted.stderr));
}
