//! A typed client of the emulator's admin API under `/__admin/` (README, "Admin API"): the clock,
//! the request journal, fault rules, resets and tenant data, so the harness and tests never build
//! admin URLs or JSON by hand.
//!
//! The request and answer types are the server's own (`crate::admin::wire` and the emulator's
//! fault, journal and store types, re-exported here), so the two sides cannot drift; the tests pin
//! them to the documented JSON.
//!
//! Behind the default-on `admin_client` feature: it brings in reqwest, which the emulator itself
//! does not need.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use url::Url;

use crate::admin::wire::{Applied, ChangeBatch, ClockChange, ErrorBody, FaultList, Simulate, StatusBody, TenantList};
pub use crate::admin::wire::{AppliedChange, ClockState, Journal, TenantDetail, TenantInfo};
pub use crate::faults::{FaultAction, FaultMatch, FaultRule, FaultView};
pub use crate::journal::{FaultApplied, JournalEntry, JournalQuery};
pub use crate::store::{ActorCount, AppointmentStarts, Change, ResourceType, TenantSummary};

/// Why an admin call failed. Messages are one line and never contain the admin token.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// No answer came back (connection refused, timeout, TLS); the cause chain is in the message.
    #[error("admin request failed: {}", cause_chain(.0))]
    Http(reqwest::Error),
    /// The emulator answered a non-2xx status; `message` is its `{"error"}` text (or the raw body).
    #[error("admin API answered {status}: {message}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The answer's `error` text, or its body.
        message: String,
    },
    /// A 2xx answer whose body is not the documented shape.
    #[error("unexpected admin API answer: {0}")]
    Decode(String),
    /// The origin given to [`AdminClient::new`] is not `http(s)://host[:port]`.
    #[error("bad admin origin: {0}")]
    BadOrigin(String),
}

impl From<reqwest::Error> for AdminError {
    fn from(error: reqwest::Error) -> Self {
        Self::Http(error)
    }
}

/// reqwest's own message hides the cause ("error sending request"); the chain names it, on one line.
fn cause_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The admin bearer token; `Debug` prints `***` so it never reaches logs or test output.
#[derive(Clone)]
struct AdminToken(String);

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A client of one emulator's admin API. Cheap to clone (the HTTP pool is shared).
#[derive(Debug, Clone)]
pub struct AdminClient {
    http: reqwest::Client,
    origin: Url,
    token: Option<AdminToken>,
}

impl AdminClient {
    /// `origin` is the emulator's `scheme://host:port`, e.g. `http://127.0.0.1:8080`, without a path.
    pub fn new(origin: &str) -> Result<Self, AdminError> {
        let origin = parse_origin(origin)?;
        let http = reqwest::Client::builder().build()?;
        Ok(Self { http, origin, token: None })
    }

    /// Sends `Authorization: Bearer <token>`, for an emulator started with `--admin-token`.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(AdminToken(token.into()));
        self
    }

    /// The emulator's origin this client talks to.
    pub fn origin(&self) -> &Url {
        &self.origin
    }

    /// `GET /__admin/health`: succeeds once the emulator answers `{"status":"ok"}`.
    pub async fn health(&self) -> Result<(), AdminError> {
        let answer: StatusBody = self.get(self.url(&["health"])?).await?;
        expect_status(answer, "ok", "GET /__admin/health")
    }

    /// `GET /__admin/clock`.
    pub async fn clock(&self) -> Result<ClockState, AdminError> {
        self.get(self.url(&["clock"])?).await
    }

    /// Moves a manual clock by `seconds` (negative goes back); a real clock answers 409.
    pub async fn advance_clock(&self, seconds: i64) -> Result<ClockState, AdminError> {
        self.post(self.url(&["clock"])?, &ClockChange { advance_seconds: Some(seconds), set: None }).await
    }

    /// Sets a manual clock to `instant`; a real clock answers 409.
    pub async fn set_clock(&self, instant: OffsetDateTime) -> Result<ClockState, AdminError> {
        self.post(self.url(&["clock"])?, &ClockChange { advance_seconds: None, set: Some(instant) }).await
    }

    /// `GET /__admin/journal`: the recorded requests that match `query`, oldest first.
    pub async fn journal(&self, query: &JournalQuery) -> Result<Journal, AdminError> {
        self.get(self.journal_url(query)?).await
    }

    /// `DELETE /__admin/journal`: forgets every recorded request.
    pub async fn clear_journal(&self) -> Result<(), AdminError> {
        self.delete(self.url(&["journal"])?).await
    }

    /// `GET /__admin/faults`: the installed rules with their counters.
    pub async fn faults(&self) -> Result<Vec<FaultView>, AdminError> {
        let list: FaultList = self.get(self.url(&["faults"])?).await?;
        Ok(list.faults)
    }

    /// `POST /__admin/faults`: installs `rule`; the answer carries its id (assigned when none given).
    pub async fn add_fault(&self, rule: &FaultRule) -> Result<FaultView, AdminError> {
        self.post(self.url(&["faults"])?, rule).await
    }

    /// `DELETE /__admin/faults/{id}`; an unknown id is a 404 [`AdminError::Status`].
    pub async fn remove_fault(&self, id: &str) -> Result<(), AdminError> {
        self.delete(self.url(&["faults", id])?).await
    }

    /// `DELETE /__admin/faults`: removes every rule.
    pub async fn clear_faults(&self) -> Result<(), AdminError> {
        self.delete(self.url(&["faults"])?).await
    }

    /// `POST /__admin/reset`: back to the profile's initial data, faults, approvals, limits, journal.
    pub async fn reset(&self) -> Result<(), AdminError> {
        let url = self.url(&["reset"])?;
        let answer: StatusBody = decode(&self.send(self.http.post(url)).await?, "POST /__admin/reset")?;
        expect_status(answer, "reset", "POST /__admin/reset")
    }

    /// `GET /__admin/tenants`.
    pub async fn tenants(&self) -> Result<Vec<TenantInfo>, AdminError> {
        let list: TenantList = self.get(self.url(&["tenants"])?).await?;
        Ok(list.tenants)
    }

    /// `GET /__admin/tenants/{tenant}`: the tenant with a summary of its data; 404 when unknown.
    pub async fn tenant(&self, tenant: &str) -> Result<TenantDetail, AdminError> {
        self.get(self.url(&["tenants", tenant])?).await
    }

    /// `POST /__admin/tenants/{tenant}/changes`: applies every change or none (400).
    pub async fn apply_changes(&self, tenant: &str, changes: &[Change]) -> Result<Vec<AppliedChange>, AdminError> {
        let batch = ChangeBatch { changes: changes.to_vec() };
        let answer: Applied = self.post(self.url(&["tenants", tenant, "changes"])?, &batch).await?;
        Ok(answer.applied)
    }

    /// `POST /__admin/tenants/{tenant}/simulate`: `days` (1..=365) of seeded front-desk activity.
    pub async fn simulate(&self, tenant: &str, days: u32, seed: u64) -> Result<Vec<AppliedChange>, AdminError> {
        let body = Simulate { days, seed };
        let answer: Applied = self.post(self.url(&["tenants", tenant, "simulate"])?, &body).await?;
        Ok(answer.applied)
    }

    /// `/__admin/<segments>`, each segment percent-encoded (a tenant id cannot escape its slot).
    fn url(&self, segments: &[&str]) -> Result<Url, AdminError> {
        let mut url = self.origin.clone();
        url.path_segments_mut()
            .map_err(|()| AdminError::BadOrigin(format!("{} cannot take a path", self.origin)))?
            .clear()
            .push("__admin")
            .extend(segments);
        Ok(url)
    }

    fn journal_url(&self, query: &JournalQuery) -> Result<Url, AdminError> {
        let mut url = self.url(&["journal"])?;
        let pairs = query.pairs();
        if !pairs.is_empty() {
            url.query_pairs_mut().extend_pairs(pairs);
        }
        Ok(url)
    }

    async fn get<T: DeserializeOwned>(&self, url: Url) -> Result<T, AdminError> {
        let what = format!("GET {}", url.path());
        decode(&self.send(self.http.get(url)).await?, &what)
    }

    async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(&self, url: Url, body: &B) -> Result<T, AdminError> {
        let what = format!("POST {}", url.path());
        decode(&self.send(self.http.post(url).json(body)).await?, &what)
    }

    async fn delete(&self, url: Url) -> Result<(), AdminError> {
        self.send(self.http.delete(url)).await.map(drop)
    }

    /// Sends with the token (marked sensitive by reqwest) and turns a non-2xx into [`AdminError::Status`].
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Vec<u8>, AdminError> {
        let request = match &self.token {
            Some(token) => request.bearer_auth(&token.0),
            None => request,
        };
        let response = request.send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        if status.is_success() { Ok(body.to_vec()) } else { Err(status_error(status.as_u16(), &body)) }
    }
}

/// Accepts `http(s)://host[:port]` with at most a trailing `/`; anything else would be silently
/// dropped or mangled when admin paths are appended.
fn parse_origin(origin: &str) -> Result<Url, AdminError> {
    let bad = |why: &str| AdminError::BadOrigin(format!("{origin:?} {why}"));
    let url = Url::parse(origin).map_err(|e| bad(&format!("is not a URL ({e})")))?;
    if !url.username().is_empty() || url.password().is_some() {
        // Not echoed: the origin holds credentials.
        return Err(AdminError::BadOrigin("the origin must not carry credentials".into()));
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("is not http or https"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("has a path, query or fragment; give only scheme://host:port"));
    }
    Ok(url)
}

fn decode<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, AdminError> {
    serde_json::from_slice(body).map_err(|e| AdminError::Decode(format!("{what}: {e}")))
}

/// The `{"error"}` text when the body has one, else the body itself, squeezed onto one line.
fn status_error(status: u16, body: &[u8]) -> AdminError {
    let text = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(body) => body.error,
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let mut message: String = text.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(300).collect();
    if message.is_empty() {
        message = "(empty body)".into();
    }
    AdminError::Status { status, message }
}

/// Checks the `{"status"}` of health and reset.
fn expect_status(answer: StatusBody, expected: &str, what: &str) -> Result<(), AdminError> {
    if answer.status == expected {
        return Ok(());
    }
    Err(AdminError::Decode(format!("{what}: status {:?}, expected {expected:?}", answer.status)))
}

#[cfg(test)]
mod tests;
