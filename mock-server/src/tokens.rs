//! Access tokens: issued by the token endpoint, verified by the FHIR endpoints, through this one
//! module.
//!
//! Tokens are ES256 JWTs shaped like the ones Cerner's authorization server issues (observed):
//! `iss` = authorization origin + `/`, `sub` and `azp` = client id, `jti`, `iat`, `exp`, and the claim
//! `urn:com:cerner:authorization:claims` = `{ver, tnt, azs}`. Clients must treat them as opaque.
//! The signing key is generated when the emulator starts and never leaves the process.
//!
//! `verified`: the tokens whose signature has already been checked.

mod verified;

use std::sync::Arc;

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::Rng;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ids::{ClientId, TenantId};
use crate::scope::ScopeSet;

/// The claim holding Cerner's own token fields ([`CernerClaims`]).
pub const CERNER_CLAIMS: &str = "urn:com:cerner:authorization:claims";

/// Signs and verifies access tokens.
pub struct TokenKeys {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    verified: verified::Verified,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys").field("kid", &self.kid).finish_non_exhaustive()
    }
}

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The authorization server's origin plus `/`.
    pub iss: String,
    /// The client id the token was issued to.
    pub sub: String,
    /// The authorized party: the client id again.
    pub azp: String,
    /// A random UUID naming the token; the only part of it that may be logged.
    pub jti: String,
    /// Issued at, Unix seconds on the emulator's clock.
    pub iat: i64,
    /// Expires at, Unix seconds on the emulator's clock.
    pub exp: i64,
    /// Cerner's claim: version, tenant and granted scopes.
    #[serde(rename = "urn:com:cerner:authorization:claims")]
    pub cerner: CernerClaims,
}

/// The `urn:com:cerner:authorization:claims` object of a Cerner access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CernerClaims {
    /// The claim's format version, `1.0`.
    pub ver: String,
    /// The tenant the token is for.
    pub tnt: String,
    /// The granted scopes, space separated.
    pub azs: String,
}

/// What the token endpoint asks to be issued.
#[derive(Debug, Clone)]
pub struct Grant<'a> {
    /// The token's `iss`: the authorization origin plus `/`.
    pub issuer: &'a str,
    /// The client the token is for.
    pub client_id: &'a ClientId,
    /// The tenant it is valid for.
    pub tenant: &'a TenantId,
    /// The scopes granted (the asked ones the client is registered for).
    pub scopes: &'a ScopeSet,
    /// The emulator's clock when it was issued.
    pub issued_at: OffsetDateTime,
    /// Seconds from `iat` to `exp` (the profile's `lifetime_seconds`; Cerner: 600).
    pub lifetime_seconds: u32,
}

/// An issued token and its id (the only part of it that may be logged).
#[derive(Debug, Clone)]
pub struct Issued {
    /// The signed JWT; secret, never logged.
    pub token: String,
    /// Its `jti`.
    pub jti: String,
}

/// Why a presented token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenRejection {
    /// Malformed, signed by another key (e.g. before a restart), or not a JWT at all.
    #[error("the access token is not a token issued by this server")]
    Invalid,
    /// Signed here, but its `exp` has passed on the emulator's clock.
    #[error("the access token expired")]
    Expired {
        /// The expired token's id, for the journal.
        jti: String,
    },
}

/// Could not create a signing key.
#[derive(Debug, thiserror::Error)]
#[error("cannot generate the token signing key: {0}")]
pub struct KeyError(String);

/// A P-256 key pair from a scalar drawn from the operating system's generator (through rand's
/// thread-local CSPRNG), as PKCS#8 with its public key (which the signer would otherwise derive
/// again on every token). aws-lc's own generator would first seed itself from CPU jitter, tens of
/// milliseconds of start-up; signing still uses it, so that cost moves to the first token.
fn random_key_pair() -> Result<(EcdsaKeyPair, Vec<u8>), KeyError> {
    // RFC 5915 ECPrivateKey for prime256v1 without the public key, which the parser derives.
    const SEC1_PREFIX: [u8; 7] = [0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20];
    const CURVE: [u8; 12] = [0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    // PKCS#8 PrivateKeyInfo (ecPublicKey, prime256v1) around an ECPrivateKey with its public key.
    const PKCS8_PREFIX: [u8; 36] = [
        0x30, 0x81, 0x87, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
        0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x6d, 0x30, 0x6b, 0x02, 0x01, 0x01, 0x04, 0x20,
    ];
    const PUBLIC_PREFIX: [u8; 5] = [0xa1, 0x44, 0x03, 0x42, 0x00];
    let mut last = String::new();
    // A scalar of zero or not below the group order is refused; that is one draw in 2^32.
    for _ in 0..8 {
        let mut scalar = [0u8; 32];
        rand::rng().fill_bytes(&mut scalar);
        let sec1 = [&SEC1_PREFIX[..], &scalar, &CURVE].concat();
        let pair = match EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, &sec1) {
            Ok(pair) => pair,
            Err(e) => {
                last = e.to_string();
                continue;
            }
        };
        let pkcs8 = [&PKCS8_PREFIX[..], &scalar, &PUBLIC_PREFIX, pair.public_key().as_ref()].concat();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8)
            .map_err(|e| KeyError(format!("the key's PKCS#8 form: {e}")))?;
        return Ok((pair, pkcs8));
    }
    Err(KeyError(format!("no usable P-256 key drawn: {last}")))
}

impl TokenKeys {
    /// Generates a fresh P-256 key pair.
    pub fn generate() -> Result<Self, KeyError> {
        let (pair, pkcs8) = random_key_pair()?;
        Ok(Self {
            kid: format!("{}.ec", Uuid::new_v4()),
            encoding: EncodingKey::from_ec_der(&pkcs8),
            decoding: DecodingKey::from_ec_der(pair.public_key().as_ref()),
            verified: verified::Verified::default(),
        })
    }

    /// Signs an ES256 access token for `grant`, with a fresh `jti`.
    pub fn issue(&self, grant: &Grant<'_>) -> Result<Issued, jsonwebtoken::errors::Error> {
        let iat = grant.issued_at.unix_timestamp();
        let claims = AccessClaims {
            iss: grant.issuer.to_owned(),
            sub: grant.client_id.to_string(),
            azp: grant.client_id.to_string(),
            jti: Uuid::new_v4().to_string(),
            iat,
            exp: iat + i64::from(grant.lifetime_seconds),
            cerner: CernerClaims {
                ver: "1.0".to_owned(),
                tnt: grant.tenant.to_string(),
                azs: grant.scopes.to_string(),
            },
        };
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        header.typ = Some("JWT".to_owned());
        let token = jsonwebtoken::encode(&header, &claims, &self.encoding)?;
        Ok(Issued { token, jti: claims.jti })
    }

    /// Checks the signature, then expiry against `now` (the emulator's clock, not the system's).
    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<Arc<AccessClaims>, TokenRejection> {
        Self::unexpired(self.inspect(token), now)
    }

    /// The claims of a token [`inspect`](Self::inspect) read (`None`: not signed here), if it is
    /// unexpired at `now`.
    pub fn unexpired(
        claims: Option<Arc<AccessClaims>>,
        now: OffsetDateTime,
    ) -> Result<Arc<AccessClaims>, TokenRejection> {
        let claims = claims.ok_or(TokenRejection::Invalid)?;
        if now.unix_timestamp() >= claims.exp {
            return Err(TokenRejection::Expired { jti: claims.jti.clone() });
        }
        Ok(claims)
    }

    /// The claims of a token this server signed, expired or not. The signature of each token is
    /// checked once (see the `verified` module).
    pub fn inspect(&self, token: &str) -> Option<Arc<AccessClaims>> {
        if let Some(claims) = self.verified.get(token) {
            return Some(claims);
        }
        let mut validation = Validation::new(Algorithm::ES256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let claims = Arc::new(jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &validation).ok()?.claims);
        self.verified.insert(token, claims.clone());
        Some(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::DEFAULT_MANUAL_START;
    use time::Duration;

    /// New keys and a token of tenant `t` issued at the manual clock's start for 600 s.
    fn issued_token() -> (TokenKeys, Issued) {
        let keys = TokenKeys::generate().unwrap();
        let (client, tenant) = (ClientId::new("c"), TenantId::parse("t").unwrap());
        let scopes = ScopeSet::parse("system/Patient.read").unwrap();
        let grant = Grant {
            issuer: "http://127.0.0.1/",
            client_id: &client,
            tenant: &tenant,
            scopes: &scopes,
            issued_at: DEFAULT_MANUAL_START,
            lifetime_seconds: 600,
        };
        let issued = keys.issue(&grant).unwrap();
        (keys, issued)
    }

    #[test]
    fn issued_tokens_verify_until_exp() {
        let (keys, issued) = issued_token();
        let claims = keys.verify(&issued.token, DEFAULT_MANUAL_START + Duration::seconds(599)).unwrap();
        assert_eq!(claims.cerner.tnt, "t");
        assert_eq!(claims.exp - claims.iat, 600);
        assert_eq!(
            keys.verify(&issued.token, DEFAULT_MANUAL_START + Duration::seconds(600)),
            Err(TokenRejection::Expired { jti: issued.jti })
        );
        let other = TokenKeys::generate().unwrap();
        assert_eq!(other.verify(&issued.token, DEFAULT_MANUAL_START), Err(TokenRejection::Invalid));
        assert_eq!(keys.verify("not.a.jwt", DEFAULT_MANUAL_START), Err(TokenRejection::Invalid));
    }

    #[test]
    fn a_drawn_key_carries_its_public_key_and_two_draws_differ() {
        let (pair, pkcs8) = random_key_pair().unwrap();
        assert_eq!(pkcs8.len(), 138, "PKCS#8 with the public key, so signing does not derive it again");
        assert!(pkcs8.ends_with(pair.public_key().as_ref()));
        let (other, _) = random_key_pair().unwrap();
        assert_ne!(pair.public_key().as_ref(), other.public_key().as_ref());
    }

    #[test]
    fn a_remembered_token_still_expires_and_an_altered_one_is_refused() {
        let (keys, issued) = issued_token();
        for _ in 0..3 {
            assert!(keys.verify(&issued.token, DEFAULT_MANUAL_START).is_ok());
        }
        assert_eq!(keys.verified.len(), 1);
        let later = DEFAULT_MANUAL_START + Duration::seconds(600);
        assert_eq!(keys.verify(&issued.token, later), Err(TokenRejection::Expired { jti: issued.jti.clone() }));
        assert!(keys.verify(&issued.token, DEFAULT_MANUAL_START).is_ok(), "a clock set back sees it valid again");
        let (head, signature) = issued.token.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
        let altered = format!("{head}.{flipped}{}", &signature[1..]);
        assert_eq!(keys.verify(&altered, DEFAULT_MANUAL_START), Err(TokenRejection::Invalid));
        assert_eq!(keys.verified.len(), 1);
    }
}
