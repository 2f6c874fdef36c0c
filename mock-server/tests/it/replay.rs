//! `cerner-mock --replay DIR`: a recording of `cerner-harness record` served as its tenant.

use std::path::{Path, PathBuf};
use std::process::Command;

use cerner_mock::replay::{Recording, router};
use serde_json::{Value, json};

use crate::helpers::SANDBOX;

const BIN: &str = env!("CARGO_BIN_EXE_cerner-mock");
const TENANT: &str = "0b8a0111-e8e6-4c26-a91c-5069cbc6b1ca";

fn folder(name: &str, files: &[(&str, Value)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cerner-mock-replay-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, value) in files {
        std::fs::write(dir.join(file), serde_json::to_string_pretty(value).unwrap()).unwrap();
    }
    dir
}

fn patient_read() -> Value {
    json!({
        "probe": "patient-read", "fhir_version": "r4",
        "request": { "method": "GET", "base": "secured", "tenant": TENANT, "path": "Patient/12724067" },
        "status": 200, "content_type": "application/fhir+json; charset=utf-8",
        "headers": { "etag": "W/\"3\"" },
        "body": { "resourceType": "Patient", "id": "12724067", "meta": { "versionId": "3" } }
    })
}

fn open_metadata() -> Value {
    json!({
        "probe": "metadata-open", "fhir_version": "r4",
        "request": { "method": "GET", "base": "open", "tenant": TENANT, "path": "metadata" },
        "status": 200, "content_type": "application/fhir+json", "body": { "resourceType": "CapabilityStatement" }
    })
}

fn throttled() -> Value {
    json!({
        "probe": "appointment-search", "fhir_version": "r4",
        "request": { "method": "GET", "base": "secured", "tenant": TENANT, "path": "Appointment?patient=1&date=ge2020-01-01" },
        "status": 429, "content_type": "application/fhir+json", "headers": { "retry-after": "30" }, "body": null
    })
}

async fn serve(dir: &Path) -> String {
    let recording = Recording::load(dir).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(cerner_mock::serve(listener, router(recording), std::future::pending()));
    origin
}

#[tokio::test]
async fn each_recorded_request_answers_its_status_headers_and_body() {
    let dir = folder(
        "answers",
        &[
            ("patient-read.json", patient_read()),
            ("metadata-open.json", open_metadata()),
            ("appointment-search.json", throttled()),
        ],
    );
    let origin = serve(&dir).await;
    let response = reqwest::get(format!("{origin}/r4/{TENANT}/Patient/12724067")).await.unwrap();
    assert_eq!(response.status(), 200);
    let header = |r: &reqwest::Response, name: &str| r.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(header(&response, "content-type").as_deref(), Some("application/fhir+json; charset=utf-8"));
    assert_eq!(header(&response, "etag").as_deref(), Some("W/\"3\""));
    assert!(header(&response, "x-request-id").is_some());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, patient_read()["body"]);

    let open = reqwest::get(format!("{origin}/open/r4/{TENANT}/metadata")).await.unwrap();
    assert_eq!(open.status(), 200);
    assert_eq!(open.json::<Value>().await.unwrap()["resourceType"], "CapabilityStatement");

    let throttled =
        reqwest::get(format!("{origin}/r4/{TENANT}/Appointment?patient=1&date=ge2020-01-01")).await.unwrap();
    assert_eq!((throttled.status().as_u16(), header(&throttled, "retry-after").as_deref()), (429, Some("30")));
    assert!(throttled.bytes().await.unwrap().is_empty(), "a recorded null body is served empty");

    let health = reqwest::get(format!("{origin}/__admin/health")).await.unwrap();
    assert_eq!(health.json::<Value>().await.unwrap(), json!({ "status": "ok" }));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn any_other_request_is_a_404_outcome_naming_the_replay() {
    let dir = folder("unknown", &[("patient-read.json", patient_read())]);
    let origin = serve(&dir).await;
    let client = reqwest::Client::new();
    for (method, path) in [
        ("GET", format!("/r4/{TENANT}/Patient/1")),
        ("GET", format!("/r4/{TENANT}/Patient/12724067?_format=json")),
        ("POST", format!("/r4/{TENANT}/Patient/12724067")),
        ("GET", format!("/r4/{SANDBOX}/Patient/12724067")),
        ("GET", format!("/dstu2/{TENANT}/Patient/12724067")),
        ("GET", "/tenants/x/protocols/oauth2/profiles/smart-v1/token".to_owned()),
    ] {
        let response = client.request(method.parse().unwrap(), format!("{origin}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 404, "{method} {path}");
        assert_eq!(response.headers()["content-type"], "application/fhir+json; charset=utf-8");
        let outcome: Value = response.json().await.unwrap();
        assert_eq!(outcome["resourceType"], "OperationOutcome");
        assert_eq!(outcome["issue"][0]["code"], "not-found");
        let diagnostics = outcome["issue"][0]["diagnostics"].as_str().unwrap();
        assert!(
            diagnostics.starts_with(&format!("{method} {path} is not in the replayed recording ")),
            "{diagnostics}"
        );
        assert!(
            diagnostics.contains(&dir.display().to_string()) && diagnostics.contains("1 recorded requests"),
            "{diagnostics}"
        );
        assert!(diagnostics.contains(&format!("/r4/{TENANT}/ and /open/r4/{TENANT}/")), "{diagnostics}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A recording made before recordings kept their request is served by probe name, as the sandbox
/// tenant (whose ids the probes use).
#[tokio::test]
async fn an_older_recording_replays_by_probe_name_as_the_sandbox() {
    let older = json!({ "probe": "appointment-read", "status": 200, "content_type": "application/json+fhir",
                        "body": { "resourceType": "Appointment", "id": "4817508" } });
    let dir = folder("older", &[("appointment-read.json", older)]);
    let origin = serve(&dir).await;
    let response = reqwest::get(format!("{origin}/dstu2/{SANDBOX}/Appointment/4817508")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json+fhir");
    assert_eq!(response.json::<Value>().await.unwrap()["id"], "4817508");
    let other = reqwest::get(format!("{origin}/dstu2/{SANDBOX}/Appointment/1")).await.unwrap();
    assert_eq!(
        (other.status().as_u16(), other.headers()["content-type"].to_str().unwrap()),
        (404, "application/json+fhir; charset=utf-8")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_folder_that_cannot_be_replayed_is_refused_naming_the_file() {
    let mut other_tenant = patient_read();
    other_tenant["probe"] = json!("patient-search");
    other_tenant["request"]["tenant"] = json!(SANDBOX);
    other_tenant["request"]["path"] = json!("Patient?_id=1");
    let mut header = patient_read();
    header["headers"] = json!({ "set-cookie": "a=b" });
    let unknown = json!({ "probe": "my-own-probe", "status": 200, "content_type": null, "body": null });
    type Case<'a> = (&'a str, Vec<(&'a str, Value)>, &'a str);
    let cases: Vec<Case> = vec![
        ("empty", vec![], "holds no recording"),
        ("tenants", vec![("a.json", patient_read()), ("b.json", other_tenant)], "replay one tenant at a time"),
        (
            "duplicate",
            vec![("a.json", patient_read()), ("b.json", patient_read())],
            "answers the same request as probe \"patient-read\"",
        ),
        ("header", vec![("a.json", header)], "header \"set-cookie\" is not one a recording keeps"),
        ("unknown", vec![("a.json", unknown)], "probe \"my-own-probe\" records no request"),
        ("garbage", vec![("a.json", json!([1, 2]))], "a.json: invalid type"),
    ];
    for (name, files, expected) in cases {
        let dir = folder(name, &files);
        let error = Recording::load(&dir).unwrap_err().to_string();
        assert!(error.contains(expected), "{name}: {error}");
        // The binary says the same in one line and exits 2.
        let output = Command::new(BIN).arg("--replay").arg(&dir).args(["--port", "0"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(expected) && stderr.trim().lines().count() == 1, "{name}: {stderr}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn the_binary_replays_a_folder() {
    let dir = folder("binary", &[("patient-read.json", patient_read())]);
    let (mut child, address) = crate::cli::spawn(&["--replay", dir.to_str().unwrap()], &[]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let status = runtime.block_on(async {
        reqwest::get(format!("http://{address}/r4/{TENANT}/Patient/12724067")).await.map(|r| r.status().as_u16())
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status.unwrap(), 200);
    let _ = std::fs::remove_dir_all(&dir);
}
