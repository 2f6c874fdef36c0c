//! Profiles: the TOML file that declares tenants, system accounts, approvals and token lifetimes.
//!
//! The file is read into plain `serde` structs (`raw`), then validated into [`Profile`], whose
//! fields are typed values. Every validation error names the field it is about, e.g.
//! `accounts[1].approved_tenants[0]: unknown tenant "…"`. The default profile is
//! `fixtures/profile.toml`, compiled in.
//!
//! # Layout
//! - `tenant`, `account`: what the profile declares; `files`: where its relative paths lead (a
//!   directory, or the files compiled in with the default profile).
//! - `raw`: the file's shape as `serde` reads it; `validation`: how it becomes a [`Profile`];
//!   `hospitals`: the keys that make one tenant differ from another (the root README, "Hospitals differ").

mod account;
mod files;
mod hospitals;
mod raw;
mod tenant;
mod validation;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use url::Url;

use crate::faults::FaultRule;
use crate::limits::LimitSettings;

pub(crate) use account::Account;
pub use account::AccountStatus;
pub(crate) use tenant::{SyntheticSettings, Tenant};

use files::{DEFAULT_PROFILE, Files};
use validation::validate;

/// A validated profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Origin written into responses; `None` means "the address the server listens on".
    pub public_origin: Option<Url>,
    /// `[token]`: access-token lifetimes.
    pub token: TokenSettings,
    /// `[[tenants]]`: the tenants served, each with its data.
    pub tenants: Vec<Tenant>,
    /// `[[accounts]]`: the system accounts, their credentials, scopes and approvals.
    pub accounts: Vec<Account>,
    /// `[limits]`: rate limits per client and tenant.
    pub limits: LimitSettings,
    /// `[r4]`: R4 behaviours where Cerner's docs contradict themselves.
    pub r4: R4Settings,
    /// Entries the request journal keeps (a ring).
    pub journal_capacity: usize,
    /// Whether requests are journaled at all (on by default; off only to measure its cost).
    pub journal_enabled: bool,
    /// Fault rules active from the start.
    pub faults: Vec<FaultRule>,
    /// Where each tenant id sits in `tenants`, so that every request finds its tenant without a scan
    /// of the list (a fleet profile declares a thousand). [`Profile::tenant`] checks each hit and
    /// scans when the index misses, so it stays right if `tenants` is changed afterwards.
    tenant_index: HashMap<String, usize>,
}

/// `[r4]`: the R4 behaviours Cerner's docs state two ways; each defaults to Cerner's most likely
/// behaviour (README, "R4").
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct R4Settings {
    /// Which Appointment `date` forms a search may use.
    pub appointment_date_forms: crate::fhir::r4::params::DateForms,
    /// Which appointment ends match a `date` range.
    pub appointment_end_match: crate::store::query::EndMatch,
    /// Whether Slot `start` values need a time component (default true).
    pub slot_start_requires_time: bool,
    /// Which criteria a Location search needs.
    pub location_search: crate::fhir::r4::params::LocationSearch,
}

impl Default for R4Settings {
    fn default() -> Self {
        Self {
            appointment_date_forms: Default::default(),
            appointment_end_match: Default::default(),
            slot_start_requires_time: true,
            location_search: Default::default(),
        }
    }
}

/// Access-token lifetimes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSettings {
    /// Seconds from `iat` to `exp` in the token itself (Cerner: 600).
    pub lifetime_seconds: u32,
    /// What `expires_in` tells the client (Cerner: 570, deliberately shorter).
    pub expires_in: u32,
}

/// A profile that could not be loaded, naming the file and the field at fault.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The profile file could not be read.
    #[error("cannot read profile {path}: {source}")]
    Read {
        /// The file asked for.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// Not TOML, or not a profile's shape (an unknown key, a wrong type).
    #[error("profile {origin} is not valid TOML for a profile: {message}")]
    Syntax {
        /// The file's path, or `(embedded default)` / `(inline)`.
        origin: String,
        /// The TOML parser's reason, on one line.
        message: String,
    },
    /// A value broke a rule (a bad id, a duplicate, an unknown reference, an unreadable key).
    #[error("profile {origin}, field `{field}`: {message}")]
    Invalid {
        /// The file's path, or `(embedded default)` / `(inline)`.
        origin: String,
        /// The field's path, e.g. `tenants[0].id`.
        field: String,
        /// The rule it broke.
        message: String,
    },
}

impl Profile {
    /// The default profile compiled into the binary (README, "Default tenants and accounts").
    pub fn embedded_default() -> Self {
        // The embedded profile is covered by tests; failing here is a build defect.
        #[allow(clippy::expect_used)]
        Self::parse(DEFAULT_PROFILE, &Files::Embedded, "(embedded default)")
            .expect("the embedded default profile is valid")
    }

    /// Loads a profile file; relative paths inside it resolve against its directory.
    pub fn load(path: &Path) -> Result<Self, ProfileError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ProfileError::Read { path: path.to_owned(), source })?;
        let dir = path.parent().map(Path::to_owned).unwrap_or_default();
        Self::parse(&text, &Files::Dir(dir), &path.display().to_string())
    }

    /// Parses profile text whose relative paths resolve against `dir`.
    pub fn from_toml(text: &str, dir: &Path) -> Result<Self, ProfileError> {
        Self::parse(text, &Files::Dir(dir.to_owned()), "(inline)")
    }

    fn parse(text: &str, files: &Files, origin: &str) -> Result<Self, ProfileError> {
        let raw: raw::Profile = toml::from_str(text).map_err(|e| ProfileError::Syntax {
            origin: origin.to_owned(),
            message: e.to_string().trim_end().replace('\n', " | "),
        })?;
        validate(raw, files).map_err(|(field, message)| ProfileError::Invalid {
            origin: origin.to_owned(),
            field,
            message,
        })
    }

    /// The tenant with this id, if the profile has one.
    pub fn tenant(&self, id: &str) -> Option<&Tenant> {
        let indexed = self.tenant_index.get(id).and_then(|&i| self.tenants.get(i));
        match indexed {
            Some(tenant) if tenant.id.as_str() == id => Some(tenant),
            _ => self.tenants.iter().find(|t| t.id.as_str() == id),
        }
    }

    /// The index of [`Profile::tenant`]: each id's first position in `tenants`.
    fn index_tenants(tenants: &[Tenant]) -> HashMap<String, usize> {
        let mut index = HashMap::with_capacity(tenants.len());
        for (i, tenant) in tenants.iter().enumerate() {
            index.entry(tenant.id.as_str().to_owned()).or_insert(i);
        }
        index
    }

    /// The account with this client id, if the profile has one.
    pub fn account(&self, client_id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.client_id.as_str() == client_id)
    }
}

#[cfg(test)]
mod tests;
