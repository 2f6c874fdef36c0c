//! Signing in as a system account: the token URL is discovered from the tenant's `metadata`
//! (SMART `oauth-uris`, the same extension in DSTU2's Conformance and R4's CapabilityStatement),
//! with the tenant's FHIR version (`fhirVersion`), then a token is requested with client_secret_basic or private_key_jwt
//! (RFC 7523, signed RS384/ES384) and reused until shortly before it expires. The secret goes to
//! the token URL only; the token is kept as a [`Secret`] and never logged.

use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use url::Url;

use crate::config::{Credentials, JwtAlg};
use crate::fhir_version::{FhirVersion, METADATA_ACCEPT};
use crate::guard::trusted_token_url;
use crate::http::{Auth, Effort, Failure, Http};
use crate::secret::Secret;

const OAUTH_URIS: &str = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Why a tenant could not be signed in to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The tenant refused the account (`invalid_grant`, `unauthorized_client`): not approved, or
    /// none of the scopes registered. Report and skip the tenant.
    #[error("the tenant refused the account: {0}")]
    Rejected(String),
    /// The credentials themselves were refused (`invalid_client`).
    #[error("the credentials were refused: {0}")]
    BadCredentials(String),
    /// The tenant's metadata could not be read or names no SMART token URL or known FHIR version.
    #[error("discovery failed: {0}")]
    Discovery(String),
    /// The token was issued without the Appointment read scope (the tenant grants less than the
    /// account registered): the granted scope, as shown.
    #[error("the token grants {0:?}, without system/Appointment.read")]
    NotGranted(String),
    /// The `private_key_jwt` assertion could not be signed (a key that does not fit the algorithm).
    #[error("cannot sign the client assertion: {0}")]
    Assertion(String),
    /// The metadata or token request itself failed (status, network, throttling).
    #[error(transparent)]
    Http(Failure),
}

/// Finds the token URL in a DSTU2 Conformance statement or an R4 CapabilityStatement.
pub fn token_url_from_metadata(conformance: &Value) -> Option<Url> {
    let extensions = conformance["rest"][0]["security"]["extension"].as_array()?;
    let oauth = extensions.iter().find(|e| e["url"] == OAUTH_URIS)?;
    let token = oauth["extension"].as_array()?.iter().find(|e| e["url"] == "token")?;
    Url::parse(token["valueUri"].as_str()?).ok()
}

/// One tenant's sign-in: its token URL (discovered once) and its current token.
#[derive(Debug)]
pub struct TenantAuth {
    token_url: Option<Url>,
    version: Option<FhirVersion>,
    /// The Appointment search the tenant's metadata offers, read at discovery.
    offer: Option<Result<crate::capability::Offer, String>>,
    token: Option<(Secret, Instant)>,
    /// Tokens requested for this tenant in this run.
    pub tokens_requested: u64,
}

impl TenantAuth {
    /// A tenant not yet discovered and without a token.
    pub fn new() -> Self {
        Self { token_url: None, version: None, offer: None, token: None, tokens_requested: 0 }
    }

    /// [`TenantAuth::discover_with`] trusting Cerner's authorization server besides the base's own
    /// origin ([`DEFAULT_TRUSTED_TOKEN_HOSTS`](crate::config::DEFAULT_TRUSTED_TOKEN_HOSTS)). The flag
    /// is kept for existing callers; the rule no longer depends on it: an `http://` token URL is
    /// trusted only on the FHIR base's own origin.
    pub async fn discover(
        &mut self,
        http: &Http,
        fhir_base: &Url,
        _allow_insecure_http: bool,
        effort: &mut Effort,
    ) -> Result<Url, AuthError> {
        self.discover_with(http, fhir_base, &crate::config::default_trusted_token_hosts(), effort).await
    }

    /// The token URL, from `{fhir_base}metadata` the first time, with the tenant's FHIR version
    /// ([`TenantAuth::version`]). The version must be one the client speaks, and the token URL
    /// must pass [`trusted_token_url`]: the FHIR base's own origin, or https on a host of
    /// `trusted_hosts`; otherwise nothing is ever sent to it.
    pub async fn discover_with(
        &mut self,
        http: &Http,
        fhir_base: &Url,
        trusted_hosts: &[String],
        effort: &mut Effort,
    ) -> Result<Url, AuthError> {
        if let Some(url) = &self.token_url {
            return Ok(url.clone());
        }
        let metadata = fhir_base.join("metadata").map_err(|e| AuthError::Discovery(e.to_string()))?;
        let (conformance, _) =
            http.get_json_accepting(&metadata, METADATA_ACCEPT, Auth::None, effort).await.map_err(AuthError::Http)?;
        let version = FhirVersion::from_metadata(&conformance).map_err(|e| AuthError::Discovery(e.to_string()))?;
        let url = token_url_from_metadata(&conformance)
            .ok_or_else(|| AuthError::Discovery("the metadata has no SMART token URL".into()))?;
        trusted_token_url(fhir_base, &url, trusted_hosts).map_err(|e| AuthError::Discovery(e.to_string()))?;
        self.version = Some(version);
        self.offer = Some(crate::capability::appointment_offer(&conformance, version));
        self.token_url = Some(url.clone());
        Ok(url)
    }

    /// The Appointment search the tenant's metadata offers, once discovered.
    pub fn offer(&self) -> Option<&Result<crate::capability::Offer, String>> {
        self.offer.as_ref()
    }

    /// The token URL, once discovered.
    pub fn token_url(&self) -> Option<&Url> {
        self.token_url.as_ref()
    }

    /// The tenant's FHIR version, once discovered.
    pub fn version(&self) -> Option<FhirVersion> {
        self.version
    }

    /// The current token, or a new one when there is none or it is about to expire.
    pub async fn token(
        &mut self,
        http: &Http,
        credentials: &Credentials,
        scopes: &str,
        margin: Duration,
        effort: &mut Effort,
    ) -> Result<Secret, AuthError> {
        if let Some((token, _)) = self.token.as_ref().filter(|(_, renew_at)| Instant::now() < *renew_at) {
            return Ok(token.clone());
        }
        let url = self.token_url.clone().ok_or_else(|| AuthError::Discovery("no token URL yet".into()))?;
        let (token, lifetime) = request_token(http, &url, credentials, scopes, effort).await?;
        self.tokens_requested += 1;
        let now = Instant::now();
        self.token = Some((token.clone(), now.checked_add(renew_after(lifetime, margin)).unwrap_or(now)));
        Ok(token)
    }

    /// Forgets the token after the server said it is no longer valid.
    pub fn invalidate(&mut self) {
        self.token = None;
    }
}

impl Default for TenantAuth {
    fn default() -> Self {
        Self::new()
    }
}

async fn request_token(
    http: &Http,
    url: &Url,
    credentials: &Credentials,
    scopes: &str,
    effort: &mut Effort,
) -> Result<(Secret, Duration), AuthError> {
    let answer = match credentials {
        Credentials::ClientSecret { client_id, secret } => {
            let form = [("grant_type", "client_credentials"), ("scope", scopes)];
            let auth = Auth::Basic { user: client_id, password: secret.expose() };
            http.post_form(url, &form, auth, effort).await
        }
        Credentials::PrivateKeyJwt { client_id, key_pem, kid, alg } => {
            let assertion = assertion(client_id, key_pem, kid.as_deref(), *alg, url)?;
            let form = [
                ("grant_type", "client_credentials"),
                ("scope", scopes),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", assertion.expose()),
            ];
            http.post_form(url, &form, Auth::None, effort).await
        }
    };
    let (body, _) = answer.map_err(token_failure)?;
    let token = body["access_token"].as_str().filter(|t| !t.is_empty()).ok_or_else(|| {
        AuthError::Http(Failure::Malformed { reason: "the token answer has no access_token".into(), request_id: None })
    })?;
    crate::capability::grants_appointments(&body).map_err(AuthError::NotGranted)?;
    Ok((Secret::new(token), expires_in(&body["expires_in"])))
}

/// The lifetime assumed when `expires_in` is missing, zero, negative or unreadable: Cerner's
/// tokens live about ten minutes, and a `401` still gets one new token.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(300);
/// The longest lifetime believed (10^19 s would overflow any clock).
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// `expires_in` (RFC 6749 §5.1, seconds) as a lifetime in `1 s ..= MAX_TOKEN_LIFETIME`: a positive
/// number (a fraction is cut) or a string of digits; anything else is [`DEFAULT_TOKEN_LIFETIME`].
pub fn expires_in(value: &Value) -> Duration {
    let seconds = match value {
        Value::Number(n) => {
            n.as_u64().or_else(|| n.as_f64().filter(|f| *f >= 1.0).map(|f| f.min(u64::MAX as f64) as u64))
        }
        Value::String(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            Some(text.parse::<u64>().unwrap_or(u64::MAX))
        }
        _ => None,
    };
    match seconds.filter(|s| *s > 0) {
        Some(seconds) => Duration::from_secs(seconds).min(MAX_TOKEN_LIFETIME),
        None => {
            tracing::warn!("the token answer has no usable expires_in; assuming {}s", DEFAULT_TOKEN_LIFETIME.as_secs());
            DEFAULT_TOKEN_LIFETIME
        }
    }
}

/// How long a token is used before a new one is asked for: its lifetime less the refresh margin,
/// or, when the lifetime is not longer than the margin, its whole lifetime (asking for a new token
/// before every request would not give a longer-lived one).
pub fn renew_after(lifetime: Duration, margin: Duration) -> Duration {
    if lifetime > margin { lifetime - margin } else { lifetime }
}

/// Maps the token endpoint's refusals (RFC 6749 §5.2) to what the caller must do.
fn token_failure(failure: Failure) -> AuthError {
    let error_code = |message: &str| {
        serde_json::from_str::<Value>(message).ok().and_then(|v| v["error"].as_str().map(str::to_owned))
    };
    // Cerner names the cause in the error_uri's URN (`…:oauth2:token:empty-scopes`).
    // Without an error_uri, unauthorized_client is taken as the scopes' (the common cause).
    let other_cause = |message: &str| {
        serde_json::from_str::<Value>(message)
            .ok()
            .and_then(|v| v["error_uri"].as_str().map(str::to_owned))
            .is_some_and(|uri| {
                let uri = uri.to_ascii_lowercase();
                !(uri.contains("empty-scopes") || uri.contains("empty%2dscopes"))
            })
    };
    match &failure {
        Failure::Status { status: 400, message, .. } => match error_code(message).as_deref() {
            Some("unauthorized_client") if other_cause(message) => {
                AuthError::Rejected("unauthorized_client: client".to_owned())
            }
            Some(code @ ("invalid_grant" | "unauthorized_client")) => AuthError::Rejected(code.to_owned()),
            Some(code) => AuthError::BadCredentials(code.to_owned()),
            None => AuthError::Http(failure),
        },
        Failure::InvalidToken { .. } => AuthError::BadCredentials("invalid_client".into()),
        _ => AuthError::Http(failure),
    }
}

/// A client assertion valid for four minutes (SMART Backend Services: at most five).
fn assertion(
    client_id: &str,
    key_pem: &Secret,
    kid: Option<&str>,
    alg: JwtAlg,
    token_url: &Url,
) -> Result<Secret, AuthError> {
    let (algorithm, key) = match alg {
        JwtAlg::RS384 => (Algorithm::RS384, EncodingKey::from_rsa_pem(key_pem.expose().as_bytes())),
        JwtAlg::ES384 => (Algorithm::ES384, EncodingKey::from_ec_pem(key_pem.expose().as_bytes())),
    };
    let key = key.map_err(|_| AuthError::Assertion("the private key does not fit the algorithm".into()))?;
    let mut header = Header::new(algorithm);
    header.kid = kid.map(str::to_owned);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = json!({
        "iss": client_id, "sub": client_id, "aud": token_url.as_str(),
        "iat": now, "exp": now + 240, "jti": uuid::Uuid::new_v4().to_string(),
    });
    jsonwebtoken::encode(&header, &claims, &key).map(Secret::new).map_err(|e| AuthError::Assertion(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_url_is_found_in_cerner_metadata() {
        let conformance = json!({ "rest": [{ "security": { "extension": [{
            "url": OAUTH_URIS,
            "extension": [
                { "url": "token", "valueUri": "https://authorization.cerner.com/tenants/t/protocols/oauth2/profiles/smart-v1/token" },
                { "url": "authorize", "valueUri": "https://authorization.cerner.com/x" }
            ]
        }]}}]});
        let url = token_url_from_metadata(&conformance).unwrap();
        assert_eq!(url.path(), "/tenants/t/protocols/oauth2/profiles/smart-v1/token");
        assert!(token_url_from_metadata(&json!({ "rest": [{ "security": { "cors": true } }] })).is_none());
    }

    #[test]
    fn refusals_of_the_tenant_are_told_apart_from_bad_credentials() {
        let status = |body: &str| Failure::Status { status: 400, message: body.into(), request_id: None };
        assert_eq!(token_failure(status(r#"{"error":"invalid_grant"}"#)), AuthError::Rejected("invalid_grant".into()));
        assert_eq!(
            token_failure(status(r#"{"error":"unsupported_grant_type"}"#)),
            AuthError::BadCredentials("unsupported_grant_type".into())
        );
        assert_eq!(
            token_failure(Failure::InvalidToken { request_id: None }),
            AuthError::BadCredentials("invalid_client".into())
        );
    }

    #[test]
    fn unauthorized_client_for_scopes_is_told_apart_from_a_refused_client() {
        let status = |body: &str| Failure::Status { status: 400, message: body.into(), request_id: None };
        let scopes = r#"{"error":"unauthorized_client","error_uri":"http://a/errors/urn%3Acerner%3Aerror%3Aauthorization%2Dserver%3Aoauth2%3Atoken%3Aempty%2Dscopes/instances/1"}"#;
        assert_eq!(token_failure(status(scopes)), AuthError::Rejected("unauthorized_client".into()));
        assert_eq!(
            token_failure(status(r#"{"error":"unauthorized_client"}"#)),
            AuthError::Rejected("unauthorized_client".into())
        );
        let limited = r#"{"error":"unauthorized_client","error_uri":"http://a/errors/urn%3Acerner%3Aerror%3Aauthorization%2Dserver%3Aoauth2%3Atoken%3Alimited%2Dapplication/instances/1"}"#;
        assert_eq!(token_failure(status(limited)), AuthError::Rejected("unauthorized_client: client".into()));
    }

    #[test]
    fn expires_in_is_read_leniently_and_clamped() {
        let cases = [
            (json!(570), 570),
            (json!("570"), 570),
            (json!(570.9), 570),
            (json!(0), 300),
            (json!(-5), 300),
            (json!("soon"), 300),
            (json!(null), 300),
            (json!(10_000_000_000_000_000_000u64), 86_400),
            (json!(1e300), 86_400),
            (json!("99999999999999999999999"), 86_400),
        ];
        for (value, seconds) in cases {
            assert_eq!(expires_in(&value), Duration::from_secs(seconds), "{value}");
        }
    }

    #[test]
    fn a_token_shorter_than_the_margin_is_used_for_its_lifetime() {
        let margin = Duration::from_secs(60);
        assert_eq!(renew_after(Duration::from_secs(570), margin), Duration::from_secs(510));
        assert_eq!(renew_after(Duration::from_secs(30), margin), Duration::from_secs(30));
        assert_eq!(renew_after(Duration::from_secs(60), margin), Duration::from_secs(60));
    }

    proptest::proptest! {
        #[test]
        fn expires_in_never_panics_and_stays_in_range(text in "\\PC{0,30}", number in proptest::num::f64::ANY, int in proptest::prelude::any::<i64>(), uint in proptest::prelude::any::<u64>()) {
            let values = [json!(text), json!(number), json!(int), json!(uint), serde_json::from_str::<Value>(&text).unwrap_or(Value::Null)];
            for value in values {
                let lifetime = expires_in(&value);
                proptest::prop_assert!(lifetime >= Duration::from_secs(1) && lifetime <= MAX_TOKEN_LIFETIME, "{value}: {lifetime:?}");
                let now = Instant::now();
                proptest::prop_assert!(now.checked_add(renew_after(lifetime, Duration::from_secs(300))).is_some());
            }
        }
    }
}
