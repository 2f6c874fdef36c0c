//! Why the store could not do what was asked, in one type for both stores, so the sync engine and
//! the command line report a SQLite and a PostgreSQL failure alike.

use std::path::PathBuf;

/// Why the store could not do what was asked. Messages are one line and carry their cause, so
/// they are not repeated by a `source()` chain. No message ever carries a database password.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The SQLite file could not be opened or created.
    #[error("cannot open the store at {}: {cause}", path.display())]
    Open {
        /// The SQLite file that was asked for.
        path: PathBuf,
        /// Why SQLite refused to open or create it.
        cause: rusqlite::Error,
    },
    /// The PostgreSQL server could not be reached or refused the connection.
    #[error("cannot connect to the PostgreSQL store {target}: {cause}")]
    Connect {
        /// The server and database, never the password.
        target: String,
        /// The driver's or TLS layer's reason, one line.
        cause: String,
    },
    /// The store was migrated by a newer client; this one refuses to touch it.
    #[error("store schema version {found} is newer than this client ({supported})")]
    SchemaTooNew {
        /// The version recorded in the store.
        found: i64,
        /// The newest version this client can read and write.
        supported: i64,
    },
    /// The store records a negative schema version, which no client writes.
    #[error("store schema version {0} is not one this client knows")]
    SchemaUnknown(i64),
    /// A run id that no sync run in the store has (e.g. finishing a run that was never started).
    #[error("sync run {0} does not exist in the store")]
    UnknownRun(i64),
    /// A window bound that is neither `YYYY-MM-DD` nor an RFC 3339 date-time.
    #[error("window bound {0:?} is not an ISO date or date-time")]
    InvalidWindow(String),
    /// An instant RFC 3339 cannot write, or a stored instant text that is not RFC 3339.
    #[error("instant {0} cannot be written as RFC 3339")]
    InvalidInstant(String),
    /// A stored run or appointment outcome text that is not one of this client's outcomes.
    #[error("the store holds an outcome this client does not know: {0:?}")]
    UnknownOutcome(String),
    /// An appointment's location ids could not be serialized for storage.
    #[error("cannot encode the locations of appointment {id} as JSON: {cause}")]
    EncodeLocations {
        /// The appointment's FHIR id.
        id: String,
        /// The serializer's reason.
        cause: serde_json::Error,
    },
    /// A stored appointment names a FHIR version this client does not know.
    #[error("stored appointment {tenant}/{id} has an unknown FHIR version {found:?}")]
    UnknownFhirVersion {
        /// The tenant the appointment belongs to.
        tenant: String,
        /// The appointment's FHIR id.
        id: String,
        /// The stored version text (neither `DSTU2` nor `R4`).
        found: String,
    },
    /// A stored appointment's raw resource no longer parses as JSON.
    #[error("stored appointment {tenant}/{id} holds a raw resource that is not JSON: {cause}")]
    InvalidRaw {
        /// The tenant the appointment belongs to.
        tenant: String,
        /// The appointment's FHIR id.
        id: String,
        /// The JSON parser's reason.
        cause: serde_json::Error,
    },
    /// Writing the export to its destination (stdout or a file) failed.
    #[error("cannot write the export: {0}")]
    Write(std::io::Error),
    /// A SQLite statement failed.
    #[error("store query failed: {0}")]
    Sqlite(rusqlite::Error),
    /// A PostgreSQL statement failed; the driver's reason, without connection secrets.
    #[error("store query failed: {0}")]
    Postgres(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(cause: rusqlite::Error) -> Self {
        Self::Sqlite(cause)
    }
}
