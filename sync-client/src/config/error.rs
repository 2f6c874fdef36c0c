//! [`ConfigError`] and the translation of parser errors into it.
//!
//! Parser messages are rebuilt rather than passed through: toml's `Display` quotes the offending
//! source line and serde's "invalid type" messages quote the offending value, either of which can
//! be a secret (an unterminated `client_secret = "…`, a secret pasted as a number).

/// Why a configuration was refused. Each message is one line naming the file and the field.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{kind} {origin}: cannot read the file: {error}")]
    Read {
        /// What was being read, e.g. `config`.
        kind: &'static str,
        /// The file's path as given.
        origin: String,
        /// The operating system's reason.
        error: std::io::Error,
    },
    /// Not TOML / JSON, or not the expected shape (a missing or unknown key, a wrong type).
    /// `at` is the key path and/or line and column; `message` never quotes a value.
    #[error("{kind} {origin}: {at}: {message}")]
    Syntax {
        /// What was being read, e.g. `config`.
        kind: &'static str,
        /// The file's path as given.
        origin: String,
        /// Where the parser stopped: key path and/or line and column.
        at: String,
        /// The parser's reason, without the offending value.
        message: String,
    },
    /// A value broke a rule. `field` is its path, e.g. `tenants[1].fhir_base`.
    #[error("{kind} {origin}: {field}: {reason}")]
    Invalid {
        /// What was being read, e.g. `config`.
        kind: &'static str,
        /// The file's path as given.
        origin: String,
        /// The value's key path, e.g. `tenants[1].fhir_base`.
        field: String,
        /// The rule it broke.
        reason: String,
    },
}

impl ConfigError {
    /// The field an [`ConfigError::Invalid`] names (for callers that point at it, and tests).
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            Self::Read { .. } | Self::Syntax { .. } => None,
        }
    }
}

/// A broken rule, before it knows which file it came from.
#[derive(Debug)]
pub(super) struct FieldError {
    field: String,
    reason: String,
}

/// Shorthand for a [`FieldError`].
pub(super) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> FieldError {
    FieldError { field: field.into(), reason: reason.into() }
}

impl FieldError {
    /// Attaches the file the rule was broken in.
    pub(super) fn at(self, kind: &'static str, origin: &str) -> ConfigError {
        ConfigError::Invalid { kind, origin: origin.to_owned(), field: self.field, reason: self.reason }
    }
}

/// A toml error as key path and position, without toml's quoted source line.
pub(super) fn toml_syntax(kind: &'static str, origin: &str, text: &str, err: &toml::de::Error) -> ConfigError {
    let position = err.span().and_then(|span| line_column(text, span.start));
    let keys = toml_keys(err);
    let at = match (keys, position) {
        (Some(keys), Some((line, column))) => format!("{keys} (line {line}, column {column})"),
        (Some(keys), None) => keys,
        (None, Some((line, column))) => format!("line {line}, column {column}"),
        (None, None) => "document".to_owned(),
    };
    ConfigError::Syntax { kind, origin: origin.to_owned(), at, message: scrub(err.message()) }
}

/// The dotted key path toml knows for an error. It only prints it when it has no source text to
/// quote, so ask for exactly that.
fn toml_keys(err: &toml::de::Error) -> Option<String> {
    let mut bare = err.clone();
    bare.set_input(None);
    let shown = bare.to_string();
    let line = shown.lines().find_map(|l| l.strip_prefix("in `"))?;
    let keys = line.strip_suffix('`')?;
    (!keys.is_empty()).then(|| keys.to_owned())
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> Option<(usize, usize)> {
    let before = text.get(..offset.min(text.len()))?;
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Some((line, column))
}

/// A serde_json error as position and a scrubbed message.
pub(super) fn json_syntax(kind: &'static str, origin: &str, err: &serde_json::Error) -> ConfigError {
    let shown = err.to_string();
    // serde_json appends " at line L column C"; the position is reported separately.
    let message = match shown.rsplit_once(" at line ") {
        Some((message, _)) if err.line() > 0 => message,
        _ => shown.as_str(),
    };
    let at = match err.line() {
        0 => "document".to_owned(),
        line => format!("line {line}, column {}", err.column()),
    };
    ConfigError::Syntax { kind, origin: origin.to_owned(), at, message: scrub(message) }
}

/// One line, and no quoted value: serde's `invalid type: string "hunter2", expected …` becomes
/// `invalid type: string, expected …`. Key names (`unknown field `x``) are kept: they are not
/// secret and say what to fix.
pub(super) fn scrub(message: &str) -> String {
    let one_line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    for lead in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = one_line.strip_prefix(lead) {
            // The expectation comes from our own types; split at the last one, since the quoted
            // value may itself contain ", expected".
            let (unexpected, expected) = match rest.rsplit_once(", expected ") {
                Some((unexpected, expected)) => (unexpected, format!(", expected {expected}")),
                None => (rest, String::new()),
            };
            let what = unexpected.split(['"', '`', '\'']).next().unwrap_or("").trim();
            return format!("{lead}{what}{expected}");
        }
    }
    one_line
}
