//! The file's shape, before validation: `serde` reads the TOML into these, refusing unknown keys,
//! and `validation` turns them into typed values.

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Profile {
    pub public_origin: Option<String>,
    #[serde(default)]
    pub token: Token,
    #[serde(default)]
    pub tenants: Vec<Tenant>,
    #[serde(default)]
    pub accounts: Vec<Account>,
    #[serde(default)]
    pub limits: crate::limits::LimitSettings,
    #[serde(default)]
    pub r4: super::R4Settings,
    #[serde(default)]
    pub journal: Journal,
    #[serde(default)]
    pub faults: Vec<crate::faults::FaultRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct Journal {
    pub capacity: usize,
    pub enabled: bool,
}

impl Default for Journal {
    fn default() -> Self {
        Self { capacity: crate::journal::DEFAULT_CAPACITY, enabled: true }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct Token {
    pub lifetime_seconds: u32,
    pub expires_in: u32,
}

impl Default for Token {
    fn default() -> Self {
        Self { lifetime_seconds: 600, expires_in: 570 }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Tenant {
    pub id: String,
    pub name: Option<String>,
    pub data: Option<String>,
    pub synthetic: Option<Synthetic>,
    pub dstu2_system_access: Option<bool>,
    /// `[tenants.limits]`: any of `[limits]`' keys, for this tenant only.
    pub limits: Option<TenantLimits>,
    /// `[tenants.capabilities]`: the resources and searches this tenant serves.
    pub capabilities: Option<Capabilities>,
}

/// `[tenants.capabilities]`: `resources = [...]` and `[tenants.capabilities.search] <Type> = [...]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Capabilities {
    pub resources: Option<Vec<String>>,
    #[serde(default)]
    pub search: std::collections::BTreeMap<String, Vec<String>>,
}

/// `[tenants.limits]`: each key given overrides `[limits]` at this tenant.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct TenantLimits {
    pub enabled: Option<bool>,
    pub fhir_per_second: Option<u32>,
    pub fhir_burst: Option<u32>,
    pub token_per_minute: Option<u32>,
    pub token_burst: Option<u32>,
    pub max_in_flight: Option<u32>,
    pub in_flight_status: Option<u16>,
    pub in_flight_retry_after: Option<u64>,
}

/// `[tenants.synthetic.mess]`: shares (0..=1) of generated appointments made messy.
#[derive(Deserialize, Default, Clone, Copy)]
#[serde(deny_unknown_fields, default)]
pub(super) struct Mess {
    pub missing_optional: f64,
    pub unknown_extensions: f64,
    pub dangling_references: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct Synthetic {
    pub seed: u64,
    pub patients: u32,
    pub practitioners: u32,
    pub appointments: u64,
    pub slots: u64,
    pub encounters: u32,
    pub days_before: u32,
    pub days_after: u32,
    pub locations: Vec<String>,
    pub first_location_share: f64,
    pub id_base: u64,
    pub mess: Mess,
}

impl Default for Synthetic {
    fn default() -> Self {
        let d = super::SyntheticSettings::default();
        Self {
            seed: d.seed,
            patients: d.patients,
            practitioners: d.practitioners,
            appointments: d.appointments,
            slots: d.slots,
            encounters: d.encounters,
            days_before: d.days_before,
            days_after: d.days_after,
            locations: Vec::new(),
            first_location_share: d.first_location_share,
            id_base: d.id_base,
            mess: Mess::default(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Account {
    pub client_id: String,
    pub name: Option<String>,
    pub secret: Option<String>,
    pub jwks: Option<jsonwebtoken::jwk::JwkSet>,
    pub jwks_file: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub approved_tenants: Vec<String>,
    /// `"active"` (the default) or `"limited"`.
    pub status: Option<String>,
    /// Tenant id → the scopes that tenant grants this account.
    #[serde(default)]
    pub tenant_scopes: std::collections::BTreeMap<String, Vec<String>>,
}
