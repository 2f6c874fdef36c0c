//! The admin API's own rules: the optional bearer token, and reset to the profile's state.

use cerner_mock::admin_client::Change;
use cerner_mock::{AdminClient, MockServer, Profile, ServerConfig, StateOptions};

use crate::helpers::*;

#[tokio::test]
async fn with_an_admin_token_the_admin_api_needs_it() {
    let mut config = ServerConfig::new(Profile::embedded_default());
    config.options =
        StateOptions { admin_token: Some(cerner_mock::ids::Secret::new("admin-t0ken")), ..StateOptions::default() };
    let server = MockServer::start(config).await.unwrap();
    let anonymous = AdminClient::new(server.origin()).unwrap();
    let error = anonymous.clock().await.unwrap_err();
    assert!(error.to_string().contains("401"), "{error}");
    anonymous.health().await.expect("health needs no token: container engines poll it");
    let wrong = AdminClient::new(server.origin()).unwrap().with_token("guess");
    assert!(wrong.clock().await.is_err());
    let admin = AdminClient::new(server.origin()).unwrap().with_token("admin-t0ken");
    admin.clock().await.unwrap();
    assert!(!format!("{admin:?}").contains("admin-t0ken"), "the token never shows in Debug");
    let fhir = reqwest::get(format!("{}/dstu2/{SANDBOX}/metadata", server.origin())).await.unwrap();
    assert_eq!(fhir.status(), 200, "the Cerner surfaces do not need the admin token");
}

#[tokio::test]
async fn reset_restores_data_approvals_and_the_journal() {
    let app = spawn_app().await;
    app.admin.apply_changes(SANDBOX, &[Change::cancel("4817508")]).await.unwrap();
    app.server.state().revoke_approval(CLIENT, SANDBOX);
    let refused = app
        .post_token(
            SANDBOX,
            Some(&basic(CLIENT, SECRET)),
            "grant_type=client_credentials&scope=system%2FAppointment.read",
        )
        .await;
    assert_eq!(refused.status(), 400);
    app.admin.reset().await.unwrap();
    assert!(app.admin.journal(&Default::default()).await.unwrap().entries.is_empty());
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let appointment: serde_json::Value =
        app.fhir(&format!("/dstu2/{SANDBOX}/Appointment/4817508"), Some(&token)).await.json().await.unwrap();
    assert_eq!(
        (appointment["status"].as_str(), appointment["meta"]["versionId"].as_str()),
        (Some("booked"), Some("1"))
    );
}
