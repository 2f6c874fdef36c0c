//! Running the probes: against any FHIR base (`record`), or against an in-process emulator with the
//! default profile (`emulator_answers`), so both sides of a diff come from the same requests.

use std::time::Duration;

use cerner_mock::{MockServer, Profile, ServerConfig};
use reqwest::header::{ACCEPT, CONTENT_TYPE};

use super::{Probe, Recorded, probes};

/// The sandbox tenant of fhir.cerner.com, which the default profile also serves.
use cerner_mock::defaults::SANDBOX_TENANT;
/// The default profile's system account (its secret is the profile's default, not a real one).
use cerner_mock::defaults::{CLIENT_ID as EMULATOR_CLIENT_ID, CLIENT_SECRET as EMULATOR_SECRET};
const EMULATOR_SCOPES: &str = "system/Appointment.read system/Patient.read system/Practitioner.read \
     system/Schedule.read system/Slot.read system/Encounter.read";
/// A real sandbox can be slow; a probe that hangs longer than this is recorded as an error.
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs every probe against `fhir_base` (with `token` on secured probes when given) and returns the
/// answers. Only status, content type and body are kept, so no token or secret reaches a recording.
/// Probes run one after another: a real sandbox rate-limits, and the list is short.
pub async fn record(fhir_base: &str, token: Option<&str>) -> Result<Vec<Recorded>, String> {
    let client = reqwest::Client::builder()
        .timeout(PROBE_TIMEOUT)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let base = if fhir_base.ends_with('/') { fhir_base.to_owned() } else { format!("{fhir_base}/") };
    let mut answers = Vec::new();
    for probe in probes() {
        answers.push(run(&client, &base, &probe, token).await?);
    }
    Ok(answers)
}

/// One probe's answer. A body that is not JSON (an HTML error page, an empty 404) is kept as null:
/// its status and content type already say what went wrong, and its text may echo the request.
async fn run(client: &reqwest::Client, base: &str, probe: &Probe, token: Option<&str>) -> Result<Recorded, String> {
    let url = format!("{base}{}", probe.path);
    let mut request = client.get(&url).header(ACCEPT, "application/json+fhir");
    if let (true, Some(token)) = (probe.secured, token) {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|e| format!("probe {}: GET {url}: {e}", probe.name))?;
    let status = response.status().as_u16();
    let content_type = response.headers().get(CONTENT_TYPE).and_then(|value| value.to_str().ok()).map(str::to_owned);
    let bytes = response.bytes().await.map_err(|e| format!("probe {}: reading the body: {e}", probe.name))?;
    let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    Ok(Recorded { probe: probe.name.to_owned(), status, content_type, body })
}

/// The emulator's answers to the probes: an in-process emulator with the default profile, a
/// client-credentials token for the sandbox tenant, then [`record`] on its secured base. The
/// emulator is shut down before returning, whatever the outcome.
pub async fn emulator_answers() -> Result<Vec<Recorded>, String> {
    let server = MockServer::start(ServerConfig::new(Profile::embedded_default()))
        .await
        .map_err(|e| format!("cannot start the emulator: {e}"))?;
    let origin = server.origin().trim_end_matches('/').to_owned();
    let answers = match emulator_token(&origin).await {
        Ok(token) => record(&format!("{origin}/dstu2/{SANDBOX_TENANT}/"), Some(&token)).await,
        Err(e) => Err(e),
    };
    server.shutdown().await.map_err(|e| format!("cannot stop the emulator: {e}"))?;
    answers
}

/// A system token from the emulator's token endpoint (client credentials, HTTP Basic).
async fn emulator_token(origin: &str) -> Result<String, String> {
    let url = format!("{origin}/tenants/{SANDBOX_TENANT}/protocols/oauth2/profiles/smart-v1/token");
    let response = reqwest::Client::new()
        .post(&url)
        .basic_auth(EMULATOR_CLIENT_ID, Some(EMULATOR_SECRET))
        .header(ACCEPT, "application/json")
        .form(&[("grant_type", "client_credentials"), ("scope", EMULATOR_SCOPES)])
        .send()
        .await
        .map_err(|e| format!("token request: {e}"))?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.map_err(|e| format!("token response ({status}): {e}"))?;
    body.get("access_token")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("token response ({status}) has no access_token"))
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
