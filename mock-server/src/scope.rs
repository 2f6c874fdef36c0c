//! OAuth2 scopes (RFC 6749 §3.3) and the SMART `system/Type.read` form Cerner grants to system
//! accounts.
//!
//! A scope string is a list of tokens separated by single spaces; each token is one or more
//! `NQCHAR`s (`%x21 / %x23-5B / %x5D-7E`). Anything else is malformed and the token endpoint answers
//! `invalid_scope`.

use std::fmt;

/// One scope token, e.g. `system/Appointment.read`. Always syntactically valid.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope(String);

/// Why a scope string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("empty scope token (scopes are separated by exactly one space)")]
    EmptyToken,
    #[error("scope {0:?} contains a character that RFC 6749 does not allow in a scope")]
    BadCharacter(String),
}

impl Scope {
    /// Parses one scope token.
    pub fn parse(token: &str) -> Result<Self, ScopeError> {
        if token.is_empty() {
            return Err(ScopeError::EmptyToken);
        }
        if !token.bytes().all(is_nqchar) {
            return Err(ScopeError::BadCharacter(token.to_owned()));
        }
        Ok(Self(token.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The scope without the SMART prefix: `http://smarthealthit.org/FHIR/scopes/system/Slot.read`
    /// and `system/Slot.read` are the same scope (fhir.cerner.com, Authorization specification,
    /// "Disambiguation of Scopes Between Competing Protocols").
    pub fn short(&self) -> &str {
        self.0.strip_prefix(SMART_PREFIX).unwrap_or(&self.0)
    }

    /// Whether two scopes are the same, fully qualified or not.
    pub fn same(&self, other: &Scope) -> bool {
        self.short() == other.short()
    }

    /// The scope that grants reading `resource_type` to a system account.
    pub fn system_read(resource_type: &str) -> Self {
        Self(format!("system/{resource_type}.read"))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The prefix that makes a SMART scope fully qualified.
pub const SMART_PREFIX: &str = "http://smarthealthit.org/FHIR/scopes/";

fn is_nqchar(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E)
}

/// An ordered list of distinct scopes, as requested or granted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScopeSet(Vec<Scope>);

impl ScopeSet {
    /// Parses a space-separated scope string. The empty string is the empty set; duplicates are
    /// kept once, in the order first seen.
    pub fn parse(text: &str) -> Result<Self, ScopeError> {
        let mut scopes = Vec::new();
        if text.is_empty() {
            return Ok(Self(scopes));
        }
        for token in text.split(' ') {
            let scope = Scope::parse(token)?;
            if !scopes.iter().any(|s: &Scope| s.same(&scope)) {
                scopes.push(scope);
            }
        }
        Ok(Self(scopes))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the set holds `scope`, in either of its forms.
    pub fn contains(&self, scope: &Scope) -> bool {
        self.0.iter().any(|s| s.same(scope))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.0.iter()
    }

    /// The requested scopes that are also registered, in the requested order. Cerner silently
    /// drops the others (observed), wildcards included, since it never registers them.
    pub fn granted(&self, registered: &ScopeSet) -> ScopeSet {
        Self(self.0.iter().filter(|s| registered.contains(s)).cloned().collect())
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        let mut set = Self::default();
        for scope in iter {
            if !set.contains(&scope) {
                set.0.push(scope);
            }
        }
        set
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, scope) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(scope.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn granted_scope_keeps_requested_order_and_drops_unregistered() {
        let registered = ScopeSet::parse("system/Patient.read system/Appointment.read").unwrap();
        let requested = ScopeSet::parse("system/Appointment.read system/*.read system/Patient.read").unwrap();
        assert_eq!(requested.granted(&registered).to_string(), "system/Appointment.read system/Patient.read");
    }

    #[test]
    fn fully_qualified_scopes_are_the_short_ones() {
        let registered = ScopeSet::parse("system/Appointment.read").unwrap();
        let full = "http://smarthealthit.org/FHIR/scopes/system/Appointment.read";
        let requested = ScopeSet::parse(&format!("{full} system/Appointment.read")).unwrap();
        assert_eq!(requested.to_string(), full, "the two forms are one scope");
        assert_eq!(requested.granted(&registered).to_string(), full);
        assert!(requested.contains(&Scope::system_read("Appointment")));
        let other = ScopeSet::parse("http://example.org/scopes/system/Appointment.read").unwrap();
        assert!(other.granted(&registered).is_empty(), "only the SMART prefix qualifies");
    }

    #[test]
    fn double_space_and_quotes_are_malformed() {
        assert_eq!(ScopeSet::parse("a  b"), Err(ScopeError::EmptyToken));
        assert!(matches!(ScopeSet::parse("a\"b"), Err(ScopeError::BadCharacter(_))));
        assert!(matches!(ScopeSet::parse("a\tb"), Err(ScopeError::BadCharacter(_))));
    }

    proptest! {
        #[test]
        fn parser_never_panics_and_round_trips(text in "\\PC{0,64}") {
            if let Ok(set) = ScopeSet::parse(&text) {
                let again = ScopeSet::parse(&set.to_string()).unwrap();
                prop_assert_eq!(again, set);
            }
        }

        #[test]
        fn well_formed_lists_parse(tokens in proptest::collection::vec("[!#-\\[\\]-~]{1,20}", 0..6)) {
            let set = ScopeSet::parse(&tokens.join(" ")).unwrap();
            for t in &tokens {
                prop_assert!(set.contains(&Scope::parse(t).unwrap()));
            }
        }
    }
}
