//! Opaque page tokens (Cerner's `-pageContext`, with `-pageDirection=NEXT|PREVIOUS`).
//!
//! A token carries the search it belongs to (tenant, FHIR version, type, the original parameters) and a
//! keyset cursor: the sort key of the last entry of the page before (NEXT) or the first entry of
//! the page after (PREVIOUS). The next page is the matches strictly after the cursor, so following
//! `next` returns every match exactly once, in order, while the data stands still. If data changes
//! between pages, a changed appointment moves within the order (it may then be seen twice or
//! missed, as with Cerner); the token stays valid. Tokens are signed with a per-process key, so
//! they cannot be forged or edited, and expire an hour (emulator clock) after they were issued.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::ids::TenantId;
use crate::request::FhirVersion;
use crate::store::{Key, ResourceType};

/// How long a page token stays valid, in milliseconds of emulator time.
pub const PAGE_TOKEN_LIFETIME_MS: i64 = 60 * 60 * 1000;

/// Which way a token pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// Forward: `-pageDirection=NEXT`.
    Next,
    /// Backward: `-pageDirection=PREVIOUS`.
    Previous,
}

impl Direction {
    /// The `-pageDirection` value, `NEXT` or `PREVIOUS`.
    pub fn as_param(self) -> &'static str {
        match self {
            Direction::Next => "NEXT",
            Direction::Previous => "PREVIOUS",
        }
    }
}

/// What a page token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageState {
    /// The tenant the search ran on.
    #[serde(rename = "t")]
    pub tenant: String,
    /// A token of one version's base is refused on the other's.
    #[serde(rename = "v")]
    pub version: FhirVersion,
    /// The resource type searched.
    #[serde(rename = "r")]
    pub resource_type: String,
    /// The search's own parameters, as first received.
    #[serde(rename = "q")]
    pub params: Vec<(String, String)>,
    /// The sort key of the last entry of the page before (NEXT) or the first of the page after (PREVIOUS).
    #[serde(rename = "c")]
    pub cursor: Key,
    /// Which way the token pages.
    #[serde(rename = "d")]
    pub direction: Direction,
    /// When it was issued, Unix milliseconds of emulator time.
    #[serde(rename = "i")]
    pub issued_ms: i64,
}

/// [`PageState`] borrowed from the search it continues: serialized exactly as a `PageState` is (the
/// same names, in the same order), so a link is signed without copying the search's parameters.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PageStateRef<'a> {
    /// The tenant the search ran on.
    #[serde(rename = "t")]
    pub tenant: &'a str,
    /// The version of the base it ran on.
    #[serde(rename = "v")]
    pub version: FhirVersion,
    /// The resource type searched.
    #[serde(rename = "r")]
    pub resource_type: &'a str,
    /// The search's own parameters, as first received.
    #[serde(rename = "q")]
    pub params: &'a [(String, String)],
    /// The sort key the page continues from.
    #[serde(rename = "c")]
    pub cursor: Key,
    /// Which way the token pages.
    #[serde(rename = "d")]
    pub direction: Direction,
    /// When it was issued, Unix milliseconds of emulator time.
    #[serde(rename = "i")]
    pub issued_ms: i64,
}

impl PageState {
    /// The state, borrowed.
    pub fn borrowed(&self) -> PageStateRef<'_> {
        PageStateRef {
            tenant: &self.tenant,
            version: self.version,
            resource_type: &self.resource_type,
            params: &self.params,
            cursor: self.cursor,
            direction: self.direction,
            issued_ms: self.issued_ms,
        }
    }
}

/// Why a page token was refused (400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// Not base64 JSON, or not signed by this emulator.
    #[error("the page token is not valid")]
    Invalid,
    /// Older than an hour of emulator time.
    #[error("the page token expired; run the search again")]
    Expired,
    /// Issued for another tenant, FHIR version or resource type.
    #[error("the page token belongs to another search")]
    OtherSearch,
    /// `-pageDirection` missing, unknown or not the token's.
    #[error("-pageDirection must be NEXT or PREVIOUS and match the page token")]
    BadDirection,
}

/// Signs and checks page tokens.
pub struct PageKeys(hmac::Key);

impl std::fmt::Debug for PageKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageKeys(***)")
    }
}

impl PageKeys {
    /// A fresh random HMAC-SHA256 key; tokens of an earlier run are refused.
    pub fn generate() -> Self {
        // From the operating system's generator (through rand's thread-local CSPRNG): aws-lc's own
        // generator seeds itself from CPU jitter first, which costs tens of milliseconds at start-up.
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        Self(hmac::Key::new(hmac::HMAC_SHA256, &secret))
    }

    /// The signed token: base64url JSON, a dot, a truncated HMAC tag.
    pub fn encode(&self, state: &PageState) -> String {
        let mut token = String::new();
        self.push_token(&state.borrowed(), &mut token);
        token
    }

    /// Appends the signed token of `state` to `out`. Its characters (base64url and the dot) are
    /// all ones a query keeps as they are, so it needs no escaping in a link.
    pub fn push_token(&self, state: &PageStateRef<'_>, out: &mut String) {
        let payload = serde_json::to_vec(state).unwrap_or_default();
        let tag = hmac::sign(&self.0, &payload);
        out.reserve(payload.len().div_ceil(3) * 4 + 24);
        URL_SAFE_NO_PAD.encode_string(&payload, out);
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(&tag.as_ref()[..16], out);
    }

    /// Checks the signature, the search it belongs to, the direction and the age.
    pub fn decode(
        &self,
        token: &str,
        direction: &str,
        version: FhirVersion,
        tenant: &TenantId,
        resource_type: ResourceType,
        now_ms: i64,
    ) -> Result<PageState, PageError> {
        let (payload, tag) = token.split_once('.').ok_or(PageError::Invalid)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| PageError::Invalid)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| PageError::Invalid)?;
        let expected = hmac::sign(&self.0, &payload);
        if tag.len() != 16 || aws_lc_rs::constant_time::verify_slices_are_equal(&expected.as_ref()[..16], &tag).is_err()
        {
            return Err(PageError::Invalid);
        }
        let state: PageState = serde_json::from_slice(&payload).map_err(|_| PageError::Invalid)?;
        if state.tenant != tenant.as_str() || state.version != version || state.resource_type != resource_type.as_str()
        {
            return Err(PageError::OtherSearch);
        }
        if direction != state.direction.as_param() {
            return Err(PageError::BadDirection);
        }
        if now_ms.saturating_sub(state.issued_ms) > PAGE_TOKEN_LIFETIME_MS {
            return Err(PageError::Expired);
        }
        Ok(state)
    }
}

/// The slice of `matches` that makes the page: after the cursor (NEXT), before it (PREVIOUS), or
/// from the start.
pub fn page_bounds(matches: &[Key], cursor: Option<(Key, Direction)>, count: usize) -> (usize, usize) {
    match cursor {
        None => (0, count.min(matches.len())),
        Some((key, Direction::Next)) => {
            let start = matches.partition_point(|k| *k <= key);
            (start, (start + count).min(matches.len()))
        }
        Some((key, Direction::Previous)) => {
            let end = matches.partition_point(|k| *k < key);
            (end.saturating_sub(count), end)
        }
    }
}

/// [`page_bounds`] for matches in an order of their own within equal starts (Slots): the cursor is
/// found by position. When its entry is no longer a match (the slot was booked), the page goes on
/// after (or, going back, before) the matches with its start.
pub fn page_bounds_in_order(matches: &[Key], cursor: Option<(Key, Direction)>, count: usize) -> (usize, usize) {
    match cursor {
        None => (0, count.min(matches.len())),
        Some((key, Direction::Next)) => {
            let start = matches
                .iter()
                .position(|k| *k == key)
                .map_or_else(|| matches.partition_point(|k| k.0 <= key.0), |at| at + 1);
            (start, (start + count).min(matches.len()))
        }
        Some((key, Direction::Previous)) => {
            let end =
                matches.iter().position(|k| *k == key).unwrap_or_else(|| matches.partition_point(|k| k.0 < key.0));
            (end.saturating_sub(count), end)
        }
    }
}

#[cfg(test)]
mod tests;
