//! The request journal: every request exactly once, with its fields; never a secret or a token;
//! bounded; filterable; streamed to a file.

use base64::Engine;
use cerner_mock::Profile;
use cerner_mock::admin_client::{FaultAction, FaultMatch, FaultRule, JournalQuery};
use cerner_mock::store::LoadOptions;

use crate::helpers::*;

/// A profile whose secret is distinctive enough to grep for.
fn distinctive() -> (Profile, &'static str) {
    let secret = "Zq8-unmistakable-s3cret";
    let mut profile = Profile::embedded_default();
    profile.accounts[0].secret = Some(cerner_mock::ids::Secret::new(secret));
    (profile, secret)
}

#[tokio::test]
async fn every_request_is_recorded_once_with_its_fields_and_no_secret_or_token() {
    let (profile, secret) = distinctive();
    let app = spawn_app_with_profile(profile, LoadOptions::default()).await;
    let body = "grant_type=client_credentials&scope=system%2FAppointment.read+system%2FPatient.read";
    let token_response: serde_json::Value =
        app.post_token(SANDBOX, Some(&basic(CLIENT, secret)), body).await.json().await.unwrap();
    let token = token_response["access_token"].as_str().unwrap().to_owned();
    let jti = claims(&token)["jti"].as_str().unwrap().to_owned();
    app.admin
        .add_fault(&FaultRule::new(FaultMatch::path("*/Patient/*"), FaultAction::Status { status: 500 }))
        .await
        .unwrap();
    let metadata = app.fhir(&format!("/dstu2/{SANDBOX}/metadata"), None).await;
    let search = app.fhir(&format!("/dstu2/{SANDBOX}/Appointment?patient=12724066&date=2020"), Some(&token)).await;
    let request_id = search.headers()["x-request-id"].to_str().unwrap().to_owned();
    let failed = app.fhir(&format!("/dstu2/{SANDBOX}/Patient/12724067"), Some(&token)).await;
    assert_eq!((metadata.status().as_u16(), failed.status().as_u16()), (200, 500));

    let journal = app.admin.journal(&JournalQuery::new()).await.unwrap();
    let entries = &journal.entries;
    assert_eq!(entries.len(), 4, "{entries:#?}");
    assert!(entries.windows(2).all(|w| w[1].seq == w[0].seq + 1), "consecutive sequence numbers");
    let (token_call, meta, found, broken) = (&entries[0], &entries[1], &entries[2], &entries[3]);
    assert_eq!((token_call.method.as_str(), token_call.status), ("POST", 200));
    assert_eq!((token_call.client_id.as_deref(), token_call.authorization.as_deref()), (Some(CLIENT), Some("Basic")));
    assert_eq!(token_call.tenant.as_deref(), Some(SANDBOX));
    assert_eq!((meta.authorization.as_deref(), meta.client_id.as_deref()), (None, None));
    assert_eq!(found.path, format!("/dstu2/{SANDBOX}/Appointment"));
    assert_eq!(found.query.as_deref(), Some("patient=12724066&date=2020"));
    assert_eq!((found.jti.as_deref(), found.client_id.as_deref()), (Some(jti.as_str()), Some(CLIENT)));
    assert_eq!((found.accept.as_deref(), found.status), (Some("application/json+fhir"), 200));
    assert_eq!(found.request_id.as_deref(), Some(request_id.as_str()));
    assert!(found.bytes > 1000 && found.latency_ms >= 0.0);
    assert_eq!(found.time, app.clock.now());
    let fault = broken.fault.as_ref().expect("the fault is recorded");
    assert_eq!((fault.action.as_str(), broken.status), ("status", 500));

    let text = serde_json::to_string(&journal).unwrap();
    let basic_value = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT}:{secret}"));
    for leak in [secret, token.as_str(), basic_value.as_str(), token.split('.').nth(2).unwrap()] {
        assert!(!text.contains(leak), "the journal contains a secret or token");
    }
}

#[tokio::test]
async fn the_journal_stays_bounded_under_ten_times_its_capacity() {
    let mut profile = Profile::embedded_default();
    profile.journal_capacity = 50;
    let app = spawn_app_with_profile(profile, LoadOptions::default()).await;
    for _ in 0..500 {
        assert_eq!(app.get(&format!("/open/dstu2/{SANDBOX}/metadata"), None).await.status(), 200);
    }
    let journal = app.admin.journal(&JournalQuery::new()).await.unwrap();
    assert_eq!((journal.entries.len(), journal.capacity, journal.recorded), (50, 50, 500));
    assert_eq!(journal.entries[0].seq, 451);
}

#[tokio::test]
async fn filters_select_entries_and_delete_clears() {
    let app = spawn_app().await;
    let sandbox = app.token(SANDBOX, ALL_SCOPES).await;
    let second = app.token(SECOND, ALL_SCOPES).await;
    app.fhir(&format!("/dstu2/{SANDBOX}/Patient/12724067"), Some(&sandbox)).await;
    app.fhir(&format!("/dstu2/{SECOND}/Patient?_id=1"), Some(&second)).await;
    let by_tenant = app.admin.journal(&JournalQuery::new().tenant(SECOND)).await.unwrap();
    assert_eq!(by_tenant.entries.len(), 2, "the token request and the search");
    let fhir_only = app.admin.journal(&JournalQuery::new().path_prefix("/dstu2/")).await.unwrap();
    assert_eq!(fhir_only.entries.len(), 2);
    let since = app.admin.journal(&JournalQuery::new().since(3)).await.unwrap();
    assert_eq!(since.entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [4]);
    let by_client = app.admin.journal(&JournalQuery::new().client("someone-else")).await.unwrap();
    assert!(by_client.entries.is_empty());
    app.admin.clear_journal().await.unwrap();
    assert!(app.admin.journal(&JournalQuery::new()).await.unwrap().entries.is_empty());
}

#[tokio::test]
async fn admin_calls_are_not_journaled() {
    let app = spawn_app().await;
    app.admin.health().await.unwrap();
    app.admin.tenants().await.unwrap();
    assert!(app.admin.journal(&JournalQuery::new()).await.unwrap().entries.is_empty());
}

#[tokio::test]
async fn the_journal_file_gets_one_json_line_per_request() {
    let dir = std::env::temp_dir().join(format!("cerner-mock-journal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("journal.jsonl");
    let _ = std::fs::remove_file(&path);
    let mut config = cerner_mock::ServerConfig::new(Profile::embedded_default());
    config.options.journal_sink = Some(cerner_mock::journal::file_sink(&path).await.unwrap());
    let server = cerner_mock::MockServer::start(config).await.unwrap();
    for _ in 0..3 {
        reqwest::get(format!("{}/dstu2/{SANDBOX}/metadata", server.origin())).await.unwrap();
    }
    let mut lines = 0;
    for _ in 0..100 {
        lines = std::fs::read_to_string(&path).unwrap_or_default().lines().count();
        if lines == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(lines, 3);
    let first: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&path).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(first["seq"], 1);
}
