//! A tenant as the profile declares it: the fixtures it starts with and the synthetic data seeded
//! for it, which the store loads at start.

use crate::ids::TenantId;
use crate::limits::LimitSettings;
use crate::store::ResourceType;
pub(super) use crate::store::synthetic::Mess;

#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    /// Resources loaded from the tenant's `data` directory, as compact JSON.
    pub fixtures: Vec<(ResourceType, String)>,
    /// Seeded synthetic data generated around the clock's date at start.
    pub synthetic: Option<SyntheticSettings>,
    /// Whether the DSTU2 endpoints accept system tokens. fhir.cerner.com's DSTU2 overview
    /// ("Authorization") says system authentication is "available only in sandbox for beta
    /// testing and is not available in production yet": false makes a production-like tenant.
    pub dstu2_system_access: bool,
    /// `[tenants.limits]` merged over `[limits]`, when the tenant overrides any of them.
    pub limits: Option<LimitSettings>,
    /// `[tenants.capabilities]`: what the tenant serves of the declared surface (all when `None`).
    pub capabilities: Option<crate::fhir::declared::Capabilities>,
}

/// A tenant's `[tenants.synthetic]` section: what the seeded generator adds.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticSettings {
    pub seed: u64,
    pub patients: u32,
    pub practitioners: u32,
    pub appointments: u64,
    pub slots: u64,
    pub encounters: u32,
    /// Days before and after the clock's date that the schedule covers.
    pub days_before: u32,
    pub days_after: u32,
    pub locations: Vec<(String, String)>,
    pub first_location_share: f64,
    pub id_base: u64,
    /// `[tenants.synthetic.mess]`: what share of the appointments is messy, and how.
    pub mess: Mess,
}

impl Default for SyntheticSettings {
    /// What a tenant without a `[tenants.synthetic]` section gets from `--synthetic`.
    fn default() -> Self {
        Self {
            seed: 1,
            patients: 100,
            practitioners: 6,
            appointments: 300,
            slots: 400,
            encounters: 100,
            days_before: 14,
            days_after: 28,
            locations: Vec::new(),
            first_location_share: 0.0,
            id_base: 30_000_000,
            mess: Mess::default(),
        }
    }
}
