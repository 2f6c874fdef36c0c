//! A tenant's id as the client holds it once the configuration is read: `[A-Za-z0-9._-]`, 1 to 128
//! characters (tenant ids are GUIDs in practice and end up in logs, reports and store keys). Made
//! only by [`TenantId::parse`], so every tenant id inside the client is one that was checked.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

/// A checked tenant id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(String);

impl TenantId {
    /// The id, when `text` is one; else why not.
    pub fn parse(text: impl Into<String>) -> Result<Self, String> {
        let text = text.into();
        let valid = (1..=128).contains(&text.len())
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if valid { Ok(Self(text)) } else { Err(text) }
    }

    /// The id as given in the configuration.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for TenantId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for TenantId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for TenantId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<TenantId> for String {
    fn from(id: TenantId) -> Self {
        id.0
    }
}

impl PartialEq<str> for TenantId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for TenantId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for TenantId {
    fn eq(&self, other: &String) -> bool {
        self.0 == *other
    }
}

impl PartialEq<TenantId> for String {
    fn eq(&self, other: &TenantId) -> bool {
        *self == other.0
    }
}

impl serde::Serialize for TenantId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::TenantId;
    use proptest::prelude::*;

    #[test]
    fn tenant_ids_are_checked() {
        assert_eq!(
            TenantId::parse("ec2458f2-1e24-41c8-b71b-0e701af7583d").map(String::from).as_deref(),
            Ok("ec2458f2-1e24-41c8-b71b-0e701af7583d")
        );
        for bad in ["", "a b", "a/b", "é", &"x".repeat(129)] {
            assert!(TenantId::parse(bad).is_err(), "{bad}");
        }
        assert!(TenantId::parse("x".repeat(128)).is_ok());
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_keeps_what_it_accepts(text in "\\PC{0,140}") {
            if let Ok(id) = TenantId::parse(text.clone()) {
                prop_assert_eq!(id.as_str(), text.as_str());
            }
        }
    }
}
