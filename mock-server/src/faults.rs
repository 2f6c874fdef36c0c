//! Fault injection: rules that make the emulator fail the way real networks and a real Cerner do.
//! Rules come from the profile (`[[faults]]`) or the admin API and are tried in the order they were
//! added; the first one that triggers decides. Each rule counts the requests it matched and the
//! actions it applied.
//!
//! # Layout
//! - `rule`: the rule format users write, and its validation.
//! - `apply`: what each action does to a request or a response.
//! - `hostile`: the hostile-paging actions (cycles, endless and foreign `next` links, huge pages,
//!   a token URL on another origin).
//! - `log`: how served requests are logged (an injected fault is not an emulator error).
//! - `slow`: bodies that stall (`stall_body`) or dribble (`dribble_body`) on the wire.

pub mod apply;
pub mod hostile;
pub mod log;
pub mod rule;
pub mod slow;

use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

pub use rule::{
    ActionError, FaultAction, FaultMatch, FaultRule, MatchError, RetryAfter, RetryAfterError, RuleError, glob_matches,
    parse_retry_after,
};

use crate::request::FhirVersion;
use crate::rng::{Rng, Stream};

/// What a request is, for matching.
#[derive(Debug, Clone, Default)]
pub struct RequestFacts<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The path, without the query.
    pub path: &'a str,
    /// The tenant the route names.
    pub tenant: Option<&'a str>,
    /// The resource type, `token` or `metadata`, as [`FaultMatch::resource`] names them.
    pub resource: Option<&'a str>,
    /// The client id the request's credentials or token name.
    pub client: Option<&'a str>,
    /// The version of the base a FHIR request names.
    pub version: Option<FhirVersion>,
}

/// A rule with its counters, as listed by `GET /__admin/faults` (the installed rule's id is
/// `id`, not `rule.id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FaultView {
    /// The rule as installed; its own `id` is `None`, the id is [`FaultView::id`].
    #[serde(flatten)]
    pub rule: FaultRule,
    /// The installed rule's id, given or chosen (`fault-N`).
    pub id: String,
    /// Requests the matcher's fields matched (before the counting fields picked).
    pub matched: u64,
    /// Requests the rule triggered on and applied an action to.
    pub applied: u64,
    /// Actions left in a sequence; `None` for a single unlimited action.
    pub remaining: Option<u64>,
}

impl FaultView {
    /// The rule as installed, with its id, e.g. to re-install it after a reset.
    pub fn to_rule(&self) -> FaultRule {
        FaultRule { id: Some(self.id.clone()), ..self.rule.clone() }
    }
}

#[derive(Debug)]
struct Active {
    id: String,
    rule: FaultRule,
    matched: u64,
    applied: u64,
    rng: Option<Rng>,
}

/// The registry of active rules.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<Active>>,
    next_id: Mutex<u64>,
}

/// Why a rule was not added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    /// The rule is not valid ([`RuleError`] says why); answered 400.
    #[error("invalid fault rule: {0}")]
    Invalid(#[from] RuleError),
    /// A rule with this id is installed already; answered 409.
    #[error("a fault rule with id {0:?} already exists")]
    Duplicate(String),
}

impl Faults {
    /// Adds a rule after the existing ones; returns its view (with the id it got).
    pub fn add(&self, mut rule: FaultRule) -> Result<FaultView, FaultError> {
        rule.validate().map_err(FaultError::Invalid)?;
        let mut rules = self.rules.lock().unwrap_or_else(PoisonError::into_inner);
        let id = match rule.id.take() {
            Some(id) if rules.iter().any(|r| r.id == id) => return Err(FaultError::Duplicate(id)),
            Some(id) => id,
            None => {
                let mut next = self.next_id.lock().unwrap_or_else(PoisonError::into_inner);
                *next += 1;
                format!("fault-{next}")
            }
        };
        let rng = rule.matcher.probability.map(|_| Rng::new(rule.matcher.seed.unwrap_or(0), Stream::Faults));
        let active = Active { id, rule, matched: 0, applied: 0, rng };
        let view = view(&active);
        rules.push(active);
        Ok(view)
    }

    /// Every installed rule with its counters, in the order they were added (the order they are tried).
    pub fn list(&self) -> Vec<FaultView> {
        self.rules.lock().unwrap_or_else(PoisonError::into_inner).iter().map(view).collect()
    }

    /// Removes a rule; false when there is none with that id.
    pub fn remove(&self, id: &str) -> bool {
        let mut rules = self.rules.lock().unwrap_or_else(PoisonError::into_inner);
        let before = rules.len();
        rules.retain(|r| r.id != id);
        rules.len() != before
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.rules.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    /// The action for this request, if a rule triggers, with the rule's id.
    pub fn decide(&self, facts: &RequestFacts<'_>) -> Option<(String, FaultAction)> {
        let mut rules = self.rules.lock().unwrap_or_else(PoisonError::into_inner);
        rules.iter_mut().find_map(|rule| rule.trigger(facts))
    }
}

impl Active {
    fn trigger(&mut self, facts: &RequestFacts<'_>) -> Option<(String, FaultAction)> {
        if !matches(&self.rule.matcher, facts) {
            return None;
        }
        self.matched += 1;
        let m = &self.rule.matcher;
        let n = self.matched;
        let picked = match (m.nth, m.every, m.first, m.probability) {
            (Some(k), ..) => n == k,
            (_, Some(k), ..) => n.is_multiple_of(k),
            (_, _, Some(k), _) => n <= k,
            (_, _, _, Some(p)) => self.rng.as_mut().is_some_and(|rng| (rng.below(1_000_000) as f64) < p * 1e6),
            _ => true,
        };
        if !picked {
            return None;
        }
        let action = match (&self.rule.action, &self.rule.actions) {
            (Some(action), _) => action.clone(),
            (None, Some(sequence)) => sequence.get(usize::try_from(self.applied).ok()?)?.clone(),
            (None, None) => return None,
        };
        self.applied += 1;
        Some((self.id.clone(), action))
    }
}

fn matches(m: &FaultMatch, facts: &RequestFacts<'_>) -> bool {
    let same = |wanted: &Option<String>, actual: Option<&str>| wanted.as_deref().is_none_or(|w| Some(w) == actual);
    m.method.as_deref().is_none_or(|w| w.eq_ignore_ascii_case(facts.method))
        && m.path.as_deref().is_none_or(|p| glob_matches(p, facts.path))
        && same(&m.tenant, facts.tenant)
        && same(&m.resource, facts.resource)
        && same(&m.client, facts.client)
        && m.version.is_none_or(|w| Some(w) == facts.version)
}

fn view(active: &Active) -> FaultView {
    let remaining = active.rule.actions.as_ref().map(|list| (list.len() as u64).saturating_sub(active.applied));
    FaultView {
        rule: active.rule.clone(),
        id: active.id.clone(),
        matched: active.matched,
        applied: active.applied,
        remaining,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(value: serde_json::Value) -> FaultRule {
        serde_json::from_value(value).unwrap()
    }

    fn facts(path: &str) -> RequestFacts<'_> {
        RequestFacts {
            method: "GET",
            path,
            tenant: Some("t"),
            resource: Some("Appointment"),
            client: Some("c"),
            version: None,
        }
    }

    fn names(faults: &Faults, path: &str, times: usize) -> Vec<&'static str> {
        (0..times).map(|_| faults.decide(&facts(path)).map_or("-", |(_, a)| a.name())).collect()
    }

    #[test]
    fn a_sequence_is_consumed_in_order_then_passes() {
        let faults = Faults::default();
        let seq = json!([{ "type": "status", "status": 500 }, { "type": "status", "status": 503 }, { "type": "throttle", "retry_after": "1" }]);
        faults.add(rule(json!({ "match": { "resource": "Appointment" }, "actions": seq }))).unwrap();
        assert_eq!(names(&faults, "/x", 5), ["status", "status", "throttle", "-", "-"]);
        let view = &faults.list()[0];
        assert_eq!((view.matched, view.applied, view.remaining), (5, 3, Some(0)));
    }

    #[test]
    fn counters_pick_the_nth_every_kth_and_first_k() {
        let faults = Faults::default();
        faults.add(rule(json!({ "match": { "path": "/n", "nth": 2 }, "action": { "type": "reset" } }))).unwrap();
        faults.add(rule(json!({ "match": { "path": "/e", "every": 3 }, "action": { "type": "reset" } }))).unwrap();
        faults.add(rule(json!({ "match": { "path": "/f", "first": 2 }, "action": { "type": "reset" } }))).unwrap();
        assert_eq!(names(&faults, "/n", 4), ["-", "reset", "-", "-"]);
        assert_eq!(names(&faults, "/e", 6), ["-", "-", "reset", "-", "-", "reset"]);
        assert_eq!(names(&faults, "/f", 3), ["reset", "reset", "-"]);
    }

    #[test]
    fn a_seeded_probability_is_repeatable() {
        let run = || {
            let faults = Faults::default();
            let r = json!({ "match": { "probability": 0.3, "seed": 42 }, "action": { "type": "malformed" } });
            faults.add(rule(r)).unwrap();
            names(&faults, "/p", 200)
        };
        let first = run();
        assert_eq!(first, run());
        let hits = first.iter().filter(|n| **n == "malformed").count();
        assert!((30..=90).contains(&hits), "{hits}");
    }

    #[test]
    fn filters_and_ids() {
        let faults = Faults::default();
        let view = faults
            .add(rule(json!({ "id": "x", "match": { "tenant": "other" }, "action": { "type": "reset" } })))
            .unwrap();
        assert_eq!(view.id, "x");
        assert!(faults.decide(&facts("/a")).is_none());
        assert_eq!(
            faults.add(rule(json!({ "id": "x", "action": { "type": "reset" } }))),
            Err(FaultError::Duplicate("x".into()))
        );
        assert!(faults.remove("x") && !faults.remove("x"));
    }
}
