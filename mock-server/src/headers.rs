//! The response headers Cerner's two hosts add to every answer, as fhir.cerner.com shows them:
//! CORS (DSTU2 "Cross Origin Resource Sharing"; the token responses of "Authorization") and the
//! standard headers of the FHIR examples (`Cache-Control`, `X-Content-Type-Options`, …).
//!
//! They are layers outside the instrument, so an answer a fault rule injects carries them too, and
//! a CORS preflight (`OPTIONS`) is answered by the layer itself: it is neither journaled, limited
//! nor subject to fault rules (browsers send it without credentials, so no account is known).

use std::time::Duration;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::http::{HeaderName, HeaderValue, Method, Request, Response, header};
use tower::{Layer, Service};
use tower_http::cors::{AllowHeaders, CorsLayer};

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
/// `Strict-Transport-Security` of the documented answers, sent only when the origin is https.
const HSTS: &str = "max-age=631152000";
/// [`FHIR_EXPOSED`] as the CORS layer writes it on an actual answer.
const FHIR_EXPOSED_TEXT: &str = "etag,content-location,location,x-request-id,www-authenticate,date";

/// CORS of the FHIR host: any origin, the documented methods and exposed headers, the requested
/// headers allowed, `Access-Control-Max-Age: 0`, `Vary: Origin, User-Agent`.
pub(crate) fn fhir_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods(FHIR_METHODS)
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers(FHIR_EXPOSED)
        .max_age(Duration::ZERO)
        .vary([header::ORIGIN, header::USER_AGENT])
}

/// The headers every FHIR answer carries besides CORS: the documented ones that mean something
/// on loopback (the documentation's example GET also lists the CORS methods and max age, which the
/// CORS layer only adds to preflights).
static FHIR_STANDARD: [(HeaderName, HeaderValue); 6] = [
    (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    (header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN")),
    (header::X_XSS_PROTECTION, HeaderValue::from_static("1; mode=block")),
    (header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(FHIR_METHODS_TEXT)),
    (header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("0")),
];

/// What the documented token responses carry besides `Access-Control-Allow-Origin`: the allowed
/// methods and headers, on the answer itself and not only on a preflight.
static TOKEN_STANDARD: [(HeaderName, HeaderValue); 2] = [
    (header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("OPTIONS, POST")),
    (header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("Content-Type, Authorization")),
];

/// The FHIR host's headers around its CORS layer: `FHIR_STANDARD`, `Strict-Transport-Security`
/// only when the public origin is https, and `Access-Control-Expose-Headers` on preflights too,
/// as the DSTU2 "Cross Origin Resource Sharing" example shows them (the CORS layer adds it to
/// actual answers only).
pub(crate) fn fhir_standard(origin: &str) -> HostHeaders {
    HostHeaders {
        fixed: &FHIR_STANDARD,
        hsts: origin.starts_with("https://"),
        expose_on_preflight: Some(HeaderValue::from_static(FHIR_EXPOSED_TEXT)),
    }
}

/// The authorization host's headers around its CORS layer (`TOKEN_STANDARD`).
pub(crate) fn token_standard() -> HostHeaders {
    HostHeaders { fixed: &TOKEN_STANDARD, hsts: false, expose_on_preflight: None }
}

/// A layer that adds a host's fixed headers to every answer that does not already carry them,
/// except a CORS preflight, which carries the CORS layer's headers (and, when the host says so,
/// the exposed headers of an actual answer). It goes around the CORS layer. One layer for the
/// whole list (a layer per header costs a service and a future each, on every request); the list
/// is static, so cloning the layer per request copies three words.
#[derive(Debug, Clone)]
pub(crate) struct HostHeaders {
    fixed: &'static [(HeaderName, HeaderValue)],
    hsts: bool,
    expose_on_preflight: Option<HeaderValue>,
}

impl<S> Layer<S> for HostHeaders {
    type Service = HostHeadersService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HostHeadersService { inner, headers: self.clone() }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct HostHeadersService<S> {
    inner: S,
    headers: HostHeaders,
}

impl<S, B, R> Service<Request<B>> for HostHeadersService<S>
where
    S: Service<Request<B>, Response = Response<R>>,
    S::Future: Unpin,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = HostHeadersFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // tower-http's test for a preflight: its answer comes from the CORS layer, not the routes.
        let preflight = request.method() == Method::OPTIONS
            && request.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        let future = self.inner.call(request);
        if preflight {
            // A preflight carries the CORS headers only (and what the host exposes).
            let expose = self.headers.expose_on_preflight.clone();
            HostHeadersFuture { inner: future, fixed: &[], hsts: false, expose }
        } else {
            HostHeadersFuture { inner: future, fixed: self.headers.fixed, hsts: self.headers.hsts, expose: None }
        }
    }
}

/// The answer of [`HostHeadersService`]: the inner answer with the host's headers added.
#[derive(Debug)]
pub(crate) struct HostHeadersFuture<F> {
    inner: F,
    fixed: &'static [(HeaderName, HeaderValue)],
    hsts: bool,
    expose: Option<HeaderValue>,
}

impl<F, R, E> Future for HostHeadersFuture<F>
where
    F: Future<Output = Result<Response<R>, E>> + Unpin,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut response = std::task::ready!(Pin::new(&mut self.inner).poll(cx))?;
        let headers = response.headers_mut();
        for (name, value) in self.fixed {
            headers.entry(name).or_insert_with(|| value.clone());
        }
        if self.hsts {
            headers.entry(header::STRICT_TRANSPORT_SECURITY).or_insert(HeaderValue::from_static(HSTS));
        }
        if let Some(expose) = self.expose.take() {
            headers.entry(header::ACCESS_CONTROL_EXPOSE_HEADERS).or_insert(expose);
        }
        Poll::Ready(Ok(response))
    }
}

/// CORS of the authorization host: any origin; `POST` (and `OPTIONS`) with `Content-Type` and
/// `Authorization`.
pub(crate) fn token_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::OPTIONS, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .max_age(Duration::ZERO)
        .vary(Vec::<HeaderName>::new())
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use tower::{ServiceExt, service_fn};

    use super::*;

    /// The answer of a service that sets `Cache-Control` itself, through `layer`.
    async fn answer(layer: HostHeaders, request: Request<()>) -> Response<()> {
        let inner = service_fn(|_: Request<()>| {
            let mut response = Response::new(());
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            std::future::ready(Ok::<_, Infallible>(response))
        });
        layer.layer(inner).oneshot(request).await.unwrap()
    }

    fn get() -> Request<()> {
        Request::get("/dstu2/t/metadata").body(()).unwrap()
    }

    fn preflight() -> Request<()> {
        let request = Request::builder().method(Method::OPTIONS).uri("/dstu2/t/metadata");
        request.header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET").body(()).unwrap()
    }

    #[tokio::test]
    async fn fixed_headers_are_added_without_replacing_the_answers_own() {
        let response = answer(fhir_standard("http://127.0.0.1:1"), get()).await;
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(response.headers()[header::X_FRAME_OPTIONS], "SAMEORIGIN");
        assert_eq!(response.headers()[header::ACCESS_CONTROL_MAX_AGE], "0");
        assert!(!response.headers().contains_key(header::STRICT_TRANSPORT_SECURITY));
        assert!(!response.headers().contains_key(header::ACCESS_CONTROL_EXPOSE_HEADERS));
        let response = answer(fhir_standard("https://fhir.example"), get()).await;
        assert_eq!(response.headers()[header::STRICT_TRANSPORT_SECURITY], HSTS);
    }

    #[tokio::test]
    async fn a_preflight_gets_only_the_exposed_headers() {
        let response = answer(fhir_standard("https://fhir.example"), preflight()).await;
        assert_eq!(response.headers()[header::ACCESS_CONTROL_EXPOSE_HEADERS], FHIR_EXPOSED_TEXT);
        assert!(!response.headers().contains_key(header::X_FRAME_OPTIONS));
        assert!(!response.headers().contains_key(header::STRICT_TRANSPORT_SECURITY));
        let response = answer(token_standard(), preflight()).await;
        assert!(!response.headers().contains_key(header::ACCESS_CONTROL_EXPOSE_HEADERS));
        assert!(!response.headers().contains_key(header::ACCESS_CONTROL_ALLOW_HEADERS));
        let response = answer(token_standard(), get()).await;
        assert_eq!(response.headers()[header::ACCESS_CONTROL_ALLOW_HEADERS], "Content-Type, Authorization");
    }
}
