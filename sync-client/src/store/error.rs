//! Why the store could not do what was asked, in one type for both stores, so the sync engine and
//! the command line report a SQLite and a PostgreSQL failure alike.

use std::path::PathBuf;

/// Why the store could not do what was asked. Messages are one line and carry their cause, so
/// they are not repeated by a `source()` chain. No message ever carries a database password.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store at {}: {cause}", path.display())]
    Open { path: PathBuf, cause: rusqlite::Error },
    #[error("cannot connect to the PostgreSQL store {target}: {cause}")]
    Connect { target: String, cause: String },
    #[error("store schema version {found} is newer than this client ({supported})")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("store schema version {0} is not one this client knows")]
    SchemaUnknown(i64),
    #[error("sync run {0} does not exist in the store")]
    UnknownRun(i64),
    #[error("window bound {0:?} is not an ISO date or date-time")]
    InvalidWindow(String),
    #[error("instant {0} cannot be written as RFC 3339")]
    InvalidInstant(String),
    #[error("the store holds an outcome this client does not know: {0:?}")]
    UnknownOutcome(String),
    #[error("cannot encode the locations of appointment {id} as JSON: {cause}")]
    EncodeLocations { id: String, cause: serde_json::Error },
    #[error("stored appointment {tenant}/{id} has an unknown FHIR version {found:?}")]
    UnknownFhirVersion { tenant: String, id: String, found: String },
    #[error("stored appointment {tenant}/{id} holds a raw resource that is not JSON: {cause}")]
    InvalidRaw { tenant: String, id: String, cause: serde_json::Error },
    #[error("cannot write the export: {0}")]
    Write(std::io::Error),
    #[error("store query failed: {0}")]
    Sqlite(rusqlite::Error),
    #[error("store query failed: {0}")]
    Postgres(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(cause: rusqlite::Error) -> Self {
        Self::Sqlite(cause)
    }
}
