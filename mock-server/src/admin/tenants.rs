//! `GET /__admin/tenants` and `GET /__admin/tenants/{tenant}`: what each tenant holds (counts,
//! locations and practitioners with appointment counts, dates), so users and tests know what to
//! query. `POST /__admin/tenants/{tenant}/changes` applies a batch of data changes;
//! `POST /__admin/tenants/{tenant}/simulate` applies seeded days of scheduling activity.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::wire::{Applied, AppliedChange, ChangeBatch, ErrorBody, Simulate, TenantDetail, TenantInfo, TenantList};
use crate::app::AppState;
use crate::ids::TenantId;
use crate::request::{Endpoint, FhirVersion};
use crate::store::{Change, ResourceType, TenantData};

type Refusal = (StatusCode, Json<ErrorBody>);

fn unknown_tenant(tenant: &str) -> Refusal {
    super::error(StatusCode::NOT_FOUND, &format!("no tenant {tenant:?} in the profile"))
}

/// The profile's id of the tenant a path names, or a 404.
fn known<'s>(state: &'s AppState, tenant: &str) -> Result<&'s TenantId, Refusal> {
    state.profile().tenant(tenant).map(|t| &t.id).ok_or_else(|| unknown_tenant(tenant))
}

/// Every tenant of the profile, with its bases, token URL and approved accounts.
#[utoipa::path(get, path = "/__admin/tenants", tag = "tenants", security(("admin_token" = [])),
    responses((status = 200, description = "the tenants", body = TenantList)))]
pub(super) async fn list(State(state): State<AppState>) -> Json<TenantList> {
    let tenants = state.profile().tenants.iter().map(|t| describe(&state, &t.id)).collect();
    Json(TenantList { tenants })
}

/// One tenant with a summary of its data (counts, statuses, dates, busiest locations and
/// practitioners).
#[utoipa::path(get, path = "/__admin/tenants/{tenant}", tag = "tenants", security(("admin_token" = [])), params(("tenant" = String, Path, description = "the tenant id")),
    responses(
        (status = 200, description = "the tenant and its data", body = TenantDetail),
        (status = 404, description = "no such tenant", body = ErrorBody),
    ))]
pub(super) async fn get(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
) -> Result<Json<TenantDetail>, Refusal> {
    let tenant = known(&state, &tenant)?;
    let store = state.store();
    let Some(data) = store.read(tenant.as_str()) else { return Err(unknown_tenant(tenant.as_str())) };
    Ok(Json(TenantDetail { info: describe(&state, tenant), data: data.summary() }))
}

fn describe(state: &AppState, tenant: &TenantId) -> TenantInfo {
    let name = state.profile().tenant(tenant.as_str()).map(|t| t.name.clone()).unwrap_or_default();
    let approved_accounts: Vec<String> = state
        .profile()
        .accounts
        .iter()
        .filter(|a| a.approved_tenants.contains(tenant))
        .map(|a| a.client_id.to_string())
        .collect();
    let base = |endpoint: Endpoint, version: FhirVersion| {
        format!("{}{}", state.origin(), endpoint.base_path(version, tenant.as_str()))
    };
    TenantInfo {
        id: tenant.to_string(),
        name,
        fhir_base: base(Endpoint::Secured, FhirVersion::Dstu2),
        open_fhir_base: base(Endpoint::Open, FhirVersion::Dstu2),
        r4_fhir_base: base(Endpoint::Secured, FhirVersion::R4),
        open_r4_fhir_base: base(Endpoint::Open, FhirVersion::R4),
        token_url: state.token_url(tenant.as_str()),
        approved_accounts,
    }
}

/// Applies a batch of data changes, all or none.
#[utoipa::path(post, path = "/__admin/tenants/{tenant}/changes", tag = "changes", security(("admin_token" = [])), params(("tenant" = String, Path, description = "the tenant id")),
    request_body = ChangeBatch,
    responses(
        (status = 200, description = "the changed resources and their new versions", body = Applied),
        (status = 400, description = "a change that cannot apply (none applied)", body = ErrorBody),
        (status = 404, description = "no such tenant", body = ErrorBody),
    ))]
pub(super) async fn changes(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    body: Result<Json<ChangeBatch>, JsonRejection>,
) -> Result<Json<Applied>, Refusal> {
    let changes = match body {
        Ok(Json(body)) => body.changes,
        Err(e) => return Err(super::refused(e.status(), &e.body_text())),
    };
    apply(&state, known(&state, &tenant)?, &changes)
}

/// Applies `days` of seeded scheduling activity (bookings, reschedules, cancellations).
#[utoipa::path(post, path = "/__admin/tenants/{tenant}/simulate", tag = "simulate", security(("admin_token" = [])), params(("tenant" = String, Path, description = "the tenant id")),
    request_body = Simulate,
    responses(
        (status = 200, description = "the changed resources and their new versions", body = Applied),
        (status = 400, description = "days outside 1..=365, or a malformed body", body = ErrorBody),
        (status = 404, description = "no such tenant", body = ErrorBody),
    ))]
pub(super) async fn simulate(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    body: Result<Json<Simulate>, JsonRejection>,
) -> Result<Json<Applied>, Refusal> {
    let request = match body {
        Ok(Json(request)) => request,
        Err(e) => return Err(super::refused(e.status(), &e.body_text())),
    };
    if request.days == 0 || request.days > 365 {
        return Err(super::error(StatusCode::BAD_REQUEST, "days must be between 1 and 365"));
    }
    let tenant = known(&state, &tenant)?;
    let changes = {
        let store = state.store();
        let Some(data) = store.read(tenant.as_str()) else { return Err(unknown_tenant(tenant.as_str())) };
        data.simulated_changes(request.days, request.seed, state.clock().now())
    };
    apply(&state, tenant, &changes)
}

fn apply(state: &AppState, tenant: &TenantId, changes: &[Change]) -> Result<Json<Applied>, Refusal> {
    let store = state.store();
    let Some(mut data) = store.write(tenant.as_str()) else { return Err(unknown_tenant(tenant.as_str())) };
    match data.apply(changes, state.clock().now()) {
        Ok(changed) => {
            let applied = changed.iter().map(|(t, id)| describe_change(&data, *t, id)).collect();
            Ok(Json(Applied { applied }))
        }
        Err(e) => Err(super::error(StatusCode::BAD_REQUEST, &e.to_string())),
    }
}

fn describe_change(data: &TenantData, resource_type: ResourceType, id: &str) -> AppliedChange {
    let version_id = data.read(resource_type, id).map(|row| row.version.to_string());
    AppliedChange { resource_type: resource_type.as_str().to_owned(), id: id.to_owned(), version_id }
}
