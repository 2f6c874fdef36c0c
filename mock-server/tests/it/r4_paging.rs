//! R4 `next`/`previous` links as Cerner's R4 examples write them: the Encounter search bundle's
//! `next` keeps the search beside the paging context
//! (`…/Encounter?patient=12724066&-pageContext=…&-pageDirection=NEXT`, `r4_examples_encounter.rb`),
//! the Slot bundles' keep only `_include` (`r4_examples_slot.rb`); DSTU2's Slot example keeps
//! nothing (`Slot?-pageContext=…`). A client that follows them still gets every match once.

use std::collections::HashSet;

use cerner_mock::admin_client::{FaultAction, FaultMatch, FaultRule};
use serde_json::Value;

use crate::helpers::*;

/// Every page of a search, following `next` from the first (at most 100 pages).
async fn walk(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let first = app.fhir(path, Some(token)).await;
    assert_eq!(first.status(), 200, "{path}");
    let mut pages: Vec<Value> = vec![first.json().await.unwrap()];
    while let Some(next) = link(pages.last().unwrap(), "next") {
        assert!(pages.len() < 100, "{path}: more pages than matches");
        let next = next.to_owned();
        pages.push(app.follow(&next, token).await);
    }
    pages
}

/// The link's query before `-pageContext`.
fn kept(url: &str) -> &str {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    query.split("-pageContext=").next().unwrap_or_default().trim_end_matches('&')
}

/// A patient of the sandbox with at least two encounters (the generated data has many).
async fn patient_with_encounters(app: &TestApp, token: &str) -> String {
    let appointments: Value = app
        .fhir(&format!("/r4/{SANDBOX}/Appointment?location=21503380&date=ge2025-01-01&_count=200"), Some(token))
        .await
        .json()
        .await
        .unwrap();
    for entry in appointments["entry"].as_array().into_iter().flatten() {
        let participants = entry["resource"]["participant"].as_array().into_iter().flatten();
        for reference in participants.filter_map(|p| p["actor"]["reference"].as_str()) {
            let Some(patient) = reference.strip_prefix("Patient/") else { continue };
            let path = format!("/r4/{SANDBOX}/Encounter?patient={patient}");
            let bundle: Value = app.fhir(&path, Some(token)).await.json().await.unwrap();
            if bundle["total"].as_u64().unwrap_or(0) >= 2 {
                return patient.to_owned();
            }
        }
    }
    panic!("no patient with two encounters")
}

#[tokio::test]
async fn r4_next_links_keep_the_search_and_still_walk_every_match_once() {
    let app = spawn_unlimited_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let encounters = format!("patient={}&_count=1", patient_with_encounters(&app, &token).await);
    let searches = [
        ("Appointment", "location=21503380&date=ge2025-01-01T00%3A00%3A00Z&date=lt2027-01-01T00%3A00%3A00Z&_count=7"),
        ("Patient", "family=smart&_count=1"),
        ("Encounter", encounters.as_str()),
    ];
    for (kind, query) in searches {
        let path = format!("/r4/{SANDBOX}/{kind}?{query}");
        let pages = walk(&app, &token, &path).await;
        assert!(pages.len() > 1, "{path} pages");
        for page in &pages[..pages.len() - 1] {
            let next = link(page, "next").unwrap();
            assert!(next.starts_with(&format!("{}/r4/{SANDBOX}/{kind}?", app.base)), "{next}");
            assert_eq!(kept(next), query, "{next} keeps the search, in request order");
            assert!(next.ends_with("&-pageDirection=NEXT"), "{next}");
        }
        let last = pages.last().unwrap();
        if let Some(previous) = link(last, "previous") {
            assert_eq!(kept(previous), query, "{previous}");
        }
        let ids: Vec<String> = pages.iter().flat_map(|p| entry_ids(p, kind)).collect();
        let all_path = format!("/r4/{SANDBOX}/{kind}?{}&_count=200", query.rsplit_once("&_count=").unwrap().0);
        let all: Value = app.fhir(&all_path, Some(&token)).await.json().await.unwrap();
        assert!(link(&all, "next").is_none(), "{all_path} is one page");
        assert_eq!(ids, entry_ids(&all, kind), "{kind}: the pages hold every match once, in order");
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
    }
}

#[tokio::test]
async fn r4_slot_links_keep_only_include_and_dstu2_links_keep_nothing() {
    let app = spawn_unlimited_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    // Two slots, one a page: a short page (a fault rule) makes the `next` link.
    let rule = FaultRule::new(FaultMatch::path("/r4/*/Slot*"), FaultAction::ShortPage { keep: 1 });
    app.admin.add_fault(&rule).await.unwrap();
    let ids = "24477854-21304876-62852027-0,4047611-32216049-61518614-0";
    let path = format!("/r4/{SANDBOX}/Slot?_id={ids}&_include=Slot:schedule");
    let page: Value = app.fhir(&path, Some(&token)).await.json().await.unwrap();
    let next = link(&page, "next").expect("a next link");
    assert_eq!(kept(next), "_include=Slot%3Aschedule", "{next}: R4 Slot keeps only _include");
    app.admin.clear_faults().await.unwrap();
    let query = "location=21503380&date=ge2025-01-01&date=lt2027-01-01&_count=7";
    for (version, expected) in [("dstu2", ""), ("r4", query)] {
        let pages = walk(&app, &token, &format!("/{version}/{SANDBOX}/Appointment?{query}")).await;
        assert!(pages.len() > 1);
        let next = link(&pages[0], "next").unwrap();
        assert_eq!(kept(next), expected, "{version}: {next}");
    }
}

/// The page token says which search a link continues; the parameters beside it are for the
/// reader. A link whose parameters were edited still pages the search it was issued for.
#[tokio::test]
async fn the_page_token_not_the_parameters_beside_it_decides_the_page() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let path = format!("/r4/{SANDBOX}/Appointment?location=21503380&date=ge2025-01-01&_count=1");
    let first: Value = app.fhir(&path, Some(&token)).await.json().await.unwrap();
    let next = link(&first, "next").unwrap().to_owned();
    let edited = next.replace("_count=1", "_count=50");
    assert_eq!(app.follow(&edited, &token).await["entry"], app.follow(&next, &token).await["entry"]);
}
