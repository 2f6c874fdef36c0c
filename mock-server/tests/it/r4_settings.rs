//! The R4 behaviours Cerner's docs state two ways, each a profile setting (`[r4]`) whose default is
//! Cerner's most likely behaviour.
//!
//! fhir.cerner.com Millennium R4 Appointment, Search: "Search by `date` returns appointments with a
//! status other than `proposed` that start or end within the date range provided", and `date` may
//! be given "once with a prefix and time component … twice with the prefixes `ge` and `lt`"; the
//! CapabilityStatement Cerner publishes says it "may be provided once without a prefix or time
//! component to imply a date range … Alternately it may be provided twice with 'le' and 'gt'
//! prefixes".

use cerner_mock::Profile;
use cerner_mock::fhir::r4::params::{DateForms, LocationSearch};
use cerner_mock::store::LoadOptions;
use cerner_mock::store::query::EndMatch;
use serde_json::Value;

use crate::helpers::*;

/// Fixture appointment 4817508: booked, 2020-10-06 14:00–15:00Z, patient 12724066.
const PATIENT: &str = "12724066";

async fn ids(app: &TestApp, token: &str, dates: &str) -> Result<Vec<String>, u16> {
    let path = format!("/r4/{SANDBOX}/Appointment?patient={PATIENT}&{dates}");
    let response = app.fhir(&path, Some(token)).await;
    if response.status() != 200 {
        return Err(response.status().as_u16());
    }
    let bundle: Value = response.json().await.unwrap();
    let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
    Ok(entries.iter().filter_map(|e| e["resource"]["id"].as_str().map(str::to_owned)).collect())
}

async fn app_with(edit: impl FnOnce(&mut Profile)) -> (TestApp, String) {
    let mut profile = Profile::embedded_default();
    edit(&mut profile);
    let app = spawn_app_with_profile(profile, LoadOptions::default()).await;
    let token = app.token(SANDBOX, ALL_SCOPES).await;
    (app, token)
}

const ENDS_AT_FROM: &str = "date=ge2020-10-06T15:00:00.000Z&date=lt2020-10-06T16:00:00.000Z";
const ENDS_AT_TO: &str = "date=ge2020-10-06T14:30:00.000Z&date=lt2020-10-06T15:00:00.000Z";

#[tokio::test]
async fn an_appointment_end_matches_the_same_range_as_its_start_by_default() {
    let (app, token) = app_with(|_| {}).await;
    assert_eq!(
        ids(&app, &token, ENDS_AT_FROM).await,
        Ok(vec!["4817508".to_owned()]),
        "its end, 15:00, is in [15:00, 16:00)"
    );
    assert_eq!(ids(&app, &token, ENDS_AT_TO).await, Ok(vec![]), "its end, 15:00, is not in [14:30, 15:00)");
}

#[tokio::test]
async fn appointment_end_match_after_from_keeps_the_other_edge() {
    let (app, token) = app_with(|p| p.r4.appointment_end_match = EndMatch::AfterFrom).await;
    assert_eq!(ids(&app, &token, ENDS_AT_FROM).await, Ok(vec![]));
    assert_eq!(ids(&app, &token, ENDS_AT_TO).await, Ok(vec!["4817508".to_owned()]));
}

#[tokio::test]
async fn date_forms_are_lenient_by_default_and_documented_on_request() {
    let (lenient, token) = app_with(|_| {}).await;
    let (documented, documented_token) = app_with(|p| p.r4.appointment_date_forms = DateForms::Documented).await;
    let day = "date=2020-10-06";
    let gt_le = "date=gt2020-10-06T00:00:00.000Z&date=le2020-10-07T00:00:00.000Z";
    let ge_no_time = "date=ge2020-10-06";
    let ge_lt = "date=ge2020-10-06T00:00:00.000Z&date=lt2020-10-07T00:00:00.000Z";
    let one_with_time = "date=ge2020-10-06T00:00:00.000Z";
    for dates in [day, gt_le, ge_no_time, ge_lt, one_with_time] {
        assert!(ids(&lenient, &token, dates).await.is_ok(), "lenient takes {dates}");
    }
    for dates in [day, gt_le, ge_no_time] {
        assert_eq!(ids(&documented, &documented_token, dates).await, Err(400), "documented refuses {dates}");
    }
    for dates in [ge_lt, one_with_time] {
        let found = ids(&documented, &documented_token, dates).await;
        assert!(found.is_ok_and(|ids| ids.contains(&"4817508".to_owned())), "documented takes {dates}");
    }
}

#[test]
fn the_settings_load_from_a_profile_and_bad_values_name_the_field() {
    let dir = std::path::Path::new(".");
    let profile = Profile::from_toml(
        "[r4]\nappointment_date_forms = \"documented\"\nappointment_end_match = \"after-from\"\n",
        dir,
    )
    .unwrap();
    assert_eq!(profile.r4.appointment_date_forms, DateForms::Documented);
    assert_eq!(profile.r4.appointment_end_match, EndMatch::AfterFrom);
    assert_eq!(Profile::from_toml("", dir).unwrap().r4, Default::default());
    let refused = Profile::from_toml("[r4]\nappointment_end_match = \"inclusive\"\n", dir).unwrap_err().to_string();
    assert!(refused.contains("appointment_end_match") && refused.contains("in-range"), "{refused}");
    let refused = Profile::from_toml("[r4]\nappointment_date = \"lenient\"\n", dir).unwrap_err().to_string();
    assert!(refused.contains("appointment_date"), "{refused}");
}

/// fhir.cerner.com Millennium R4 Location: the parameter table makes `-physicalType` (or `type`)
/// "required if the `_id` parameter is not used", while the page's own examples search by
/// `identifier` alone (`Location?identifier=653385|FSI^~BUILD^~NU`) and `address` alone
/// (`Location?address=MO`). `[r4] location_search`: `examples` (default) or `table`.
#[tokio::test]
async fn location_search_follows_the_examples_by_default_and_the_table_when_asked() {
    let by_address = format!("/open/r4/{SANDBOX}/Location?address=MO");
    let (app, _) = app_with(|_| {}).await;
    assert_eq!(app.get(&by_address, None).await.status(), 200, "the examples' search");
    let (strict, _) = app_with(|p| p.r4.location_search = LocationSearch::Table).await;
    let refused = strict.get(&by_address, None).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("no supported search parameters provided"));
    let physical = "-physicalType=http://terminology.hl7.org/CodeSystem/location-physical-type%7Csi&address=MO";
    let narrowed = strict.get(&format!("/open/r4/{SANDBOX}/Location?{physical}"), None).await;
    assert_eq!(narrowed.status(), 200, "the table's search");
}

/// fhir.cerner.com Millennium R4 Slot: "(e.g. &start=ge2020-04-08T18:13:55Z&start=lt2020-06-08T18:13:55Z)";
/// its CapabilityStatement: "Time component should be provided for both the instances".
/// `[r4] slot_start_requires_time` (default true).
#[tokio::test]
async fn slot_start_needs_times_unless_the_profile_says_otherwise() {
    let slot_type = format!("https://fhir.cerner.com/{SANDBOX}/codeSet/14249%7C4047611");
    let dates = format!("/r4/{SANDBOX}/Slot?service-type={slot_type}&start=ge2016-01-23&start=lt2020-06-08");
    let (app, token) = app_with(|_| {}).await;
    let refused = app.fhir(&dates, Some(&token)).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("no time component"));
    let (lenient, token) = app_with(|p| p.r4.slot_start_requires_time = false).await;
    assert_eq!(lenient.fhir(&dates, Some(&token)).await.status(), 200);
}

/// fhir.cerner.com Millennium R4 Encounter, Notes: "`_count` and `status` must be provided with
/// patient"; its CapabilityStatement: `_count` "Not honored when '_id' is set". An account or
/// identifier search pages by the default; `_count` is no error there.
#[tokio::test]
async fn encounter_count_is_honoured_with_a_patient_only() {
    let (app, token) = app_with(|_| {}).await;
    let by_patient: Value = app
        .fhir(&format!("/r4/{SANDBOX}/Encounter?patient=12724066&_count=1"), Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert!(by_patient["entry"].as_array().unwrap().len() <= 1);
    let by_identifier = app.fhir(&format!("/r4/{SANDBOX}/Encounter?identifier=15988&_count=1"), Some(&token)).await;
    assert_eq!(by_identifier.status(), 200);
    let self_link = link(&by_identifier.json::<Value>().await.unwrap(), "self").unwrap().to_owned();
    assert!(self_link.contains("_count=1"), "the request as received: {self_link}");
}
