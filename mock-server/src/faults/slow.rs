//! Bodies that are slow on the wire, the network behaviour a client with only a connect timeout
//! hangs on: `stall_body` sends the status, the headers and the first bytes, then nothing for a
//! while, then the rest; `dribble_body` sends the whole body at a few bytes per second. Both announce
//! the body's full `Content-Length`, as a real server does, and wait on tokio's timer (real time,
//! not the emulator's clock: a stall is the network's, not the service's). A client that hangs up
//! drops the body, and with it the wait.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header, response::Parts};
use axum::response::Response;
use futures_util::stream;

use super::ActionError;

/// Fastest `dribble_body`: 100 MiB/s is no longer slow, and a larger figure is a typo.
pub const MAX_DRIBBLE_RATE: u64 = 100 * 1024 * 1024;

/// A dribbled body sends one slice per tick.
const TICK: Duration = Duration::from_millis(100);

/// Checks a `dribble_body` rate: at least one byte a second, at most [`MAX_DRIBBLE_RATE`].
pub fn validate_rate(bytes_per_second: u64) -> Result<(), ActionError> {
    if bytes_per_second == 0 || bytes_per_second > MAX_DRIBBLE_RATE {
        return Err(ActionError::DribbleRate { max: MAX_DRIBBLE_RATE });
    }
    Ok(())
}

/// The first `after_bytes` bytes (all but the last one at most, so the stall always falls inside
/// the body), then `ms` of silence, then the rest.
pub fn stalled(parts: Parts, bytes: Bytes, after_bytes: u64, ms: u64) -> Response {
    let split = usize::try_from(after_bytes).unwrap_or(usize::MAX).min(bytes.len().saturating_sub(1));
    let (head, tail) = (bytes.slice(..split), bytes.slice(split..));
    let steps = stream::unfold(Step::Head(head, tail, ms), |step| async move {
        match step {
            Step::Head(head, tail, ms) if !head.is_empty() => {
                Some((Ok::<_, std::io::Error>(head), Step::Stall(tail, ms)))
            }
            Step::Head(_, tail, ms) | Step::Stall(tail, ms) => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Some((Ok(tail), Step::Done))
            }
            Step::Done => None,
        }
    });
    with_length(parts, bytes.len(), Body::from_stream(steps))
}

enum Step {
    Head(Bytes, Bytes, u64),
    Stall(Bytes, u64),
    Done,
}

/// The body in slices of a tenth of `bytes_per_second` (at least one byte), one per tenth of a
/// second, the first at once.
pub fn dribbled(parts: Parts, bytes: Bytes, bytes_per_second: u64) -> Response {
    let slice = usize::try_from(bytes_per_second.div_ceil(10)).unwrap_or(usize::MAX).max(1);
    let length = bytes.len();
    let slices = stream::unfold((bytes, true), move |(mut rest, first)| async move {
        if rest.is_empty() {
            return None;
        }
        if !first {
            tokio::time::sleep(TICK).await;
        }
        let now = rest.split_to(slice.min(rest.len()));
        Some((Ok::<_, std::io::Error>(now), (rest, false)))
    });
    with_length(parts, length, Body::from_stream(slices))
}

fn with_length(mut parts: Parts, length: usize, body: Body) -> Response {
    parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::HttpBody;
    use axum::http::StatusCode;
    use tokio::time::Instant;

    fn parts() -> Parts {
        Response::new(()).into_parts().0
    }

    /// Each data frame with the (virtual) milliseconds since the start at which it came.
    async fn frames(response: Response) -> Vec<(usize, u128)> {
        let started = Instant::now();
        let mut body = response.into_body();
        let mut frames = Vec::new();
        while let Some(frame) = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await {
            let data = frame.unwrap().into_data().unwrap();
            frames.push((data.len(), started.elapsed().as_millis()));
        }
        frames
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_body_sends_its_head_waits_then_sends_the_rest() {
        let response = stalled(parts(), Bytes::from(vec![b'x'; 1000]), 100, 5_000);
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_LENGTH], "1000");
        assert_eq!(frames(response).await, [(100, 0), (900, 5_000)]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_stall_past_the_end_still_holds_back_the_last_byte_and_zero_stalls_at_once() {
        let response = stalled(parts(), Bytes::from_static(b"abc"), 10_000, 1_000);
        assert_eq!(frames(response).await, [(2, 0), (1, 1_000)]);
        let response = stalled(parts(), Bytes::from_static(b"abc"), 0, 1_000);
        assert_eq!(frames(response).await, [(3, 1_000)]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_dribbled_body_sends_a_tenth_of_the_rate_every_tenth_of_a_second() {
        let response = dribbled(parts(), Bytes::from(vec![b'x'; 250]), 1_000);
        assert_eq!(response.headers()[header::CONTENT_LENGTH], "250");
        assert_eq!(frames(response).await, [(100, 0), (100, 100), (50, 200)]);
        let slow = frames(dribbled(parts(), Bytes::from_static(b"abcd"), 1)).await;
        assert_eq!(slow, [(1, 0), (1, 100), (1, 200), (1, 300)]);
    }

    #[test]
    fn rates_out_of_range_are_refused() {
        assert!(validate_rate(0).is_err());
        assert!(validate_rate(MAX_DRIBBLE_RATE + 1).is_err());
        assert!(validate_rate(1).is_ok() && validate_rate(MAX_DRIBBLE_RATE).is_ok());
    }
}
