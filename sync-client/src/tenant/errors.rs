//! How a tenant's sync ends when something goes wrong, in words that say what to fix: every
//! failed request names its method and URL (without the query, which may carry a page token), a
//! 404 on the metadata asks whether `fhir_base` is right, `invalid_grant` names the tenant and the
//! client id that it has not approved, and a DSTU2 base that refuses system accounts points at the
//! tenant's R4 base.

use url::Url;

use super::Outcome;
use crate::auth::AuthError;
use crate::config::{Credentials, SyncConfig, TenantConfig};
use crate::fhir_version::FhirVersion;
use crate::http::Failure;

/// A request the sync made, as its failures name it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Request<'a> {
    pub method: &'static str,
    pub url: &'a Url,
}

impl std::fmt::Display for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, shown_url(self.url))
    }
}

/// A URL as messages show it: scheme, host, port and path; no query, fragment or user info.
pub fn shown_url(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

pub(super) fn failed(reason: impl Into<String>) -> Outcome {
    Outcome::Failed { reason: reason.into(), request_id: None }
}

pub(super) fn failed_with(reason: &str, request_id: Option<&str>) -> Outcome {
    tracing::error!(request_id = request_id.unwrap_or("-"), "{reason}");
    Outcome::Failed { reason: reason.to_owned(), request_id: request_id.map(str::to_owned) }
}

/// A request that failed, named with its URL.
pub(super) fn stop_on(failure: Failure, request: Request<'_>) -> Outcome {
    let request_id = failure.request_id().map(str::to_owned);
    let reason = format!("{request}: {failure}");
    tracing::error!(request_id = request_id.as_deref().unwrap_or("-"), "{reason}");
    Outcome::Failed { reason, request_id }
}

fn client_id(credentials: &Credentials) -> &str {
    match credentials {
        Credentials::ClientSecret { client_id, .. } | Credentials::PrivateKeyJwt { client_id, .. } => client_id,
    }
}

/// A failed sign-in (discovery or token request).
pub(super) fn auth_stop(error: AuthError, tenant: &TenantConfig, config: &SyncConfig, request: Request<'_>) -> Outcome {
    let (id, client) = (&tenant.id, client_id(&config.credentials));
    match error {
        AuthError::Rejected(code) if code == "invalid_grant" => Outcome::Rejected {
            reason: format!(
                "tenant {id} has not approved client id {client} (the token endpoint answered invalid_grant): the \
                 hospital must approve this system account for the tenant"
            ),
        },
        AuthError::Rejected(code) if code == "unauthorized_client" => Outcome::Rejected {
            reason: format!(
                "tenant {id} grants client id {client} none of the scopes asked for ({}) (unauthorized_client): \
                 check `scopes` against the account's registration",
                config.scopes.join(" ")
            ),
        },
        AuthError::Rejected(code) if code == "unauthorized_client: client" => Outcome::Rejected {
            reason: format!(
                "the authorization server refuses client id {client} at tenant {id} (unauthorized_client, not for its \
                 scopes): the app may still be LIMITED in the code console; no request was retried"
            ),
        },
        AuthError::NotGranted(scope) => Outcome::Rejected {
            reason: format!(
                "tenant {id} granted client id {client} only {scope:?}, without system/Appointment.read: the \
                 hospital must grant the Appointment scope; no Appointment search was sent"
            ),
        },
        AuthError::Rejected(reason) => Outcome::Rejected { reason },
        AuthError::Http(Failure::Forbidden { message, .. }) => forbidden(&message, None, tenant),
        AuthError::Http(Failure::Status { status: 404, request_id, .. })
            if request.url.path().ends_with("/metadata") =>
        {
            let reason = format!(
                "{request} answered 404 Not Found: is fhir_base right? Tenant {id}'s fhir_base is {}; it must be the \
                 tenant's FHIR base, such as https://fhir-ehr.cerner.com/r4/{id}/",
                tenant.fhir_base
            );
            failed_with(&reason, request_id.as_deref())
        }
        AuthError::Http(failure) => stop_on(failure, request),
        other => failed(format!("{request}: {other}")),
    }
}

/// A 403: the tenant refused the account. On DSTU2, a refusal of system accounts (production
/// tenants serve them on R4 only) becomes one sentence pointing at the tenant's R4 base; otherwise
/// the server's OperationOutcome is shown as its diagnostics, not as JSON.
pub(super) fn forbidden(message: &str, version: Option<FhirVersion>, tenant: &TenantConfig) -> Outcome {
    let diagnostics = outcome_diagnostics(message);
    let text = diagnostics.as_deref().unwrap_or(message);
    if version == Some(FhirVersion::Dstu2) && text.contains("DSTU2") {
        let r4 = r4_base(&tenant.fhir_base).map_or_else(|| "its R4 base".to_owned(), |url| url.to_string());
        return Outcome::Rejected {
            reason: format!(
                "tenant {} does not accept system accounts on DSTU2 (403); production tenants serve them on R4 only: \
                 set its fhir_base to {r4}",
                tenant.id
            ),
        };
    }
    Outcome::Rejected { reason: format!("403 Forbidden: {text}") }
}

/// The diagnostics (or `details.text`) of an OperationOutcome's issues, joined; `None` when
/// `message` is not an OperationOutcome.
fn outcome_diagnostics(message: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(message).ok()?;
    if value["resourceType"] != "OperationOutcome" {
        return None;
    }
    let texts: Vec<&str> = value["issue"]
        .as_array()?
        .iter()
        .filter_map(|issue| issue["diagnostics"].as_str().or(issue["details"]["text"].as_str()))
        .collect();
    (!texts.is_empty()).then(|| texts.join("; "))
}

/// The R4 base beside a DSTU2 base: `/dstu2/` becomes `/r4/` and Cerner's DSTU2 host
/// `fhir-ehr-code.cerner.com` becomes `fhir-ehr.cerner.com`.
pub fn r4_base(dstu2: &Url) -> Option<Url> {
    let path = dstu2.path();
    let at = path.find("/dstu2/")?;
    let mut r4 = dstu2.clone();
    r4.set_path(&format!("{}/r4/{}", &path[..at], &path[at + "/dstu2/".len()..]));
    if r4.host_str() == Some("fhir-ehr-code.cerner.com") {
        r4.set_host(Some("fhir-ehr.cerner.com")).ok()?;
    }
    Some(r4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dstu2_base_has_its_r4_base_beside_it() {
        let r4 = |text: &str| r4_base(&Url::parse(text).unwrap()).map(|u| u.to_string());
        assert_eq!(
            r4("https://fhir-ehr-code.cerner.com/dstu2/ec2458f2-1e24-41c8-b71b-0e701af7583d/").as_deref(),
            Some("https://fhir-ehr.cerner.com/r4/ec2458f2-1e24-41c8-b71b-0e701af7583d/")
        );
        assert_eq!(r4("http://127.0.0.1:8080/dstu2/t1/").as_deref(), Some("http://127.0.0.1:8080/r4/t1/"));
        assert_eq!(r4("http://127.0.0.1:8080/r4/t1/"), None);
    }

    #[test]
    fn urls_are_shown_without_query_fragment_or_user_info() {
        let url = Url::parse("https://user:pw@fhir.example/dstu2/t1/Appointment?-pageContext=secret#x").unwrap();
        assert_eq!(shown_url(&url), "https://fhir.example/dstu2/t1/Appointment");
    }
}
