//! Tests of what only the PostgreSQL store has: URLs that never show their password, TLS that
//! refuses an unknown issuer, the migration of a version 1 database, and a server that is not
//! there. The behaviour both stores share is `store::suite`.

use super::*;
use crate::store::StoreLocation;

#[test]
fn a_target_never_shows_its_password() {
    let target =
        PgTarget::parse("postgres://sync:hunter2@db.internal:6543/appointments?options=-csearch_path%3Ds").unwrap();
    assert_eq!(target.to_string(), "postgres://sync@db.internal:6543/appointments");
    assert!(!format!("{target:?}").contains("hunter2"));
    let location = StoreLocation::parse("postgresql://sync:hunter2@db.internal/appointments").unwrap();
    assert_eq!(location.to_string(), "postgres://sync@db.internal:5432/appointments");
    assert!(!format!("{location:?}").contains("hunter2"));
}

#[test]
fn store_locations_are_files_unless_they_are_postgres_urls() {
    assert_eq!(StoreLocation::parse("state/a.db").unwrap(), StoreLocation::Sqlite("state/a.db".into()));
    assert!(matches!(StoreLocation::parse("POSTGRES://u@h/d"), Ok(StoreLocation::Postgres(_))));
    assert_eq!(StoreLocation::parse(" ").unwrap_err().to_string(), "the store must not be empty");
}

#[test]
fn unusable_urls_are_refused_with_the_reason_and_without_the_password() {
    let cases = [
        ("postgres://u:hunter2@h/d?bogus=1", "unknown option `bogus`"),
        ("postgres://u:hunter2@h/d?port=x", "invalid value for option `port`"),
    ];
    for (url, reason) in cases {
        let err = PgTarget::parse(url).unwrap_err().to_string();
        assert!(err.contains(reason), "{url}: {err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}

#[test]
fn a_password_from_the_environment_fills_only_a_missing_one() {
    let without = PgTarget::parse("postgres://u@h/d").unwrap().with_password_if_missing(Some("env".into()));
    assert_eq!(without.config.get_password(), Some(&b"env"[..]));
    let with = PgTarget::parse("postgres://u:url@h/d").unwrap().with_password_if_missing(Some("env".into()));
    assert_eq!(with.config.get_password(), Some(&b"url"[..]));
}

#[tokio::test]
async fn a_server_certificate_from_an_unknown_issuer_is_refused() {
    // The test server's TLS certificate comes from a throwaway CA this process does not trust.
    let Some(_) = crate::store::suite::pg_url() else { return };
    let Ok(url) = std::env::var("APPOINTMENT_SYNC_TEST_PG_TLS") else {
        assert!(std::env::var_os("CI").is_none(), "CI must run the TLS test (.ci/postgres.sh sets its variables)");
        eprintln!("skipped: set APPOINTMENT_SYNC_TEST_PG_TLS (bash .ci/run does) to test TLS");
        return;
    };
    let err = PgStore::connect(&PgTarget::parse(&url).unwrap()).await.unwrap_err().to_string();
    assert!(err.contains("TLS handshake") && err.contains("certificate"), "{err}");
}

/// A database written by the client that spoke DSTU2 only (schema version 1, laid out here as
/// that client did) keeps its rows, now marked DSTU2, and a newer schema is refused.
#[tokio::test]
async fn a_version_1_database_is_migrated_and_its_rows_read_as_dstu2() {
    let Some(url) = crate::store::suite::pg_url() else { return };
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.batch_execute(&format!("CREATE SCHEMA {schema}; SET search_path = {schema}")).await.unwrap();
    client.batch_execute(schema::SCHEMA_V1).await.unwrap();
    client
        .batch_execute(
            r#"CREATE TABLE appointment_sync_schema (version BIGINT NOT NULL);
            INSERT INTO appointment_sync_schema VALUES (1);
            INSERT INTO sync_runs (id, started_at) VALUES (1, '2026-01-01T00:00:00Z');
            INSERT INTO appointments (tenant, id, version_id, status, raw, first_seen_run, last_seen_run)
            VALUES ('t', 'a', '1', 'booked', '{"resourceType":"Appointment","id":"a"}', 1, 1);"#,
        )
        .await
        .unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    let target = PgTarget::parse(&format!("{url}{separator}options=-csearch_path%3D{schema}")).unwrap();
    let store = PgStore::connect(&target).await.unwrap();
    let rows = store.appointments(None).await.unwrap();
    assert_eq!((rows[0].id.as_str(), rows[0].fhir_version), ("a", crate::fhir_version::FhirVersion::Dstu2));
    let versions = client.query("SELECT version FROM appointment_sync_schema ORDER BY version", &[]).await.unwrap();
    assert_eq!(versions.iter().map(|r| r.get::<_, i64>(0)).collect::<Vec<_>>(), [1, 2]);
    drop(store);
    let store = PgStore::connect(&target).await.unwrap();
    assert_eq!(store.count(None).await.unwrap(), 1, "a second connect migrates nothing");
    client.batch_execute("INSERT INTO appointment_sync_schema VALUES (3)").await.unwrap();
    let err = PgStore::connect(&target).await.unwrap_err();
    assert_eq!(err.to_string(), "store schema version 3 is newer than this client (2)");
}

#[tokio::test]
async fn a_server_that_is_not_there_is_named_without_the_password() {
    let target = PgTarget::parse("postgres://u:hunter2@127.0.0.1:1/d").unwrap();
    let err = PgStore::connect(&target).await.unwrap_err().to_string();
    assert!(err.starts_with("cannot connect to the PostgreSQL store postgres://u@127.0.0.1:1/d: "), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}
