use proptest::prelude::*;
use serde_json::json;

use serde_json::Value;

use super::*;

fn parse(value: &Value) -> Result<Page, PageError> {
    Page::parse(value.to_string().as_bytes(), FhirVersion::Dstu2)
}

#[test]
fn reads_the_fields_and_keeps_the_resource_text_as_sent() {
    let body = br#"{"resourceType":"Bundle","link":[{"relation":"self","url":"https://fhir.example/dstu2/t1/Appointment?x=1"},{"relation":"next","url":"https://fhir.example/dstu2/t1/Appointment?-pageContext=abc"}],
      "entry":[{"resource":{"resourceType":"Appointment","id":"4817","meta":{"versionId":"3","lastUpdated":"2026-01-05T08:00:00.000Z"},"status":"booked","start":"2026-01-06T09:00:00.000-05:00","participant":[{"actor":{"reference":"Patient/1"}},{"actor":{"reference":"Location/21304876"}},{"actor":{"display":"x"}}],"comment":"caf\u00e9 \"quoted\""}},
               {"resource":{"resourceType":"Patient","id":"1"}}]}"#;
    let page = Page::parse(body, FhirVersion::Dstu2).unwrap();
    assert_eq!(page.next.unwrap().as_str(), "https://fhir.example/dstu2/t1/Appointment?-pageContext=abc");
    assert_eq!(page.records.len(), 1, "only Appointments");
    let record = &page.records[0];
    assert_eq!((record.id.as_str(), record.version_id.as_str(), record.status.as_str()), ("4817", "3", "booked"));
    assert_eq!(record.start.as_deref(), Some("2026-01-06T09:00:00.000-05:00"));
    assert_eq!(record.last_updated.as_deref(), Some("2026-01-05T08:00:00.000Z"));
    assert_eq!(record.locations, ["21304876"]);
    assert!(record.raw.starts_with(r#"{"resourceType":"Appointment","id":"4817""#), "{}", record.raw);
    assert!(record.raw.contains(r#""comment":"caf\u00e9 \"quoted\"""#), "escapes kept as sent: {}", record.raw);
}

/// An R4 searchset page (Cerner's R4 Appointment shape: `serviceType`, `reasonCode`,
/// `requestedPeriod`, participant actors with `type`) reads into the same fields, marked R4.
#[test]
fn an_r4_page_reads_into_the_same_fields_marked_r4() {
    let body = br#"{"resourceType":"Bundle","id":"5b6a3c1e-0f0e-4a53-9a4e-6f1f7b0f2a11","type":"searchset",
      "link":[{"relation":"self","url":"https://fhir.example/r4/t1/Appointment?location=21304876&-date-or-req-period=ge2026-01-05T00:00:00.000Z"},
              {"relation":"next","url":"https://fhir.example/r4/t1/Appointment?-pageContext=eyJ0IjoxfQ&-pageDirection=NEXT"}],
      "entry":[{"fullUrl":"https://fhir.example/r4/t1/Appointment/4817",
        "resource":{"resourceType":"Appointment","id":"4817","meta":{"versionId":"2","lastUpdated":"2026-01-05T08:00:00.000Z"},
          "status":"proposed","serviceType":[{"text":"Follow Up"}],"reasonCode":[{"text":"Check"}],
          "requestedPeriod":[{"start":"2026-01-06T09:00:00.000Z","end":"2026-01-06T09:30:00.000Z"}],
          "participant":[{"type":[{"text":"Patient"}],"actor":{"reference":"Patient/12724066","display":"X"},"status":"accepted"},
                         {"actor":{"reference":"Location/21304876"},"status":"accepted"}]}}]}"#;
    let page = Page::parse(body, FhirVersion::R4).unwrap();
    assert_eq!(page.next.unwrap().query(), Some("-pageContext=eyJ0IjoxfQ&-pageDirection=NEXT"));
    let record = &page.records[0];
    assert_eq!((record.id.as_str(), record.version_id.as_str(), record.status.as_str()), ("4817", "2", "proposed"));
    assert_eq!((record.start.as_deref(), record.fhir_version), (None, FhirVersion::R4));
    assert_eq!(record.locations, ["21304876"]);
    assert!(record.raw.contains(r#""reasonCode":[{"text":"Check"}]"#), "{}", record.raw);
}

#[test]
fn a_pretty_printed_resource_is_stored_on_one_line() {
    let body = b"{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":{\n  \"resourceType\": \"Appointment\",\n  \"id\": \"a\"\n}}]}";
    let page = Page::parse(body, FhirVersion::Dstu2).unwrap();
    assert_eq!(page.records[0].raw, r#"{"resourceType":"Appointment","id":"a"}"#);
    assert_eq!(page.records[0].version_id, "0", "no meta: version 0");
    assert!(page.next.is_none());
}

#[test]
fn fields_of_unexpected_types_read_as_absent() {
    let page = parse(&json!({"resourceType": "Bundle", "link": null, "entry": [
        {"resource": {"resourceType": "Appointment", "id": "a", "status": 7, "meta": {"versionId": 2},
                      "participant": [3, {"actor": {"reference": ["Location/1"]}}, {"actor": {"reference": "Location/9"}}]}},
        {"resource": "text"}, {"fullUrl": "x"}
    ]}))
    .unwrap();
    let record = &page.records[0];
    assert_eq!((record.status.as_str(), record.version_id.as_str()), ("", "0"));
    assert_eq!(record.locations, ["9"]);
}

#[test]
fn what_fails_a_page() {
    let cases = [
        (json!({"resourceType": "OperationOutcome"}), "the answer is not a Bundle"),
        (json!([1, 2]), "the answer is not a Bundle"),
        (
            json!({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Appointment"}}]}),
            "an Appointment without an id",
        ),
        (
            json!({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Appointment", "id": ""}}]}),
            "an Appointment without an id",
        ),
        (json!({"resourceType": "Bundle", "link": [{"relation": "next"}]}), "the next link has no url"),
        (
            json!({"resourceType": "Bundle", "link": [{"relation": "next", "url": "/relative"}]}),
            "the next link is not a URL",
        ),
        (json!({"resourceType": "Bundle", "link": "nope"}), "the Bundle's link cannot be read"),
        (json!({"resourceType": "Bundle", "link": [3]}), "the Bundle's link cannot be read"),
        (json!({"resourceType": "Bundle", "link": [{"relation": 1, "url": "x"}]}), "the Bundle's link cannot be read"),
        (json!({"resourceType": "Bundle", "link": {"relation": "next"}}), "the Bundle's link cannot be read"),
        (json!({"resourceType": "Bundle", "entry": {"resource": {}}}), "the Bundle's entry cannot be read"),
        (json!({"resourceType": "Bundle", "entry": [1]}), "the Bundle's entry cannot be read"),
    ];
    for (body, message) in cases {
        let err = parse(&body).unwrap_err();
        assert!(err.0.starts_with(message), "{body}: {err}");
    }
    let cut = Page::parse(b"{\"resourceType\":\"Bundle\",", FhirVersion::Dstu2).unwrap_err();
    assert!(cut.0.starts_with("the answer is not a FHIR JSON Bundle"), "a cut body: {cut}");
}

proptest! {
    #[test]
    fn any_bytes_parse_or_fail_cleanly(body in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = Page::parse(&body, FhirVersion::Dstu2);
    }

    #[test]
    fn the_stored_text_is_the_resource_as_sent(comment in "\\PC{0,30}", version in 0u32..1000) {
        let resource = json!({"resourceType": "Appointment", "id": "x", "meta": {"versionId": version.to_string()}, "comment": comment});
        let page = parse(&json!({"resourceType": "Bundle", "entry": [{"resource": resource}]})).unwrap();
        prop_assert_eq!(&page.records[0].raw, &resource.to_string());
        prop_assert_eq!(&page.records[0].version_id, &version.to_string());
    }
}

#[test]
fn appointments_of_unexpected_shapes_are_stored_not_dropped() {
    let body = br#"{"resourceType":"Bundle","entry":[
      {"resource":{"resourceType":"Appointment","id":"meta-string","meta":"v2","status":"booked"}},
      {"resource":{"resourceType":"Appointment","id":"actor-string","participant":[{"actor":"Location/1"},{"actor":{"reference":"Location/2"}}]}},
      {"resource":{"resourceType":"Appointment","id":"dup","status":"booked","status":"cancelled","meta":{"versionId":"1","versionId":"2"}}}
    ]}"#;
    let page = Page::parse(body, FhirVersion::Dstu2).unwrap();
    let ids: Vec<&str> = page.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["meta-string", "actor-string", "dup"]);
    assert_eq!((page.records[0].version_id.as_str(), page.records[0].status.as_str()), ("0", "booked"));
    assert_eq!(page.records[1].locations, ["2"]);
    assert_eq!(
        (page.records[2].status.as_str(), page.records[2].version_id.as_str()),
        ("cancelled", "2"),
        "the last key wins"
    );
    assert!(page.records[2].raw.contains(r#""status":"booked","status":"cancelled""#), "stored as sent");
}

#[test]
fn operation_outcomes_among_the_entries_are_kept_for_the_log() {
    let page = parse(&json!({"resourceType": "Bundle", "entry": [
        {"resource": {"resourceType": "OperationOutcome", "issue": [{"severity": "warning", "code": "processing", "diagnostics": "Some locations were not searched"}]},
         "search": {"mode": "outcome"}},
        {"resource": {"resourceType": "Appointment", "id": "a"}}
    ]}))
    .unwrap();
    assert_eq!(page.outcomes, ["warning processing: Some locations were not searched"]);
    assert_eq!(page.records.len(), 1);
}

#[test]
fn a_page_of_more_entries_than_allowed_is_refused_and_one_of_exactly_that_many_is_read() {
    let entries = |n: usize| -> Vec<serde_json::Value> {
        (0..n).map(|i| json!({"resource": {"resourceType": "Appointment", "id": i.to_string()}})).collect()
    };
    let body = |n: usize| serde_json::to_vec(&json!({"resourceType": "Bundle", "entry": entries(n)})).unwrap();
    let page = Page::parse_bounded(&body(5), FhirVersion::R4, 5).unwrap();
    assert_eq!(page.records.len(), 5);
    let refused = Page::parse_bounded(&body(6), FhirVersion::R4, 5).unwrap_err();
    assert!(refused.0.starts_with("the page holds more than max_page_entries (5) entries"), "{refused}");
    // Entries that are not even resources count too.
    let empty = format!("{{\"resourceType\":\"Bundle\",\"entry\":[{}{{}}]}}", "{},".repeat(5));
    assert!(Page::parse_bounded(empty.as_bytes(), FhirVersion::Dstu2, 5).is_err());
    assert!(
        Page::parse_bounded(br#"{"resourceType":"Bundle","entry":null}"#, FhirVersion::Dstu2, 0)
            .unwrap()
            .records
            .is_empty()
    );
}

#[test]
fn the_one_pass_reports_what_is_most_basic_first_wherever_the_keys_stand() {
    // Entries before resourceType: broken entries still read as "not a Bundle" when it is not one.
    let body = br#"{"entry": [1, {"resource": {"resourceType": "Appointment"}}], "resourceType": "Patient"}"#;
    assert_eq!(Page::parse(body, FhirVersion::R4).unwrap_err().0, "the answer is not a Bundle");
    // A refused entry before a broken next link: the link is reported (it is read first).
    let body = br#"{"entry": [{"resource": {"resourceType": "Appointment"}}], "link": [{"relation": "next"}],
        "resourceType": "Bundle"}"#;
    assert_eq!(Page::parse(body, FhirVersion::R4).unwrap_err().0, "the next link has no url");
    // After a refused entry the rest must still be JSON.
    let body = br#"{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Appointment"}}, {"a": tru}]}"#;
    assert!(Page::parse(body, FhirVersion::R4).unwrap_err().0.starts_with("the answer is not a FHIR JSON Bundle"));
    // A key twice is refused, whichever it is.
    for key in ["resourceType", "link", "entry"] {
        let body = format!(r#"{{"resourceType": "Bundle", "link": [], "entry": [], "{key}": null}}"#);
        let err = Page::parse(body.as_bytes(), FhirVersion::R4).unwrap_err().0;
        assert!(err.contains("duplicate field"), "{key}: {err}");
    }
    // Entries after the limit are read through, not kept, and the page is refused.
    let body = br#"{"resourceType": "Bundle", "entry": [{}, {}, {}]}"#;
    let err = Page::parse_bounded(body, FhirVersion::R4, 2).unwrap_err().0;
    assert!(err.contains("more than max_page_entries (2)"), "{err}");
    // Appointments before resourceType are read as usual.
    let body = br#"{"entry": [{"resource": {"resourceType": "Appointment", "id": "7", "meta": {"versionId": "3"}}}],
        "resourceType": "Bundle"}"#;
    let page = Page::parse(body, FhirVersion::R4).unwrap();
    assert_eq!((page.records[0].id.as_str(), page.records[0].version_id.as_str()), ("7", "3"));
}
