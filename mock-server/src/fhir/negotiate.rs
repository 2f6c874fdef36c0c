//! Media-type negotiation for every FHIR base, as one layer around all FHIR routes: each version
//! says which bases are its own, which `Accept` values it serves and how it refuses the others
//! ([`Media`]); a request whose `Accept` its base cannot serve is answered `406` before its handler
//! runs. One layer for both versions, not a middleware per version router, because every layer
//! applied to a router costs each request a boxed service and a boxed future.

use std::convert::Infallible;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::header;
use axum::response::Response;
use futures_util::future::{Either, Ready, ready};
use tower::{Layer, Service};

/// What one FHIR version serves, and how it refuses what it does not.
#[derive(Debug, Clone, Copy)]
pub struct Media {
    /// Path prefixes of the version's bases (`/dstu2/`, `/open/dstu2/`).
    pub bases: &'static [&'static str],
    /// Whether an `Accept` value admits the version's JSON.
    pub accepts: fn(&str) -> bool,
    /// The version's `406` answer.
    pub refuse: fn() -> Response,
}

/// The negotiation layer over the given versions.
#[derive(Debug, Clone, Copy)]
pub struct Negotiate<const N: usize>(pub [Media; N]);

impl<S, const N: usize> Layer<S> for Negotiate<N> {
    type Service = NegotiateService<S, N>;

    fn layer(&self, inner: S) -> Self::Service {
        NegotiateService { inner, versions: self.0 }
    }
}

/// The [`Negotiate`] layer around one service: answers `406` for an `Accept` the request's base cannot serve, else calls the service.
#[derive(Debug, Clone)]
pub struct NegotiateService<S, const N: usize> {
    inner: S,
    versions: [Media; N],
}

impl<S, const N: usize> Service<Request> for NegotiateService<S, N>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let path = request.uri().path();
        let media = self.versions.iter().find(|m| m.bases.iter().any(|base| path.starts_with(base)));
        let accept = request.headers().get(header::ACCEPT);
        match (media, accept) {
            // No `Accept` is JSON; an `Accept` that is not text admits nothing.
            (Some(media), Some(accept)) if !accept.to_str().is_ok_and(media.accepts) => {
                Either::Left(ready(Ok((media.refuse)())))
            }
            _ => Either::Right(self.inner.call(request)),
        }
    }
}
