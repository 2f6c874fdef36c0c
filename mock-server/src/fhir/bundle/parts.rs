//! A response body of parts already written (a bundle's head, its entries kept from an earlier
//! answer, its end), sent as they are: hyper writes them after the response head with one
//! `writev`, so kept entries are never copied into a new buffer. Its exact length is known, so the
//! answer carries `Content-Length` as a one-part body does.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Bytes, HttpBody};
use hyper::body::{Frame, SizeHint};

/// The parts, in order.
#[derive(Debug)]
pub(crate) struct Parts {
    parts: VecDeque<Bytes>,
    remaining: u64,
}

impl Parts {
    pub(crate) fn new(parts: impl IntoIterator<Item = Bytes>) -> Self {
        let parts: VecDeque<Bytes> = parts.into_iter().filter(|part| !part.is_empty()).collect();
        let remaining = parts.iter().map(|part| part.len() as u64).sum();
        Self { parts, remaining }
    }
}

impl HttpBody for Parts {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let part = self.parts.pop_front();
        if let Some(part) = &part {
            self.remaining -= part.len() as u64;
        }
        Poll::Ready(part.map(|part| Ok(Frame::data(part))))
    }

    fn is_end_stream(&self) -> bool {
        self.parts.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_parts_are_sent_in_order_with_their_exact_length() {
        let parts = Parts::new([Bytes::from("{\"a\":"), Bytes::new(), Bytes::from_static(b"[1,2]"), Bytes::from("}")]);
        assert_eq!(parts.size_hint().exact(), Some(11));
        assert!(!parts.is_end_stream());
        let body = axum::body::Body::new(parts);
        assert_eq!(body.size_hint().exact(), Some(11));
        assert_eq!(axum::body::to_bytes(body, 100).await.unwrap(), "{\"a\":[1,2]}");
        assert!(Parts::new([Bytes::new()]).is_end_stream());
    }
}
