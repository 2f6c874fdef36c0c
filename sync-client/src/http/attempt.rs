//! One attempt at a request: send it, read its body against the cap, and sort the answer into a
//! success, a failure to retry (5xx, timeouts, resets, cut bodies) or one the caller must decide.
//! The body is refused as soon as it is known to be too large, so a server cannot make the client
//! buffer more than `max_body_bytes`.

use bytes::Bytes;
use reqwest::StatusCode;

use super::{Failure, retry_after};

pub(super) enum Retry {
    Yes { reason: String, request_id: Option<String> },
    No(Failure),
}

pub(super) async fn once(request: reqwest::RequestBuilder, limit: u64) -> Result<(Bytes, Option<String>), Retry> {
    let response = request.send().await.map_err(|e| match scheme_mismatch(&e) {
        // Retrying cannot help: the configuration must change.
        Some(reason) => Retry::No(Failure::Malformed { reason: reason.to_owned(), request_id: None }),
        None => Retry::Yes { reason: transport(&e), request_id: None },
    })?;
    let status = response.status();
    let request_id = response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let retry_after = retry_after(response.headers());
    let bytes = read_capped(response, limit, &request_id).await?;
    let text = || crate::redact::redact(&String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).replace('\n', " "));
    match status {
        s if s.is_success() => Ok((bytes, request_id)),
        StatusCode::TOO_MANY_REQUESTS => Err(Retry::No(Failure::Throttled { retry_after, request_id })),
        StatusCode::UNAUTHORIZED => Err(Retry::No(Failure::InvalidToken { request_id })),
        StatusCode::FORBIDDEN => Err(Retry::No(Failure::Forbidden { message: text(), request_id })),
        s if s.is_server_error() => Err(Retry::Yes { reason: format!("{s}"), request_id }),
        s => Err(Retry::No(Failure::Status { status: s.as_u16(), message: text(), request_id })),
    }
}

/// The body, refused as soon as it is known to exceed `limit`: from `Content-Length` before any
/// of it is read, else while it streams in.
async fn read_capped(mut response: reqwest::Response, limit: u64, request_id: &Option<String>) -> Result<Bytes, Retry> {
    let too_large = |declared| Retry::No(Failure::too_large(limit, declared, request_id.clone()));
    let declared = response.content_length();
    if declared.is_some_and(|length| length > limit) {
        return Err(too_large(declared));
    }
    let mut received: u64 = 0;
    let mut next = async |response: &mut reqwest::Response| -> Result<Option<Bytes>, Retry> {
        let chunk =
            response.chunk().await.map_err(|e| Retry::Yes { reason: transport(&e), request_id: request_id.clone() })?;
        received = received.saturating_add(chunk.as_ref().map_or(0, |c| u64::try_from(c.len()).unwrap_or(u64::MAX)));
        if received > limit { Err(too_large(declared)) } else { Ok(chunk) }
    };
    if let Some(length) = declared {
        // A declared length within the cap: one buffer of that size, filled as the body streams in
        // (the transport ends a body that runs past or short of it), so the body is held once.
        let mut body = bytes::BytesMut::with_capacity(usize::try_from(length).unwrap_or(0));
        while let Some(chunk) = next(&mut response).await? {
            body.extend_from_slice(&chunk);
        }
        return Ok(body.freeze());
    }
    // No length: the chunks are kept as they came and joined once at the end. A growing buffer
    // would hold its old and new copies at once, up to three times the body, while this peaks at
    // the cap when a body is refused and at twice the body when it is accepted.
    let mut chunks: Vec<Bytes> = Vec::new();
    while let Some(chunk) = next(&mut response).await? {
        chunks.push(chunk);
    }
    if chunks.len() == 1 {
        return Ok(chunks.swap_remove(0));
    }
    let total = chunks.iter().map(Bytes::len).sum();
    let mut body = bytes::BytesMut::with_capacity(total);
    for chunk in chunks {
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A TLS-vs-plain mismatch, named with the setting to change: an https:// URL answered in plain
/// HTTP (rustls reads its first bytes as a record of an invalid type), or an http:// URL answered
/// with TLS (hyper reads a TLS record as an invalid HTTP version, or, when the server's alert
/// arrives before the request is fully written, as an unexpected message).
fn scheme_mismatch(error: &reqwest::Error) -> Option<&'static str> {
    let causes = causes(error);
    let plain_url = error.url().is_some_and(|url| url.scheme() == "http");
    if causes.contains("InvalidContentType") {
        Some(
            "TLS-vs-plain mismatch: the server answered an https:// request in plain HTTP; if it serves plain http, \
             write the tenant's fhir_base with http:// (a host other than loopback also needs --allow-insecure-http)",
        )
    } else if causes.contains("invalid HTTP version")
        || (plain_url && causes.contains("received unexpected message from connection"))
    {
        Some(
            "TLS-vs-plain mismatch: the server did not answer an http:// request in HTTP (it may speak TLS); if it \
             serves TLS, write the tenant's fhir_base with https://",
        )
    } else {
        None
    }
}

/// The error and its sources, joined.
fn causes(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// A transport error in one line, without the URL (which may carry a page token; the caller
/// names the request without its query).
fn transport(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "body cut short"
    } else {
        "connection error"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        cause = inner.to_string();
        source = inner.source();
    }
    if cause.is_empty() { kind.to_owned() } else { crate::redact::redact(&format!("{kind}: {cause}")) }
}
