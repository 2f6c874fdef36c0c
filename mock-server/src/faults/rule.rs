//! Fault rules as users write them (profile `[[faults]]` or `POST /__admin/faults` JSON): a
//! matcher and either one `action` (applied to every triggering request) or a sequence of
//! `actions` (one per triggering request, in order; then the rule passes requests through).
//!
//! These types are also the admin API's wire types (`admin::wire`): the server decodes them and
//! [`crate::AdminClient`] encodes them, so the JSON has one definition.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use crate::origin::parse_origin;
use crate::request::FhirVersion;

mod build;
mod error;

pub use error::{ActionError, MatchError, RetryAfterError, RuleError};

/// A fault rule: which requests it matches and what it does to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// The rule's id, unique among installed rules; `fault-N` is chosen when none is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Which requests the rule applies to (`match` in JSON).
    #[serde(rename = "match", default)]
    pub matcher: FaultMatch,
    /// One action, applied to every triggering request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<FaultAction>,
    /// A sequence: one action per triggering request, in order; then the rule lets requests through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<FaultAction>>,
}

/// Which requests a rule applies to. Every field is optional; the counting fields (`nth`, `every`,
/// `first`, `probability`) pick among the requests the other fields match, and at most one is set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultMatch {
    /// The HTTP method, e.g. `GET` (any case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// A glob over the path: `*` matches any characters, e.g. `/dstu2/*/Appointment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The tenant id the path names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// A FHIR resource type, or `token` for the token endpoint, or `metadata`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The client id the request identifies (Basic user, assertion `iss`, or token `azp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// The FHIR version of the base: `dstu2` or `r4` (the token endpoint has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<FhirVersion>,
    /// Only the n-th matching request (1-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<u64>,
    /// Every k-th matching request (k, 2k, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<u64>,
    /// The first k matching requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<u64>,
    /// Each matching request with this probability, drawn from `seed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Seed of the `probability` draws (0 when absent), so a run can be repeated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// What happens to a triggering request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultAction {
    /// Answer with this status and the protocol's error body (OperationOutcome or OAuth error).
    Status {
        /// The status, 400–599.
        status: u16,
    },
    /// 429 with `Retry-After` as given: delta-seconds (`"120"`) or an HTTP-date.
    Throttle {
        /// The header's value as sent.
        retry_after: String,
    },
    /// Wait before handling the request.
    Delay {
        /// Milliseconds, at most 600,000.
        ms: u64,
    },
    /// Close the connection with a TCP reset before any response.
    Reset,
    /// Send the headers and half the body, then cut the connection.
    Truncate,
    /// `200` with a body that is not valid JSON.
    Malformed,
    /// Treat the presented access token as expired, from this request on.
    ExpireToken,
    /// The tenant withdraws its approval of the account, from this request on.
    RevokeApproval,
    /// Rewrite the `next` link of a Bundle to another origin.
    ForeignNext {
        /// The other origin, `scheme://host[:port]`.
        origin: String,
    },
    /// Keep only the first `keep` entries of a Bundle, but keep its `next` link.
    ShortPage {
        /// Entries kept.
        keep: usize,
    },
    /// Move this page's first appointment after its last one (a new version), so it shows up again
    /// on a later page, as Cerner's paging documents under concurrency.
    MoveEntryToLaterPage,
    /// Point the Bundle's `next` link back at the page fetched before this one (a paging cycle).
    NextCycle,
    /// Point the Bundle's `next` link at this page's own URL.
    NextSelf,
    /// Answer with an empty page whose `next` link names a fresh page, every time.
    EndlessNext,
    /// Point the Bundle's `next` link at the same page of another tenant, on the same origin.
    ForeignTenantNext {
        /// The other tenant's id.
        tenant: String,
    },
    /// Stream the page with `bytes` of JSON whitespace inside it, without announcing its length.
    HugePage {
        /// Whitespace bytes added.
        bytes: u64,
    },
    /// Name a token (and authorize) URL on another origin in the metadata and SMART configuration.
    ForeignTokenUrl {
        /// The other origin, `scheme://host[:port]`.
        origin: String,
    },
    /// Answer `302 Found` with `Location:` the same path and query on another origin.
    Redirect {
        /// The other origin, `scheme://host[:port]`.
        origin: String,
    },
    /// Send the status, the headers and the first `after_bytes` bytes of the body (all but its
    /// last byte at most), then nothing for `ms` milliseconds, then the rest: a body that stalls.
    StallBody {
        /// Bytes of the body sent before the stall.
        after_bytes: u64,
        /// How long the body stalls, in milliseconds (1 to 600,000).
        ms: u64,
    },
    /// Send the body at `bytes_per_second`, a slice every tenth of a second: a body that dribbles.
    DribbleBody {
        /// The body's pace, in bytes per second.
        bytes_per_second: u64,
    },
    /// Let the request through untouched (a step in a sequence).
    Pass,
}

impl FaultAction {
    /// The action's `type` in JSON, e.g. `throttle`; the journal's `fault.action`.
    pub fn name(&self) -> &'static str {
        match self {
            FaultAction::Status { .. } => "status",
            FaultAction::Throttle { .. } => "throttle",
            FaultAction::Delay { .. } => "delay",
            FaultAction::Reset => "reset",
            FaultAction::Truncate => "truncate",
            FaultAction::Malformed => "malformed",
            FaultAction::ExpireToken => "expire_token",
            FaultAction::RevokeApproval => "revoke_approval",
            FaultAction::ForeignNext { .. } => "foreign_next",
            FaultAction::ShortPage { .. } => "short_page",
            FaultAction::MoveEntryToLaterPage => "move_entry_to_later_page",
            FaultAction::NextCycle => "next_cycle",
            FaultAction::NextSelf => "next_self",
            FaultAction::EndlessNext => "endless_next",
            FaultAction::ForeignTenantNext { .. } => "foreign_tenant_next",
            FaultAction::HugePage { .. } => "huge_page",
            FaultAction::ForeignTokenUrl { .. } => "foreign_token_url",
            FaultAction::Redirect { .. } => "redirect",
            FaultAction::StallBody { .. } => "stall_body",
            FaultAction::DribbleBody { .. } => "dribble_body",
            FaultAction::Pass => "pass",
        }
    }

    fn validate(&self) -> Result<(), ActionError> {
        match self {
            FaultAction::Status { status } if !(400..=599).contains(status) => {
                Err(ActionError::NotAnErrorStatus(*status))
            }
            FaultAction::Throttle { retry_after } => parse_retry_after(retry_after).map(|_| ()).map_err(Into::into),
            FaultAction::Delay { ms } if *ms > MAX_DELAY_MS => Err(ActionError::DelayTooLong),
            FaultAction::ForeignNext { origin }
            | FaultAction::ForeignTokenUrl { origin }
            | FaultAction::Redirect { origin } => parse_origin(origin).map(|_| ()).map_err(Into::into),
            FaultAction::ForeignTenantNext { tenant } => Ok(super::hostile::validate_tenant(tenant)?),
            FaultAction::HugePage { bytes } => Ok(super::hostile::validate_bytes(*bytes)?),
            FaultAction::StallBody { ms, .. } if *ms == 0 || *ms > MAX_DELAY_MS => Err(ActionError::StallMs),
            FaultAction::DribbleBody { bytes_per_second } => super::slow::validate_rate(*bytes_per_second),
            _ => Ok(()),
        }
    }
}

/// Longest `delay` action.
const MAX_DELAY_MS: u64 = 600_000;

/// A `Retry-After` value: delta-seconds, or an HTTP-date (RFC 9110 §10.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// `120`: seconds to wait.
    Seconds(u64),
    /// `Wed, 21 Oct 2026 07:28:00 GMT`: the time to wait until.
    Date(OffsetDateTime),
}

/// Parses a `Retry-After` value: delta-seconds or an HTTP-date.
pub fn parse_retry_after(text: &str) -> Result<RetryAfter, RetryAfterError> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map(RetryAfter::Seconds).map_err(|_| RetryAfterError::TooLarge(text.to_owned()));
    }
    // An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") is RFC 2822 with the zone written GMT.
    OffsetDateTime::parse(text, &Rfc2822).map(RetryAfter::Date).map_err(|_| RetryAfterError::Invalid(text.to_owned()))
}

impl FaultRule {
    /// Checks the rule; the error names the field at fault.
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.id.as_deref() == Some("") {
            return Err(RuleError::EmptyId);
        }
        match (&self.action, &self.actions) {
            (Some(_), Some(_)) => return Err(RuleError::ActionAndActions),
            (None, None) => return Err(RuleError::NoAction),
            (None, Some(list)) if list.is_empty() => return Err(RuleError::EmptyActions),
            _ => {}
        }
        for (index, action) in self.all_actions().enumerate() {
            action.validate().map_err(|source| RuleError::Action { index, source })?;
        }
        self.matcher.validate().map_err(RuleError::Match)
    }
}

impl FaultMatch {
    fn validate(&self) -> Result<(), MatchError> {
        let counters = [self.nth.is_some(), self.every.is_some(), self.first.is_some(), self.probability.is_some()];
        if counters.iter().filter(|set| **set).count() > 1 {
            return Err(MatchError::SeveralCounters);
        }
        if self.nth == Some(0) || self.every == Some(0) {
            return Err(MatchError::ZeroCounter);
        }
        if self.probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
            return Err(MatchError::Probability);
        }
        if self.method.as_ref().is_some_and(|m| m.is_empty() || !m.bytes().all(|b| b.is_ascii_alphabetic())) {
            return Err(MatchError::Method);
        }
        Ok(())
    }
}

/// `*` matches any run of characters (including `/`); everything else matches itself.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else { return rest.is_empty() };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn globs_match_like_shell_stars() {
        assert!(glob_matches("/dstu2/*/Appointment", "/dstu2/t/Appointment"));
        assert!(!glob_matches("/dstu2/*/Appointment", "/dstu2/t/Appointment/1"));
        assert!(glob_matches("/dstu2/*", "/dstu2/t/Appointment/1"));
        assert!(glob_matches("*token", "/tenants/t/protocols/oauth2/profiles/smart-v1/token"));
        assert!(glob_matches("/a/*/b/*/c", "/a/x/b/y/c"));
        assert!(!glob_matches("/a*a", "/a"));
        assert!(glob_matches("exact", "exact") && !glob_matches("exact", "exactly"));
    }

    #[test]
    fn rules_parse_from_json_and_validate() {
        let rule: FaultRule = serde_json::from_value(json!({
            "match": { "path": "/dstu2/*/Appointment", "nth": 2 },
            "actions": [{ "type": "status", "status": 503 }, { "type": "throttle", "retry_after": "7200" }, { "type": "pass" }]
        }))
        .unwrap();
        assert_eq!(rule.validate(), Ok(()));
        let bad = |value: serde_json::Value| serde_json::from_value::<FaultRule>(value).map(|r| r.validate());
        assert!(bad(json!({ "match": {}, "action": { "type": "status", "status": 200 } })).unwrap().is_err());
        assert!(bad(json!({ "match": { "nth": 1, "every": 2 }, "action": { "type": "reset" } })).unwrap().is_err());
        assert!(bad(json!({ "action": { "type": "throttle", "retry_after": "soon" } })).unwrap().is_err());
        assert!(bad(json!({ "action": { "type": "explode" } })).is_err());
        assert!(bad(json!({ "match": {} })).unwrap().is_err());
    }

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        assert_eq!(parse_retry_after("120"), Ok(RetryAfter::Seconds(120)));
        assert!(matches!(parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT"), Ok(RetryAfter::Date(_))));
        assert!(parse_retry_after("-1").is_err());
        assert!(parse_retry_after("").is_err());
    }

    proptest! {
        #[test]
        fn glob_never_panics_and_star_matches_everything(pattern in "[a-c*/]{0,12}", text in "[a-c/]{0,16}") {
            let _ = glob_matches(&pattern, &text);
            prop_assert!(glob_matches("*", &text));
            prop_assert!(glob_matches(&text, &text));
        }
    }
}
