//! `GET /__admin/openapi.json`: the admin API as an OpenAPI 3.1 document, generated with utoipa
//! from the handlers' `#[utoipa::path]` attributes and the wire types ([`super::wire`]). The paths
//! are the router's own: every admin route is registered once, through utoipa-axum, which adds
//! it to the router and to this document together ([`super::routes`]).

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "cerner-mock admin API",
        description = "The emulator's own control surface under /__admin/: health, the clock, tenants and their \
data, data changes and simulated activity, fault rules, the request journal and reset. It answers loopback callers \
only, unless the emulator runs with --admin-token, when every caller presents that token as a bearer token; health \
and this document answer every caller."
    ),
    tags(
        (name = "health", description = "whether the emulator serves, and this document"),
        (name = "clock", description = "the one clock of tokens, limits and data; only a manual clock moves"),
        (name = "tenants", description = "the profile's tenants and what their data holds"),
        (name = "changes", description = "data changes between runs: add, reschedule, cancel, set a status"),
        (name = "simulate", description = "seeded days of scheduling activity"),
        (name = "faults", description = "fault rules: which requests, and what happens to them"),
        (name = "journal", description = "every request to the Cerner surfaces, as recorded"),
        (name = "reset", description = "back to the profile's initial state"),
    ),
    modifiers(&AdminToken)
)]
struct ApiDoc;

/// The `admin_token` scheme the guarded operations name: `Authorization: Bearer <--admin-token>`.
struct AdminToken;

impl Modify for AdminToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = Http::builder()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("the --admin-token, when the emulator was started with one; else loopback callers only"))
            .build();
        components.add_security_scheme("admin_token", SecurityScheme::Http(scheme));
    }
}

/// The whole document: the description above and every route of the admin router.
pub(crate) fn document() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    let (guarded, open) = super::routes();
    document.merge(guarded.into_openapi());
    document.merge(open.into_openapi());
    document
}

/// The document as JSON (an OpenAPI 3.1 document).
#[utoipa::path(get, path = "/__admin/openapi.json", tag = "health",
    responses((status = 200, description = "this document", content_type = "application/json")))]
pub(super) async fn get() -> impl IntoResponse {
    static JSON: OnceLock<String> = OnceLock::new();
    let json = JSON.get_or_init(|| document().to_pretty_json().unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}")));
    ([(header::CONTENT_TYPE, "application/json")], json.as_str())
}
