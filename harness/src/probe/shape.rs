//! The FHIR-aware shape of a JSON answer: the set of element paths it contains.
//!
//! Two answers from different servers (the real one, the emulator, the documentation) never agree
//! on ids, timestamps or page tokens, so comparing values would only report noise. What a client
//! depends on is structure: which elements exist, which resource types sit where, and the handful
//! of coded values that steer its logic (link relations, Bundle type, search mode, OperationOutcome
//! codes). The shape keeps exactly those.

use std::collections::BTreeSet;

use serde_json::Value;

/// Element paths of a FHIR JSON value, e.g.
/// `Bundle.entry[].resource(Appointment).participant[].actor.reference`.
///
/// Array indices collapse to `[]` (the number of entries is data, not structure); nested resources
/// are named by their `resourceType` (`resource(Appointment)`), since a Bundle of Patients and a
/// Bundle of Appointments share every other path. Values are dropped except for the coded ones a
/// client branches on (see `keeps_value`), which are appended as `=value`.
pub fn shape(value: &Value) -> BTreeSet<String> {
    let mut paths = BTreeSet::new();
    let root = match value {
        Value::Object(map) => map.get("resourceType").and_then(Value::as_str).unwrap_or("(object)").to_owned(),
        Value::Null => return paths,
        _ => "(value)".to_owned(),
    };
    walk(value, &root, &mut paths);
    paths
}

/// Records `path` for a leaf and descends into objects and arrays.
fn walk(value: &Value, path: &str, paths: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) if map.is_empty() => {
            paths.insert(format!("{path}{{}}"));
        }
        Value::Object(map) => {
            for (key, child) in map {
                if key == "resourceType" {
                    // Already part of the path: the root name or `key(Type)`.
                    continue;
                }
                walk(child, &child_path(path, key, child), paths);
            }
        }
        Value::Array(items) if items.is_empty() => {
            paths.insert(format!("{path}[]"));
        }
        Value::Array(items) => {
            for item in items {
                walk(item, &format!("{path}[]"), paths);
            }
        }
        leaf => {
            paths.insert(leaf_path(path, leaf));
        }
    }
}

/// The path of `key` under `path`, naming the resource type when the child is (or holds, for
/// arrays like `contained`) a resource, so different resource types do not look alike.
fn child_path(path: &str, key: &str, child: &Value) -> String {
    let resource_type = match child {
        Value::Object(map) => map.get("resourceType").and_then(Value::as_str),
        _ => None,
    };
    match resource_type {
        Some(kind) => format!("{path}.{key}({kind})"),
        None => format!("{path}.{key}"),
    }
}

/// A leaf's path, with its value when the value is structural (see [`keeps_value`]).
fn leaf_path(path: &str, leaf: &Value) -> String {
    if !keeps_value(path) {
        return path.to_owned();
    }
    match leaf {
        Value::String(text) => format!("{path}={text}"),
        other => format!("{path}={other}"),
    }
}

/// Whether the value at `path` is one a client branches on: link relations (`next` drives paging),
/// `Bundle.type`, `entry[].search.mode` (match vs include), OperationOutcome issue codes.
fn keeps_value(path: &str) -> bool {
    path.ends_with("link[].relation")
        || path.ends_with("entry[].search.mode")
        || path == "Bundle.type"
        || path.ends_with("(Bundle).type")
        || path == "OperationOutcome.issue[].code"
        || path.ends_with("(OperationOutcome).issue[].code")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle(id: &str, updated: &str, token: &str) -> Value {
        json!({
            "resourceType": "Bundle", "id": id, "type": "searchset",
            "link": [
                { "relation": "self", "url": format!("https://x/Appointment?patient=1&_count=50&t={token}") },
                { "relation": "next", "url": format!("https://x/Appointment?-pageContext={token}") }
            ],
            "entry": [
                { "fullUrl": format!("https://x/Appointment/{id}"), "search": { "mode": "match" },
                  "resource": { "resourceType": "Appointment", "id": id, "meta": { "lastUpdated": updated },
                                "participant": [ { "actor": { "reference": format!("Patient/{id}") } } ] } },
                { "fullUrl": "https://x/Appointment/2", "search": { "mode": "match" },
                  "resource": { "resourceType": "Appointment", "id": "2", "meta": { "lastUpdated": updated },
                                "participant": [ { "actor": { "reference": "Patient/3" } } ] } }
            ]
        })
    }

    #[test]
    fn shape_collapses_arrays_and_ignores_ids_timestamps_and_page_tokens() {
        let one = shape(&bundle("1", "2020-01-01T00:00:00Z", "aaaa"));
        let other = shape(&bundle("999", "2024-05-02T10:11:12.000Z", "bbbb"));
        assert_eq!(one, other);
        assert!(one.contains("Bundle.entry[].resource(Appointment).participant[].actor.reference"), "{one:#?}");
        assert!(one.contains("Bundle.entry[].resource(Appointment).meta.lastUpdated"));
        assert!(!one.iter().any(|p| p.contains("[0]") || p.contains("[1]")));
    }

    #[test]
    fn shape_keeps_resource_types_link_relations_bundle_type_search_mode_and_outcome_codes() {
        let paths = shape(&bundle("1", "2020", "t"));
        for expected in [
            "Bundle.link[].relation=self",
            "Bundle.link[].relation=next",
            "Bundle.type=searchset",
            "Bundle.entry[].search.mode=match",
        ] {
            assert!(paths.contains(expected), "{expected} not in {paths:#?}");
        }
        let outcome = shape(&json!({ "resourceType": "OperationOutcome",
            "issue": [ { "severity": "error", "code": "invalid", "diagnostics": "no" } ] }));
        assert!(outcome.contains("OperationOutcome.issue[].code=invalid"));
        assert!(outcome.contains("OperationOutcome.issue[].diagnostics"));
        let patient = shape(&json!({ "resourceType": "Patient", "id": "1" }));
        assert_ne!(shape(&json!({ "resourceType": "Practitioner", "id": "1" })), patient);
    }

    #[test]
    fn shape_of_null_is_empty() {
        assert!(shape(&Value::Null).is_empty());
    }
}
