//! HTTP with the manners a production integration needs: the FHIR version's `Accept`, no
//! redirects (a redirect must never carry a token elsewhere), a timeout per request, bounded retries
//! with exponential backoff and equal jitter for 5xx answers, timeouts, resets and cut bodies, and
//! typed answers for what the caller must decide itself (429, 401, 403). Every body is read
//! against `max_body_bytes`, from `Content-Length` and while streaming, so a server cannot make
//! the client buffer more than that.
//!
//! # Layout
//! - `attempt`: one request sent, its body read against the cap, its answer sorted into retry or not.
//! - `retry_after`: `Retry-After` read and clamped ([`retry_after`], [`parse_retry_after`]).

use std::time::Duration;

use bytes::Bytes;
use rand::RngExt;
use reqwest::header::ACCEPT;
use serde_json::Value;
use url::Url;

use crate::config::SyncLimits;

mod attempt;
mod retry_after;

use attempt::{Retry, once};
pub use retry_after::{MAX_RETRY_AFTER, parse_retry_after, retry_after};

/// DSTU2's FHIR JSON, the `Accept` of [`Http::get_json`] and [`Http::get_bytes`].
pub const FHIR_JSON: &str = "application/json+fhir";

/// What a request ended in, when it did not end well.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// 429 Too Many Requests: the caller waits or defers the tenant; not retried here.
    #[error("429 Too Many Requests, retry after {}", shown_retry_after(*retry_after))]
    Throttled {
        /// The server's `Retry-After` clamped to [`MAX_RETRY_AFTER`]; `None` when it was missing
        /// or unreadable. The caller applies its floor.
        retry_after: Option<Duration>,
        /// The answer's `X-Request-Id`, when sent.
        request_id: Option<String>,
    },
    /// 401: on a search, the access token was refused (asked once more with a new token); at the
    /// token endpoint, the credentials were (`invalid_client`).
    #[error("401 invalid_token")]
    InvalidToken {
        /// The answer's `X-Request-Id`, when sent.
        request_id: Option<String>,
    },
    /// 403 Forbidden: the token lacks a scope or the tenant forbids the resource.
    #[error("403 Forbidden: {message}")]
    Forbidden {
        /// The start of the body (at most 300 bytes, secrets redacted).
        message: String,
        /// The answer's `X-Request-Id`, when sent.
        request_id: Option<String>,
    },
    /// Any other non-2xx, non-5xx status (e.g. 400, 404); not retried.
    #[error("{status}: {message}")]
    Status {
        /// The HTTP status code.
        status: u16,
        /// The start of the body (at most 300 bytes, secrets redacted).
        message: String,
        /// The answer's `X-Request-Id`, when sent.
        request_id: Option<String>,
    },
    /// Every attempt failed in a way worth retrying (5xx, timeouts, resets, cut bodies).
    #[error("gave up after {attempts} attempts: {last}")]
    Exhausted {
        /// Attempts made, `max_attempts` of the limits.
        attempts: u32,
        /// Why the last attempt failed (a 5xx, a timeout, a reset, a cut body).
        last: String,
        /// The last answer's `X-Request-Id`, when sent.
        request_id: Option<String>,
    },
    /// An answer whose body cannot be used: not JSON, without what it must hold, or larger than
    /// `max_body_bytes` ([`Failure::too_large`]). Not retried.
    #[error("{reason}")]
    Malformed {
        /// What is wrong with the answer, one line.
        reason: String,
        /// The answer's `X-Request-Id`, when sent.
        request_id: Option<String>,
    },
}

fn shown_retry_after(retry_after: Option<Duration>) -> String {
    retry_after.map_or_else(|| "(no usable Retry-After)".to_owned(), |d| format!("{}s", d.as_secs()))
}

impl Failure {
    /// The HTTP status the request was answered with; `None` when there was no single answer (the
    /// retries ran out) or the answer's body was unusable.
    pub fn status(&self) -> Option<u16> {
        match self {
            Failure::Throttled { .. } => Some(429),
            Failure::InvalidToken { .. } => Some(401),
            Failure::Forbidden { .. } => Some(403),
            Failure::Status { status, .. } => Some(*status),
            Failure::Exhausted { .. } | Failure::Malformed { .. } => None,
        }
    }

    /// The server's `X-Request-Id`, for support requests.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Failure::Throttled { request_id, .. }
            | Failure::InvalidToken { request_id }
            | Failure::Forbidden { request_id, .. }
            | Failure::Status { request_id, .. }
            | Failure::Exhausted { request_id, .. }
            | Failure::Malformed { request_id, .. } => request_id.as_deref(),
        }
    }

    /// A body larger than `limit`, known from its `Content-Length` (`declared`) or while it streamed.
    pub fn too_large(limit: u64, declared: Option<u64>, request_id: Option<String>) -> Self {
        let declared = declared.map(|d| format!(": Content-Length {d}")).unwrap_or_default();
        let reason = format!("the answer's body is larger than max_body_bytes ({limit} bytes){declared}");
        Failure::Malformed { reason, request_id }
    }
}

/// Counts of what the politeness cost, for the run summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Effort {
    /// HTTP requests sent, first attempts and retries alike.
    pub requests: u64,
    /// Requests sent again after a 5xx, a timeout, a reset or a cut body.
    pub retries: u64,
}

/// How to authenticate a request.
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    /// No `Authorization` header (metadata).
    None,
    /// `Authorization: Bearer` with an access token (FHIR searches).
    Bearer(&'a str),
    /// `Authorization: Basic` for `client_secret_basic` at the token endpoint; both parts are form-encoded first (RFC 6749 §2.3.1).
    Basic {
        /// The client id.
        user: &'a str,
        /// The client secret.
        password: &'a str,
    },
}

/// The sync client's HTTP client: no redirects followed, per-request timeout, bounded retries with jittered backoff, bodies capped at `max_body_bytes`.
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    limits: SyncLimits,
}

/// A built client could not be made (TLS backend failure).
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client: {0}")]
pub struct BuildError(String);

impl Http {
    /// A client with the given limits' timeouts, attempts, backoff and body cap.
    pub fn new(limits: &SyncLimits) -> Result<Self, BuildError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(limits.request_timeout)
            .connect_timeout(limits.request_timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("appointment-sync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BuildError(e.to_string()))?;
        Ok(Self { client, limits: limits.clone() })
    }

    /// GET a FHIR JSON document, retrying what is worth retrying.
    pub async fn get_json(
        &self,
        url: &Url,
        auth: Auth<'_>,
        effort: &mut Effort,
    ) -> Result<(Value, Option<String>), Failure> {
        self.get_json_accepting(url, FHIR_JSON, auth, effort).await
    }

    /// [`Http::get_json`] with this `Accept`.
    pub async fn get_json_accepting(
        &self,
        url: &Url,
        accept: &str,
        auth: Auth<'_>,
        effort: &mut Effort,
    ) -> Result<(Value, Option<String>), Failure> {
        json(self.get_bytes_accepting(url, accept, auth, effort).await?)
    }

    /// GET with DSTU2's Accept header, the body as received (a search page, parsed by the caller).
    pub async fn get_bytes(
        &self,
        url: &Url,
        auth: Auth<'_>,
        effort: &mut Effort,
    ) -> Result<(Bytes, Option<String>), Failure> {
        self.get_bytes_accepting(url, FHIR_JSON, auth, effort).await
    }

    /// [`Http::get_bytes`] with this `Accept` (a FHIR version's media type).
    pub async fn get_bytes_accepting(
        &self,
        url: &Url,
        accept: &str,
        auth: Auth<'_>,
        effort: &mut Effort,
    ) -> Result<(Bytes, Option<String>), Failure> {
        self.with_retries(effort, || self.client.get(url.clone()).header(ACCEPT, accept), auth).await
    }

    /// POST a form (the token request), retrying what is worth retrying.
    pub async fn post_form(
        &self,
        url: &Url,
        form: &[(&str, &str)],
        auth: Auth<'_>,
        effort: &mut Effort,
    ) -> Result<(Value, Option<String>), Failure> {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let build = || {
            self.client
                .post(url.clone())
                .header(ACCEPT, "application/json")
                .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body.clone())
        };
        json(self.with_retries(effort, build, auth).await?)
    }

    async fn with_retries(
        &self,
        effort: &mut Effort,
        build: impl Fn() -> reqwest::RequestBuilder,
        auth: Auth<'_>,
    ) -> Result<(Bytes, Option<String>), Failure> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            effort.requests += 1;
            let request = match auth {
                Auth::None => build(),
                Auth::Bearer(token) => build().bearer_auth(token),
                Auth::Basic { user, password } => build().basic_auth(form_encode(user), Some(form_encode(password))),
            };
            let (last, request_id) = match once(request, self.limits.max_body_bytes).await {
                Ok(done) => return Ok(done),
                Err(Retry::No(failure)) => return Err(failure),
                Err(Retry::Yes { reason, request_id }) => (reason, request_id),
            };
            if attempt >= self.limits.max_attempts {
                return Err(Failure::Exhausted { attempts: attempt, last, request_id });
            }
            effort.retries += 1;
            let delay = self.backoff(attempt);
            tracing::warn!(attempt, delay_ms = delay.as_millis() as u64, reason = %last, request_id = request_id.as_deref().unwrap_or("-"), "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    /// Equal jitter: half of `base × 2^(attempt-1)` (capped) for sure, the other half at random, so
    /// a retry never follows a failure at once and retries of many clients still spread out.
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self.limits.backoff_base.saturating_mul(1 << (attempt - 1).min(16)).min(self.limits.backoff_max);
        let ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        let floor = ms / 2;
        Duration::from_millis(floor + rand::rng().random_range(0..=ms - floor))
    }
}

/// A successful answer's body as JSON; a body that is not JSON is not retried.
fn json((bytes, request_id): (Bytes, Option<String>)) -> Result<(Value, Option<String>), Failure> {
    match serde_json::from_slice(&bytes) {
        Ok(value) => Ok((value, request_id)),
        Err(e) => Err(Failure::Malformed { reason: format!("the answer is not valid JSON: {e}"), request_id }),
    }
}

/// RFC 6749 §2.3.1: client id and secret are form-encoded before Basic encoding.
fn form_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests;
