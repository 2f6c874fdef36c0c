//! `opc-request-id` (fhir.cerner.com R4 and DSTU2 Appointment, Patient: the response headers show
//! `opc-request-id: /95685D1463E5BE27E66427BBDA8725DE/BD2E22EED59A7AD48B938357F8CF72E1` beside
//! `X-Request-Id`): on every FHIR and token answer, errors included, journaled and searchable.

use cerner_mock::journal::JournalQuery;

use crate::helpers::*;

/// `/`, 32 upper-case hex digits, `/`, 32 more.
fn is_opc_request_id(value: &str) -> bool {
    let parts: Vec<&str> = value.split('/').collect();
    parts.len() == 3
        && parts[0].is_empty()
        && parts[1..]
            .iter()
            .all(|p| p.len() == 32 && p.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)))
}

fn opc(response: &reqwest::Response) -> String {
    let value = response.headers().get("opc-request-id").expect("an opc-request-id header");
    value.to_str().expect("ASCII").to_owned()
}

#[tokio::test]
async fn every_fhir_and_token_answer_carries_an_opc_request_id_the_journal_finds() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let answers = [
        app.fhir(&format!("/dstu2/{SANDBOX}/Appointment/4817508"), Some(&token)).await,
        app.fhir(&format!("/r4/{SANDBOX}/Appointment/4817508"), Some(&token)).await,
        app.fhir(&format!("/r4/{SANDBOX}/Appointment/no-such-id"), Some(&token)).await,
        app.fhir(&format!("/r4/{SANDBOX}/metadata"), None).await,
        app.fhir(&format!("/dstu2/{SANDBOX}/Appointment?_id=1"), None).await,
        app.post_token(SANDBOX, None, "grant_type=client_credentials").await,
    ];
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses, [200, 200, 404, 200, 401, 401]);
    let ids: Vec<String> = answers.iter().map(opc).collect();
    for id in &ids {
        assert!(is_opc_request_id(id), "{id}");
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "a new id per answer");
    let x_request_id = answers[1].headers()["x-request-id"].to_str().unwrap().to_owned();
    for (id, path) in [(&ids[1], "/r4/"), (&x_request_id, "/r4/"), (&ids[5], "/tenants/")] {
        let found = app.admin.journal(&JournalQuery::new().request_id(id.as_str())).await.unwrap();
        assert_eq!(found.entries.len(), 1, "{id}");
        assert!(found.entries[0].path.starts_with(path), "{}", found.entries[0].path);
    }
    let found = app.admin.journal(&JournalQuery::new().request_id(ids[0].as_str())).await.unwrap();
    assert_eq!(found.entries[0].opc_request_id.as_deref(), Some(ids[0].as_str()));
    assert!(app.admin.journal(&JournalQuery::new().request_id("/0/0")).await.unwrap().entries.is_empty());
}

#[test]
fn the_form_check_refuses_other_forms() {
    assert!(is_opc_request_id("/95685D1463E5BE27E66427BBDA8725DE/BD2E22EED59A7AD48B938357F8CF72E1"));
    assert!(!is_opc_request_id("/95685d1463e5be27e66427bbda8725de/BD2E22EED59A7AD48B938357F8CF72E1"));
    assert!(!is_opc_request_id("26ca6d46-bf47-430b-b92f-bf687b80bfbf"));
}
