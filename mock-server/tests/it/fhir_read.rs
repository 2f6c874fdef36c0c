//! Reads of the resources documented on fhir.cerner.com, with `ETag: W/"<versionId>"`.

use crate::assert_envelope;
use crate::helpers::*;

#[tokio::test]
async fn documented_reads_answer_with_the_documented_resource_and_a_weak_etag() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let reads = [
        ("Appointment", "4817508", "1"),
        ("Patient", "12724067", "6"),
        ("Patient", "12742633", "0"),
        ("Practitioner", "4122622", "19"),
        ("Schedule", "24477854-21304876-62852027-0", "0"),
        ("Slot", "24477854-21304876-62852027-0", "0"),
        ("Encounter", "97953477", "2"),
        ("Encounter", "97865451", "0"),
    ];
    for (kind, id, version) in reads {
        let env = app.envelope(app.fhir(&format!("/dstu2/{SANDBOX}/{kind}/{id}"), Some(&token)).await).await;
        assert_eq!(env["status"], 200, "{kind}/{id}");
        assert_eq!(env["headers"]["etag"], format!("W/\"{version}\""), "{kind}/{id}");
        assert_eq!(env["headers"]["content-type"], "application/json+fhir; charset=utf-8");
        assert_eq!((env["body"]["resourceType"].as_str(), env["body"]["id"].as_str()), (Some(kind), Some(id)));
        assert_envelope!(format!("read_{kind}_{id}"), env);
    }
}

#[tokio::test]
async fn an_unknown_id_is_404_not_found() {
    let app = spawn_app().await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    let env = app.envelope(app.fhir(&format!("/dstu2/{SANDBOX}/Appointment/1"), Some(&token)).await).await;
    assert_eq!(env["status"], 404);
    assert_eq!(env["body"]["issue"][0]["code"], "not-found");
    assert_envelope!("read_unknown_id", env);
}

#[tokio::test]
async fn tenants_never_see_each_others_resources() {
    let app = spawn_app().await;
    let token = app.token(SECOND, ALL_SCOPES).await;
    let response = app.fhir(&format!("/dstu2/{SECOND}/Appointment/4817508"), Some(&token)).await;
    assert_eq!(response.status(), 404, "the sandbox's documented appointment is not in the second hospital");
}
