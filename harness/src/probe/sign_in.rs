//! Signing in to a server for the probes, the way the reference sync client does it: the token URL
//! discovered from the FHIR base's metadata, then a client-credentials token from it. `record`,
//! the emulator's side of `diff` and the sandbox's server probes all sign in through here.

use appointment_sync::auth::{AuthError, TenantAuth};
use appointment_sync::config::{Credentials, SyncLimits};
use appointment_sync::http::{BuildError, Effort, Http};
use appointment_sync::secret::Secret;
use url::Url;

use crate::version::FhirVersion;

/// Read access to every resource the probes touch.
pub const PROBE_SCOPES: &str = "system/Appointment.read system/Patient.read system/Practitioner.read \
     system/Schedule.read system/Slot.read system/Encounter.read";

/// The scopes the probes of `version` need: R4 also reads Location (an R4-only resource).
pub fn probe_scopes(version: FhirVersion) -> String {
    match version {
        FhirVersion::Dstu2 => PROBE_SCOPES.to_owned(),
        FhirVersion::R4 => format!("{PROBE_SCOPES} system/Location.read"),
    }
}

/// A signed-in session: the client that signed in, where it found the token URL, and the token.
#[derive(Debug)]
pub struct SignedIn {
    /// The HTTP client that signed in, reused for the probes.
    pub http: Http,
    /// The token URL found in the base's metadata.
    pub token_url: Url,
    /// The access token; never logged or recorded.
    pub token: Secret,
}

/// Which step of the sign-in failed. A failed discovery is told apart from a refused token because
/// the sandbox's probes judge them as two checks.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The FHIR base is not a URL.
    #[error("{base} is not a URL: {source}")]
    Base {
        /// The base as given.
        base: String,
        /// Why it does not parse.
        source: url::ParseError,
    },
    /// The HTTP client could not be built.
    #[error(transparent)]
    Client(#[from] BuildError),
    /// The base's metadata could not be read or names no token URL.
    #[error(transparent)]
    Discovery(AuthError),
    /// The token URL was found (`token_url`), and the token request failed.
    #[error("{source}")]
    Token {
        /// The discovered token URL.
        token_url: Url,
        /// Why the token request failed.
        source: AuthError,
    },
}

/// Discovers the token URL of `fhir_base` and asks it for a token with `scopes`.
pub async fn sign_in(fhir_base: &str, client_id: &str, secret: &str, scopes: &str) -> Result<SignedIn, SignInError> {
    let fhir_base = Url::parse(fhir_base).map_err(|source| SignInError::Base { base: fhir_base.to_owned(), source })?;
    let http = Http::new(&SyncLimits::default())?;
    let (mut auth, mut effort) = (TenantAuth::new(), Effort::default());
    let token_url = auth.discover(&http, &fhir_base, false, &mut effort).await.map_err(SignInError::Discovery)?;
    let credentials =
        Credentials::ClientSecret { client_id: client_id.to_owned(), secret: Secret::new(secret.to_owned()) };
    let token = auth
        .token(&http, &credentials, scopes, std::time::Duration::ZERO, &mut effort)
        .await
        .map_err(|source| SignInError::Token { token_url: token_url.clone(), source })?;
    Ok(SignedIn { http, token_url, token })
}

#[cfg(test)]
mod tests {
    use cerner_mock::{MockServer, Profile, ServerConfig};

    use super::*;
    use crate::runner::CLIENT_ID;
    use crate::scenario::SANDBOX;

    #[tokio::test]
    async fn each_failed_step_is_told_apart() {
        let server = MockServer::start(ServerConfig::new(Profile::embedded_default())).await.unwrap();
        let base = format!("{}/dstu2/{SANDBOX}/", server.origin());
        let session = sign_in(&base, CLIENT_ID, cerner_mock::defaults::CLIENT_SECRET, PROBE_SCOPES).await.unwrap();
        assert_eq!(session.token_url.host_str(), Some("127.0.0.1"));
        match sign_in(&base, CLIENT_ID, "not-the-secret", PROBE_SCOPES).await {
            Err(SignInError::Token { token_url, .. }) => assert_eq!(token_url, session.token_url),
            other => panic!("expected a refused token, got {other:?}"),
        }
        let nowhere = format!("{}/nowhere/", server.origin());
        assert!(matches!(sign_in(&nowhere, CLIENT_ID, "secret", PROBE_SCOPES).await, Err(SignInError::Discovery(_))));
        assert!(matches!(sign_in("not a url", CLIENT_ID, "secret", PROBE_SCOPES).await, Err(SignInError::Base { .. })));
        server.shutdown().await.unwrap();
    }
}
