//! Checks shared by several scenarios. Each cites its evidence: journal entries by sequence number,
//! output lines by number, log lines.

use base64::Engine;

use crate::evidence::{Evidence, cite, shorten};
use crate::verdict::CheckResult;

/// The client's final view of `tenant` equals the emulator's appointments: same ids, versions and
/// statuses.
pub fn matches_truth(ev: &Evidence, tenant: &str) -> CheckResult {
    let view = ev.final_view();
    let empty = Default::default();
    let (mine, truth) = (view.get(tenant).unwrap_or(&empty), ev.truth.get(tenant).cloned().unwrap_or_default());
    let mut problems = Vec::new();
    for (id, row) in &truth {
        match mine.get(id) {
            None => problems.push(format!("{id} missing")),
            Some(r) if r["meta"]["versionId"].as_str() != Some(row.version.as_str()) => problems.push(format!(
                "{id} has version {} (the emulator has {})",
                r["meta"]["versionId"].as_str().unwrap_or("?"),
                row.version
            )),
            Some(r) if r["status"].as_str() != Some(row.status.as_str()) => {
                problems.push(format!("{id} has status {} (the emulator has {})", r["status"], row.status))
            }
            Some(_) => {}
        }
    }
    problems.extend(mine.keys().filter(|id| !truth.contains_key(*id)).map(|id| format!("{id} is not in the window")));
    let evidence = if problems.is_empty() {
        format!("{} appointments of {} match the emulator's store", truth.len(), short(tenant))
    } else {
        format!("{} difference(s): {}", problems.len(), shorten(&problems.join("; "), 300))
    };
    CheckResult::new(
        &format!("stores exactly the ground truth of {}", short(tenant)),
        problems.is_empty(),
        format!("the final view of {} equals the emulator's {} appointments", short(tenant), truth.len()),
        evidence,
    )
}

/// The last run's exit code.
pub fn exit_code(ev: &Evidence, expected: i32) -> CheckResult {
    let run = ev.runs.last();
    let got = run.and_then(|r| r.exit_code);
    let evidence = match run {
        Some(r) if r.timed_out => "the client was killed at the time limit".to_owned(),
        _ => format!("exit code {}", got.map_or("none".to_owned(), |c| c.to_string())),
    };
    CheckResult::new(&format!("exits {expected}"), got == Some(expected), format!("exit code {expected}"), evidence)
}

/// Every output line is a contract line.
pub fn output_well_formed(ev: &Evidence) -> CheckResult {
    let first = ev.output_errors.first();
    CheckResult::new(
        "writes only well-formed output lines",
        first.is_none(),
        "every output line is {\"tenant\", \"resource\": Appointment}",
        match first {
            Some((line, why)) => format!("output line {line}: {why} ({} bad lines)", ev.output_errors.len()),
            None => format!("{} output lines, all well formed", ev.output.len()),
        },
    )
}

/// No FHIR request to `tenant` after the first one answered with `status` (beyond `allowed`).
pub fn stops_after(ev: &Evidence, tenant: &str, status: u16, allowed: usize) -> CheckResult {
    let calls = ev.fhir_calls(tenant);
    let Some(first) = calls.iter().find(|e| e.status == status) else {
        return CheckResult::new(
            &format!("stops calling {} after its {status}", short(tenant)),
            false,
            format!("a {status} from {} in the journal", short(tenant)),
            "the emulator never answered it (the fault did not trigger)",
        );
    };
    let later: Vec<_> =
        ev.journal.iter().filter(|e| e.seq > first.seq && e.tenant.as_deref() == Some(tenant)).collect();
    CheckResult::new(
        &format!("stops calling {} after its {status}", short(tenant)),
        later.len() <= allowed,
        format!("at most {allowed} request(s) to {} after {}", short(tenant), cite(first)),
        match later.first() {
            Some(e) => format!("{} request(s) after {}; the first is {}", later.len(), cite(first), cite(e)),
            None => format!("none after {}", cite(first)),
        },
    )
}

/// Neither the secret, the Basic value nor any JWT appears in the logs or the output, nor any
/// credential in a URL.
pub fn credential_hygiene(ev: &Evidence) -> Vec<CheckResult> {
    let logs = ev.logs();
    let output: String = ev.output.iter().map(|l| l.resource.to_string()).collect();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", ev.client_id, ev.client_secret));
    let leaked_line = |text: &str, needle: &str| text.lines().position(|l| l.contains(needle)).map(|n| n + 1);
    let secret = leaked_line(&logs, &ev.client_secret);
    let basic_line = leaked_line(&logs, &basic);
    let jwt_line = logs.lines().position(has_jwt).map(|n| n + 1);
    let in_urls: Vec<_> = ev
        .journal
        .iter()
        .filter(|e| {
            e.query.as_deref().is_some_and(|q| {
                q.contains(&ev.client_secret) || q.contains("access_token") || q.contains("client_secret") || has_jwt(q)
            })
        })
        .collect();
    vec![
        CheckResult::new(
            "never prints the secret or the Basic credentials",
            secret.is_none() && basic_line.is_none(),
            "no log line holds the client secret or the Basic value",
            match (secret, basic_line) {
                (Some(n), _) => format!("log line {n} holds the client secret"),
                (_, Some(n)) => format!("log line {n} holds the Basic value"),
                _ => format!("{} log lines checked", logs.lines().count()),
            },
        ),
        CheckResult::new(
            "never prints an access token",
            jwt_line.is_none() && !has_jwt(&output),
            "no log line or output line holds a JWT",
            jwt_line.map_or_else(|| "no JWT in logs or output".to_owned(), |n| format!("log line {n} holds a JWT")),
        ),
        CheckResult::new(
            "never puts a credential in a URL",
            in_urls.is_empty(),
            "no request URL carries a secret or a token",
            in_urls.first().map_or_else(|| format!("{} requests checked", ev.journal.len()), |e| cite(e)),
        ),
    ]
}

/// Every FHIR request accepts FHIR JSON.
pub fn accept_header(ev: &Evidence) -> CheckResult {
    let fhir: Vec<_> = ev.journal.iter().filter(|e| e.path.contains("/dstu2/")).collect();
    let bad: Vec<_> = fhir
        .iter()
        .filter(|e| {
            !e.accept.as_deref().is_some_and(|a| a.contains("application/json+fhir") || a.contains("application/json"))
        })
        .collect();
    CheckResult::new(
        "sends Accept: application/json+fhir",
        !fhir.is_empty() && bad.is_empty(),
        "every FHIR request accepts application/json+fhir or application/json",
        bad.first().map_or_else(
            || format!("{} FHIR requests", fhir.len()),
            |e| format!("{} sent Accept {:?}", cite(e), e.accept),
        ),
    )
}

/// Later pages are requested with the server's own `next` links (which carry a page token), never
/// built (page/offset parameters), and none is refused.
pub fn follows_next_links(ev: &Evidence) -> CheckResult {
    follows_links(ev, true)
}

/// [`follows_next_links`]; `require_pages` when the data surely spans pages.
pub fn follows_links(ev: &Evidence, require_pages: bool) -> CheckResult {
    let searches: Vec<_> = ev.journal.iter().filter(|e| e.path.ends_with("/Appointment")).collect();
    let linked = |q: &str| q.contains("pageContext=");
    let built: Vec<_> = searches
        .iter()
        .filter(|e| {
            let query = e.query.as_deref().unwrap_or_default();
            !linked(query) && (query.contains("page") || query.contains("offset") || query.contains("_getpages"))
        })
        .collect();
    let pages = searches.iter().filter(|e| e.query.as_deref().is_some_and(linked)).count();
    let invalid: Vec<_> = searches.iter().filter(|e| e.status == 400).collect();
    CheckResult::new(
        "follows next links as given",
        built.is_empty() && invalid.is_empty() && (pages > 0 || !require_pages),
        "every later page requested with the server's own next link, none refused",
        match (built.first(), invalid.first()) {
            (Some(e), _) => format!("{} looks built, not followed", cite(e)),
            (None, Some(e)) => format!("{} was refused", cite(e)),
            _ => format!("{pages} pages followed by link over {} searches", searches.len()),
        },
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

/// The first 8 characters of a tenant id, for readable evidence.
pub fn short(tenant: &str) -> &str {
    tenant.get(..8).unwrap_or(tenant)
}

#[cfg(test)]
mod tests {
    use super::has_jwt;

    #[test]
    fn jwts_are_told_apart_from_page_tokens() {
        assert!(has_jwt("Authorization: Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"));
        assert!(!has_jwt("-pageContext=eyJ0IjoiYSJ9.c2ln&-pageDirection=NEXT"));
        assert!(!has_jwt("nothing here"));
    }
}
