//! Fault rules as users write them (profile `[[faults]]` or `POST /__admin/faults` JSON): a
//! matcher and either one `action` (applied to every triggering request) or a sequence of
//! `actions` (one per triggering request, in order; then the rule passes requests through).
//!
//! These types are also the admin API's wire types (`admin::wire`): the server decodes them and
//! [`crate::AdminClient`] encodes them, so the JSON has one definition.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use crate::profile::parse_origin;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "match", default)]
    pub matcher: FaultMatch,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<FaultAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<FaultAction>>,
}

/// Which requests a rule applies to. Every field is optional; the counting fields (`nth`, `every`,
/// `first`, `probability`) pick among the requests the other fields match, and at most one is set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultMatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// A glob over the path: `*` matches any characters, e.g. `/dstu2/*/Appointment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// A FHIR resource type, or `token` for the token endpoint, or `metadata`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// What happens to a triggering request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultAction {
    /// Answer with this status and the protocol's error body (OperationOutcome or OAuth error).
    Status { status: u16 },
    /// 429 with `Retry-After` as given: delta-seconds (`"120"`) or an HTTP-date.
    Throttle { retry_after: String },
    /// Wait before handling the request.
    Delay { ms: u64 },
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
    ForeignNext { origin: String },
    /// Keep only the first `keep` entries of a Bundle, but keep its `next` link.
    ShortPage { keep: usize },
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
    ForeignTenantNext { tenant: String },
    /// Stream the page with `bytes` of JSON whitespace inside it, without announcing its length.
    HugePage { bytes: u64 },
    /// Name a token (and authorize) URL on another origin in the metadata and SMART configuration.
    ForeignTokenUrl { origin: String },
    /// Let the request through untouched (a step in a sequence).
    Pass,
}

impl FaultAction {
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
            FaultAction::Pass => "pass",
        }
    }

    fn validate(&self) -> Result<(), String> {
        match self {
            FaultAction::Status { status } if !(400..=599).contains(status) => {
                Err(format!("status {status} must be an error status (400-599)"))
            }
            FaultAction::Throttle { retry_after } => parse_retry_after(retry_after).map(|_| ()),
            FaultAction::Delay { ms } if *ms > 600_000 => Err("delay ms must be at most 600000".into()),
            FaultAction::ForeignNext { origin } | FaultAction::ForeignTokenUrl { origin } => {
                parse_origin(origin).map(|_| ())
            }
            FaultAction::ForeignTenantNext { tenant } => super::hostile::validate_tenant(tenant),
            FaultAction::HugePage { bytes } => super::hostile::validate_bytes(*bytes),
            _ => Ok(()),
        }
    }
}

/// A `Retry-After` value: delta-seconds, or an HTTP-date (RFC 9110 §10.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    Seconds(u64),
    Date(OffsetDateTime),
}

pub fn parse_retry_after(text: &str) -> Result<RetryAfter, String> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map(RetryAfter::Seconds).map_err(|_| format!("retry_after {text:?} is too large"));
    }
    // An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") is RFC 2822 with the zone written GMT.
    OffsetDateTime::parse(text, &Rfc2822)
        .map(RetryAfter::Date)
        .map_err(|_| format!("retry_after {text:?} must be delta-seconds or an HTTP-date"))
}

impl FaultRule {
    /// Checks the rule; the message names the field at fault.
    pub fn validate(&self) -> Result<(), String> {
        if self.id.as_deref() == Some("") {
            return Err("id: must not be empty (DELETE /__admin/faults/{id} could not name it)".into());
        }
        match (&self.action, &self.actions) {
            (Some(_), Some(_)) => return Err("give either action or actions, not both".into()),
            (None, None) => return Err("a rule needs an action or actions".into()),
            (None, Some(list)) if list.is_empty() => return Err("actions must not be empty".into()),
            _ => {}
        }
        let all = self.action.iter().chain(self.actions.iter().flatten());
        for (i, action) in all.enumerate() {
            action.validate().map_err(|m| format!("actions[{i}]: {m}"))?;
        }
        self.matcher.validate().map_err(|m| format!("match.{m}"))
    }
}

impl FaultRule {
    /// `action` on every request `matcher` triggers on.
    pub fn new(matcher: FaultMatch, action: FaultAction) -> Self {
        Self { id: None, matcher, action: Some(action), actions: None }
    }

    /// `actions` in order, one per triggering request, then pass-through.
    pub fn sequence(matcher: FaultMatch, actions: Vec<FaultAction>) -> Self {
        Self { id: None, matcher, action: None, actions: Some(actions) }
    }

    /// A chosen id, so a test can remove the rule or find it in the journal by name.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The single `action` or the `actions` of a sequence, in order.
    pub fn all_actions(&self) -> impl Iterator<Item = &FaultAction> {
        self.action.iter().chain(self.actions.iter().flatten())
    }

    pub fn all_actions_mut(&mut self) -> impl Iterator<Item = &mut FaultAction> {
        self.action.iter_mut().chain(self.actions.iter_mut().flatten())
    }
}

impl FaultMatch {
    /// Every request.
    pub fn any() -> Self {
        Self::default()
    }

    /// Requests whose path matches `glob` (`*` matches any characters).
    pub fn path(glob: impl Into<String>) -> Self {
        Self { path: Some(glob.into()), ..Self::default() }
    }

    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    pub fn client(mut self, client: impl Into<String>) -> Self {
        self.client = Some(client.into());
        self
    }

    pub fn nth(mut self, n: u64) -> Self {
        self.nth = Some(n);
        self
    }

    pub fn every(mut self, n: u64) -> Self {
        self.every = Some(n);
        self
    }

    pub fn first(mut self, n: u64) -> Self {
        self.first = Some(n);
        self
    }

    /// A seeded probability, so a flaky-network test is still reproducible.
    pub fn probability(mut self, probability: f64, seed: u64) -> Self {
        self.probability = Some(probability);
        self.seed = Some(seed);
        self
    }
}

impl FaultMatch {
    fn validate(&self) -> Result<(), String> {
        let counters = [self.nth.is_some(), self.every.is_some(), self.first.is_some(), self.probability.is_some()];
        if counters.iter().filter(|set| **set).count() > 1 {
            return Err("nth: give at most one of nth, every, first, probability".into());
        }
        if self.nth == Some(0) || self.every == Some(0) {
            return Err("nth/every: must be at least 1".into());
        }
        if self.probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
            return Err("probability: must be between 0 and 1".into());
        }
        if self.method.as_ref().is_some_and(|m| m.is_empty() || !m.bytes().all(|b| b.is_ascii_alphabetic())) {
            return Err("method: must be an HTTP method such as GET".into());
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
