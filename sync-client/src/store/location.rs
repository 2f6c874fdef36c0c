//! Where the store lives, as a user names it on the command line or in the configuration: a file
//! path or a `postgres://` URL, shown without its password.

use std::fmt;
use std::path::PathBuf;

use super::postgres::{PgTarget, PgTargetError};

/// Why a text names no store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreLocationError {
    /// The `--store` value (or `store` key) was empty.
    #[error("the store must not be empty")]
    Empty,
    /// A `postgres://` / `postgresql://` URL that does not name a usable database.
    #[error(transparent)]
    Postgres(#[from] PgTargetError),
}

/// Where the store lives: a SQLite file (the default) or a PostgreSQL database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// A SQLite database file, created on first use.
    Sqlite(PathBuf),
    /// A PostgreSQL database, reached with the given connection settings.
    Postgres(PgTarget),
}

impl StoreLocation {
    /// `postgres://…` or `postgresql://…` is a PostgreSQL database, anything else a file path.
    pub fn parse(text: &str) -> Result<Self, StoreLocationError> {
        if text.trim().is_empty() {
            return Err(StoreLocationError::Empty);
        }
        if PgTarget::is_url(text) { Ok(Self::Postgres(PgTarget::parse(text)?)) } else { Ok(Self::Sqlite(text.into())) }
    }
}

impl fmt::Display for StoreLocation {
    /// The file path, or the database without its password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
            Self::Postgres(target) => write!(f, "{target}"),
        }
    }
}
