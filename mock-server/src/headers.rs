//! The response headers Cerner's two hosts add to every answer, as fhir.cerner.com shows them:
//! CORS (DSTU2 "Cross Origin Resource Sharing"; the token responses of "Authorization") and the
//! standard headers of the FHIR examples (`Cache-Control`, `X-Content-Type-Options`, …).
//!
//! They are layers outside the instrument, so an answer a fault rule injects carries them too, and
//! a CORS preflight (`OPTIONS`) is answered by the layer itself: it is neither journaled, limited
//! nor subject to fault rules (browsers send it without credentials, so no account is known).

use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower::ServiceBuilder;
use tower_http::cors::{AllowHeaders, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

/// The methods the FHIR host lists (DSTU2 "Cross Origin Resource Sharing").
const FHIR_METHODS: [Method; 7] =
    [Method::DELETE, Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::OPTIONS, Method::HEAD];
/// What a browser script may read of a FHIR answer.
const FHIR_EXPOSED: [HeaderName; 6] = [
    header::ETAG,
    header::CONTENT_LOCATION,
    header::LOCATION,
    HeaderName::from_static("x-request-id"),
    header::WWW_AUTHENTICATE,
    header::DATE,
];
const FHIR_METHODS_TEXT: &str = "DELETE,GET,POST,PUT,PATCH,OPTIONS,HEAD";
/// [`FHIR_EXPOSED`] as the CORS layer writes it on an actual answer.
const FHIR_EXPOSED_TEXT: &str = "etag,content-location,location,x-request-id,www-authenticate,date";

/// CORS of the FHIR host: any origin, the documented methods and exposed headers, the requested
/// headers allowed, `Access-Control-Max-Age: 0`, `Vary: Origin, User-Agent`.
pub fn fhir_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods(FHIR_METHODS)
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers(FHIR_EXPOSED)
        .max_age(Duration::ZERO)
        .vary([header::ORIGIN, header::USER_AGENT])
}

/// The FHIR host's CORS ([`fhir_cors`]) around `router`, and `Access-Control-Expose-Headers` on
/// preflights too, as the DSTU2 "Cross Origin Resource Sharing" example shows them (the CORS layer
/// adds it to actual answers only).
pub fn with_fhir_cors<S>(router: Router<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router.layer(fhir_cors()).layer(middleware::from_fn(expose_on_preflight))
}

async fn expose_on_preflight(request: Request, next: Next) -> Response {
    // tower-http's test for a preflight: its answer comes from the CORS layer, not the routes.
    let preflight =
        request.method() == Method::OPTIONS && request.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = next.run(request).await;
    if preflight {
        response
            .headers_mut()
            .entry(header::ACCESS_CONTROL_EXPOSE_HEADERS)
            .or_insert(HeaderValue::from_static(FHIR_EXPOSED_TEXT));
    }
    response
}

/// Adds the headers every FHIR answer carries besides CORS: the documented ones that mean
/// something on loopback, and `Strict-Transport-Security` only when the public origin is https.
/// The documentation's example GET also lists the CORS methods and max age, which the CORS layer
/// only adds to preflights.
pub fn with_fhir_standard<S>(router: Router<S>, origin: &str) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let hsts = origin.starts_with("https://").then(|| HeaderValue::from_static("max-age=631152000"));
    router.layer(
        ServiceBuilder::new()
            .layer(fixed(header::CACHE_CONTROL, "no-cache"))
            .layer(fixed(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .layer(fixed(header::X_FRAME_OPTIONS, "SAMEORIGIN"))
            .layer(fixed(header::X_XSS_PROTECTION, "1; mode=block"))
            .layer(SetResponseHeaderLayer::if_not_present(header::STRICT_TRANSPORT_SECURITY, hsts))
            .layer(fixed(header::ACCESS_CONTROL_ALLOW_METHODS, FHIR_METHODS_TEXT))
            .layer(fixed(header::ACCESS_CONTROL_MAX_AGE, "0")),
    )
}

fn fixed(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// CORS of the authorization host: any origin; `POST` (and `OPTIONS`) with `Content-Type` and
/// `Authorization`.
pub fn token_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::OPTIONS, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .max_age(Duration::ZERO)
        .vary(Vec::<HeaderName>::new())
}

/// Adds what the documented token responses carry besides `Access-Control-Allow-Origin`: the
/// allowed methods and headers, on the answer itself and not only on a preflight.
pub fn with_token_standard<S>(router: Router<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router.layer(
        ServiceBuilder::new()
            .layer(fixed(header::ACCESS_CONTROL_ALLOW_METHODS, "OPTIONS, POST"))
            .layer(fixed(header::ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type, Authorization")),
    )
}
