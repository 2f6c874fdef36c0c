//! `GET /__admin/openapi.json`: the admin API's OpenAPI document lists every admin route (it is
//! generated from the router's own registrations), every listed operation is routed, its schemas
//! resolve, and the answers of the GET operations have the documented properties.

use serde_json::Value;

use crate::helpers::*;

/// The operations the admin API has (README, "Admin API").
const OPERATIONS: [(&str, &str); 15] = [
    ("get", "/__admin/health"),
    ("get", "/__admin/openapi.json"),
    ("get", "/__admin/clock"),
    ("post", "/__admin/clock"),
    ("get", "/__admin/tenants"),
    ("get", "/__admin/tenants/{tenant}"),
    ("post", "/__admin/tenants/{tenant}/changes"),
    ("post", "/__admin/tenants/{tenant}/simulate"),
    ("get", "/__admin/faults"),
    ("post", "/__admin/faults"),
    ("delete", "/__admin/faults"),
    ("delete", "/__admin/faults/{id}"),
    ("get", "/__admin/journal"),
    ("delete", "/__admin/journal"),
    ("post", "/__admin/reset"),
];

async fn document(app: &TestApp) -> Value {
    let response = app.http.get(app.url("/__admin/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.unwrap()
}

fn operations(document: &Value) -> Vec<(String, String)> {
    let paths = document["paths"].as_object().unwrap();
    paths.iter().flat_map(|(path, item)| item.as_object().unwrap().keys().map(|m| (m.clone(), path.clone()))).collect()
}

#[tokio::test]
async fn the_document_lists_every_admin_operation_and_each_is_routed() {
    let app = spawn_app().await;
    let document = document(&app).await;
    assert!(document["openapi"].as_str().unwrap().starts_with("3."), "{}", document["openapi"]);
    let listed = operations(&document);
    for (method, path) in OPERATIONS {
        assert!(listed.contains(&(method.to_owned(), path.to_owned())), "{method} {path} is not documented");
    }
    // Each documented operation reaches a handler: an admin answer is JSON or 204, where an unrouted
    // path gets an empty 404 and a wrong method 405.
    for (method, path) in &listed {
        let url = app.url(&path.replace("{tenant}", SANDBOX).replace("{id}", "no-such-rule"));
        let request = app.http.request(method.to_uppercase().parse().unwrap(), url);
        let request =
            if method == "post" { request.header("content-type", "application/json").body("{}") } else { request };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let json = response.headers().get("content-type").is_some_and(|v| v == "application/json");
        assert!(status == 204 || (json && status != 405), "{method} {path}: {status}, JSON: {json}");
    }
}

/// The router is the document's source: the admin module registers routes only through
/// utoipa-axum's `routes!`, never with a plain `.route(`, which would leave them undocumented.
#[test]
fn admin_routes_are_registered_only_through_the_documented_router() {
    let sources = [
        include_str!("../../src/admin.rs"),
        include_str!("../../src/admin/clock.rs"),
        include_str!("../../src/admin/faults.rs"),
        include_str!("../../src/admin/journal.rs"),
        include_str!("../../src/admin/tenants.rs"),
        include_str!("../../src/admin/openapi.rs"),
    ];
    for source in sources {
        assert!(!source.contains(".route(") && !source.contains(".route_service("), "a route outside routes!");
    }
    assert_eq!(sources[0].matches("routes!(").count(), 11, "one routes! per path of the document");
}

/// `#/components/schemas/X` of `document`, with `allOf` parts (flattened fields) merged.
fn schema<'a>(document: &'a Value, value: &'a Value) -> (Vec<String>, Vec<String>) {
    if let Some(reference) = value["$ref"].as_str() {
        let name = reference.strip_prefix("#/components/schemas/").unwrap();
        return schema(document, &document["components"]["schemas"][name]);
    }
    let mut properties: Vec<String> =
        value["properties"].as_object().map(|p| p.keys().cloned().collect()).unwrap_or_default();
    let mut required: Vec<String> = value["required"]
        .as_array()
        .map(|r| r.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default();
    for part in value["allOf"].as_array().into_iter().flatten() {
        let (p, r) = schema(document, part);
        properties.extend(p);
        required.extend(r);
    }
    (properties, required)
}

#[tokio::test]
async fn every_schema_reference_resolves_and_get_answers_have_the_documented_properties() {
    let app = spawn_app().await;
    let document = document(&app).await;
    let text = document.to_string();
    for reference in text.split("\"$ref\":\"").skip(1).map(|rest| rest.split('"').next().unwrap()) {
        let name = reference.strip_prefix("#/components/schemas/").unwrap();
        assert!(document["components"]["schemas"][name].is_object(), "{reference} does not resolve");
    }
    for path in ["/__admin/health", "/__admin/clock", "/__admin/tenants", "/__admin/faults", "/__admin/journal"]
        .into_iter()
        .map(str::to_owned)
        .chain([format!("/__admin/tenants/{SANDBOX}")])
    {
        let documented = if path.ends_with(SANDBOX) { "/__admin/tenants/{tenant}" } else { path.as_str() };
        let body = &document["paths"][documented]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        let (properties, required) = schema(&document, body);
        let answer: Value = app.http.get(app.url(&path)).send().await.unwrap().json().await.unwrap();
        let keys: Vec<&String> = answer.as_object().unwrap().keys().collect();
        assert!(required.iter().all(|r| keys.contains(&r)), "{path}: {required:?} not all in {keys:?}");
        assert!(keys.iter().all(|k| properties.contains(k)), "{path}: {keys:?} not all in {properties:?}");
    }
}

#[tokio::test]
async fn the_changes_body_documents_every_op_with_its_required_fields() {
    let app = spawn_app().await;
    let document = document(&app).await;
    let variants = document["components"]["schemas"]["Change"]["oneOf"].as_array().unwrap();
    let documented: Vec<(String, Vec<String>)> = variants
        .iter()
        .map(|variant| {
            let (properties, mut required) = schema(&document, variant);
            let op = variant["properties"]["op"]["enum"][0].as_str().unwrap_or_default().to_owned();
            required.retain(|r| r != "op");
            required.sort();
            assert!(required.iter().all(|r| properties.contains(r)), "{op}: {required:?} in {properties:?}");
            (op, required)
        })
        .collect();
    let fields = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    let expected = [
        ("add", fields(&["resource"])),
        ("reschedule", fields(&["end", "id", "start"])),
        ("cancel", fields(&["id"])),
        ("set_status", fields(&["id", "status"])),
        ("replace", fields(&["resource"])),
        ("remove", fields(&["id", "resource_type"])),
    ];
    assert_eq!(documented, expected.map(|(op, f)| (op.to_owned(), f)));
}
