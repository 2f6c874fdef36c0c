//! A system account as the profile registers it: how it signs in, what it may ask for, and which
//! tenants approved it, all of which the token endpoint checks.

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
}

impl Account {
    pub fn approves(&self, tenant: &TenantId) -> bool {
        self.approved_tenants.contains(tenant)
    }
}
