//! `GET /__admin/tenants` and `GET /__admin/tenants/{tenant}`: what each tenant holds (counts,
//! locations and practitioners with appointment counts, dates), so users and tests know what to
//! query. `POST /__admin/tenants/{tenant}/changes` applies a batch of data changes;
//! `POST /__admin/tenants/{tenant}/simulate` applies seeded days of scheduling activity.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::store::{Change, ResourceType};

type Answer = (StatusCode, Json<Value>);

fn unknown_tenant(tenant: &str) -> Answer {
    super::error(StatusCode::NOT_FOUND, &format!("no tenant {tenant:?} in the profile"))
}

pub(super) async fn list(State(state): State<AppState>) -> Json<Value> {
    let tenants: Vec<Value> = state.profile().tenants.iter().map(|t| describe(&state, t.id.as_str())).collect();
    Json(json!({ "tenants": tenants }))
}

pub(super) async fn get(State(state): State<AppState>, Path(tenant): Path<String>) -> Answer {
    let store = state.store();
    let Some(data) = store.read(&tenant) else { return unknown_tenant(&tenant) };
    let mut body = describe(&state, &tenant);
    body["data"] = json!(data.summary());
    (StatusCode::OK, Json(body))
}

fn describe(state: &AppState, tenant: &str) -> Value {
    let name = state.profile().tenant(tenant).map(|t| t.name.clone()).unwrap_or_default();
    let approved: Vec<String> = state
        .profile()
        .accounts
        .iter()
        .filter(|a| a.approved_tenants.iter().any(|t| t.as_str() == tenant))
        .map(|a| a.client_id.to_string())
        .collect();
    json!({
        "id": tenant,
        "name": name,
        "fhir_base": state.fhir_base(tenant),
        "open_fhir_base": format!("{}/open/dstu2/{tenant}/", state.origin()),
        "token_url": state.token_url(tenant),
        "approved_accounts": approved,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Changes {
    changes: Vec<Change>,
}

pub(super) async fn changes(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    body: Result<Json<Changes>, JsonRejection>,
) -> Answer {
    let changes = match body {
        Ok(Json(body)) => body.changes,
        Err(e) => return super::refused(e.status(), &e.body_text()),
    };
    apply(&state, &tenant, &changes)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Simulate {
    days: u32,
    #[serde(default)]
    seed: u64,
}

pub(super) async fn simulate(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    body: Result<Json<Simulate>, JsonRejection>,
) -> Answer {
    let request = match body {
        Ok(Json(request)) => request,
        Err(e) => return super::refused(e.status(), &e.body_text()),
    };
    if request.days == 0 || request.days > 365 {
        return super::error(StatusCode::BAD_REQUEST, "days must be between 1 and 365");
    }
    let changes = {
        let store = state.store();
        let Some(data) = store.read(&tenant) else { return unknown_tenant(&tenant) };
        data.simulated_changes(request.days, request.seed, state.clock().now())
    };
    apply(&state, &tenant, &changes)
}

fn apply(state: &AppState, tenant: &str, changes: &[Change]) -> Answer {
    let store = state.store();
    let Some(mut data) = store.write(tenant) else { return unknown_tenant(tenant) };
    match data.apply(changes, state.clock().now()) {
        Ok(changed) => {
            let applied: Vec<Value> = changed.iter().map(|(t, id)| describe_change(&data, *t, id)).collect();
            (StatusCode::OK, Json(json!({ "applied": applied })))
        }
        Err(e) => super::error(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

fn describe_change(data: &crate::store::TenantData, resource_type: ResourceType, id: &str) -> Value {
    let version = data.read(resource_type, id).map(|row| row.version.to_string());
    json!({ "resourceType": resource_type.as_str(), "id": id, "versionId": version })
}
