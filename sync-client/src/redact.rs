//! One redaction pass over every text that came from a server or may hold one (error bodies,
//! headers, URLs, transport errors) before it reaches a log line, the summary, the JSON output or
//! the store. A server's error text is untrusted input: a 403 may quote the request's
//! `Authorization: Bearer …`, a token endpoint may echo `Basic base64(id:secret)`.
//!
//! What is masked (each replaced by `***`): the value after `Bearer` or `Basic` (any case), a
//! JWT-shaped string (`eyJ….….…`), the value of `access_token`, `refresh_token`, `id_token`,
//! `client_assertion`, `client_secret` and `assertion` (as `key=value`, `key: value` or JSON),
//! and the client's own secret (and its Basic encoding) wherever it stands as a word, once
//! [`remember`]ed.

use std::sync::{PoisonError, RwLock};

use base64::Engine;

/// What a masked value reads as.
pub const MASK: &str = "***";

/// The literal secrets of this process (client secrets and their Basic encodings).
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Adds a client's credentials to what [`redact`] masks: the secret and the base64 of
/// `id:secret` as HTTP Basic sends it (RFC 6749 §2.3.1, form-encoded first).
pub fn remember(client_id: &str, secret: &str) {
    if secret.is_empty() {
        return;
    }
    let form = |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", form(client_id), form(secret)));
    let mut secrets = SECRETS.write().unwrap_or_else(PoisonError::into_inner);
    for value in [secret.to_owned(), form(secret), basic] {
        if !secrets.contains(&value) {
            secrets.push(value);
        }
    }
}

/// [`remember`] for a configuration's credentials (a private key's assertions are JWT-shaped and
/// masked as such).
pub fn remember_credentials(credentials: &crate::config::Credentials) {
    if let crate::config::Credentials::ClientSecret { client_id, secret } = credentials {
        remember(client_id, secret.expose());
    }
}

/// Standard error for log lines, each line redacted before it is written: the tracing
/// formatters (text and JSON) write one event at a time.
#[derive(Debug, Clone, Copy, Default)]
pub struct RedactedStderr;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for RedactedStderr {
    type Writer = Redacted<std::io::Stderr>;
    fn make_writer(&'a self) -> Self::Writer {
        Redacted(std::io::stderr())
    }
}

/// A writer that redacts what goes through it, one write at a time.
#[derive(Debug)]
pub struct Redacted<W>(pub W);

impl<W: std::io::Write> std::io::Write for Redacted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_all(redact(&String::from_utf8_lossy(buf)).as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// `text` with every credential it may hold masked.
pub fn redact(text: &str) -> String {
    let mut out = text.to_owned();
    let secrets = SECRETS.read().unwrap_or_else(PoisonError::into_inner).clone();
    for secret in &secrets {
        out = mask_word(&out, secret);
    }
    for scheme in ["bearer", "basic"] {
        out = mask_after(&out, scheme, &[' ', '\t'], is_token68);
    }
    for key in ["access_token", "refresh_token", "id_token", "client_assertion", "client_secret", "assertion"] {
        out = mask_after(&out, key, KEY_SEPARATORS, is_value);
    }
    mask_jwts(&out)
}

/// What may stand between a parameter's name and its value (`key=v`, `key: v`, `"key":"v"`,
/// `\"key\":\"v\"` in a JSON log line); one of them must be `=` or `:`.
const KEY_SEPARATORS: &[char] = &['"', '\'', ' ', '=', ':', '\\'];

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_token68(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~+/=".contains(c)
}

fn is_value(c: char) -> bool {
    !(c.is_whitespace() || "&\"',;}]<>\\".contains(c))
}

/// Every whole-word occurrence of `secret` masked.
fn mask_word(text: &str, secret: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(secret) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + secret.len()..].chars().next();
        let whole = !before.is_some_and(is_word) && !after.is_some_and(is_word);
        out.push_str(&rest[..at]);
        out.push_str(if whole { MASK } else { secret });
        rest = &rest[at + secret.len()..];
    }
    out.push_str(rest);
    out
}

/// Each whole-word `key` (any ASCII case) followed by at least one of `separators` and then a
/// value of `value` characters: the value masked.
fn mask_after(text: &str, key: &str, separators: &[char], value: fn(char) -> bool) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = lower[from..].find(key) {
        let at = from + found;
        let end = at + key.len();
        from = end;
        if text[..at].chars().next_back().is_some_and(is_word) {
            continue;
        }
        let gap = text[end..].find(|c: char| !separators.contains(&c)).unwrap_or(text.len() - end);
        if gap == 0 || (separators == KEY_SEPARATORS && !text[end..end + gap].contains(['=', ':'])) {
            continue;
        }
        let start = end + gap;
        let length = text[start..].find(|c: char| !value(c)).unwrap_or(text.len() - start);
        if length == 0 || text[start..start + length] == *MASK {
            continue;
        }
        out.push_str(&text[copied..start]);
        out.push_str(MASK);
        copied = start + length;
        from = copied;
    }
    out.push_str(&text[copied..]);
    out
}

/// Each JWT-shaped word (`eyJ` then three base64url parts joined by dots) masked.
fn mask_jwts(text: &str) -> String {
    let b64url = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = text[from..].find("eyJ") {
        let at = from + found;
        from = at + 3;
        if text[..at].chars().next_back().is_some_and(b64url) {
            continue;
        }
        let length = text[at..].find(|c: char| !(b64url(c) || c == '.')).unwrap_or(text.len() - at);
        let candidate = &text[at..at + length];
        let parts: Vec<&str> = candidate.split('.').collect();
        if parts.len() < 3 || parts[..2].iter().any(|p| p.is_empty()) {
            continue;
        }
        out.push_str(&text[copied..at]);
        out.push_str(MASK);
        copied = at + length;
        from = copied;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests;
