//! `_revinclude=Provenance:target` on R4 Encounter and Patient (fhir.cerner.com Millennium R4
//! Encounter and Patient: "May be provided once with the value of `Provenance:target`", and "When
//! `_revinclude` is provided in a request to the closed endpoint, the OAuth2 token must include …
//! `system/Provenance.read`"). The store holds no Provenance, so a page carries its matches only.

use serde_json::Value;

use crate::helpers::*;

const SEARCHES: [(&str, &str); 3] =
    [("Encounter", "_id=97953477"), ("Encounter", "patient=12724066"), ("Patient", "_id=12724066")];

async fn search(app: &TestApp, token: &str, kind: &str, query: &str) -> reqwest::Response {
    app.fhir(&format!("/r4/{SANDBOX}/{kind}?{query}"), Some(token)).await
}

#[tokio::test]
async fn provenance_revinclude_needs_provenance_read_and_adds_no_entries() {
    let app = spawn_app().await;
    let without = app.token(SANDBOX, "system/Encounter.read system/Patient.read").await;
    let with = app.token(SANDBOX, "system/Encounter.read system/Patient.read system/Provenance.read").await;
    for (kind, query) in SEARCHES {
        let revinclude = format!("{query}&_revinclude=Provenance:target");
        let refused = search(&app, &without, kind, &revinclude).await;
        assert_eq!(refused.status(), 403, "{kind}?{revinclude}");
        let challenge = refused.headers()["www-authenticate"].to_str().unwrap().to_owned();
        assert!(
            challenge.contains("insufficient_scope") && challenge.contains("system/Provenance.read"),
            "{challenge}"
        );
        let plain: Value = search(&app, &with, kind, query).await.json().await.unwrap();
        let included = search(&app, &with, kind, &revinclude).await;
        assert_eq!(included.status(), 200, "{kind}?{revinclude}");
        let included: Value = included.json().await.unwrap();
        assert!(!entry_ids(&plain, kind).is_empty(), "{kind}?{query} finds something");
        assert_eq!(included["entry"], plain["entry"], "no Provenance in the store, no extra entries");
        assert_eq!(included["total"], plain["total"]);
    }
    let open = app.get(&format!("/open/r4/{SANDBOX}/Patient?_id=12724066&_revinclude=Provenance:target"), None).await;
    assert_eq!(open.status(), 200, "the open base needs no scope");
    let appointment =
        app.get(&format!("/open/r4/{SANDBOX}/Appointment?_id=4817508&_revinclude=Provenance:target"), None).await;
    assert_eq!(appointment.status(), 400, "R4 Appointment's page lists no _revinclude");
}
