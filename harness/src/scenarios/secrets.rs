//! Credential hygiene: the secret, the Basic value and every token are looked for in everything
//! the client produced (its logs, every line of its output, every file it left in `state_dir`) and
//! in every URL it requested.

use base64::Engine;

use super::checks::short;
use crate::evidence::{Evidence, cite};
use crate::verdict::CheckResult;

/// What is looked for, and how evidence names it.
struct Needles {
    secret: String,
    basic: String,
}

impl Needles {
    fn of(ev: &Evidence) -> Self {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", ev.client_id, ev.client_secret));
        Self { secret: ev.client_secret.clone(), basic }
    }

    /// What `text` holds, if anything: the secret, the Basic value or a JWT.
    fn found_in(&self, text: &str) -> Option<&'static str> {
        if !self.secret.is_empty() && text.contains(&self.secret) {
            Some("the client secret")
        } else if text.contains(&self.basic) {
            Some("the Basic value")
        } else if has_jwt(text) {
            Some("an access token (JWT)")
        } else {
            None
        }
    }
}

/// The logs, the stored output and files, and the URLs, each a check.
pub fn credential_hygiene(ev: &Evidence) -> Vec<CheckResult> {
    let needles = Needles::of(ev);
    let logs = ev.logs();
    let in_logs = logs.lines().enumerate().find_map(|(n, line)| needles.found_in(line).map(|what| (n + 1, what)));
    let in_urls: Vec<_> = ev
        .journal
        .iter()
        .filter(|e| {
            e.query.as_deref().is_some_and(|q| {
                needles.found_in(q).is_some() || q.contains("access_token") || q.contains("client_secret")
            })
        })
        .collect();
    vec![
        CheckResult::new(
            "never prints the secret, the Basic credentials or a token",
            in_logs.is_none(),
            "no log line holds the client secret, the Basic value or a JWT",
            match in_logs {
                Some((n, what)) => format!("log line {n} holds {what}"),
                None => format!("{} log lines checked", logs.lines().count()),
            },
        ),
        stores_no_credentials(ev, &needles),
        CheckResult::new(
            "never puts a credential in a URL",
            in_urls.is_empty(),
            "no request URL carries a secret or a token",
            in_urls.first().map_or_else(|| format!("{} requests checked", ev.journal.len()), |e| cite(e)),
        ),
    ]
}

/// Every output line (every field, valid line or not) and every state file.
fn stores_no_credentials(ev: &Evidence, needles: &Needles) -> CheckResult {
    let in_output = ev.output_text.lines().enumerate().find_map(|(n, line)| {
        needles.found_in(line).map(|what| {
            let tenant = ev.output.iter().find(|o| o.line == n + 1).map(|o| format!(" ({})", short(&o.tenant)));
            format!("output line {}{} holds {what}", n + 1, tenant.unwrap_or_default())
        })
    });
    let in_files = ev.stored.iter().find_map(|file| {
        needles
            .found_in(&String::from_utf8_lossy(&file.bytes))
            .map(|what| format!("state file {} holds {what}", file.path))
    });
    let found = in_output.or(in_files);
    let bytes: usize = ev.stored.iter().map(|f| f.bytes.len()).sum();
    CheckResult::new(
        "never stores the secret, the Basic credentials or a token",
        found.is_none(),
        "no output line and no file in state_dir holds the client secret, the Basic value or a JWT",
        found.unwrap_or_else(|| {
            format!(
                "{} output lines and {} state file(s) ({bytes} bytes) checked",
                ev.output_text.lines().count(),
                ev.stored.len()
            )
        }),
    )
}

/// Whether `text` holds a JWT: three base64url segments, the first a JSON header (`eyJ…`). The
/// emulator's page tokens have two segments, so a logged page URL is not mistaken for a token.
pub fn has_jwt(text: &str) -> bool {
    text.match_indices("eyJ").any(|(at, _)| {
        let candidate: String =
            text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
        let parts: Vec<&str> = candidate.split('.').collect();
        parts.len() == 3 && parts.iter().all(|p| p.len() >= 2)
    })
}

#[cfg(test)]
#[path = "tests/secrets.rs"]
mod tests;
