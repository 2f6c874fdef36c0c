//! Newtypes for the identifiers and secrets that cross the emulator, so a tenant id is never
//! mistaken for a client id and a secret never reaches a log.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A random (version 4) UUID from the thread's generator, seeded once from the OS. Request ids,
/// bundle ids and error instances need uniqueness, not a system call per request (`Uuid::new_v4`
/// asks the kernel each time).
pub fn random_uuid() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
}

/// A tenant (hospital) id as it appears in Cerner URLs: usually a GUID.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TenantId(String);

/// Why a tenant id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("tenant id {0:?} must be non-empty and use only letters, digits, '-', '.' and '_'")]
pub struct BadTenantId(pub String);

impl TenantId {
    /// Accepts any non-empty URL-path-safe id; Cerner's are GUIDs, but profiles may use
    /// readable ids such as `sandbox`.
    pub fn parse(text: &str) -> Result<Self, BadTenantId> {
        let ok = !text.is_empty()
            && text.len() <= 64
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        if ok { Ok(Self(text.to_owned())) } else { Err(BadTenantId(text.to_owned())) }
    }

    /// The id as it appears in paths.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for TenantId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A system account's client id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientId(String);

impl ClientId {
    /// A client id as registered; any text is accepted (the profile checks nothing else).
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as registered.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A client secret. `Debug` and `Display` print `***`; only [`Secret::expose`] reveals it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret so it is never printed.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself, for comparing or sending; never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Compares in constant time, so response timing does not reveal how much of a guess matched.
    pub fn matches(&self, candidate: &str) -> bool {
        aws_lc_rs::constant_time::verify_slices_are_equal(self.0.as_bytes(), candidate.as_bytes()).is_ok()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints_itself() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "*** ***");
        assert!(s.matches("hunter2"));
        assert!(!s.matches("hunter"));
    }

    #[test]
    fn tenant_ids_refuse_path_characters() {
        assert!(TenantId::parse("ec2458f2-1e24-41c8-b71b-0e701af7583d").is_ok());
        for bad in ["", "a/b", "a b", "..%2f", "ü"] {
            assert!(TenantId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
