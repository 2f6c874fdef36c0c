//! The harness job file, as the README's "The harness ↔ client contract (v1)" documents it.
//!
//! Read field by field from a JSON value rather than through one derived struct, so that a
//! missing field or a wrong type names its path (`tenants[0].locations`) like every other rule;
//! serde_json alone would only give a line and column. Unknown fields are ignored so a newer
//! harness can add some without breaking this client.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::check::{self, TenantInput};
use super::error::{FieldError, invalid, scrub};
use super::{Credentials, StoreLocation, SyncConfig, SyncLimits};
use crate::secret::Secret;

/// The store inside `state_dir`, which survives between runs of one scenario.
const STORE_FILE: &str = "appointments.db";

/// The secret is inline here (the harness wrote the file for this run); `http://` is allowed for
/// loopback only, as everywhere; the limits are the defaults.
pub(super) fn into_config(value: Value) -> Result<SyncConfig, FieldError> {
    let mut job = object(value, "document")?;
    let client_id = check::client_id(take(&mut job, "client_id", "")?, "client_id")?;
    let secret: Secret = take(&mut job, "client_secret", "")?;
    if secret.expose().trim().is_empty() {
        return Err(invalid("client_secret", "must not be empty"));
    }
    let scopes: String = take(&mut job, "scopes", "")?;
    let scopes = check::scopes(scopes.split_whitespace().map(str::to_owned).collect(), |_| "scopes".to_owned())?;
    let tenants = check::tenants(tenants(take(&mut job, "tenants", "")?)?, false)?;
    let mut window = object(take(&mut job, "window", "")?, "window")?;
    let start = check::date(&take::<String>(&mut window, "start", "window.")?, "window.start")?;
    let end = check::date(&take::<String>(&mut window, "end", "window.")?, "window.end")?;
    let window = check::window(start, end, "window.end")?;
    let output: PathBuf = absolute(take(&mut job, "output", "")?, "output")?;
    let state_dir: PathBuf = absolute(take(&mut job, "state_dir", "")?, "state_dir")?;
    Ok(SyncConfig {
        credentials: Credentials::ClientSecret { client_id, secret },
        scopes,
        tenants,
        window,
        limits: SyncLimits::default(),
        store: StoreLocation::Sqlite(state_dir.join(STORE_FILE)),
        output: Some(output),
        allow_insecure_http: false,
        trusted_token_hosts: super::default_trusted_token_hosts(),
    })
}

/// The store of a job: `{state_dir}/appointments.db`.
pub(super) fn store_location(value: Value) -> Result<StoreLocation, FieldError> {
    let mut job = object(value, "document")?;
    let state_dir: PathBuf = absolute(take(&mut job, "state_dir", "")?, "state_dir")?;
    Ok(StoreLocation::Sqlite(state_dir.join(STORE_FILE)))
}

/// `tenants`: objects with `id`, `fhir_base`, `locations`.
fn tenants(list: Vec<Value>) -> Result<Vec<TenantInput>, FieldError> {
    let mut tenants = Vec::with_capacity(list.len());
    for (i, value) in list.into_iter().enumerate() {
        let prefix = format!("tenants[{i}].");
        let mut tenant = object(value, &format!("tenants[{i}]"))?;
        tenants.push(TenantInput {
            id: take(&mut tenant, "id", &prefix)?,
            fhir_base: take(&mut tenant, "fhir_base", &prefix)?,
            locations: take(&mut tenant, "locations", &prefix)?,
        });
    }
    Ok(tenants)
}

fn object(value: Value, field: &str) -> Result<Map<String, Value>, FieldError> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(invalid(field, "expected a JSON object")),
    }
}

/// Field `key` of `map`, required, of type `T`; errors name `{prefix}{key}` and quote no value.
fn take<T: DeserializeOwned>(map: &mut Map<String, Value>, key: &str, prefix: &str) -> Result<T, FieldError> {
    let field = || format!("{prefix}{key}");
    let value = map.remove(key).ok_or_else(|| invalid(field(), "required"))?;
    T::deserialize(value).map_err(|e| invalid(field(), scrub(&e.to_string())))
}

/// The contract promises absolute paths; a relative one would depend on where the harness
/// happened to start the client.
fn absolute(path: PathBuf, field: &str) -> Result<PathBuf, FieldError> {
    if Path::new(&path).is_absolute() {
        Ok(path)
    } else {
        Err(invalid(field, "must be an absolute path (contract v1)"))
    }
}
