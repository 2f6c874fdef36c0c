//! A system account as the profile registers it: how it signs in, what it may ask for, and which
//! tenants approved it, all of which the token endpoint checks.

use std::collections::HashSet;

use jsonwebtoken::jwk::JwkSet;

use crate::ids::{ClientId, Secret, TenantId};
use crate::scope::ScopeSet;

/// A registered system account.
#[derive(Debug, Clone)]
pub struct Account {
    pub client_id: ClientId,
    pub name: String,
    /// Set when the account may authenticate with HTTP Basic (client_secret_basic).
    pub secret: Option<Secret>,
    /// Set when the account may authenticate with a signed JWT (private_key_jwt).
    pub jwks: Option<JwkSet>,
    /// Scopes the account is registered for.
    pub scopes: ScopeSet,
    /// Tenants that approved this account.
    pub approved_tenants: Vec<TenantId>,
    /// The same tenants as a set, for [`Account::approves`] on every request (a fleet account is
    /// approved at a thousand); built with `approved_tenants`, which nothing changes afterwards.
    pub approved: HashSet<TenantId>,
    /// Whether the account may sign in at all (`status`).
    pub status: AccountStatus,
    /// `tenant_scopes`: at these tenants the grant is also limited to these scopes (a hospital
    /// that approved the app but not every scope it registered).
    pub tenant_scopes: Vec<(TenantId, ScopeSet)>,
}

/// An app's status in Cerner's code console: a LIMITED app cannot sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccountStatus {
    /// Signs in as usual (the default).
    #[default]
    Active,
    /// Every sign-in is refused (`400 unauthorized_client`).
    Limited,
}

impl AccountStatus {
    /// `"active"` or `"limited"`, as the profile writes it.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(Self::Active),
            "limited" => Some(Self::Limited),
            _ => None,
        }
    }
}

impl Account {
    pub fn approves(&self, tenant: &TenantId) -> bool {
        self.approved.contains(tenant)
    }

    /// The scopes `tenant` grants this account, when the profile limits them there.
    pub fn scopes_at(&self, tenant: &TenantId) -> Option<&ScopeSet> {
        self.tenant_scopes.iter().find(|(t, _)| t == tenant).map(|(_, scopes)| scopes)
    }
}
