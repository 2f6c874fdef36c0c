//! A typed client of the emulator's admin API under `/__admin/` (README, "Admin API"): the clock,
//! the request journal, fault rules, resets and tenant data, so the harness and tests never build
//! admin URLs or JSON by hand.
//!
//! The types here mirror the wire JSON, not the server's internal types: the contract is the JSON,
//! and a drift on either side then shows up as a failing decode rather than a silent coupling.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use url::Url;

/// Why an admin call failed. Messages are one line and never contain the admin token.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// No answer came back (connection refused, timeout, TLS); the cause chain is in the message.
    #[error("admin request failed: {}", cause_chain(.0))]
    Http(reqwest::Error),
    /// The emulator answered a non-2xx status; `message` is its `{"error"}` text (or the raw body).
    #[error("admin API answered {status}: {message}")]
    Status { status: u16, message: String },
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
        answer.expect("ok", "GET /__admin/health")
    }

    /// `GET /__admin/clock`.
    pub async fn clock(&self) -> Result<ClockState, AdminError> {
        self.get(self.url(&["clock"])?).await
    }

    /// Moves a manual clock by `seconds` (negative goes back); a real clock answers 409.
    pub async fn advance_clock(&self, seconds: i64) -> Result<ClockState, AdminError> {
        self.post(self.url(&["clock"])?, &json!({ "advance_seconds": seconds })).await
    }

    /// Sets a manual clock to `instant`; a real clock answers 409.
    pub async fn set_clock(&self, instant: OffsetDateTime) -> Result<ClockState, AdminError> {
        #[derive(Serialize)]
        struct SetClock {
            #[serde(with = "time::serde::rfc3339")]
            set: OffsetDateTime,
        }
        self.post(self.url(&["clock"])?, &SetClock { set: instant }).await
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
        answer.expect("reset", "POST /__admin/reset")
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
        #[derive(Serialize)]
        struct Changes<'a> {
            changes: &'a [Change],
        }
        let answer: Applied = self.post(self.url(&["tenants", tenant, "changes"])?, &Changes { changes }).await?;
        Ok(answer.applied)
    }

    /// `POST /__admin/tenants/{tenant}/simulate`: `days` (1..=365) of seeded front-desk activity.
    pub async fn simulate(&self, tenant: &str, days: u32, seed: u64) -> Result<Vec<AppliedChange>, AdminError> {
        let body = json!({ "days": days, "seed": seed });
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
    #[derive(Deserialize)]
    struct ErrorBody {
        error: String,
    }
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

/// `{"status": "..."}` from health and reset.
#[derive(Deserialize)]
struct StatusBody {
    status: String,
}

impl StatusBody {
    fn expect(self, expected: &str, what: &str) -> Result<(), AdminError> {
        if self.status == expected {
            return Ok(());
        }
        Err(AdminError::Decode(format!("{what}: status {:?}, expected {expected:?}", self.status)))
    }
}

#[derive(Deserialize)]
struct FaultList {
    faults: Vec<FaultView>,
}

#[derive(Deserialize)]
struct TenantList {
    tenants: Vec<TenantInfo>,
}

#[derive(Deserialize)]
struct Applied {
    applied: Vec<AppliedChange>,
}

/// The emulator's clock, as `GET`/`POST /__admin/clock` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockState {
    #[serde(with = "time::serde::rfc3339")]
    pub now: OffsetDateTime,
    /// Whether the clock stands still until moved (`--manual-clock`); only a manual clock moves.
    pub manual: bool,
}

/// Filters for `GET /__admin/journal`; every filter is optional and they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalQuery {
    tenant: Option<String>,
    client: Option<String>,
    path_prefix: Option<String>,
    since: Option<u64>,
}

impl JournalQuery {
    /// Every recorded request.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only requests to this tenant.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Only requests made by this client id.
    pub fn client(mut self, client: impl Into<String>) -> Self {
        self.client = Some(client.into());
        self
    }

    /// Only requests whose path starts with `prefix`.
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    /// Only entries with `seq > since`, to read what one step of a test caused.
    pub fn since(mut self, seq: u64) -> Self {
        self.since = Some(seq);
        self
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        let since = self.since.map(|seq| seq.to_string());
        [("tenant", &self.tenant), ("client", &self.client), ("path_prefix", &self.path_prefix), ("since", &since)]
            .into_iter()
            .filter_map(|(name, value)| value.clone().map(|value| (name, value)))
            .collect()
    }
}

/// The answer of `GET /__admin/journal`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    pub entries: Vec<JournalEntry>,
    /// How many entries the journal keeps; older ones are dropped.
    pub capacity: u64,
    /// How many requests were recorded in all, so a test can tell whether some were dropped.
    pub recorded: u64,
}

impl Journal {
    /// The newest `seq` returned, to pass to [`JournalQuery::since`] next time.
    pub fn last_seq(&self) -> Option<u64> {
        self.entries.iter().map(|entry| entry.seq).max()
    }
}

/// One request the emulator served, as recorded in its journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub seq: u64,
    /// On the emulator's clock, which a test may have moved.
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    /// On the real clock, for ordering against logs.
    #[serde(with = "time::serde::rfc3339")]
    pub wall_time: OffsetDateTime,
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub tenant: Option<String>,
    #[serde(default)]
    pub jti: Option<String>,
    /// The `Authorization` scheme only (`Basic`, `Bearer`, ...); the credentials are never recorded.
    #[serde(default)]
    pub authorization: Option<String>,
    #[serde(default)]
    pub accept: Option<String>,
    pub status: u16,
    pub bytes: u64,
    pub latency_ms: f64,
    #[serde(default)]
    pub request_id: Option<String>,
    /// The `scope` a token request asked for.
    #[serde(default)]
    pub scope: Option<String>,
    /// The FHIR version of the base a FHIR request went to: `dstu2` or `r4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fhir_version: Option<String>,
    /// The fault rule that acted on this request, if any.
    #[serde(default)]
    pub fault: Option<JournalFault>,
}

/// Which rule acted on a journaled request and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalFault {
    pub rule: String,
    /// The action's `type`, e.g. `status` or `throttle`.
    pub action: String,
}

/// One line per entry, for failure messages that show what the emulator actually received.
impl fmt::Display for JournalEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} {} {}", self.seq, self.method, self.path)?;
        if let Some(query) = &self.query {
            write!(f, "?{query}")?;
        }
        write!(f, " -> {}", self.status)?;
        if let Some(client) = &self.client_id {
            write!(f, " client={client}")?;
        }
        if let Some(fault) = &self.fault {
            write!(f, " fault={}:{}", fault.rule, fault.action)?;
        }
        Ok(())
    }
}

/// Which requests a fault rule acts on. Every field is optional; an empty match takes every request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultMatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// A glob over the request path where `*` matches any characters (slashes included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// A FHIR resource type, e.g. `Appointment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// The FHIR version of the base: `dstu2` or `r4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Acts on the nth matching request only (1-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<u64>,
    /// Acts on every nth matching request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<u64>,
    /// Acts on the first n matching requests only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<u64>,
    /// Acts on matching requests with this probability, drawn from a stream seeded by `seed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

impl FaultMatch {
    /// Every request.
    pub fn any() -> Self {
        Self::default()
    }

    /// Requests whose path matches `glob` (`*` matches any characters).
    pub fn path(glob: impl Into<String>) -> Self {
        Self { path: Some(glob.into()), ..Self::default() }
    }

    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    pub fn client(mut self, client: impl Into<String>) -> Self {
        self.client = Some(client.into());
        self
    }

    pub fn nth(mut self, n: u64) -> Self {
        self.nth = Some(n);
        self
    }

    pub fn every(mut self, n: u64) -> Self {
        self.every = Some(n);
        self
    }

    pub fn first(mut self, n: u64) -> Self {
        self.first = Some(n);
        self
    }

    /// A seeded probability, so a flaky-network test is still reproducible.
    pub fn probability(mut self, probability: f64, seed: u64) -> Self {
        self.probability = Some(probability);
        self.seed = Some(seed);
        self
    }
}

/// What a fault does to a request it triggers on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FaultAction {
    /// Answers this status with the surface's own error body.
    Status { status: u16 },
    /// Answers 429 with this `Retry-After`: seconds, or an HTTP-date.
    Throttle { retry_after: String },
    /// Waits this long before serving the request normally.
    Delay { ms: u64 },
    /// Drops the connection without an answer.
    Reset,
    /// Cuts the body short.
    Truncate,
    /// Serves a body that is not valid JSON.
    Malformed,
    /// Treats the request's access token as expired.
    ExpireToken,
    /// Withdraws the account's approval for the tenant, as a Cerner admin might.
    RevokeApproval,
    /// Points the bundle's `next` link at another origin (a client must not follow it with its token).
    ForeignNext { origin: String },
    /// Serves only the first `keep` entries of a page, with the `next` link intact.
    ShortPage { keep: u32 },
    /// Moves an entry of this page to a later one, as a record updated mid-paging would.
    MoveEntryToLaterPage,
    /// Points the bundle's `next` link back at the page fetched before it (a paging cycle).
    NextCycle,
    /// Points the bundle's `next` link at the page's own URL.
    NextSelf,
    /// Answers an empty page whose `next` link names a fresh page, every time.
    EndlessNext,
    /// Points the bundle's `next` link at the same page of another tenant on the same origin.
    ForeignTenantNext { tenant: String },
    /// Streams the page with this many bytes of whitespace inside it, length unannounced.
    HugePage { bytes: u64 },
    /// Names a token URL on another origin in the metadata and SMART configuration.
    ForeignTokenUrl { origin: String },
    /// Serves the request untouched (a gap in a sequence).
    Pass,
}

/// One action for every triggering request, or a sequence consumed one per triggering request
/// (after the last the rule lets requests through).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultPlan {
    Action(FaultAction),
    Actions(Vec<FaultAction>),
}

/// A fault rule to install with [`AdminClient::add_fault`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// The server assigns one when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "match", default)]
    pub matcher: FaultMatch,
    #[serde(flatten)]
    pub plan: FaultPlan,
}

impl FaultRule {
    /// `action` on every request `matcher` triggers on.
    pub fn new(matcher: FaultMatch, action: FaultAction) -> Self {
        Self { id: None, matcher, plan: FaultPlan::Action(action) }
    }

    /// `actions` in order, one per triggering request, then pass-through.
    pub fn sequence(matcher: FaultMatch, actions: Vec<FaultAction>) -> Self {
        Self { id: None, matcher, plan: FaultPlan::Actions(actions) }
    }

    /// A chosen id, so a test can remove the rule or find it in the journal by name.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
}

/// An installed rule with its counters, as the fault endpoints answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultView {
    pub id: String,
    #[serde(rename = "match", default)]
    pub matcher: FaultMatch,
    #[serde(flatten)]
    pub plan: FaultPlan,
    /// Requests the match took.
    pub matched: u64,
    /// Requests an action was applied to.
    pub applied: u64,
    /// Actions left; `None` means unlimited.
    #[serde(default)]
    pub remaining: Option<u64>,
}

impl FaultView {
    /// The rule as installed, e.g. to re-install it after a reset.
    pub fn rule(&self) -> FaultRule {
        FaultRule { id: Some(self.id.clone()), matcher: self.matcher.clone(), plan: self.plan.clone() }
    }
}

/// A tenant as `GET /__admin/tenants` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantInfo {
    pub id: String,
    pub name: String,
    pub fhir_base: String,
    pub open_fhir_base: String,
    pub token_url: String,
    /// Client ids of the system accounts approved for this tenant.
    pub approved_accounts: Vec<String>,
}

/// A tenant with a summary of its data (`GET /__admin/tenants/{tenant}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantDetail {
    #[serde(flatten)]
    pub info: TenantInfo,
    pub data: TenantSummary,
}

/// What a tenant holds, so a test can pick ids and dates that exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantSummary {
    /// Resources per type, e.g. `"Appointment" -> 1200`.
    pub counts: BTreeMap<String, u64>,
    pub appointment_statuses: BTreeMap<String, u64>,
    /// `None` when the tenant has no appointment with a start.
    pub appointment_starts: Option<AppointmentStarts>,
    /// Most appointments first.
    pub locations: Vec<ActorCount>,
    /// Most appointments first.
    pub practitioners: Vec<ActorCount>,
}

/// The earliest and latest appointment start (on the wire, a two-element array).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StartsWire", into = "StartsWire")]
pub struct AppointmentStarts {
    pub first: OffsetDateTime,
    pub last: OffsetDateTime,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
struct StartsWire(
    #[serde(with = "time::serde::rfc3339")] OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")] OffsetDateTime,
);

impl From<StartsWire> for AppointmentStarts {
    fn from(StartsWire(first, last): StartsWire) -> Self {
        Self { first, last }
    }
}

impl From<AppointmentStarts> for StartsWire {
    fn from(starts: AppointmentStarts) -> Self {
        Self(starts.first, starts.last)
    }
}

/// A location or practitioner id with how many appointments reference it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorCount {
    pub id: String,
    pub appointments: u64,
}

/// One data change for [`AdminClient::apply_changes`]. Instants are FHIR instants
/// (`2026-01-07T10:00:00.000Z`), sent as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    /// Adds a resource (its `resourceType` picks the table); its id must be new.
    Add { resource: Value },
    /// Moves an appointment.
    Reschedule { id: String, start: String, end: String },
    /// Sets an appointment's status to `cancelled` (Cerner keeps cancelled appointments).
    Cancel { id: String },
    /// Sets an appointment's status to any DSTU2 AppointmentStatus.
    SetStatus { id: String, status: String },
}

impl Change {
    pub fn add(resource: Value) -> Self {
        Self::Add { resource }
    }

    pub fn reschedule(id: impl Into<String>, start: impl Into<String>, end: impl Into<String>) -> Self {
        Self::Reschedule { id: id.into(), start: start.into(), end: end.into() }
    }

    pub fn cancel(id: impl Into<String>) -> Self {
        Self::Cancel { id: id.into() }
    }

    pub fn set_status(id: impl Into<String>, status: impl Into<String>) -> Self {
        Self::SetStatus { id: id.into(), status: status.into() }
    }
}

/// A resource a change or simulation touched, with its new `meta.versionId`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedChange {
    #[serde(rename = "resourceType")]
    pub resource_type: String,
    pub id: String,
    #[serde(rename = "versionId", default)]
    pub version_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::datetime;

    use super::*;

    #[test]
    fn fault_rule_serializes_to_the_documented_json() {
        let rule = FaultRule::new(
            FaultMatch::path("/dstu2/*/Appointment")
                .method("GET")
                .tenant("t1")
                .resource("Appointment")
                .client("c1")
                .nth(3)
                .every(2)
                .first(5)
                .probability(0.25, 7),
            FaultAction::Status { status: 503 },
        )
        .with_id("r1");
        let expected = json!({
            "id": "r1",
            "match": {"method": "GET", "path": "/dstu2/*/Appointment", "tenant": "t1", "resource": "Appointment",
                      "client": "c1", "nth": 3, "every": 2, "first": 5, "probability": 0.25, "seed": 7},
            "action": {"type": "status", "status": 503},
        });
        assert_eq!(serde_json::to_value(&rule).unwrap(), expected);
    }

    #[test]
    fn a_sequence_uses_the_actions_key_and_every_action_has_its_documented_tag() {
        let actions = vec![
            FaultAction::Status { status: 500 },
            FaultAction::Throttle { retry_after: "120".into() },
            FaultAction::Delay { ms: 1500 },
            FaultAction::Reset,
            FaultAction::Truncate,
            FaultAction::Malformed,
            FaultAction::ExpireToken,
            FaultAction::RevokeApproval,
            FaultAction::ForeignNext { origin: "http://127.0.0.1:9".into() },
            FaultAction::ShortPage { keep: 2 },
            FaultAction::MoveEntryToLaterPage,
            FaultAction::NextCycle,
            FaultAction::NextSelf,
            FaultAction::EndlessNext,
            FaultAction::ForeignTenantNext { tenant: "t2".into() },
            FaultAction::HugePage { bytes: 1024 },
            FaultAction::ForeignTokenUrl { origin: "http://127.0.0.1:9".into() },
            FaultAction::Pass,
        ];
        let rule = FaultRule::sequence(FaultMatch::any(), actions);
        let expected = json!({"match": {}, "actions": [
            {"type": "status", "status": 500}, {"type": "throttle", "retry_after": "120"},
            {"type": "delay", "ms": 1500}, {"type": "reset"}, {"type": "truncate"}, {"type": "malformed"},
            {"type": "expire_token"}, {"type": "revoke_approval"},
            {"type": "foreign_next", "origin": "http://127.0.0.1:9"}, {"type": "short_page", "keep": 2},
            {"type": "move_entry_to_later_page"}, {"type": "next_cycle"}, {"type": "next_self"},
            {"type": "endless_next"}, {"type": "foreign_tenant_next", "tenant": "t2"},
            {"type": "huge_page", "bytes": 1024}, {"type": "foreign_token_url", "origin": "http://127.0.0.1:9"},
            {"type": "pass"},
        ]});
        let value = serde_json::to_value(&rule).unwrap();
        assert_eq!(value, expected);
        assert_eq!(serde_json::from_value::<FaultRule>(value).unwrap(), rule);
    }

    #[test]
    fn a_journal_entry_decodes_from_the_documented_json() {
        let entry: JournalEntry = serde_json::from_value(json!({
            "seq": 42, "time": "2026-03-01T12:00:00Z", "wall_time": "2026-05-02T08:30:00.123456Z",
            "method": "GET", "path": "/dstu2/t1/Appointment", "query": "date=ge2026-03-01", "client_id": "c1",
            "tenant": "t1", "jti": null, "authorization": "Bearer", "accept": "application/json+fhir",
            "status": 503, "bytes": 321, "latency_ms": 1.25, "request_id": "abc",
            "fault": {"rule": "r1", "action": "status"},
        }))
        .unwrap();
        assert_eq!(entry.seq, 42);
        assert_eq!(entry.time, datetime!(2026-03-01 12:00:00 UTC));
        assert_eq!(entry.authorization.as_deref(), Some("Bearer"));
        assert_eq!(entry.jti, None);
        assert_eq!(entry.fault, Some(JournalFault { rule: "r1".into(), action: "status".into() }));
        assert_eq!(
            entry.to_string(),
            "#42 GET /dstu2/t1/Appointment?date=ge2026-03-01 -> 503 client=c1 fault=r1:status"
        );
    }

    #[test]
    fn a_fault_view_decodes_with_its_counters() {
        let view: FaultView = serde_json::from_value(json!({
            "id": "fault-1", "match": {"path": "/dstu2/*/Appointment", "nth": 2},
            "actions": [{"type": "delay", "ms": 10}, {"type": "pass"}],
            "matched": 3, "applied": 1, "remaining": null,
        }))
        .unwrap();
        assert_eq!(view.id, "fault-1");
        assert_eq!(view.matcher, FaultMatch::path("/dstu2/*/Appointment").nth(2));
        assert_eq!(view.plan, FaultPlan::Actions(vec![FaultAction::Delay { ms: 10 }, FaultAction::Pass]));
        assert_eq!((view.matched, view.applied, view.remaining), (3, 1, None));
        assert_eq!(view.rule().id.as_deref(), Some("fault-1"));
    }

    #[test]
    fn a_tenant_detail_decodes_with_its_summary() {
        let detail: TenantDetail = serde_json::from_value(json!({
            "id": "t1", "name": "Clinic", "fhir_base": "http://h/dstu2/t1/", "open_fhir_base": "http://h/open/dstu2/t1/",
            "token_url": "http://h/tenants/t1/token", "approved_accounts": ["c1"],
            "data": {"counts": {"Appointment": 2}, "appointment_statuses": {"booked": 2},
                     "appointment_starts": ["2026-01-05T09:00:00Z", "2026-02-05T16:30:00.5Z"],
                     "locations": [{"id": "L1", "appointments": 2}], "practitioners": []},
        }))
        .unwrap();
        assert_eq!(detail.info.approved_accounts, ["c1"]);
        let starts = detail.data.appointment_starts.unwrap();
        assert_eq!(starts.first, datetime!(2026-01-05 09:00:00 UTC));
        assert_eq!(detail.data.locations[0], ActorCount { id: "L1".into(), appointments: 2 });
    }

    #[test]
    fn changes_serialize_with_their_op_tag() {
        let changes = [
            Change::add(json!({"resourceType": "Appointment", "id": "9"})),
            Change::reschedule("1", "2026-01-07T10:00:00.000Z", "2026-01-07T11:00:00.000Z"),
            Change::cancel("2"),
            Change::set_status("3", "noshow"),
        ];
        let expected = json!([
            {"op": "add", "resource": {"resourceType": "Appointment", "id": "9"}},
            {"op": "reschedule", "id": "1", "start": "2026-01-07T10:00:00.000Z", "end": "2026-01-07T11:00:00.000Z"},
            {"op": "cancel", "id": "2"},
            {"op": "set_status", "id": "3", "status": "noshow"},
        ]);
        assert_eq!(serde_json::to_value(changes).unwrap(), expected);
    }

    #[test]
    fn admin_urls_encode_ids_and_journal_filters() {
        let client = AdminClient::new("http://127.0.0.1:8080/").unwrap();
        assert_eq!(
            client.url(&["tenants", "a/b c", "changes"]).unwrap().as_str(),
            "http://127.0.0.1:8080/__admin/tenants/a%2Fb%20c/changes"
        );
        assert_eq!(client.journal_url(&JournalQuery::new()).unwrap().as_str(), "http://127.0.0.1:8080/__admin/journal");
        let query = JournalQuery::new().tenant("t1").client("c&1").path_prefix("/dstu2/").since(7);
        assert_eq!(
            client.journal_url(&query).unwrap().as_str(),
            "http://127.0.0.1:8080/__admin/journal?tenant=t1&client=c%261&path_prefix=%2Fdstu2%2F&since=7"
        );
    }

    #[test]
    fn an_origin_with_a_path_or_credentials_is_refused_without_echoing_them() {
        for origin in ["http://127.0.0.1:8080/dstu2", "ftp://h", "not a url", "http://h/?a=b"] {
            assert!(matches!(AdminClient::new(origin), Err(AdminError::BadOrigin(_))), "{origin}");
        }
        let error = AdminClient::new("http://u:hunter2@h:1").unwrap_err();
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }

    #[test]
    fn errors_display_on_one_line() {
        let status = status_error(409, br#"{"error": "the clock is real;\n it cannot move"}"#);
        assert_eq!(status.to_string(), "admin API answered 409: the clock is real; it cannot move");
        assert_eq!(status_error(502, b"").to_string(), "admin API answered 502: (empty body)");
        assert_eq!(status_error(500, b"<html>\nboom</html>").to_string(), "admin API answered 500: <html> boom</html>");
        let decode = decode::<ClockState>(b"{}", "GET /__admin/clock").unwrap_err();
        assert!(decode.to_string().starts_with("unexpected admin API answer: GET /__admin/clock: missing field"));
        assert_eq!(AdminError::BadOrigin("x".into()).to_string(), "bad admin origin: x");
    }

    #[test]
    fn the_admin_token_never_shows_in_debug() {
        let client = AdminClient::new("http://127.0.0.1:8080").unwrap().with_token("s3cret-token");
        let debug = format!("{client:?} {client:#?}");
        assert!(!debug.contains("s3cret-token"), "{debug}");
        assert!(debug.contains("***"), "{debug}");
    }
}
