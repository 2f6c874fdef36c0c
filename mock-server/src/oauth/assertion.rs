//! JWT client authentication (private_key_jwt; RFC 7523, SMART Backend Services) as Cerner
//! documents it: the header carries `typ: JWT` and the `kid` of a key from the account's registered
//! JWKS, and the assertion is signed RS384 or ES384 with that key; `iss` = `sub` = client id; `aud` = this token URL; `exp` not past and at most five
//! minutes ahead; `jti` never used twice.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::profile::{Account, Profile};

/// `client_assertion_type` of a `private_key_jwt` token request (RFC 7523).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How far ahead an assertion's `exp` may lie.
pub const MAX_LIFETIME_SECONDS: i64 = 300;

/// Remembers the `jti`s seen, until their assertions expire, to refuse replays.
#[derive(Debug, Default)]
pub struct ReplayCache(Mutex<HashMap<(String, String), i64>>);

impl ReplayCache {
    /// Records `jti` for `client`; false when it was already used.
    fn record(&self, client: &str, jti: &str, exp: i64, now: i64) -> bool {
        let mut seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        seen.retain(|_, expires| *expires >= now);
        seen.insert((client.to_owned(), jti.to_owned()), exp).is_none()
    }

    /// Forgets every `jti` seen (an admin reset).
    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

#[derive(Deserialize)]
struct Claims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Value>,
    exp: Option<i64>,
    jti: Option<String>,
}

/// What the checks need besides the assertion.
#[derive(Debug)]
pub struct Expected<'a> {
    /// The `client_id` form parameter, when sent.
    pub client_id: Option<&'a str>,
    /// The token endpoint's URL, which the assertion's `aud` must name.
    pub token_url: &'a str,
    /// The emulator's clock, against which `exp` is checked.
    pub now: OffsetDateTime,
}

/// The client id the assertion claims to come from, read before verification so that errors
/// can name it. Never trust it for anything else.
pub fn claimed_client(assertion: &str) -> Option<String> {
    jsonwebtoken::dangerous::insecure_decode_claims::<Claims>(assertion).ok()?.iss
}

/// Verifies `assertion` and returns the account it authenticates.
pub fn verify<'p>(
    profile: &'p Profile,
    replay: &ReplayCache,
    assertion: &str,
    expected: &Expected<'_>,
) -> Result<&'p Account, String> {
    let header = jsonwebtoken::decode_header(assertion).map_err(|e| format!("not a JWT: {e}"))?;
    if !matches!(header.alg, Algorithm::RS384 | Algorithm::ES384) {
        return Err(format!("alg {:?} is not RS384 or ES384", header.alg));
    }
    // SMART Backend Services, which Cerner points to for JWT authentication, requires both.
    if header.typ.as_deref() != Some("JWT") {
        return Err("the assertion's header has no typ \"JWT\"".into());
    }
    let Some(kid) = header.kid.as_deref() else {
        return Err("the assertion's header has no kid".into());
    };
    let iss = claimed_client(assertion).ok_or("the assertion has no iss")?;
    if expected.client_id.is_some_and(|id| id != iss) {
        return Err("client_id differs from the assertion's iss".into());
    }
    let account = profile.account(&iss).ok_or_else(|| format!("unknown client {iss:?}"))?;
    let jwks = account.jwks.as_ref().ok_or_else(|| format!("client {iss:?} has no registered JWKS"))?;
    let candidates: Vec<&Jwk> = jwks.keys.iter().filter(|k| k.common.key_id.as_deref() == Some(kid)).collect();
    if candidates.is_empty() {
        return Err(format!("no registered key has kid {kid:?}"));
    }
    let mut validation = Validation::new(header.alg);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = candidates
        .iter()
        .filter_map(|jwk| DecodingKey::from_jwk(jwk).ok())
        .find_map(|key| jsonwebtoken::decode::<Claims>(assertion, &key, &validation).ok())
        .ok_or("the signature does not verify with any registered key")?
        .claims;
    check_claims(&iss, &claims, expected)?;
    let (exp, jti) = (claims.exp.unwrap_or_default(), claims.jti.unwrap_or_default());
    if !replay.record(&iss, &jti, exp, expected.now.unix_timestamp()) {
        return Err(format!("jti {jti:?} was already used"));
    }
    Ok(account)
}

fn check_claims(iss: &str, claims: &Claims, expected: &Expected<'_>) -> Result<(), String> {
    if claims.sub.as_deref() != Some(iss) {
        return Err("sub must equal iss (the client id)".into());
    }
    let aud_ok = match &claims.aud {
        Some(Value::String(aud)) => aud == expected.token_url,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(expected.token_url)),
        _ => false,
    };
    if !aud_ok {
        return Err(format!("aud must be the token URL {}", expected.token_url));
    }
    let now = expected.now.unix_timestamp();
    match claims.exp {
        None => return Err("the assertion has no exp".into()),
        Some(exp) if exp <= now => return Err("the assertion expired".into()),
        Some(exp) if exp > now + MAX_LIFETIME_SECONDS => {
            return Err("exp is more than five minutes ahead".into());
        }
        Some(_) => {}
    }
    if claims.jti.as_deref().is_none_or(str::is_empty) {
        return Err("the assertion has no jti".into());
    }
    Ok(())
}
