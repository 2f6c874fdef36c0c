//! Tokens whose ES256 signature has already been checked. Checking a P-256 signature costs far more
//! than answering a search, and a client presents the same token on every request of its lifetime,
//! so each token's signature is checked once. The signing key never changes while the emulator
//! runs (a reset keeps it), so a signature that checked once stays good. Only the signature is
//! remembered: expiry is checked against the emulator's clock on every request (a manual clock may
//! move either way), and early expiry and withdrawn approvals are checked after it.

use std::sync::{Arc, Mutex, PoisonError};

use hashbrown::HashMap;

use super::AccessClaims;

/// How many tokens are remembered; each takes about a kilobyte.
pub(super) const CAPACITY: usize = 1024;

/// Verified tokens, by their full text (never a hash alone: a collision must not let a token in).
#[derive(Default)]
pub(super) struct Verified {
    tokens: Mutex<HashMap<Box<str>, Arc<AccessClaims>>>,
}

impl std::fmt::Debug for Verified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verified").field("tokens", &self.len()).finish()
    }
}

impl Verified {
    pub(super) fn get(&self, token: &str) -> Option<Arc<AccessClaims>> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner).get(token).cloned()
    }

    /// Remembers a token whose signature checked. When full, the half that expires first goes.
    pub(super) fn insert(&self, token: &str, claims: Arc<AccessClaims>) {
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        if tokens.len() >= CAPACITY {
            let mut expiries: Vec<i64> = tokens.values().map(|c| c.exp).collect();
            let (_, median, _) = expiries.select_nth_unstable(CAPACITY / 2);
            let median = *median;
            tokens.retain(|_, c| c.exp > median);
            if tokens.len() >= CAPACITY {
                tokens.clear();
            }
        }
        tokens.insert(token.into(), claims);
    }

    pub(super) fn len(&self) -> usize {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::CernerClaims;

    fn claims(exp: i64) -> Arc<AccessClaims> {
        Arc::new(AccessClaims {
            iss: "i".into(),
            sub: "s".into(),
            azp: "s".into(),
            jti: exp.to_string(),
            iat: 0,
            exp,
            cerner: CernerClaims { ver: "1.0".into(), tnt: "t".into(), azs: String::new() },
        })
    }

    #[test]
    fn a_full_cache_drops_the_tokens_that_expire_first() {
        let verified = Verified::default();
        for i in 0..CAPACITY as i64 {
            verified.insert(&format!("token-{i}"), claims(i));
        }
        assert_eq!(verified.len(), CAPACITY);
        verified.insert("newest", claims(10_000));
        assert!(verified.len() <= CAPACITY / 2 + 1);
        assert!(verified.get("token-0").is_none());
        assert_eq!(verified.get(&format!("token-{}", CAPACITY - 1)).map(|c| c.exp), Some(CAPACITY as i64 - 1));
        assert_eq!(verified.get("newest").map(|c| c.exp), Some(10_000));
        assert!(verified.get("token-").is_none());
    }
}
