//! Running the probes: against any FHIR base (`record`), or against an in-process emulator with the
//! default profile (`emulator_answers`), so both sides of a diff come from the same requests.

use std::time::Duration;

use cerner_mock::{MockServer, Profile, ServerConfig, StartError};
use reqwest::header::{ACCEPT, CONTENT_TYPE};

use super::sign_in::{PROBE_SCOPES, SignInError, sign_in};
use super::{Probe, Recorded, probes};

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
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    #[error("probe {probe}: GET {url}: {source}")]
    Request { probe: &'static str, url: String, source: reqwest::Error },
    #[error("probe {probe}: reading the body: {source}")]
    Body { probe: &'static str, source: reqwest::Error },
    #[error("cannot start the emulator: {0}")]
    StartEmulator(#[from] StartError),
    #[error("cannot stop the emulator: {0}")]
    StopEmulator(#[source] std::io::Error),
    #[error("signing in to the emulator: {0}")]
    SignIn(#[from] SignInError),
}

/// Runs every probe against `fhir_base` (with `token` on secured probes when given) and returns the
/// answers. Only status, content type and body are kept, so no token or secret reaches a recording.
/// Probes run one after another: a real sandbox rate-limits, and the list is short.
pub async fn record(fhir_base: &str, token: Option<&str>) -> Result<Vec<Recorded>, ProbeError> {
    let client = reqwest::Client::builder().timeout(PROBE_TIMEOUT).build().map_err(ProbeError::Client)?;
    let base = if fhir_base.ends_with('/') { fhir_base.to_owned() } else { format!("{fhir_base}/") };
    let mut answers = Vec::new();
    for probe in probes() {
        answers.push(run(&client, &base, &probe, token).await?);
    }
    Ok(answers)
}

/// One probe's answer. A body that is not JSON (an HTML error page, an empty 404) is kept as null:
/// its status and content type already say what went wrong, and its text may echo the request.
async fn run(client: &reqwest::Client, base: &str, probe: &Probe, token: Option<&str>) -> Result<Recorded, ProbeError> {
    let url = format!("{base}{}", probe.path);
    let mut request = client.get(&url).header(ACCEPT, "application/json+fhir");
    if let (true, Some(token)) = (probe.secured, token) {
        request = request.bearer_auth(token);
    }
    let response =
        request.send().await.map_err(|source| ProbeError::Request { probe: probe.name, url: url.clone(), source })?;
    let status = response.status().as_u16();
    let content_type = response.headers().get(CONTENT_TYPE).and_then(|value| value.to_str().ok()).map(str::to_owned);
    let bytes = response.bytes().await.map_err(|source| ProbeError::Body { probe: probe.name, source })?;
    let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    Ok(Recorded { probe: probe.name.to_owned(), status, content_type, body })
}

/// The emulator's answers to the probes: an in-process emulator with the default profile, a
/// client-credentials token for the sandbox tenant (signed in to as `record` signs in to a real
/// server), then [`record`] on its secured base. The emulator is shut down before returning,
/// whatever the outcome.
pub async fn emulator_answers() -> Result<Vec<Recorded>, ProbeError> {
    let server = MockServer::start(ServerConfig::new(Profile::embedded_default())).await?;
    let origin = server.origin().trim_end_matches('/').to_owned();
    let base = format!("{origin}/dstu2/{SANDBOX_TENANT}/");
    let answers = match sign_in(&base, EMULATOR_CLIENT_ID, EMULATOR_SECRET, PROBE_SCOPES).await {
        Ok(session) => record(&base, Some(session.token.expose())).await,
        Err(e) => Err(e.into()),
    };
    server.shutdown().await.map_err(ProbeError::StopEmulator)?;
    answers
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::{Value, json};

    use super::super::{compare, documented};
    use super::*;

    /// The sandbox tenant's own fixtures (written to the shapes fhir.cerner.com documents, under the
    /// documented ids) as the documented answers of the read probes and the `_id` searches.
    fn fixture_reference() -> Vec<Recorded> {
        let data = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/data")).join(SANDBOX_TENANT);
        let resources = |kind: &str| -> Vec<Value> {
            let text = std::fs::read_to_string(data.join(format!("{kind}.json"))).unwrap();
            serde_json::from_str(&text).unwrap()
        };
        let mut reference = Vec::new();
        for probe in probes() {
            let (kind, rest) = probe.path.split_once(['/', '?']).unwrap_or((probe.path, ""));
            let ids: Vec<&str> = match rest.strip_prefix("_id=") {
                Some(list) => list.split("%2C").collect(),
                None if probe.name.ends_with("-read") => vec![rest],
                None => continue,
            };
            let found: Vec<Value> =
                resources(kind).into_iter().filter(|r| ids.contains(&r["id"].as_str().unwrap_or_default())).collect();
            assert_eq!(found.len(), ids.len(), "{}: the fixtures hold {ids:?}", probe.name);
            let body = if probe.name.ends_with("-read") {
                found[0].clone()
            } else {
                let entry: Vec<Value> = found.into_iter().map(|r| json!({ "fullUrl": "u", "resource": r })).collect();
                json!({ "resourceType": "Bundle", "id": "b", "type": "searchset", "total": entry.len(),
                        "link": [{ "relation": "self", "url": "u" }], "entry": entry })
            };
            let content_type = Some("application/json+fhir".to_owned());
            reference.push(Recorded { probe: probe.name.to_owned(), status: 200, content_type, body });
        }
        reference
    }

    fn departures(reference: &[Recorded], answers: &[Recorded]) -> (usize, Vec<String>) {
        let mut compared = 0;
        let mut found = Vec::new();
        for documented in reference {
            let Some(actual) = answers.iter().find(|a| a.probe == documented.probe) else { continue };
            compared += 1;
            found.extend(compare(documented, actual).iter().map(|d| format!("{} {} {}", d.probe, d.kind, d.detail)));
        }
        (compared, found)
    }

    #[tokio::test]
    async fn the_emulator_answers_every_probe_as_its_documented_fixtures_show() {
        let answers = emulator_answers().await.unwrap();
        assert_eq!(answers.len(), probes().len());
        for answer in &answers {
            let expected: &[u16] = match answer.probe.as_str() {
                "search-no-parameters" => &[400],
                "unknown-id" => &[404],
                _ => &[200],
            };
            assert!(expected.contains(&answer.status), "{}: {} {}", answer.probe, answer.status, answer.body);
        }
        let reference = fixture_reference();
        assert_eq!(reference.len(), 9, "six reads and three _id searches");
        let (compared, found) = departures(&reference, &answers);
        assert_eq!(compared, reference.len(), "every fixture probe is compared");
        assert!(found.is_empty(), "{found:#?}");

        // The documentation's own examples, when the user names a folder of them.
        let Some(dir) = std::env::var_os("CERNER_DOC_EXAMPLES") else {
            eprintln!("skipped the documentation's examples: set CERNER_DOC_EXAMPLES to a folder of them");
            return;
        };
        let reference = documented(Path::new(&dir)).unwrap();
        let (compared, found) = departures(&reference, &answers);
        eprintln!("{}", found.join("\n"));
        assert_eq!(compared, reference.len(), "every documented probe is compared");
    }
}
