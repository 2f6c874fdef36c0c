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
    /// Two spaces in a row, or a leading or trailing space.
    #[error("empty scope token (scopes are separated by exactly one space)")]
    EmptyToken,
    /// A scope with a character outside RFC 6749's `NQCHAR` (e.g. a quote or backslash).
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

    /// The scope as written, e.g. `system/Appointment.read`.
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

    /// Whether this scope lets a system account read and search `resource_type`: SMART v1
    /// `system/T.read`, or a SMART v2 `system/T.<permissions>` (permissions a subsequence of
    /// `cruds`) that holds `r` or `s` (chosen: either grants both, as `.read` does). Fully
    /// qualified forms count as the short ones.
    pub fn grants_system_read(&self, resource_type: &str) -> bool {
        let Some(permissions) =
            self.short().strip_prefix("system/").and_then(|rest| rest.strip_prefix(resource_type)?.strip_prefix('.'))
        else {
            return false;
        };
        permissions == "read" || (is_v2_permissions(permissions) && permissions.contains(['r', 's']))
    }

    /// Whether a registration of this scope covers a `requested` one: the same scope, or for a v1
    /// `system/T.read` also the SMART v2 read-only requests `system/T.rs`, `.r` and `.s`.
    fn covers(&self, requested: &Scope) -> bool {
        fn read_only(scope: &Scope) -> Option<&str> {
            let (head, permissions) = scope.short().rsplit_once('.')?;
            (is_v2_permissions(permissions) && permissions.bytes().all(|b| b == b'r' || b == b's')).then_some(head)
        }
        if self.same(requested) {
            return true;
        }
        match (self.short().strip_suffix(".read"), read_only(requested)) {
            (Some(head), Some(requested_head)) => head == requested_head,
            _ => false,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The prefix that makes a SMART scope fully qualified.
pub const SMART_PREFIX: &str = "http://smarthealthit.org/FHIR/scopes/";

/// SMART v2 permissions: a non-empty subsequence of `cruds`, in that order.
fn is_v2_permissions(text: &str) -> bool {
    let mut rest = "cruds";
    !text.is_empty()
        && text.chars().all(|c| match rest.find(c) {
            Some(at) => {
                rest = &rest[at + 1..];
                true
            }
            None => false,
        })
}

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

    /// True when no scope was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the set holds `scope`, in either of its forms.
    pub fn contains(&self, scope: &Scope) -> bool {
        self.0.iter().any(|s| s.same(scope))
    }

    /// The scopes, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.0.iter()
    }

    /// The requested scopes that the registration covers, in the requested order, as requested.
    /// Cerner silently drops the others (observed), wildcards included, since it never registers
    /// them. A registered `system/T.read` also covers the SMART v2 read-only requests
    /// `system/T.rs`, `.r` and `.s` (the grant echoes the requested form).
    pub fn granted(&self, registered: &ScopeSet) -> ScopeSet {
        Self(self.0.iter().filter(|s| registered.iter().any(|r| r.covers(s))).cloned().collect())
    }

    /// Whether any scope of the set lets a system account read `resource_type`.
    pub fn grants_system_read(&self, resource_type: &str) -> bool {
        self.0.iter().any(|s| s.grants_system_read(resource_type))
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
    fn smart_v2_read_forms_grant_read_and_v1_read_covers_them() {
        let read = |s: &str| Scope::parse(s).unwrap().grants_system_read("Appointment");
        for yes in [
            "system/Appointment.read",
            "system/Appointment.rs",
            "system/Appointment.crus",
            "system/Appointment.s",
            "http://smarthealthit.org/FHIR/scopes/system/Appointment.rs",
        ] {
            assert!(read(yes), "{yes}");
        }
        for no in [
            "system/Appointment.cu",
            "system/Appointment.sr",
            "system/Appointment.write",
            "system/Appointments.rs",
            "user/Appointment.rs",
            "system/Patient.rs",
            "system/Appointment.",
        ] {
            assert!(!read(no), "{no}");
        }
        let registered = ScopeSet::parse("system/Appointment.read system/Slot.rus").unwrap();
        let requested =
            ScopeSet::parse("system/Appointment.rs system/Appointment.crus system/Slot.rus system/Slot.rs").unwrap();
        assert_eq!(requested.granted(&registered).to_string(), "system/Appointment.rs system/Slot.rus");
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
