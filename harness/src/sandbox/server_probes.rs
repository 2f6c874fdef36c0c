//! The sandbox's server probes: does the real server answer discovery and two refusals as the
//! emulator does? Asked directly, not through the recording proxy, so they spend none of the
//! client's request budget.

use appointment_sync::http;

use super::SandboxConfig;
use crate::probe::{SignInError, SignedIn, sign_in};
use crate::verdict::CheckResult;
use crate::version::FhirVersion;

/// Discovery and two refusals, asked directly (not through the proxy, not counted in the budget).
pub(super) async fn server_probes(config: &SandboxConfig) -> Vec<CheckResult> {
    let signed_in =
        sign_in(config.fhir_base.as_str(), &config.client_id, &config.client_secret, "system/Appointment.read").await;
    let discovered = match &signed_in {
        Ok(SignedIn { token_url, .. }) | Err(SignInError::Token { token_url, .. }) => {
            Ok(format!("token URL on {}", token_url.host_str().unwrap_or("?")))
        }
        Err(SignInError::Discovery(e)) => Err(e.to_string()),
        Err(e @ (SignInError::Base { .. } | SignInError::Client(_))) => {
            let why = format!("cannot make the HTTP client: {e}");
            return vec![CheckResult::new("the server probes run", false, "an HTTP client for the probes", why)];
        }
    };
    let mut checks = vec![CheckResult::new(
        "metadata names a SMART token URL",
        discovered.is_ok(),
        "rest[0].security has the oauth-uris token extension",
        discovered.unwrap_or_else(|why| why),
    )];
    let Ok(session) = signed_in else {
        checks.push(CheckResult::new(
            "the account signs in",
            false,
            "a token for system/Appointment.read",
            "the token request failed",
        ));
        return checks;
    };
    let mut effort = http::Effort::default();
    for (path, status) in
        [("Appointment", 400), (unknown_resource(FhirVersion::of_base(config.fhir_base.as_str())), 404)]
    {
        let Ok(url) = config.fhir_base.join(path) else {
            checks.push(CheckResult::new(&format!("GET {path} answers {status}"), false, "a probe URL", "no URL"));
            continue;
        };
        let answer = session.http.get_json(&url, http::Auth::Bearer(session.token.expose()), &mut effort).await;
        let got = match &answer {
            Ok(_) => 200,
            Err(failure) => status_of(failure),
        };
        checks.push(CheckResult::new(
            &format!("GET {path} answers {status}"),
            got == status,
            format!("status {status}"),
            format!("status {got}"),
        ));
    }
    checks
}

/// A read that finds nothing, within the probes' `system/Appointment.read`: on R4, where Location
/// is a resource and needs its own scope (a read of it without one is `403`), an Appointment id no
/// server hands out.
fn unknown_resource(version: FhirVersion) -> &'static str {
    match version {
        FhirVersion::Dstu2 => "Location/1",
        FhirVersion::R4 => "Appointment/1",
    }
}

/// The HTTP status a failed request was answered with, 0 when there was no single answer (the
/// retries ran out, or the body was not JSON).
fn status_of(failure: &http::Failure) -> u16 {
    failure.status().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_judged_by_its_status_not_by_its_message() {
        let refused = |status| http::Failure::Status { status, message: "404: x".into(), request_id: None };
        assert_eq!(status_of(&refused(400)), 400);
        assert_eq!(status_of(&http::Failure::Forbidden { message: "400".into(), request_id: None }), 403);
        assert_eq!(status_of(&http::Failure::InvalidToken { request_id: None }), 401);
        let exhausted = http::Failure::Exhausted { attempts: 3, last: "404: x".into(), request_id: None };
        assert_eq!(status_of(&exhausted), 0, "no single answer");
    }
}
