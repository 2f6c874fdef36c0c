//! A stored resource rendered as R4. The store keeps one resource per id in its DSTU2 shape
//! (Location, which DSTU2 lacks, is kept as R4); R4 is written from it field by field, so an
//! appointment has the same id, `meta.versionId` and `meta.lastUpdated` on both versions and a
//! change shows on both. What changes (fhir.cerner.com R4 examples):
//! - Appointment: `type` → `serviceType[]`, `reason` → `reasonCode[]`; a `proposed` one also
//!   carries its period as `requestedPeriod[]` (chosen: the store keeps one period); the
//!   `is-cancelable`/`is-reschedulable` extensions and a cancelled one's `cancelationReason`
//!   ([`super::appointment`]).
//! - Slot: `type` → `serviceType[]`, `freeBusyType` → `status`.
//! - Schedule: `type` → `serviceType[]`, `actor` → `actor[]`, `active: true`; no extensions.
//! - Patient: `name[].family` list → one string; `careProvider` → `generalPractitioner`; the
//!   Argonaut race and ethnicity extensions → US Core ([`super::us_core`]).
//! - Practitioner: `name` → `name[]` with one family string; `practitionerRole` dropped (R4 has
//!   PractitionerRole resources).
//! - Encounter: `patient` → `subject`, `class` code → a v3 ActCode Coding, `reason` →
//!   `reasonCode`; DSTU2's `encounter-guarantor` extension dropped.
//! - Everywhere: Cerner extension URLs move from `/dstu2/` to `/r4/`, HL7 v2/v3 code systems to
//!   their terminology.hl7.org URLs, and the narrative `div` gets its XHTML namespace.

use serde_json::{Map, Value, json};

use crate::store::{Body, ResourceType, Row};

const CERNER_DSTU2: &str = "https://fhir-ehr.cerner.com/dstu2/StructureDefinition/";
const CERNER_R4: &str = "https://fhir-ehr.cerner.com/r4/StructureDefinition/";
const XHTML_DIV: &str = "<div xmlns=\"http://www.w3.org/1999/xhtml\">";

/// The R4 form of a stored resource; `None` when the stored JSON does not parse (never for what
/// the store accepted).
pub fn to_r4(resource_type: ResourceType, row: &Row) -> Option<Value> {
    let Value::Object(map) = serde_json::from_str(&row.json()).ok()? else { return None };
    if resource_type == ResourceType::Location {
        return Some(Value::Object(map));
    }
    let map = rename(map, |key, value| resource_field(resource_type, key, value));
    let mut value = Value::Object(map);
    terminology(&mut value);
    if resource_type == ResourceType::Appointment {
        with_requested_period(&mut value);
        if let Value::Object(map) = value {
            value = Value::Object(super::appointment::shape(map));
        }
    }
    if resource_type == ResourceType::Patient {
        super::us_core::race_and_ethnicity(&mut value);
    }
    Some(value)
}

/// Appends the R4 JSON of a stored resource to `out`; false when it cannot be rendered. A
/// synthetic appointment is written straight from its stored form (the same bytes as
/// serializing [`to_r4`]'s value), as DSTU2 writes it, so R4 pages cost what DSTU2 pages do.
pub fn write_r4(resource_type: ResourceType, row: &Row, out: &mut String) -> bool {
    let rendered = match &row.body {
        Body::Appointment(appointment) => {
            appointment.write_r4_json(out);
            return true;
        }
        // Made once per stored row and kept with it (see `JsonText`).
        Body::Json(text) => {
            text.r4_with(|| to_r4(resource_type, row).and_then(|value| serde_json::to_string(&value).ok()))
        }
    };
    match rendered {
        Some(json) => {
            out.push_str(json);
            true
        }
        None => false,
    }
}

/// Rebuilds `map` in order, each field replaced by what `field` makes of it (none, one or more).
fn rename(map: Map<String, Value>, mut field: impl FnMut(&str, Value) -> Vec<(String, Value)>) -> Map<String, Value> {
    let mut out = Map::with_capacity(map.len() + 1);
    for (key, value) in map {
        for (key, value) in field(&key, value) {
            out.insert(key, value);
        }
    }
    out
}

fn one(key: &str, value: Value) -> Vec<(String, Value)> {
    vec![(key.to_owned(), value)]
}

/// A single value as a one-element list; a list as is.
fn listed(value: Value) -> Value {
    match value {
        Value::Array(_) => value,
        other => Value::Array(vec![other]),
    }
}

fn resource_field(resource_type: ResourceType, key: &str, value: Value) -> Vec<(String, Value)> {
    use ResourceType as T;
    match (resource_type, key) {
        (_, "text") => one(key, narrative(value)),
        (T::Appointment | T::Slot | T::Schedule, "type") => one("serviceType", listed(value)),
        (T::Appointment, "reason") | (T::Encounter, "reason") => one("reasonCode", listed(value)),
        (T::Slot, "freeBusyType") => one("status", value),
        (T::Schedule, "meta") => vec![(key.to_owned(), value), ("active".to_owned(), Value::Bool(true))],
        (T::Schedule, "actor") => one(key, listed(value)),
        (T::Patient, "name") => {
            one(key, Value::Array(listed(value).as_array().into_iter().flatten().cloned().map(human_name).collect()))
        }
        (T::Patient, "careProvider") => one("generalPractitioner", value),
        (T::Practitioner, "name") => {
            one(key, Value::Array(listed(value).as_array().into_iter().flatten().cloned().map(human_name).collect()))
        }
        (T::Practitioner, "practitionerRole") => Vec::new(),
        // fhir.cerner.com R4 Schedule lists no extensions (its example has none); R4 Encounter's
        // do not include DSTU2's `encounter-guarantor`.
        (T::Schedule, "extension") => Vec::new(),
        (T::Encounter, "extension") => {
            let kept: Vec<Value> = listed(value)
                .as_array()
                .into_iter()
                .flatten()
                .filter(|e| !e["url"].as_str().is_some_and(|url| url.ends_with("/encounter-guarantor")))
                .cloned()
                .collect();
            if kept.is_empty() { Vec::new() } else { one(key, Value::Array(kept)) }
        }
        (T::Encounter, "patient") => one("subject", value),
        (T::Encounter, "class") => one(key, encounter_class(value)),
        _ => one(key, value),
    }
}

/// Adds `requestedPeriod` after `end` for a proposed appointment (R4 keeps a request's period there).
pub fn with_requested_period(resource: &mut Value) {
    if resource["status"] != "proposed" || resource.get("requestedPeriod").is_some() {
        return;
    }
    let period = json!([{ "start": resource["start"].clone(), "end": resource["end"].clone() }]);
    if let Value::Object(map) = resource {
        map.insert("requestedPeriod".to_owned(), period);
    }
}

/// R4 `HumanName.family` is one string; DSTU2's is a list.
fn human_name(mut name: Value) -> Value {
    if let Some(family) = name.get("family").and_then(Value::as_array) {
        let joined = family.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" ");
        name["family"] = Value::String(joined);
    }
    name
}

fn narrative(mut text: Value) -> Value {
    if let Some(div) = text.get("div").and_then(Value::as_str).filter(|d| d.starts_with("<div>")) {
        text["div"] = Value::String(format!("{XHTML_DIV}{}", &div["<div>".len()..]));
    }
    text
}

/// DSTU2 writes the class as a code; R4 as a Coding of v3 ActCode.
fn encounter_class(value: Value) -> Value {
    let Some(code) = value.as_str() else { return value };
    let (act, display) = match code {
        "inpatient" => ("IMP", "inpatient encounter"),
        "emergency" => ("EMER", "emergency"),
        "home" => ("HH", "home health"),
        "field" => ("FLD", "field"),
        "daytime" => ("SS", "short stay"),
        "virtual" => ("VR", "virtual"),
        _ => ("AMB", "ambulatory"),
    };
    json!({ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": act, "display": display })
}

/// Cerner extension URLs and HL7 code systems, wherever they are.
fn terminology(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match (key.as_str(), child) {
                    ("url", Value::String(url)) if url.starts_with(CERNER_DSTU2) => {
                        *url = format!("{CERNER_R4}{}", &url[CERNER_DSTU2.len()..]);
                    }
                    ("system", Value::String(system)) => {
                        if let Some(r4) = code_system(system) {
                            *system = r4;
                        }
                    }
                    (_, child) => terminology(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(terminology),
        _ => {}
    }
}

/// `http://hl7.org/fhir/v3/X` → `http://terminology.hl7.org/CodeSystem/v3-X` (and v2).
fn code_system(system: &str) -> Option<String> {
    ["v2", "v3"].iter().find_map(|v| {
        let name = system.strip_prefix(&format!("http://hl7.org/fhir/{v}/"))?;
        Some(format!("http://terminology.hl7.org/CodeSystem/{v}-{name}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_appointments_write_what_the_renderer_makes_of_their_dstu2_json() {
        let profile = crate::Profile::embedded_default();
        let day = time::macros::date!(2026 - 01 - 05);
        let store = crate::store::Store::load(&profile, day, &Default::default()).unwrap();
        let mut checked = 0;
        for tenant in &profile.tenants {
            let data = store.read(tenant.id.as_str()).unwrap();
            let table = data.table(ResourceType::Appointment).unwrap();
            for (_, row) in table.rows().filter(|(_, row)| matches!(row.body, Body::Appointment(_))) {
                let mut direct = String::new();
                assert!(write_r4(ResourceType::Appointment, row, &mut direct));
                let rendered = serde_json::to_string(&to_r4(ResourceType::Appointment, row).unwrap()).unwrap();
                assert_eq!(direct, rendered, "{}", row.id);
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    #[test]
    fn a_stored_resource_is_rendered_once_and_then_served_as_rendered() {
        let broken = row("not json");
        let row = row(r#"{"resourceType":"Appointment","id":"1","status":"booked","type":{"text":"PT Eval"}}"#);
        let Body::Json(text) = &row.body else { unreachable!() };
        let mut first = String::new();
        assert!(write_r4(ResourceType::Appointment, &row, &mut first));
        assert_eq!(first, serde_json::to_string(&to_r4(ResourceType::Appointment, &row).unwrap()).unwrap());
        assert!(first.contains(r#""serviceType":[{"text":"PT Eval"}]"#), "{first}");
        let kept = text.r4_with(|| panic!("rendered a second time"));
        assert_eq!(kept, Some(first.as_str()));
        let mut second = String::new();
        assert!(write_r4(ResourceType::Appointment, &row, &mut second));
        assert_eq!(second, first);
        assert!(!write_r4(ResourceType::Patient, &broken, &mut String::new()), "what does not parse is refused");
    }

    fn row(json: &str) -> Row {
        Row { id: "1".into(), version: "3".into(), body: Body::Json(json.into()) }
    }

    #[test]
    fn an_appointment_keeps_its_meta_and_moves_type_and_reason() {
        let dstu2 = r#"{"resourceType":"Appointment","id":"1","meta":{"versionId":"3","lastUpdated":"2020-07-06T16:41:32.000Z"},
            "text":{"status":"generated","div":"<div><p>x</p></div>"},"status":"booked","type":{"text":"PT Eval"},"reason":{"text":"ACL"},
            "participant":[{"type":[{"coding":[{"system":"http://hl7.org/fhir/v3/ParticipationType","code":"PPRF"}]}],
            "actor":{"reference":"Location/1"}}],"extension":[{"url":"https://fhir-ehr.cerner.com/dstu2/StructureDefinition/is-cancelable","valueBoolean":true}]}"#;
        let r4 = to_r4(ResourceType::Appointment, &row(dstu2)).unwrap();
        assert_eq!(r4["meta"], json!({"versionId":"3","lastUpdated":"2020-07-06T16:41:32.000Z"}));
        assert_eq!(r4["serviceType"], json!([{"text":"PT Eval"}]));
        assert_eq!(r4["reasonCode"], json!([{"text":"ACL"}]));
        assert!(r4.get("type").is_none() && r4.get("reason").is_none());
        assert_eq!(
            r4["participant"][0]["type"][0]["coding"][0]["system"],
            "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
        );
        assert_eq!(r4["extension"][0]["url"], "https://fhir-ehr.cerner.com/r4/StructureDefinition/is-cancelable");
        assert_eq!(r4["text"]["div"], "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>x</p></div>");
    }

    #[test]
    fn names_schedules_slots_and_encounters_take_their_r4_shapes() {
        let p = to_r4(ResourceType::Practitioner, &row(r#"{"resourceType":"Practitioner","id":"1","name":{"family":["Cerner","Test"],"given":["A"]},"practitionerRole":[]}"#)).unwrap();
        assert_eq!(p["name"], json!([{"family":"Cerner Test","given":["A"]}]));
        assert!(p.get("practitionerRole").is_none());
        let s = to_r4(ResourceType::Schedule, &row(r#"{"resourceType":"Schedule","id":"1","meta":{},"type":[{"text":"x"}],"actor":{"reference":"Practitioner/1"}}"#)).unwrap();
        assert_eq!(
            (s["active"].clone(), s["actor"].clone(), s["serviceType"].clone()),
            (json!(true), json!([{"reference":"Practitioner/1"}]), json!([{"text":"x"}]))
        );
        let slot = to_r4(
            ResourceType::Slot,
            &row(r#"{"resourceType":"Slot","id":"1","type":{"text":"x"},"freeBusyType":"free"}"#),
        )
        .unwrap();
        assert_eq!((slot["status"].clone(), slot["serviceType"].clone()), (json!("free"), json!([{"text":"x"}])));
        let e = to_r4(
            ResourceType::Encounter,
            &row(r#"{"resourceType":"Encounter","id":"1","class":"inpatient","patient":{"reference":"Patient/2"}}"#),
        )
        .unwrap();
        assert_eq!(
            (e["class"]["code"].clone(), e["subject"].clone()),
            (json!("IMP"), json!({"reference":"Patient/2"}))
        );
    }

    #[test]
    fn a_proposed_appointment_carries_its_requested_period() {
        let mut value = json!({"status":"proposed","start":"a","end":"b"});
        with_requested_period(&mut value);
        assert_eq!(value["requestedPeriod"], json!([{"start":"a","end":"b"}]));
        let mut booked = json!({"status":"booked","start":"a"});
        with_requested_period(&mut booked);
        assert!(booked.get("requestedPeriod").is_none());
    }
}
