//! The rules both sources share: tenants and their FHIR bases, locations, scopes, dates, the
//! client id. Each turns raw input into a typed value or a [`FieldError`] naming the field.

use std::collections::HashSet;

use time::Date;
use url::{Host, Url};

use super::error::{FieldError, invalid};
use super::{TenantConfig, TenantId, Window};

/// The scope the client exists for; always requested.
pub(super) const APPOINTMENT_SCOPE: &str = "system/Appointment.read";

/// How far a relative window may reach, in days (ten years: anything more is a typo).
pub(super) const MAX_RELATIVE_DAYS: i64 = 3660;

/// A tenant as either source spells it.
pub(super) struct TenantInput {
    pub(super) id: String,
    pub(super) fhir_base: String,
    pub(super) locations: Vec<String>,
}

/// A value for a message: escaped (so the message stays on one line) and cut at 64 characters.
/// Never call it on a secret.
pub(super) fn shown(value: &str) -> String {
    let cut: String = value.chars().take(64).collect();
    if cut.len() < value.len() { format!("{cut:?}…") } else { format!("{cut:?}") }
}

/// At least one tenant, ids unique ignoring case (the store keys records by tenant, and two
/// spellings of one GUID would be one hospital twice).
pub(super) fn tenants(input: Vec<TenantInput>, allow_insecure_http: bool) -> Result<Vec<TenantConfig>, FieldError> {
    if input.is_empty() {
        return Err(invalid("tenants", "at least one tenant is required"));
    }
    let mut tenants: Vec<TenantConfig> = Vec::with_capacity(input.len());
    for (i, raw) in input.into_iter().enumerate() {
        let field = format!("tenants[{i}]");
        let id = tenant_id(raw.id, &field)?;
        if let Some(j) = tenants.iter().position(|t| t.id.eq_ignore_ascii_case(&id)) {
            let reason = format!("{} is already the id of tenants[{j}]", shown(&id));
            return Err(invalid(format!("{field}.id"), reason));
        }
        let fhir_base = fhir_base(&raw.fhir_base, allow_insecure_http)
            .map_err(|reason| invalid(format!("{field}.fhir_base"), reason.to_string()))?;
        let locations = locations(raw.locations, &field)?;
        tenants.push(TenantConfig { id, fhir_base, locations });
    }
    Ok(tenants)
}

/// `[A-Za-z0-9._-]`, 1 to 128 characters: tenant ids are GUIDs in practice and end up in logs,
/// reports and store keys.
fn tenant_id(id: String, tenant: &str) -> Result<TenantId, FieldError> {
    TenantId::parse(id).map_err(|id| {
        let reason = format!("{} is not a tenant id ([A-Za-z0-9._-], 1 to 128 characters)", shown(&id));
        invalid(format!("{tenant}.id"), reason)
    })
}

/// Why a text is not a usable FHIR base.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum FhirBaseError {
    #[error("not an absolute URL ({0})")]
    NotAbsolute(url::ParseError),
    #[error(
        "http:// is refused for a non-loopback host (the token would travel in clear text): use https://, or set \
         allow_insecure_http for a test setup"
    )]
    InsecureHttp,
    /// The scheme as shown in messages (quoted, shortened).
    #[error("scheme {0} is not http or https")]
    Scheme(String),
    #[error("has no host")]
    NoHost,
    #[error("must not carry credentials (user:password@)")]
    Credentials,
    #[error("must not have a query (?…)")]
    Query,
    #[error("must not have a fragment (#…)")]
    Fragment,
}

/// An absolute http(s) URL with a host and no query, fragment or credentials, ending in '/'
/// (so `Appointment` and `metadata` resolve below it). `http://` only for loopback unless
/// allowed: a bearer token in clear text is readable by anyone on the path.
pub(super) fn fhir_base(text: &str, allow_insecure_http: bool) -> Result<Url, FhirBaseError> {
    let mut url = Url::parse(text).map_err(FhirBaseError::NotAbsolute)?;
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure_http || is_loopback(&url) => {}
        "http" => return Err(FhirBaseError::InsecureHttp),
        other => return Err(FhirBaseError::Scheme(shown(other))),
    }
    if url.host().is_none() {
        return Err(FhirBaseError::NoHost);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FhirBaseError::Credentials);
    }
    if url.query().is_some() {
        return Err(FhirBaseError::Query);
    }
    if url.fragment().is_some() {
        return Err(FhirBaseError::Fragment);
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// 127.0.0.0/8, ::1 or `localhost`: traffic that never leaves the machine.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// At least one FHIR id; duplicates dropped (keeping the first), since a location searched twice
/// is a duplicate call a reviewer would flag.
fn locations(input: Vec<String>, tenant: &str) -> Result<Vec<String>, FieldError> {
    if input.is_empty() {
        return Err(invalid(format!("{tenant}.locations"), "at least one location id is required"));
    }
    let mut seen = HashSet::with_capacity(input.len());
    let mut locations = Vec::with_capacity(input.len());
    for (i, location) in input.into_iter().enumerate() {
        if !is_fhir_id(&location) {
            let reason = format!("{} is not a FHIR id ([A-Za-z0-9.-], 1 to 64 characters)", shown(&location));
            return Err(invalid(format!("{tenant}.locations[{i}]"), reason));
        }
        if seen.insert(location.clone()) {
            locations.push(location);
        }
    }
    Ok(locations)
}

/// FHIR DSTU2 `id`: `[A-Za-z0-9\-\.]{1,64}`. Commas matter most: locations go into comma lists.
fn is_fhir_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
}

/// Every scope `system/<Type>.read`, deduplicated, `system/Appointment.read` among them. `field`
/// names the i-th scope.
pub(super) fn scopes(input: Vec<String>, field: impl Fn(usize) -> String) -> Result<Vec<String>, FieldError> {
    let mut scopes: Vec<String> = Vec::with_capacity(input.len());
    for (i, scope) in input.into_iter().enumerate() {
        scope_rule(&scope).map_err(|reason| invalid(field(i), format!("{}: {reason}", shown(&scope))))?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if !scopes.iter().any(|s| s == APPOINTMENT_SCOPE) {
        return Err(invalid("scopes", format!("must include {APPOINTMENT_SCOPE}: the client reads Appointments")));
    }
    Ok(scopes)
}

/// Why a scope is refused. Reviewers flag apps that ask for more than they use (Cerner, Common
/// Issues); Cerner's authorization server supports no wildcards.
fn scope_rule(scope: &str) -> Result<(), &'static str> {
    if scope == "online_access" || scope == "offline_access" {
        return Err("refresh-token scopes are refused: a system account signs in again with its credentials");
    }
    if scope.contains('*') {
        return Err("wildcards are refused (Cerner does not support them): name each resource type");
    }
    let Some(rest) = scope.strip_prefix("system/") else {
        return Err("a system account uses system/<Type>.read scopes only");
    };
    match rest.rsplit_once('.') {
        Some((_, "write")) => Err("write scopes are refused: the client only reads"),
        Some((kind, "read")) if is_type_name(kind) => Ok(()),
        _ => Err("expected system/<Type>.read, e.g. system/Appointment.read"),
    }
}

/// A FHIR resource type name: `Appointment`, `Patient`.
fn is_type_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase()) && chars.all(|c| c.is_ascii_alphanumeric()) && name.len() <= 64
}

/// A client id: non-empty, no whitespace or control characters (it goes into an HTTP Basic
/// header and JWT claims). Not quoted in messages: a misplaced secret may sit here.
pub(super) fn client_id(id: String, field: &str) -> Result<String, FieldError> {
    if id.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if id.len() > 256 || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(field, "must be at most 256 characters, without whitespace or control characters"));
    }
    Ok(id)
}

/// A calendar date `YYYY-MM-DD`.
pub(super) fn date(text: &str, field: &str) -> Result<Date, FieldError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).map_err(|_| invalid(field, format!("{} is not a date like \"2026-11-28\"", shown(text))))
}

/// A window whose end (exclusive) is after its start.
pub(super) fn window(start: Date, end: Date, field: &str) -> Result<Window, FieldError> {
    if start < end {
        Ok(Window { start, end })
    } else {
        Err(invalid(field, format!("the window {start} .. {end} is empty: end is exclusive and must be after start")))
    }
}

/// `trusted_token_hosts`: host names (or IP literals) without scheme, port or path, compared
/// ignoring case. An empty list trusts only each FHIR base's own origin.
pub(super) fn token_hosts(input: Vec<String>) -> Result<Vec<String>, FieldError> {
    let mut hosts = Vec::with_capacity(input.len());
    for (i, host) in input.into_iter().enumerate() {
        let ipv6 = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
        let valid = match ipv6 {
            Some(inner) => !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':'),
            None => {
                (1..=253).contains(&host.len())
                    && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
            }
        };
        if !valid {
            let reason = format!("{} is not a host name (no scheme, port or path)", shown(&host));
            return Err(invalid(format!("trusted_token_hosts[{i}]"), reason));
        }
        let host = host.to_ascii_lowercase();
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    Ok(hosts)
}
