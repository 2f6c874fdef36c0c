//! Paging: following `next` walks every match exactly once, in order; `previous` walks back; a
//! bad, foreign or expired page token is a 400.

use std::collections::HashSet;

use cerner_mock::store::LoadOptions;
use serde_json::Value;

use crate::assert_envelope;
use crate::helpers::*;

const QUERY: &str = "Appointment?location=21503380&date=ge2025-01-01&date=lt2027-01-01&_count=50";

#[tokio::test]
async fn following_next_returns_every_one_of_a_thousand_appointments_once_in_order() {
    let app = spawn_app_with(LoadOptions { synthetic: Some("appointments=4000".into()) }).await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let first: Value = app.fhir(&format!("/dstu2/{SANDBOX}/{QUERY}"), Some(&token)).await.json().await.unwrap();
    let total = first["total"].as_u64().unwrap() as usize;
    assert!(total >= 1000, "the search must match at least 1,000 appointments, got {total}");

    let mut pages = vec![first];
    while let Some(next) = link(pages.last().unwrap(), "next") {
        assert!(next.contains("-pageContext=") && next.contains("-pageDirection=NEXT"), "{next}");
        let page = app.follow(next, &token).await;
        pages.push(page);
    }
    let ids: Vec<String> = pages.iter().flat_map(|p| entry_ids(p, "Appointment")).collect();
    assert_eq!(ids.len(), total);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), total, "no appointment twice");
    let starts: Vec<String> = pages
        .iter()
        .flat_map(|p| {
            p["entry"].as_array().unwrap().iter().map(|e| e["resource"]["start"].as_str().unwrap().to_owned())
        })
        .collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "ascending start across pages");
    assert!(pages[..pages.len() - 1].iter().all(|p| p["entry"].as_array().unwrap().len() == 50));

    // Walking back from the last page with `previous` meets the same pages.
    let mut back = vec![pages.last().unwrap().clone()];
    while let Some(previous) = link(back.last().unwrap(), "previous") {
        let page = app.follow(previous, &token).await;
        back.push(page);
    }
    back.reverse();
    let back_ids: Vec<String> = back.iter().flat_map(|p| entry_ids(p, "Appointment")).collect();
    assert_eq!(back_ids, ids);
}

#[tokio::test]
async fn a_page_link_snapshot_shows_cerners_link_shape() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let query = "Appointment?location=21503380&date=ge2025-12-01&date=lt2026-03-01&_count=2";
    let env = app.envelope(app.fhir(&format!("/dstu2/{SANDBOX}/{query}"), Some(&token)).await).await;
    let links: Vec<&str> =
        env["body"]["link"].as_array().unwrap().iter().map(|l| l["relation"].as_str().unwrap()).collect();
    assert_eq!(links, ["self", "next"]);
    assert_envelope!("paging_first_page_links", env["body"]["link"]);
}

#[tokio::test]
async fn bad_foreign_and_expired_page_tokens_are_400() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let query = "Appointment?location=21503380&date=ge2025-12-01&date=lt2026-03-01&_count=2";
    let first: Value = app.fhir(&format!("/dstu2/{SANDBOX}/{query}"), Some(&token)).await.json().await.unwrap();
    let next = link(&first, "next").unwrap().to_owned();

    let forged = format!("/dstu2/{SANDBOX}/Appointment?-pageContext=abc.def&-pageDirection=NEXT");
    let env = app.envelope(app.fhir(&forged, Some(&token)).await).await;
    assert_eq!(env["status"], 400);
    assert_eq!(env["body"]["issue"][0]["code"], "invalid");
    assert_envelope!("paging_forged_token", env);

    let as_slot = next.replace("/Appointment?", "/Slot?");
    let response = app.http.get(&as_slot).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 400, "a token of an Appointment search is not a Slot page");

    let previous = next.replace("-pageDirection=NEXT", "-pageDirection=PREVIOUS");
    assert_eq!(app.http.get(&previous).bearer_auth(&token).send().await.unwrap().status(), 400);

    app.clock.advance(time::Duration::minutes(61)).unwrap();
    let fresh = app.token(SANDBOX, ALL_SCOPES).await;
    let env = app.envelope(app.http.get(&next).bearer_auth(&fresh).send().await.unwrap()).await;
    assert_eq!(env["status"], 400);
    assert!(env["body"]["issue"][0]["diagnostics"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn a_change_between_pages_shows_on_the_next_page_although_searches_are_cached() {
    let app = spawn_app_with(LoadOptions { synthetic: Some("appointments=4000".into()) }).await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let first: Value = app.fhir(&format!("/dstu2/{SANDBOX}/{QUERY}"), Some(&token)).await.json().await.unwrap();
    let total = first["total"].as_u64().unwrap();
    let next = link(&first, "next").unwrap().to_owned();
    let second = app.follow(&next, &token).await;
    let moved = entry_ids(&second, "Appointment")[10].clone();

    // Moved out of the searched dates: the same page asked again no longer holds it.
    let admin = cerner_mock::AdminClient::new(&app.url("")).unwrap();
    let change = cerner_mock::admin_client::Change::reschedule(&moved, "2030-01-01T10:00:00Z", "2030-01-01T10:30:00Z");
    admin.apply_changes(SANDBOX, &[change]).await.unwrap();
    let again = app.follow(&next, &token).await;
    assert_eq!(again["total"].as_u64().unwrap(), total - 1, "the new total");
    assert!(!entry_ids(&again, "Appointment").contains(&moved), "the moved appointment is gone from its page");
}
