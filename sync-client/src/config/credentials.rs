//! `[credentials]` of the TOML file: a secret by reference to an environment variable (the
//! default), inline (only when explicitly allowed: config files get copied, committed and
//! attached to tickets), or a private key file for `private_key_jwt`.
//!
//! No message here quotes a secret, an environment variable's value or a line of the key file.

use std::io::Read;
use std::path::Path;

use serde::Deserialize;

use super::check::{self, shown};
use super::error::{FieldError, invalid};
use super::toml_file::Context;
use super::{Credentials, JwtAlg};
use crate::secret::Secret;

/// A key file larger than this is not a single private key; reading stops there.
const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCredentials {
    #[serde(default)]
    client_id: String,
    client_secret_env: Option<String>,
    client_secret: Option<Secret>,
    #[serde(default)]
    allow_inline_secret: bool,
    private_key_file: Option<String>,
    kid: Option<String>,
    alg: Option<String>,
}

impl RawCredentials {
    pub(super) fn into_credentials(self, cx: &Context<'_>) -> Result<Credentials, FieldError> {
        let Self { client_id, client_secret_env, client_secret, allow_inline_secret, private_key_file, kid, alg } =
            self;
        let client_id = check::client_id(client_id, "credentials.client_id")?;
        match (client_secret_env, client_secret, private_key_file) {
            (Some(var), None, None) => {
                refuse_jwt_settings(&kid, &alg)?;
                Ok(Credentials::ClientSecret { client_id, secret: secret_from_env(&var, cx.env)? })
            }
            (None, Some(secret), None) => {
                refuse_jwt_settings(&kid, &alg)?;
                Ok(Credentials::ClientSecret { client_id, secret: inline_secret(secret, allow_inline_secret)? })
            }
            (None, None, Some(file)) => private_key(client_id, &file, kid, alg, cx.base_dir),
            (None, None, None) => Err(invalid(
                "credentials",
                "set client_secret_env (the name of the environment variable holding the secret) or private_key_file",
            )),
            _ => Err(invalid(
                "credentials",
                "client_secret_env, client_secret and private_key_file exclude each other: set one",
            )),
        }
    }
}

/// `kid` and `alg` only mean something for a key; accepting them with a secret would hide a
/// half-edited config.
fn refuse_jwt_settings(kid: &Option<String>, alg: &Option<String>) -> Result<(), FieldError> {
    if kid.is_some() {
        return Err(invalid("credentials.kid", "only used with private_key_file"));
    }
    if alg.is_some() {
        return Err(invalid("credentials.alg", "only used with private_key_file"));
    }
    Ok(())
}

/// The secret from the environment. The variable's name is shown only when it looks like one
/// (`[A-Z][A-Z0-9_]*`): a secret pasted here by mistake must not end up in a message.
fn secret_from_env(var: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Secret, FieldError> {
    const FIELD: &str = "credentials.client_secret_env";
    let conventional = (1..=64).contains(&var.len())
        && var.starts_with(|c: char| c.is_ascii_uppercase())
        && var.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    let name = if conventional {
        format!("environment variable {var}")
    } else {
        "the environment variable (name not shown: it does not look like one; is it the secret itself?)".to_owned()
    };
    let valid_name = !var.is_empty() && !var.contains(['=', '\0']);
    match env(var).filter(|_| valid_name) {
        None => Err(invalid(FIELD, format!("{name} is not set"))),
        Some(value) if value.trim().is_empty() => Err(invalid(FIELD, format!("{name} is empty"))),
        Some(value) => Ok(Secret::new(value)),
    }
}

/// An inline secret, only when the operator said so in the same file.
fn inline_secret(secret: Secret, allowed: bool) -> Result<Secret, FieldError> {
    const FIELD: &str = "credentials.client_secret";
    if !allowed {
        return Err(invalid(
            FIELD,
            "inline secrets are refused: use client_secret_env, or set allow_inline_secret = true",
        ));
    }
    if secret.expose().trim().is_empty() {
        return Err(invalid(FIELD, "must not be empty"));
    }
    Ok(secret)
}

/// `private_key_jwt`: the key file, checked to be an unencrypted PEM private key that fits `alg`.
fn private_key(
    client_id: String,
    file: &str,
    kid: Option<String>,
    alg: Option<String>,
    base_dir: &Path,
) -> Result<Credentials, FieldError> {
    let alg = match alg.as_deref() {
        None | Some("ES384") => JwtAlg::ES384,
        Some("RS384") => JwtAlg::RS384,
        Some(other) => {
            let reason = format!("{} is not supported: use \"ES384\" or \"RS384\" (what Cerner accepts)", shown(other));
            return Err(invalid("credentials.alg", reason));
        }
    };
    if let Some(kid) = &kid
        && (kid.is_empty() || kid.len() > 256 || kid.chars().any(char::is_control))
    {
        return Err(invalid("credentials.kid", "must be 1 to 256 characters, without control characters"));
    }
    if file.is_empty() {
        return Err(invalid("credentials.private_key_file", "must not be empty"));
    }
    let path = base_dir.join(file);
    let key_pem = read_pem(&path)
        .map_err(|reason| invalid("credentials.private_key_file", format!("{}: {reason}", path.display())))?;
    key_fits(&key_pem, alg)?;
    Ok(Credentials::PrivateKeyJwt { client_id, key_pem, kid, alg })
}

/// Reads a PEM private key, at most [`MAX_KEY_FILE_BYTES`]. Reasons never quote the content.
fn read_pem(path: &Path) -> Result<Secret, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_KEY_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_KEY_FILE_BYTES {
        return Err(format!("larger than {MAX_KEY_FILE_BYTES} bytes: not a private key"));
    }
    let text = String::from_utf8(bytes).map_err(|_| "not a PEM private key (not text)".to_owned())?;
    let label = pem_label(&text).ok_or("not a PEM private key (expected -----BEGIN … PRIVATE KEY-----)")?;
    if label.contains("ENCRYPTED") {
        return Err("an encrypted private key: the client cannot ask for a passphrase; store it unencrypted with tight permissions".to_owned());
    }
    if !text.contains(&format!("-----END {label}-----")) {
        return Err(format!("truncated PEM: no -----END {label}----- line"));
    }
    Ok(Secret::new(text))
}

/// The label of the first `-----BEGIN <label>-----` line if it names a private key (`PRIVATE
/// KEY`, `EC PRIVATE KEY`, `RSA PRIVATE KEY`, …). Only our own constants come out of it.
fn pem_label(text: &str) -> Option<&'static str> {
    const LABELS: [&str; 4] = ["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY"];
    let line = text.lines().map(str::trim).find(|l| l.starts_with("-----BEGIN "))?;
    let label = line.strip_prefix("-----BEGIN ")?.strip_suffix("-----")?;
    LABELS.into_iter().find(|known| *known == label)
}

/// An SEC1 EC key cannot sign RS384 and a PKCS#1 RSA key cannot sign ES384: say so now rather
/// than at the first token request. (PKCS#8 `PRIVATE KEY` does not say which it holds.)
fn key_fits(key_pem: &Secret, alg: JwtAlg) -> Result<(), FieldError> {
    let label = pem_label(key_pem.expose());
    match (label, alg) {
        (Some("RSA PRIVATE KEY"), JwtAlg::ES384) => Err(invalid(
            "credentials.alg",
            "ES384 needs an EC P-384 key but private_key_file holds an RSA key: set alg = \"RS384\"",
        )),
        (Some("EC PRIVATE KEY"), JwtAlg::RS384) => Err(invalid(
            "credentials.alg",
            "RS384 needs an RSA key but private_key_file holds an EC key: set alg = \"ES384\"",
        )),
        _ => Ok(()),
    }
}
