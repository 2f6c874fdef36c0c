//! Strict parsers for what a token request carries: the `application/x-www-form-urlencoded` body
//! (RFC 6749 §4.4.2, Appendix B) and the HTTP Basic client credentials (RFC 6749 §2.3.1).
//!
//! Lenient decoders quietly turn bad input into something else; these refuse it, so a client
//! that sends a broken body learns so from a 400 instead of from a puzzling grant.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// A parsed form body: each parameter at most once (RFC 6749 §3.2).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Form(BTreeMap<String, String>);

/// Why a form body or Basic header was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// The body is not UTF-8.
    #[error("the body is not UTF-8")]
    NotUtf8,
    /// A `name` without `=value`.
    #[error("parameter {0:?} has no '='")]
    MissingEquals(String),
    /// A `%` not followed by two hex digits, or an escape that decodes to invalid UTF-8.
    #[error("bad percent-encoding in {0:?}")]
    BadEscape(String),
    /// The same parameter twice.
    #[error("parameter {0:?} appears more than once")]
    Repeated(String),
    /// A parameter with an empty name, e.g. `=x`.
    #[error("empty parameter name")]
    EmptyName,
}

impl Form {
    /// Parses an `application/x-www-form-urlencoded` body strictly.
    pub fn parse(body: &[u8]) -> Result<Self, FormError> {
        let text = std::str::from_utf8(body).map_err(|_| FormError::NotUtf8)?;
        let mut params = BTreeMap::new();
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').ok_or_else(|| FormError::MissingEquals(truncate(pair)))?;
            let name = decode_component(name)?;
            if name.is_empty() {
                return Err(FormError::EmptyName);
            }
            let value = decode_component(value)?;
            if params.contains_key(&name) {
                return Err(FormError::Repeated(name));
            }
            params.insert(name, value);
        }
        Ok(Self(params))
    }

    /// The decoded value of parameter `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

/// Decodes one `application/x-www-form-urlencoded` component: `+` is a space, `%XX` a byte, and
/// the bytes must be UTF-8.
pub fn decode_component(text: &str) -> Result<String, FormError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let byte = bytes
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
                    .ok_or_else(|| FormError::BadEscape(truncate(text)))?;
                out.push(byte);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| FormError::BadEscape(truncate(text)))
}

fn truncate(text: &str) -> String {
    text.chars().take(40).collect()
}

/// The (client id, secret) pairs an `Authorization: Basic` value (without the scheme) may stand
/// for, most likely first: the raw `base64("clientid:secret")` that fhir.cerner.com documents
/// ("Basic Authentication"), then, when it differs, RFC 6749 §2.3.1's form, where both halves are
/// form-urlencoded before base64. A secret with `+ / = %` in it thus works either way.
pub fn parse_basic(credentials: &str) -> Result<Vec<(String, String)>, FormError> {
    let decoded = STANDARD
        .decode(credentials.trim())
        .map_err(|_| FormError::BadEscape("Basic credentials are not base64".into()))?;
    let text = String::from_utf8(decoded).map_err(|_| FormError::NotUtf8)?;
    let (id, secret) =
        text.split_once(':').ok_or_else(|| FormError::MissingEquals("Basic credentials have no ':'".into()))?;
    let mut pairs = vec![(id.to_owned(), secret.to_owned())];
    if let (Ok(id), Ok(secret)) = (decode_component(id), decode_component(secret))
        && pairs[0] != (id.clone(), secret.clone())
    {
        pairs.push((id, secret));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_a_token_request() {
        let form = Form::parse(b"grant_type=client_credentials&scope=system%2FPatient.read+system/Slot.read").unwrap();
        assert_eq!(form.get("grant_type"), Some("client_credentials"));
        assert_eq!(form.get("scope"), Some("system/Patient.read system/Slot.read"));
    }

    #[test]
    fn refuses_malformed_bodies() {
        assert_eq!(Form::parse(b"a=1&a=2"), Err(FormError::Repeated("a".into())));
        assert!(matches!(Form::parse(b"a=%zz"), Err(FormError::BadEscape(_))));
        assert!(matches!(Form::parse(b"a=%4"), Err(FormError::BadEscape(_))));
        assert!(matches!(Form::parse(b"a=%ff"), Err(FormError::BadEscape(_))));
        assert!(matches!(Form::parse(b"novalue"), Err(FormError::MissingEquals(_))));
        assert_eq!(Form::parse(b"=x"), Err(FormError::EmptyName));
        assert_eq!(Form::parse(&[0xff]), Err(FormError::NotUtf8));
    }

    #[test]
    fn basic_credentials_are_read_raw_then_form_decoded() {
        let value = STANDARD.encode("my%3Aclient:s%26cret");
        let pairs = parse_basic(&value).unwrap();
        assert_eq!(pairs, [("my%3Aclient".into(), "s%26cret".into()), ("my:client".into(), "s&cret".into())]);
        let raw = parse_basic(&STANDARD.encode("client:a+b/c=d%zz")).unwrap();
        assert_eq!(raw, [("client".to_owned(), "a+b/c=d%zz".to_owned())], "not form-encoded: raw only");
        let plain = parse_basic(&STANDARD.encode("client:secret")).unwrap();
        assert_eq!(plain, [("client".to_owned(), "secret".to_owned())]);
        assert!(parse_basic("!!!").is_err());
        assert!(parse_basic(&STANDARD.encode("nocolon")).is_err());
    }

    proptest! {
        #[test]
        fn form_parser_never_panics(body in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Form::parse(&body);
        }

        #[test]
        fn encoded_pairs_round_trip(pairs in proptest::collection::btree_map("\\PC{1,12}", "\\PC{0,12}", 0..5)) {
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &pairs {
                ser.append_pair(k, v);
            }
            let form = Form::parse(ser.finish().as_bytes()).unwrap();
            for (k, v) in &pairs {
                prop_assert_eq!(form.get(k), Some(v.as_str()));
            }
        }

        #[test]
        fn basic_parser_never_panics(text in "\\PC{0,80}") {
            let _ = parse_basic(&text);
        }
    }
}
