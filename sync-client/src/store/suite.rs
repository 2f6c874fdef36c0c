//! The store test suite: one set of tests, written against [`SyncStore`], run against both the
//! SQLite and the PostgreSQL store.
//!
//! The PostgreSQL half needs a server: `APPOINTMENT_SYNC_TEST_PG` names one
//! (`postgres://user@127.0.0.1:port/db`); `.ci/run` starts a throwaway cluster and sets it. Each
//! test gets a schema of its own. Without the variable the PostgreSQL tests fail under CI (`CI`
//! set) and are skipped with a message elsewhere.

mod cases;
mod leases;
mod property;
mod rounds;

use super::{AppointmentRecord, PgStore, PgTarget, SqliteStore};

pub(crate) const T1: &str = "ec2458f2-1e24-41c8-b71b-0e701af7583d";
pub(crate) const T2: &str = "0b8a0111-e8e6-4c26-a91c-5069cbc6b1ca";

/// The server the PostgreSQL tests use.
pub(crate) const PG_ENV: &str = "APPOINTMENT_SYNC_TEST_PG";

pub(crate) fn record(id: &str, version: &str, start: Option<&str>) -> AppointmentRecord {
    AppointmentRecord {
        id: id.into(),
        version_id: version.into(),
        last_updated: Some(format!("2026-11-27T10:00:0{}Z", version.len())),
        start: start.map(Into::into),
        status: "booked".into(),
        locations: vec!["21304876".into(), "4048128".into()],
        raw: format!(r#"{{"resourceType":"Appointment","id":"{id}","meta":{{"versionId":"{version}"}}}}"#),
        fhir_version: crate::fhir_version::FhirVersion::Dstu2,
    }
}

pub(crate) const IN_WINDOW: Option<&str> = Some("2026-11-30T09:00:00.000Z");

pub(crate) fn sqlite() -> SqliteStore {
    SqliteStore::open_in_memory().unwrap()
}

/// The test server's URL, or `None` (after saying why) when there is none outside CI.
pub(crate) fn pg_url() -> Option<String> {
    match std::env::var(PG_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{PG_ENV} is not set: CI must run the PostgreSQL tests (bash .ci/run starts a server)")
        }
        _ => {
            eprintln!("skipped: set {PG_ENV} (or run bash .ci/run) to run the PostgreSQL store tests");
            None
        }
    }
}

/// A PostgreSQL store in a fresh schema of the test server.
pub(crate) async fn postgres() -> Option<PgStore> {
    let url = pg_url()?;
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.batch_execute(&format!("CREATE SCHEMA {schema}")).await.unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    let target = PgTarget::parse(&format!("{url}{separator}options=-csearch_path%3D{schema}")).unwrap();
    Some(PgStore::connect(&target).await.unwrap())
}

/// Instantiates each listed `async fn(store)` of [`cases`] once per store.
macro_rules! for_both_stores {
    ($($case:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    super::cases::$case(super::sqlite()).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    if let Some(store) = super::postgres().await {
                        super::cases::$case(store).await;
                    }
                }
            )*
        }
    };
}

for_both_stores!(
    a_page_counts_inserted_updated_and_unchanged_records,
    an_older_version_never_overwrites_a_newer_one_compared_numerically,
    an_id_repeated_within_a_page_reports_the_newest_row_for_both,
    an_update_then_an_older_copy_within_a_page_keeps_the_update,
    the_same_id_in_two_tenants_is_two_rows,
    a_page_that_fails_midway_stores_nothing_of_that_page,
    a_page_for_an_unknown_run_is_refused,
    mark_vanished_marks_only_unseen_rows_in_the_window_and_a_later_sighting_clears_it,
    tenant_state_round_trips_and_is_replaced_as_a_whole,
    export_ndjson_writes_one_parsable_line_per_appointment,
    export_ndjson_reports_a_raw_resource_that_is_not_json,
    concurrent_pages_of_one_tenant_keep_one_row_per_id,
    a_record_in_another_fhir_version_replaces_the_same_version_only_when_not_older,
);
