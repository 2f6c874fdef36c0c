//! Profiles: the TOML file that declares tenants, system accounts, approvals and token lifetimes.
//!
//! The file is read into plain `serde` structs (`raw`), then validated into [`Profile`], whose
//! fields are typed values. Every validation error names the field it is about, e.g.
//! `accounts[1].approved_tenants[0]: unknown tenant "…"`. The default profile is
//! `fixtures/profile.toml`, compiled in.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use url::Url;

use crate::faults::FaultRule;
use crate::ids::{ClientId, Secret, TenantId};
use crate::limits::LimitSettings;
use crate::origin::parse_origin;
use crate::scope::{Scope, ScopeSet};
use crate::store::ResourceType;

const DEFAULT_PROFILE: &str = include_str!("../../fixtures/profile.toml");
/// Files the default profile refers to, compiled in with it so the binary needs no files.
const EMBEDDED_FILES: &[(&str, &str)] = &[
    ("keys/jwt-account.jwks.json", include_str!("../../fixtures/keys/jwt-account.jwks.json")),
    (
        "data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Appointment.json",
        include_str!("../../fixtures/data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Appointment.json"),
    ),
    (
        "data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Encounter.json",
        include_str!("../../fixtures/data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Encounter.json"),
    ),
    (
        "data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Patient.json",
        include_str!("../../fixtures/data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Patient.json"),
    ),
    (
        "data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Practitioner.json",
        include_str!("../../fixtures/data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Practitioner.json"),
    ),
    (
        "data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Schedule.json",
        include_str!("../../fixtures/data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Schedule.json"),
    ),
    (
        "data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Slot.json",
        include_str!("../../fixtures/data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Slot.json"),
    ),
    (
        "data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Location.json",
        include_str!("../../fixtures/data/ec2458f2-1e24-41c8-b71b-0e701af7583d/Location.json"),
    ),
];

/// A validated profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Origin written into responses; `None` means "the address the server listens on".
    pub public_origin: Option<Url>,
    pub token: TokenSettings,
    pub tenants: Vec<Tenant>,
    pub accounts: Vec<Account>,
    pub limits: LimitSettings,
    /// Entries the request journal keeps (a ring).
    pub journal_capacity: usize,
    /// Whether requests are journaled at all (on by default; off only to measure its cost).
    pub journal_enabled: bool,
    /// Fault rules active from the start.
    pub faults: Vec<FaultRule>,
}

/// Access-token lifetimes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSettings {
    /// Seconds from `iat` to `exp` in the token itself (Cerner: 600).
    pub lifetime_seconds: u32,
    /// What `expires_in` tells the client (Cerner: 570, deliberately shorter).
    pub expires_in: u32,
}

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
}

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

/// A profile that could not be loaded, naming the file and the field at fault.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("cannot read profile {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("profile {origin} is not valid TOML for a profile: {message}")]
    Syntax { origin: String, message: String },
    #[error("profile {origin}, field `{field}`: {message}")]
    Invalid { origin: String, field: String, message: String },
}

impl Profile {
    /// The default profile compiled into the binary (README, "Default tenants and accounts").
    pub fn embedded_default() -> Self {
        // The embedded profile is covered by tests; failing here is a build defect.
        #[allow(clippy::expect_used)]
        Self::parse(DEFAULT_PROFILE, &Files::Embedded, "(embedded default)")
            .expect("the embedded default profile is valid")
    }

    /// Loads a profile file; relative paths inside it resolve against its directory.
    pub fn load(path: &Path) -> Result<Self, ProfileError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ProfileError::Read { path: path.to_owned(), source })?;
        let dir = path.parent().map(Path::to_owned).unwrap_or_default();
        Self::parse(&text, &Files::Dir(dir), &path.display().to_string())
    }

    /// Parses profile text whose relative paths resolve against `dir`.
    pub fn from_toml(text: &str, dir: &Path) -> Result<Self, ProfileError> {
        Self::parse(text, &Files::Dir(dir.to_owned()), "(inline)")
    }

    fn parse(text: &str, files: &Files, origin: &str) -> Result<Self, ProfileError> {
        let raw: raw::Profile = toml::from_str(text).map_err(|e| ProfileError::Syntax {
            origin: origin.to_owned(),
            message: e.to_string().trim_end().replace('\n', " | "),
        })?;
        validate(raw, files).map_err(|(field, message)| ProfileError::Invalid {
            origin: origin.to_owned(),
            field,
            message,
        })
    }

    pub fn tenant(&self, id: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.id.as_str() == id)
    }

    pub fn account(&self, client_id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.client_id.as_str() == client_id)
    }
}

impl Account {
    pub fn approves(&self, tenant: &TenantId) -> bool {
        self.approved_tenants.contains(tenant)
    }
}

enum Files {
    Dir(PathBuf),
    Embedded,
}

impl Files {
    fn read(&self, rel: &str) -> Result<String, String> {
        match self {
            Files::Dir(dir) => {
                let path = dir.join(rel);
                std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
            }
            Files::Embedded => EMBEDDED_FILES
                .iter()
                .find(|(name, _)| *name == rel)
                .map(|(_, text)| (*text).to_owned())
                .ok_or_else(|| format!("no embedded file {rel:?}")),
        }
    }

    /// Like [`Files::read`], but a missing file is `None`.
    fn read_optional(&self, rel: &str) -> Result<Option<String>, String> {
        let exists = match self {
            Files::Dir(dir) => dir.join(rel).exists(),
            Files::Embedded => EMBEDDED_FILES.iter().any(|(name, _)| *name == rel),
        };
        if exists { self.read(rel).map(Some) } else { Ok(None) }
    }
}

type FieldError = (String, String);

fn invalid(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    (field.into(), message.into())
}

fn validate(raw: raw::Profile, files: &Files) -> Result<Profile, FieldError> {
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
        tenants.push(Tenant { id, name: t.name.unwrap_or_default(), fixtures, synthetic, dstu2_system_access });
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
        tenants,
        accounts,
        limits: raw.limits,
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
        approved_tenants,
    })
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
        }
    }
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
    Ok(SyntheticSettings {
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

/// The file's shape, before validation.
mod raw {
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Profile {
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
        pub journal: Journal,
        #[serde(default)]
        pub faults: Vec<crate::faults::FaultRule>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, default)]
    pub struct Journal {
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
    pub struct Token {
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
    pub struct Tenant {
        pub id: String,
        pub name: Option<String>,
        pub data: Option<String>,
        pub synthetic: Option<Synthetic>,
        pub dstu2_system_access: Option<bool>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, default)]
    pub struct Synthetic {
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
            }
        }
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Account {
        pub client_id: String,
        pub name: Option<String>,
        pub secret: Option<String>,
        pub jwks: Option<jsonwebtoken::jwk::JwkSet>,
        pub jwks_file: Option<String>,
        #[serde(default)]
        pub scopes: Vec<String>,
        #[serde(default)]
        pub approved_tenants: Vec<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Profile, ProfileError> {
        Profile::from_toml(text, Path::new("."))
    }

    #[test]
    fn embedded_default_matches_the_design() {
        let p = Profile::embedded_default();
        assert_eq!(p.tenants.len(), 4);
        let default = p.account("bb318a62-fa61-49ae-b692-7d99214f0ec7").unwrap();
        assert!(default.secret.as_ref().unwrap().matches("secret"));
        assert_eq!(default.approved_tenants.len(), 3);
        let without: Vec<&str> = p.tenants.iter().filter(|t| !t.dstu2_system_access).map(|t| t.name.as_str()).collect();
        assert_eq!(without, ["Production Hospital"], "one production-like tenant; the others accept system tokens");
        let unapproved = TenantId::parse("d075cf8b-3261-481d-97e5-ba6c48d3b41f").unwrap();
        assert!(p.accounts.iter().all(|a| !a.approves(&unapproved)));
        assert_eq!(p.accounts[1].jwks.as_ref().unwrap().keys.len(), 2);
        assert_eq!(p.token, TokenSettings { lifetime_seconds: 600, expires_in: 570 });
    }

    fn field_of(err: ProfileError) -> String {
        match err {
            ProfileError::Invalid { field, .. } => field,
            other => panic!("expected a field error, got {other}"),
        }
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            ("[[accounts]]\nclient_id='a'\nscopes=[]", "accounts[0].secret"),
            (
                "[[tenants]]\nid='t'\n[[accounts]]\nclient_id='a'\nsecret='s'\napproved_tenants=['x']",
                "accounts[0].approved_tenants[0]",
            ),
            ("[[accounts]]\nclient_id='a'\nsecret='s'\nscopes=['ok', 'bad scope']", "accounts[0].scopes[1]"),
            ("[[tenants]]\nid='t'\n[[tenants]]\nid='t'", "tenants[1].id"),
            ("[[tenants]]\nid='a/b'", "tenants[0].id"),
            ("[token]\nlifetime_seconds=100\nexpires_in=200", "token.expires_in"),
            ("public_origin='http://x/path'", "public_origin"),
            ("[[accounts]]\nclient_id='a'\njwks_file='missing.json'", "accounts[0].jwks_file"),
        ];
        for (text, field) in cases {
            assert_eq!(field_of(parse(text).unwrap_err()), field, "{text}");
        }
    }

    #[test]
    fn an_inline_jwks_is_accepted() {
        let jwks = include_str!("../../fixtures/keys/jwt-account.jwks.json");
        let set: serde_json::Value = serde_json::from_str(jwks).unwrap();
        let ec = &set["keys"][1];
        let text = format!(
            "[[accounts]]\nclient_id='a'\njwks = {{ keys = [ {{ kty = 'EC', crv = 'P-384', kid = 'k1', x = '{}', y = '{}' }} ] }}",
            ec["x"].as_str().unwrap(),
            ec["y"].as_str().unwrap()
        );
        let profile = parse(&text).unwrap();
        assert_eq!(profile.accounts[0].jwks.as_ref().unwrap().keys.len(), 1);
        let p256_key =
            "[[accounts]]\nclient_id='a'\njwks = { keys = [ { kty = 'EC', crv = 'P-256', x = 'AA', y = 'AA' } ] }";
        assert_eq!(field_of(parse(p256_key).unwrap_err()), "accounts[0].jwks");
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let err = parse("[[tenants]]\nid='t'\nnmae='typo'").unwrap_err().to_string();
        assert!(err.contains("nmae"), "{err}");
    }
}
