//! The keys that make one hospital differ from another (the root README, "Hospitals differ"): an account's
//! `status` and `tenant_scopes`, a tenant's `[tenants.limits]` and `[tenants.synthetic.mess]`.
//! Each check names the field it is about, as the rest of the profile's validation does.

use std::collections::{BTreeMap, HashSet};

use super::account::AccountStatus;
use super::raw;
use crate::fhir::declared::{self, Capabilities};
use crate::ids::TenantId;
use crate::limits::LimitSettings;
use crate::request::FhirVersion;
use crate::scope::{Scope, ScopeSet};
use crate::store::ResourceType;
use crate::store::synthetic::Mess;

type FieldError = (String, String);

/// `accounts[i].status`: `"active"` (the default) or `"limited"`.
pub(super) fn status(i: usize, raw: Option<&str>) -> Result<AccountStatus, FieldError> {
    match raw {
        None => Ok(AccountStatus::Active),
        Some(text) => AccountStatus::parse(text).ok_or_else(|| {
            (format!("accounts[{i}].status"), format!("must be \"active\" or \"limited\", not {text:?}"))
        }),
    }
}

/// `accounts[i].tenant_scopes`: each key a declared tenant, each value a list of scopes.
pub(super) fn tenant_scopes(
    i: usize,
    raw: &BTreeMap<String, Vec<String>>,
    tenants: &HashSet<TenantId>,
) -> Result<Vec<(TenantId, ScopeSet)>, FieldError> {
    let mut out = Vec::new();
    for (tenant, scopes) in raw {
        let field = format!("accounts[{i}].tenant_scopes.{tenant:?}");
        let id = TenantId::parse(tenant)
            .ok()
            .filter(|id| tenants.contains(id))
            .ok_or_else(|| (field.clone(), format!("unknown tenant {tenant:?}")))?;
        let mut set = Vec::new();
        for (j, scope) in scopes.iter().enumerate() {
            set.push(Scope::parse(scope).map_err(|e| (format!("{field}[{j}]"), e.to_string()))?);
        }
        out.push((id, set.into_iter().collect()));
    }
    Ok(out)
}

/// `[tenants.limits]` over `[limits]`; `None` when the tenant overrides nothing.
pub(super) fn tenant_limits(
    i: usize,
    raw: Option<&raw::TenantLimits>,
    global: &LimitSettings,
) -> Result<Option<LimitSettings>, FieldError> {
    let Some(raw) = raw else { return Ok(None) };
    // Every key not given is `[limits]`' (which may hold more keys than a tenant overrides).
    let mut merged = global.clone();
    let overrides = [
        (&mut merged.fhir_per_second, raw.fhir_per_second),
        (&mut merged.fhir_burst, raw.fhir_burst),
        (&mut merged.token_per_minute, raw.token_per_minute),
        (&mut merged.token_burst, raw.token_burst),
    ];
    for (setting, value) in overrides {
        if let Some(value) = value {
            *setting = value;
        }
    }
    merged.enabled = raw.enabled.unwrap_or(global.enabled);
    if raw.max_in_flight.is_some() {
        merged.max_in_flight = raw.max_in_flight;
    }
    merged.in_flight_status = raw.in_flight_status.unwrap_or(global.in_flight_status);
    merged.in_flight_retry_after = raw.in_flight_retry_after.unwrap_or(global.in_flight_retry_after);
    merged.validate().map_err(|e| (format!("tenants[{i}].limits.{}", e.field()), e.reason()))?;
    Ok(Some(merged))
}

/// `[tenants.synthetic.mess]`: three shares, each from 0 to 1.
pub(super) fn mess(raw: &raw::Mess) -> Result<Mess, FieldError> {
    for (field, share) in [
        ("missing_optional", raw.missing_optional),
        ("unknown_extensions", raw.unknown_extensions),
        ("dangling_references", raw.dangling_references),
    ] {
        if !(0.0..=1.0).contains(&share) {
            return Err((format!("mess.{field}"), format!("must be a share between 0 and 1, not {share}")));
        }
    }
    Ok(Mess {
        missing_optional: raw.missing_optional,
        unknown_extensions: raw.unknown_extensions,
        dangling_references: raw.dangling_references,
    })
}

/// `[tenants.capabilities]`: types either version declares; under `search`, a served type and
/// parameters either version declares for it.
pub(super) fn capabilities(i: usize, raw: Option<&raw::Capabilities>) -> Result<Option<Capabilities>, FieldError> {
    let Some(raw) = raw else { return Ok(None) };
    let field = |rest: String| format!("tenants[{i}].capabilities.{rest}");
    let declared_type = |name: &str| {
        name.parse::<ResourceType>()
            .ok()
            .filter(|t| FhirVersion::ALL.iter().any(|v| declared::of(*v).resource(*t).is_some()))
    };
    let resources = match &raw.resources {
        None => None,
        Some(names) => Some(
            names
                .iter()
                .enumerate()
                .map(|(j, name)| {
                    declared_type(name)
                        .ok_or_else(|| (field(format!("resources[{j}]")), format!("no FHIR version serves {name:?}")))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let mut search = Vec::new();
    for (name, params) in &raw.search {
        let resource =
            declared_type(name).filter(|t| resources.as_ref().is_none_or(|served| served.contains(t))).ok_or_else(
                || (field(format!("search.{name}")), format!("{name:?} is not a resource the tenant serves")),
            )?;
        for (j, param) in params.iter().enumerate() {
            if !FhirVersion::ALL.iter().any(|v| declared::decl(*v, resource).accepts(param)) {
                return Err((
                    field(format!("search.{name}[{j}]")),
                    format!("{name} has no search parameter {param:?}"),
                ));
            }
        }
        search.push((resource, params.clone()));
    }
    Ok(Some(Capabilities { resources, search }))
}
