//! Requests in flight per (account, tenant): the cap some EHR gateways put on concurrency rather
//! than on rate (`[limits] max_in_flight`), and the count the journal records for every FHIR
//! request, so a report can say how many requests a client had open at once without guessing from
//! timestamps. A request counts from its arrival until its response body is dropped (sent, or its
//! connection gone): the [`InFlightGuard`] rides on the body and releases its slot on drop.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::response::Response;

type Key = (String, String);

/// The counts, shared with every guard.
#[derive(Debug, Default, Clone)]
pub(crate) struct InFlight {
    counts: Arc<Mutex<HashMap<Key, u32>>>,
}

/// One request's slot; dropping it releases the slot.
#[derive(Debug)]
pub struct InFlightGuard {
    counts: Arc<Mutex<HashMap<Key, u32>>>,
    key: Key,
    /// Requests of this (account, tenant) in flight when it arrived, itself included.
    pub at_arrival: u32,
}

impl InFlight {
    /// Counts a request of `client` on `tenant` in until its guard drops.
    pub(crate) fn enter(&self, client: &str, tenant: &str) -> InFlightGuard {
        let key = (client.to_owned(), tenant.to_owned());
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(key.clone()).or_default();
        *count = count.saturating_add(1);
        InFlightGuard { counts: self.counts.clone(), key, at_arrival: *count }
    }

    /// Requests of `client` on `tenant` in flight now.
    pub(crate) fn now(&self, client: &str, tenant: &str) -> u32 {
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.get(&(client.to_owned(), tenant.to_owned())).copied().unwrap_or(0)
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

/// `response` whose body holds `guard` until the body is dropped. The body's size hint is kept, so
/// the wire still carries a `Content-Length` where it did.
pub(crate) fn hold_until_sent(response: Response, guard: InFlightGuard) -> Response {
    response.map(|inner| Body::new(Guarded { inner, _guard: guard }))
}

struct Guarded {
    inner: Body,
    _guard: InFlightGuard,
}

impl HttpBody for Guarded {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_count_per_key_and_release_on_drop() {
        let in_flight = InFlight::default();
        let a = in_flight.enter("acme", "t1");
        let b = in_flight.enter("acme", "t1");
        let other = in_flight.enter("acme", "t2");
        assert_eq!((a.at_arrival, b.at_arrival, other.at_arrival), (1, 2, 1));
        drop(a);
        assert_eq!(in_flight.now("acme", "t1"), 1);
        let c = in_flight.enter("acme", "t1");
        assert_eq!(c.at_arrival, 2);
        drop((b, c, other));
        assert_eq!((in_flight.now("acme", "t1"), in_flight.now("acme", "t2")), (0, 0));
    }

    #[tokio::test]
    async fn a_guarded_body_keeps_its_length_and_releases_when_dropped() {
        let in_flight = InFlight::default();
        let response = hold_until_sent(Response::new(Body::from("hello")), in_flight.enter("acme", "t1"));
        assert_eq!(response.body().size_hint().exact(), Some(5));
        assert_eq!(in_flight.now("acme", "t1"), 1);
        let bytes = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
        assert_eq!(&bytes[..], b"hello");
        assert_eq!(in_flight.now("acme", "t1"), 0);
    }
}
