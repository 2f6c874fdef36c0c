//! Builders, so tests and the harness write rules as sentences:
//! `FaultRule::new(FaultMatch::path("/dstu2/*/Slot").nth(2), FaultAction::Reset)`.

use super::{FaultAction, FaultMatch, FaultRule};

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

    /// [`FaultRule::all_actions`], mutable (e.g. to point every `origin` elsewhere).
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

    /// Only requests with this HTTP method.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Only requests for this tenant.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Only requests for this resource type (or `token`, `metadata`).
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    /// Only requests from this client id.
    pub fn client(mut self, client: impl Into<String>) -> Self {
        self.client = Some(client.into());
        self
    }

    /// Only the `n`th matching request (from 1).
    pub fn nth(mut self, n: u64) -> Self {
        self.nth = Some(n);
        self
    }

    /// Every `n`th matching request.
    pub fn every(mut self, n: u64) -> Self {
        self.every = Some(n);
        self
    }

    /// The first `n` matching requests.
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
