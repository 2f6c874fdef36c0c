//! The versioned schema. The version sits in `appointment_sync_schema`, so a client never writes
//! into a database laid out by a newer release it does not understand. Migration runs in one
//! transaction under an advisory lock: workers that start together create the schema once.

use deadpool_postgres::Client;

use super::StoreError;

/// The schema version this client writes and understands.
pub(super) const SCHEMA_VERSION: i64 = 2;

/// The advisory lock key of the migration (any constant unique to this client: "apsy" in ASCII).
const MIGRATION_LOCK: i64 = 0x6170_7379;

/// Version 1: the SQLite tables, plus `start_utc`, and the rounds and leases of `run --worker`.
/// The CHECKs and foreign keys make a malformed record (empty tenant or id, unknown run) fail its
/// whole page instead of leaving a row no later run could match.
pub(crate) const SCHEMA_V1: &str = r#"
CREATE TABLE sync_runs (
    id          BIGSERIAL PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    summary     TEXT
);
CREATE TABLE appointments (
    tenant         TEXT COLLATE "C" NOT NULL CHECK (length(tenant) > 0),
    id             TEXT COLLATE "C" NOT NULL CHECK (length(id) > 0),
    version_id     TEXT NOT NULL,
    last_updated   TEXT,
    start          TEXT COLLATE "C",
    start_utc      TEXT COLLATE "C",
    status         TEXT NOT NULL,
    locations      TEXT NOT NULL DEFAULT '[]',
    raw            TEXT NOT NULL,
    first_seen_run BIGINT NOT NULL REFERENCES sync_runs (id),
    last_seen_run  BIGINT NOT NULL REFERENCES sync_runs (id),
    vanished_at    TEXT,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX appointments_tenant_start ON appointments (tenant, start_utc);
CREATE TABLE tenant_state (
    tenant         TEXT COLLATE "C" PRIMARY KEY,
    last_success   TEXT,
    deferred_until TEXT,
    last_outcome   TEXT,
    message        TEXT
);
CREATE TABLE rounds (
    id           BIGSERIAL PRIMARY KEY,
    window_start TEXT NOT NULL,
    window_end   TEXT NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at  TIMESTAMPTZ
);
CREATE TABLE round_tenants (
    round         BIGINT NOT NULL REFERENCES rounds (id),
    tenant        TEXT COLLATE "C" NOT NULL,
    state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'leased', 'done')),
    lease_owner   TEXT,
    lease_expires TIMESTAMPTZ,
    attempts      INTEGER NOT NULL DEFAULT 0,
    outcome       TEXT,
    finished_at   TIMESTAMPTZ,
    PRIMARY KEY (round, tenant)
);
"#;

/// Version 2: the FHIR version each row's raw resource is in. Rows of a version 1 database came
/// from DSTU2 servers, the only version that client spoke.
const SCHEMA_V2: &str = r#"
ALTER TABLE appointments ADD COLUMN fhir_version TEXT NOT NULL DEFAULT 'DSTU2'
    CHECK (fhir_version IN ('DSTU2', 'R4'));
"#;

/// The steps from each version to the next: `STEPS[n]` takes version `n` to `n + 1`.
const STEPS: [&str; 2] = [SCHEMA_V1, SCHEMA_V2];

/// Brings the schema to [`SCHEMA_VERSION`] one step at a time in one transaction, refusing
/// databases written by a newer client.
pub(super) async fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS appointment_sync_schema (version BIGINT NOT NULL)").await?;
    let found: Option<i64> =
        tx.query_opt("SELECT max(version) FROM appointment_sync_schema", &[]).await?.and_then(|r| r.get(0));
    match found {
        Some(SCHEMA_VERSION) => {}
        None | Some(1) => {
            let from = found.unwrap_or(0);
            for step in STEPS.iter().skip(usize::try_from(from).unwrap_or(0)) {
                tx.batch_execute(step).await?;
            }
            tx.execute("INSERT INTO appointment_sync_schema (version) VALUES ($1)", &[&SCHEMA_VERSION]).await?;
        }
        Some(v) if v > SCHEMA_VERSION => {
            return Err(StoreError::SchemaTooNew { found: v, supported: SCHEMA_VERSION });
        }
        Some(v) => return Err(StoreError::SchemaUnknown(v)),
    }
    tx.commit().await?;
    Ok(())
}
