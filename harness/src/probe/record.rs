//! Running the probes: against any FHIR base (`record`), or against an in-process emulator with the
//! default profile (`emulator_answers`), so both sides of a diff come from the same requests.

use std::time::Duration;

use cerner_mock::{MockServer, Profile, ServerConfig, StartError};
use reqwest::header::{ACCEPT, CONTENT_TYPE};

use super::sign_in::{SignInError, probe_scopes, sign_in};
use super::{Base, KEPT_HEADERS, Probe, Recorded, RecordedRequest, probes};
use crate::version::FhirVersion;

/// The sandbox tenant of fhir.cerner.com, which the default profile also serves.
use cerner_mock::defaults::SANDBOX_TENANT;
/// The default profile's system account (its secret is the profile's default, not a real one).
use cerner_mock::defaults::{CLIENT_ID as EMULATOR_CLIENT_ID, CLIENT_SECRET as EMULATOR_SECRET};
/// A real sandbox can be slow; a probe that hangs longer than this is recorded as an error.
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the probes could not be run. A probe the server answers with an error status is not one of
/// these: that answer is recorded.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The HTTP client the probes use could not be built (TLS backend).
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    /// A probe's request got no answer: connection refused, reset, TLS failure or the probe timeout.
    #[error("probe {probe}: GET {url}: {source}")]
    Request {
        /// The probe's name.
        probe: &'static str,
        /// The URL asked.
        url: String,
        /// The transport's reason.
        source: reqwest::Error,
    },
    /// A probe's answer was cut off before its body was read whole.
    #[error("probe {probe}: reading the body: {source}")]
    Body {
        /// The probe's name.
        probe: &'static str,
        /// The transport's reason.
        source: reqwest::Error,
    },
    /// The in-process emulator the probes were compared against could not be started.
    #[error("cannot start the emulator: {0}")]
    StartEmulator(#[from] StartError),
    /// The in-process emulator could not be shut down after the probes.
    #[error("cannot stop the emulator: {0}")]
    StopEmulator(#[source] std::io::Error),
    /// Signing in to the tenant failed (discovery or the token request).
    #[error("signing in to the emulator: {0}")]
    SignIn(#[from] SignInError),
}

/// The bases the probes are asked on: a tenant's secured base (its version, DSTU2 or R4, read from
/// the path as `rehearse` reads it) and, optionally, its open base for the probes asked there.
#[derive(Debug, Clone)]
pub struct Bases {
    /// The tenant's secured base (ends with `/`); the path says DSTU2 or R4.
    pub secured: String,
    /// The tenant's open base, for the probes asked without a token; `None` skips them.
    pub open: Option<String>,
}

impl Bases {
    /// The FHIR version the secured base's path names.
    pub fn version(&self) -> FhirVersion {
        FhirVersion::of_base(&self.secured)
    }

    fn of(&self, probe: &Probe) -> Option<String> {
        let base = match probe.base {
            Base::Secured => &self.secured,
            Base::Open => self.open.as_ref()?,
        };
        Some(if base.ends_with('/') { base.clone() } else { format!("{base}/") })
    }
}

/// Runs every probe of the bases' version (with `token` on secured probes when given) and returns
/// the answers; a probe on the open base is skipped when no open base is given. Only status,
/// content type and body are kept, so no token or secret reaches a recording. Probes run one after
/// another: a real sandbox rate-limits, and the list is short.
pub async fn record(bases: &Bases, token: Option<&str>) -> Result<Vec<Recorded>, ProbeError> {
    let client = reqwest::Client::builder().timeout(PROBE_TIMEOUT).build().map_err(ProbeError::Client)?;
    let version = bases.version();
    let mut answers = Vec::new();
    for probe in probes(version) {
        if let Some(base) = bases.of(&probe) {
            answers.push(run(&client, &base, version, &probe, token).await?);
        }
    }
    Ok(answers)
}

/// One probe's answer. A body that is not JSON (an HTML error page, an empty 404) is kept as null:
/// its status and content type already say what went wrong, and its text may echo the request.
/// The request is kept relative to the base (as sent, after URL normalization), with the tenant
/// the base names, so `cerner-mock --replay` can answer it.
async fn run(
    client: &reqwest::Client,
    base: &str,
    fhir_version: FhirVersion,
    probe: &Probe,
    token: Option<&str>,
) -> Result<Recorded, ProbeError> {
    let url = format!("{base}{}", probe.path);
    let mut request = client.get(&url).header(ACCEPT, probe.accept);
    if let (true, Some(token)) = (probe.secured, token) {
        request = request.bearer_auth(token);
    }
    let request =
        request.build().map_err(|source| ProbeError::Request { probe: probe.name, url: url.clone(), source })?;
    let recorded_request = recorded_request(base, probe, request.method().as_str(), request.url());
    let response = client.execute(request).await.map_err(|source| ProbeError::Request {
        probe: probe.name,
        url: url.clone(),
        source,
    })?;
    let status = response.status().as_u16();
    let header = |name: &str| response.headers().get(name).and_then(|value| value.to_str().ok()).map(str::to_owned);
    let content_type = header(CONTENT_TYPE.as_str());
    let headers = KEPT_HEADERS.iter().filter_map(|name| Some(((*name).to_owned(), header(name)?))).collect();
    let bytes = response.bytes().await.map_err(|source| ProbeError::Body { probe: probe.name, source })?;
    let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    Ok(Recorded {
        probe: probe.name.to_owned(),
        fhir_version,
        request: Some(recorded_request),
        status,
        content_type,
        headers,
        body,
    })
}

/// The request as a recording keeps it: method, base, the base's tenant (its last path segment)
/// and the path and query of `url` under the base (the probe's own path if `url` is not under it).
/// Neither the base's origin nor any header is kept.
fn recorded_request(base: &str, probe: &Probe, method: &str, url: &reqwest::Url) -> RecordedRequest {
    let base_url = reqwest::Url::parse(base).ok();
    let tenant = base_url
        .as_ref()
        .and_then(|b| b.path_segments())
        .and_then(|mut segments| segments.rfind(|s| !s.is_empty()))
        .unwrap_or_default()
        .to_owned();
    let path = base_url.as_ref().and_then(|b| url.as_str().strip_prefix(b.as_str())).unwrap_or(probe.path).to_owned();
    RecordedRequest { method: method.to_owned(), base: probe.base, tenant, path }
}

/// The emulator's answers to the probes of each of `versions`: an in-process emulator with the
/// default profile, a client-credentials token for the sandbox tenant per version (signed in to as
/// `record` signs in to a real server), then [`record`] on its secured and open bases. The emulator
/// is shut down before returning, whatever the outcome.
pub async fn emulator_answers(versions: &[FhirVersion]) -> Result<Vec<Recorded>, ProbeError> {
    let server = MockServer::start(ServerConfig::new(Profile::embedded_default())).await?;
    let origin = server.origin().trim_end_matches('/').to_owned();
    let answers = answers_of(&origin, versions).await;
    server.shutdown().await.map_err(ProbeError::StopEmulator)?;
    answers
}

async fn answers_of(origin: &str, versions: &[FhirVersion]) -> Result<Vec<Recorded>, ProbeError> {
    let mut answers = Vec::new();
    for &version in versions {
        let segment = version.segment();
        let bases = Bases {
            secured: format!("{origin}/{segment}/{SANDBOX_TENANT}/"),
            open: Some(format!("{origin}/open/{segment}/{SANDBOX_TENANT}/")),
        };
        let session = sign_in(&bases.secured, EMULATOR_CLIENT_ID, EMULATOR_SECRET, &probe_scopes(version)).await?;
        answers.extend(record(&bases, Some(session.token.expose())).await?);
    }
    Ok(answers)
}

#[cfg(test)]
mod tests;
