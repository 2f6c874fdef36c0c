//! The secret newtype: a client secret, a private key PEM or a bearer token.
//!
//! Credential hygiene is a review concern (Cerner, "Registering a system account"): a secret must
//! never reach a log, a report or an error message. Wrapping it in a type whose `Debug` and
//! `Display` print `***` makes every accidental `{:?}` or `{}` safe by construction; the one way to
//! read it, [`Secret::expose`], is easy to find in review.

use std::fmt;

/// A secret (client secret, private key PEM, token). `Debug` and `Display` print `***`; only
/// [`Secret::expose`] reveals it.
///
/// It implements `Deserialize` (so configuration structs can hold it straight away) but not
/// `Serialize`: writing a secret out must be an explicit `expose()`.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret itself. Call it only where the value must leave the process (the token
    /// request, a signature), never to log or display it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// What every formatting of a secret prints.
const REDACTED: &str = "***";

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    /// `pad` keeps width and alignment working in tables while still printing `***`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    const VALUE: &str = "hunter2-xyz";

    #[test]
    fn debug_prints_stars() {
        let secret = Secret::new(VALUE);
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(format!("{secret:#?}"), "***");
    }

    #[test]
    fn display_prints_stars() {
        let secret = Secret::new(VALUE);
        assert_eq!(secret.to_string(), "***");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("[{secret:>5}]"), "[  ***]");
    }

    #[test]
    fn secret_inside_other_values_stays_hidden() {
        let nested = (Some(Secret::new(VALUE)), vec![Secret::new(VALUE)]);
        let printed = format!("{nested:?} {nested:#?}");
        assert!(!printed.contains(VALUE), "{printed}");
        assert!(printed.contains("***"));
    }

    #[test]
    fn expose_returns_the_value() {
        assert_eq!(Secret::new(VALUE).expose(), VALUE);
        assert_eq!(Secret::new(String::from(VALUE)), Secret::new(VALUE));
    }

    #[test]
    fn deserializes_from_a_plain_string() -> Result<(), serde_json::Error> {
        let secret: Secret = serde_json::from_str(r#""hunter2-xyz""#)?;
        assert_eq!(secret.expose(), VALUE);
        Ok(())
    }
}
