//! What an R4 Appointment carries that its stored (DSTU2) form does not (fhir.cerner.com Millennium
//! R4 Appointment, "Extensions", and `r4_examples_appointment.rb`): the `is-cancelable` and
//! `is-reschedulable` extensions on every appointment, and a `cancelationReason` on a cancelled
//! one. The store keeps no reason, so it is Cerner's code set 14229 with code `0` (none recorded),
//! as the example's cancelled appointment carries it. A `slot[]` is kept when the stored
//! appointment names its slots (DSTU2 has the same element).
//!
//! Whether an appointment can be cancelled follows the page's status transitions ("From `Proposed`
//! to `Booked` or `Cancelled`", "From `Booked` to … `Cancelled`", "From `Arrived` to … `Cancelled`",
//! "From `Checked-In` to … `Cancelled`"); one can be rescheduled while it is booked (chosen: a
//! reschedule moves a booked appointment, and the example's cancelled and no-show ones are
//! neither cancelable nor reschedulable). The synthetic appointments' writer writes the same bytes
//! (`store::synthetic::stored`; a test holds the two together).

use serde_json::{Map, Value, json};

const IS_CANCELABLE: &str = "https://fhir-ehr.cerner.com/r4/StructureDefinition/is-cancelable";
const IS_RESCHEDULABLE: &str = "https://fhir-ehr.cerner.com/r4/StructureDefinition/is-reschedulable";

/// Whether an appointment of `status` can be cancelled, and rescheduled.
pub fn flags(status: &str) -> (bool, bool) {
    let cancelable = matches!(status, "proposed" | "booked" | "arrived" | "checked-in");
    (cancelable, status == "booked")
}

/// The two extensions, in the example's form (`valueBoolean` before `url`).
pub fn extensions(status: &str) -> [Value; 2] {
    let (cancelable, reschedulable) = flags(status);
    [
        json!({ "valueBoolean": cancelable, "url": IS_CANCELABLE }),
        json!({ "valueBoolean": reschedulable, "url": IS_RESCHEDULABLE }),
    ]
}

/// The cancellation reason of a cancelled appointment: code set 14229 of the tenant whose code
/// sets the appointment's own codings name (`https://fhir.cerner.com/{tenant}/codeSet/…`).
pub fn cancelation_reason(code_sets: &str) -> Value {
    json!({ "coding": [{ "system": format!("{code_sets}14229"), "code": "0", "userSelected": true }] })
}

/// `https://fhir.cerner.com/{tenant}/codeSet/` of the first coding of `serviceType` in a Cerner
/// code set.
fn code_sets(appointment: &Map<String, Value>) -> Option<String> {
    let types = appointment.get("serviceType")?.as_array()?;
    let systems = types.iter().flat_map(|t| t["coding"].as_array().into_iter().flatten());
    let system = systems.filter_map(|c| c["system"].as_str()).find(|s| s.starts_with("https://fhir.cerner.com/"))?;
    let at = system.find("/codeSet/")?;
    Some(system[..at + "/codeSet/".len()].to_owned())
}

/// Adds the extensions (to the stored ones, or as a new `extension` after `status`) and, when
/// cancelled, the `cancelationReason` after `status` (unless the stored form has one).
pub fn shape(appointment: Map<String, Value>) -> Map<String, Value> {
    let status = appointment.get("status").and_then(Value::as_str).unwrap_or_default().to_owned();
    let flags = extensions(&status);
    let has_extensions = appointment.get("extension").is_some_and(Value::is_array);
    let reason = (status == "cancelled" && !appointment.contains_key("cancelationReason"))
        .then(|| code_sets(&appointment).map(|sets| cancelation_reason(&sets)))
        .flatten();
    let mut out = Map::with_capacity(appointment.len() + 2);
    for (key, mut value) in appointment {
        if key == "extension"
            && let Value::Array(items) = &mut value
        {
            let urls: Vec<String> = items.iter().filter_map(|e| e["url"].as_str().map(str::to_owned)).collect();
            items.extend(flags.iter().filter(|f| !urls.iter().any(|u| f["url"] == u.as_str())).cloned());
        }
        let after_status = key == "status";
        out.insert(key, value);
        if after_status {
            if !has_extensions {
                out.insert("extension".to_owned(), Value::Array(flags.to_vec()));
            }
            if let Some(reason) = reason.clone() {
                out.insert("cancelationReason".to_owned(), reason);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `r4_examples_appointment.rb`: the cancelled appointment carries `is-cancelable` and
    /// `is-reschedulable` false, and `cancelationReason` in code set 14229 with code `0`.
    #[test]
    fn a_cancelled_appointment_is_neither_cancelable_nor_reschedulable_and_has_a_reason() {
        let stored = json!({
            "resourceType": "Appointment", "status": "cancelled",
            "serviceType": [{ "coding": [{ "system": "https://fhir.cerner.com/t1/codeSet/14249", "code": "1" }] }],
        });
        let Value::Object(stored) = stored else { unreachable!() };
        let shaped = Value::Object(shape(stored));
        let keys: Vec<&String> = shaped.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["resourceType", "status", "extension", "cancelationReason", "serviceType"]);
        assert_eq!(shaped["extension"][0], json!({ "valueBoolean": false, "url": IS_CANCELABLE }));
        assert_eq!(shaped["extension"][1], json!({ "valueBoolean": false, "url": IS_RESCHEDULABLE }));
        assert_eq!(shaped["cancelationReason"]["coding"][0]["system"], "https://fhir.cerner.com/t1/codeSet/14229");
        assert_eq!(shaped["cancelationReason"]["coding"][0]["code"], "0");
    }

    #[test]
    fn flags_follow_the_documented_status_transitions() {
        assert_eq!(flags("booked"), (true, true));
        for status in ["proposed", "arrived", "checked-in"] {
            assert_eq!(flags(status), (true, false), "{status}");
        }
        for status in ["fulfilled", "cancelled", "noshow", "entered-in-error", "pending"] {
            assert_eq!(flags(status), (false, false), "{status}");
        }
    }

    #[test]
    fn stored_extensions_are_kept_and_the_flags_added_once() {
        let Value::Object(stored) = json!({
            "extension": [{ "url": IS_CANCELABLE, "valueBoolean": true }, { "url": "x", "valueString": "" }],
            "status": "booked",
        }) else {
            unreachable!()
        };
        let shaped = Value::Object(shape(stored));
        let urls: Vec<&str> =
            shaped["extension"].as_array().unwrap().iter().map(|e| e["url"].as_str().unwrap()).collect();
        assert_eq!(urls, [IS_CANCELABLE, "x", IS_RESCHEDULABLE]);
        assert!(shaped.get("cancelationReason").is_none());
    }
}
