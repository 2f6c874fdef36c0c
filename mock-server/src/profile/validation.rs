//! How the file's shape becomes a [`Profile`]: each check names the field it is about, so a user
//! can find the line at fault, e.g. `accounts[1].approved_tenants[0]: unknown tenant "…"`.

use std::collections::HashSet;

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{Jwk, JwkSet};

use super::files::Files;
use super::hospitals;
use super::raw;
use super::{Account, Profile, SyntheticSettings, Tenant, TokenSettings};
use crate::ids::{ClientId, Secret, TenantId};
use crate::origin::parse_origin;
use crate::scope::Scope;
use crate::store::ResourceType;

type FieldError = (String, String);

fn invalid(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    (field.into(), message.into())
}

pub(super) fn validate(raw: raw::Profile, files: &Files) -> Result<Profile, FieldError> {
    let public_origin = raw
        .public_origin
        .as_deref()
        .map(|text| parse_origin(text).map_err(|e| invalid("public_origin", e.to_string())))
        .transpose()?;

    let token = TokenSettings { lifetime_seconds: raw.token.lifetime_seconds, expires_in: raw.token.expires_in };
    if token.lifetime_seconds == 0 {
        return Err(invalid("token.lifetime_seconds", "must be at least 1"));
    }
    if token.expires_in == 0 || token.expires_in > token.lifetime_seconds {
        return Err(invalid(
            "token.expires_in",
            format!("must be between 1 and token.lifetime_seconds ({})", token.lifetime_seconds),
        ));
    }

    let mut tenants = Vec::new();
    let mut seen = HashSet::new();
    for (i, t) in raw.tenants.into_iter().enumerate() {
        let id = TenantId::parse(&t.id).map_err(|e| invalid(format!("tenants[{i}].id"), e.to_string()))?;
        if !seen.insert(id.clone()) {
            return Err(invalid(format!("tenants[{i}].id"), format!("tenant {id} is declared twice")));
        }
        let fixtures = match &t.data {
            Some(dir) => load_fixtures(dir, files).map_err(|m| invalid(format!("tenants[{i}].data"), m))?,
            None => Vec::new(),
        };
        let synthetic = t
            .synthetic
            .map(|raw| synthetic_settings(raw).map_err(|(f, m)| invalid(format!("tenants[{i}].synthetic.{f}"), m)))
            .transpose()?;
        let dstu2_system_access = t.dstu2_system_access.unwrap_or(true);
        let limits = hospitals::tenant_limits(i, t.limits.as_ref(), &raw.limits)?;
        let capabilities = hospitals::capabilities(i, t.capabilities.as_ref())?;
        let name = t.name.unwrap_or_default();
        tenants.push(Tenant { id, name, fixtures, synthetic, dstu2_system_access, limits, capabilities });
    }

    let mut accounts: Vec<Account> = Vec::new();
    for (i, a) in raw.accounts.into_iter().enumerate() {
        accounts.push(validate_account(i, a, &seen, files)?);
        let id = &accounts[i].client_id;
        if accounts[..i].iter().any(|other| &other.client_id == id) {
            return Err(invalid(format!("accounts[{i}].client_id"), format!("account {id} is declared twice")));
        }
    }
    raw.limits.validate().map_err(|e| invalid(format!("limits.{}", e.field()), e.reason()))?;
    if raw.journal.capacity == 0 || raw.journal.capacity > 10_000_000 {
        return Err(invalid("journal.capacity", "must be between 1 and 10000000"));
    }
    for (i, rule) in raw.faults.iter().enumerate() {
        rule.validate().map_err(|e| invalid(format!("faults[{i}]"), e.to_string()))?;
    }
    Ok(Profile {
        public_origin,
        token,
        tenant_index: Profile::index_tenants(&tenants),
        tenants,
        accounts,
        limits: raw.limits,
        r4: raw.r4,
        journal_capacity: raw.journal.capacity,
        journal_enabled: raw.journal.enabled,
        faults: raw.faults,
    })
}

fn validate_account(
    i: usize,
    a: raw::Account,
    tenants: &HashSet<TenantId>,
    files: &Files,
) -> Result<Account, FieldError> {
    let field = |name: &str| format!("accounts[{i}].{name}");
    if a.client_id.is_empty() || a.client_id.contains(':') {
        return Err(invalid(field("client_id"), "must be non-empty and contain no ':'"));
    }
    let jwks = match (a.jwks, a.jwks_file) {
        (Some(_), Some(_)) => {
            return Err(invalid(field("jwks_file"), "give either jwks or jwks_file, not both"));
        }
        (Some(jwks), None) => Some(check_jwks(jwks).map_err(|m| invalid(field("jwks"), m))?),
        (None, Some(file)) => {
            let text = files.read(&file).map_err(|m| invalid(field("jwks_file"), m))?;
            let jwks = serde_json::from_str(&text)
                .map_err(|e| invalid(field("jwks_file"), format!("{file} is not a JWK Set: {e}")))?;
            Some(check_jwks(jwks).map_err(|m| invalid(field("jwks_file"), format!("{file}: {m}")))?)
        }
        (None, None) => None,
    };
    if a.secret.is_none() && jwks.is_none() {
        return Err(invalid(field("secret"), "an account needs a secret, a jwks or a jwks_file to sign in"));
    }
    let mut scopes = Vec::new();
    for (j, s) in a.scopes.iter().enumerate() {
        scopes.push(Scope::parse(s).map_err(|e| invalid(format!("accounts[{i}].scopes[{j}]"), e.to_string()))?);
    }
    let status = hospitals::status(i, a.status.as_deref())?;
    let tenant_scopes = hospitals::tenant_scopes(i, &a.tenant_scopes, tenants)?;
    let mut approved_tenants = Vec::new();
    for (j, t) in a.approved_tenants.iter().enumerate() {
        let id = TenantId::parse(t)
            .ok()
            .filter(|id| tenants.contains(id))
            .ok_or_else(|| invalid(format!("accounts[{i}].approved_tenants[{j}]"), format!("unknown tenant {t:?}")))?;
        approved_tenants.push(id);
    }
    Ok(Account {
        client_id: ClientId::new(a.client_id),
        name: a.name.unwrap_or_default(),
        secret: a.secret.map(Secret::new),
        jwks,
        scopes: scopes.into_iter().collect(),
        approved: approved_tenants.iter().cloned().collect(),
        approved_tenants,
        status,
        tenant_scopes,
    })
}

/// Reads `{dir}/{Type}.json` for every served type present: each a JSON array of resources of
/// that type, each with an id. Returns them as compact JSON.
fn load_fixtures(dir: &str, files: &Files) -> Result<Vec<(ResourceType, String)>, String> {
    let mut fixtures = Vec::new();
    for resource_type in ResourceType::ALL {
        let file = format!("{}/{resource_type}.json", dir.trim_end_matches('/'));
        let Some(text) = files.read_optional(&file)? else { continue };
        let items: Vec<serde_json::Value> =
            serde_json::from_str(&text).map_err(|e| format!("{file} is not a JSON array of resources: {e}"))?;
        for (n, item) in items.into_iter().enumerate() {
            if item["resourceType"] != resource_type.as_str() || !item["id"].is_string() {
                return Err(format!("{file}[{n}] must be a {resource_type} with an id"));
            }
            fixtures.push((resource_type, item.to_string()));
        }
    }
    Ok(fixtures)
}

fn synthetic_settings(raw: raw::Synthetic) -> Result<SyntheticSettings, FieldError> {
    if !(0.0..=1.0).contains(&raw.first_location_share) {
        return Err(invalid("first_location_share", "must be between 0 and 1"));
    }
    if raw.days_before.saturating_add(raw.days_after) == 0 || raw.days_before.saturating_add(raw.days_after) > 3660 {
        return Err(invalid("days_after", "days_before + days_after must be between 1 and 3660"));
    }
    let mut locations = Vec::new();
    for (n, entry) in raw.locations.iter().enumerate() {
        let (id, name) = entry.split_once(':').unwrap_or((entry, entry));
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') {
            return Err(invalid(format!("locations[{n}]"), "must be \"id\" or \"id:Display name\" with a FHIR id"));
        }
        locations.push((id.to_owned(), name.to_owned()));
    }
    let mess = hospitals::mess(&raw.mess)?;
    Ok(SyntheticSettings {
        mess,
        seed: raw.seed,
        patients: raw.patients,
        practitioners: raw.practitioners,
        appointments: raw.appointments,
        slots: raw.slots,
        encounters: raw.encounters,
        days_before: raw.days_before,
        days_after: raw.days_after,
        locations,
        first_location_share: raw.first_location_share,
        id_base: raw.id_base,
    })
}

/// Every key must be usable for RS384 or ES384 client assertions.
fn check_jwks(jwks: JwkSet) -> Result<JwkSet, String> {
    if jwks.keys.is_empty() {
        return Err("the key set has no keys".into());
    }
    for (k, jwk) in jwks.keys.iter().enumerate() {
        check_jwk(jwk).map_err(|m| format!("keys[{k}]: {m}"))?;
    }
    Ok(jwks)
}

fn check_jwk(jwk: &Jwk) -> Result<(), String> {
    use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve};
    match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => {}
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P384 => {}
        _ => {
            return Err("only RSA keys and EC keys on curve P-384 are accepted (RS384, ES384)".into());
        }
    }
    DecodingKey::from_jwk(jwk).map(|_| ()).map_err(|e| format!("unusable key: {e}"))
}
