//! What a tenant says it serves and grants, read before its appointments are searched: the
//! Appointment search its own capability statement offers (hospitals differ: "always fetch the
//! CapabilityStatement for the specific tenant"), and the scope its token endpoint granted (a
//! hospital may grant less than the account registered). Both come from a server and are read
//! defensively: bounded scans, nothing trusted but exact names.

use serde_json::Value;

use crate::fhir_version::FhirVersion;

/// The most resources, parameters and scope tokens looked at; a statement listing more is read
/// up to here.
const MAX_ITEMS: usize = 1_000;

/// What the statement says of the Appointment search the client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// The statement lists no resources at all: nothing to check against (the search is tried).
    Unstated,
    /// Appointment search by `location` and the version's date parameter is listed; `count` says
    /// whether `_count` is too (when it is not, the server's page size is used).
    Listed {
        /// Whether `_count` is listed for Appointment.
        count: bool,
    },
}

/// The date parameter the client's Appointment search uses on `version`.
pub fn date_param(version: FhirVersion) -> &'static str {
    match version {
        FhirVersion::Dstu2 => "date",
        FhirVersion::R4 => "-date-or-req-period",
    }
}

/// Reads the Appointment search a tenant's `metadata` offers; `Err` says what it lacks.
pub fn appointment_offer(metadata: &Value, version: FhirVersion) -> Result<Offer, String> {
    let Some(resources) = metadata["rest"][0]["resource"].as_array() else { return Ok(Offer::Unstated) };
    let appointment = resources.iter().take(MAX_ITEMS).find(|r| r["type"] == "Appointment");
    let Some(appointment) = appointment else {
        return Err("its capability statement does not list the Appointment resource".to_owned());
    };
    let searchable = appointment["interaction"]
        .as_array()
        .is_some_and(|all| all.iter().take(MAX_ITEMS).any(|i| i["code"] == "search-type"));
    if !searchable {
        return Err("its capability statement does not offer Appointment search (no search-type)".to_owned());
    }
    let names: Vec<&str> = appointment["searchParam"]
        .as_array()
        .map(|params| params.iter().take(MAX_ITEMS).filter_map(|p| p["name"].as_str()).collect())
        .unwrap_or_default();
    let missing: Vec<&str> =
        ["location", date_param(version)].into_iter().filter(|needed| !names.contains(needed)).collect();
    if !missing.is_empty() {
        return Err(format!(
            "its capability statement does not offer Appointment search by {} (it lists: {})",
            missing.join(" and "),
            shorten(&names.join(", "), 200)
        ));
    }
    Ok(Offer::Listed { count: names.contains(&"_count") })
}

/// Whether a token answer's `scope` grants reading appointments; `Err` holds the granted scope
/// as shown in messages. An absent (or non-text) `scope` means what was asked for (RFC 6749 §5.1).
pub fn grants_appointments(answer: &Value) -> Result<(), String> {
    let Some(scope) = answer.get("scope").and_then(Value::as_str) else { return Ok(()) };
    let granted = scope.split(' ').take(MAX_ITEMS).any(reads_appointments);
    if granted { Ok(()) } else { Err(shorten(scope, 200)) }
}

/// `system/Appointment.read`, or a SMART v2 `system/Appointment.<cruds>` holding `r` or `s`,
/// short or fully qualified.
fn reads_appointments(scope: &str) -> bool {
    let short = scope.strip_prefix("http://smarthealthit.org/FHIR/scopes/").unwrap_or(scope);
    let Some(permissions) = short.strip_prefix("system/Appointment.") else { return false };
    permissions == "read"
        || (!permissions.is_empty()
            && permissions.len() <= 5
            && permissions.bytes().all(|b| b"cruds".contains(&b))
            && permissions.contains(['r', 's']))
}

/// At most `max` characters, control characters dropped, `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    let cut: String = text.chars().filter(|c| !c.is_control()).take(max).collect();
    if text.chars().count() > max { format!("{cut}…") } else { cut }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn statement(params: &[&str]) -> Value {
        let params: Vec<Value> = params.iter().map(|n| json!({ "name": n, "type": "token" })).collect();
        json!({ "rest": [{ "resource": [
            { "type": "Patient", "interaction": [{ "code": "read" }] },
            { "type": "Appointment", "interaction": [{ "code": "read" }, { "code": "search-type" }], "searchParam": params }
        ]}]})
    }

    #[test]
    fn the_appointment_search_must_be_offered_by_location_and_date() {
        let dstu2 = FhirVersion::Dstu2;
        assert_eq!(
            appointment_offer(&statement(&["location", "date", "_count"]), dstu2),
            Ok(Offer::Listed { count: true })
        );
        assert_eq!(appointment_offer(&statement(&["location", "date"]), dstu2), Ok(Offer::Listed { count: false }));
        let r4 = appointment_offer(&statement(&["location", "date", "_count"]), FhirVersion::R4).unwrap_err();
        assert!(r4.contains("-date-or-req-period"), "{r4}");
        let no_location = appointment_offer(&statement(&["_id", "patient", "date"]), dstu2).unwrap_err();
        assert!(no_location.contains("by location") && no_location.contains("_id, patient, date"), "{no_location}");
        let absent = json!({ "rest": [{ "resource": [{ "type": "Patient" }] }] });
        assert!(appointment_offer(&absent, dstu2).unwrap_err().contains("does not list the Appointment"));
        let read_only =
            json!({ "rest": [{ "resource": [{ "type": "Appointment", "interaction": [{ "code": "read" }] }] }] });
        assert!(appointment_offer(&read_only, dstu2).unwrap_err().contains("search-type"));
        assert_eq!(appointment_offer(&json!({ "rest": [{ "security": {} }] }), dstu2), Ok(Offer::Unstated));
        assert_eq!(appointment_offer(&json!("nonsense"), dstu2), Ok(Offer::Unstated));
    }

    #[test]
    fn the_granted_scope_must_read_appointments() {
        assert_eq!(grants_appointments(&json!({ "scope": "system/Patient.read system/Appointment.read" })), Ok(()));
        assert_eq!(grants_appointments(&json!({ "scope": "system/Appointment.rs" })), Ok(()));
        assert_eq!(grants_appointments(&json!({})), Ok(()), "absent: what was asked for");
        assert_eq!(grants_appointments(&json!({ "scope": 7 })), Ok(()));
        assert_eq!(grants_appointments(&json!({ "scope": "system/Patient.read" })), Err("system/Patient.read".into()));
        for no in [
            "system/Appointment.write",
            "system/Appointment.cu",
            "user/Appointment.read",
            "system/Appointments.read",
            "",
        ] {
            assert!(grants_appointments(&json!({ "scope": no })).is_err(), "{no}");
        }
        let huge = "x".repeat(10_000);
        assert_eq!(grants_appointments(&json!({ "scope": huge })).unwrap_err().chars().count(), 201);
    }

    proptest::proptest! {
        #[test]
        fn reading_what_a_server_says_never_panics(text in "\\PC{0,200}") {
            let value = serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text.clone()));
            let _ = appointment_offer(&value, FhirVersion::R4);
            let _ = grants_appointments(&json!({ "scope": text }));
            let _ = grants_appointments(&value);
        }
    }
}
