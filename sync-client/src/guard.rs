//! What the client refuses from a server, whatever FHIR version it speaks: every rule here works
//! on URLs, counts and durations only, so a search of any version is paged, throttled and trusted
//! the same way. A server is hostile until proven otherwise:
//! - [`Paging`]: a `next` link must stay under the tenant's own FHIR base, must not repeat a page
//!   already fetched in this sync (links compared by [`page_key`]: without their fragment, with
//!   percent-escapes in one case), and a location group has at most `max_pages` pages.
//! - [`Throttle`]: a 429 is waited out for at least a floor, and a tenant that keeps answering 429
//!   is deferred after `max_throttle_waits` waits in a row or `throttle_budget` of waiting.
//! - [`trusted_token_url`]: the client secret (or assertion) goes only to the FHIR base's own
//!   origin or to https on a trusted host.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use time::OffsetDateTime;
use url::Url;

use crate::config::SyncLimits;

/// Whether `url` lies under `base`: the same origin (scheme, host, port) and the base's path as a
/// prefix (`https://h/dstu2/t1/…` is under `https://h/dstu2/t1/`; `/dstu2/t2/…` is not). The URL
/// parser has already resolved `.` and `..` segments, also percent-encoded ones.
pub(crate) fn is_under(base: &Url, url: &Url) -> bool {
    url.origin() == base.origin() && url.path().starts_with(base.path())
}

/// Why a token URL named by a tenant's metadata gets no credentials. Names only scheme and host.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TokenUrlRefused {
    #[error(
        "refused the token URL {scheme}://{host}/… named by the metadata: not https, and not the FHIR base's own \
         origin; the credentials are not sent there"
    )]
    NotHttps { scheme: String, host: String },
    #[error(
        "refused the token URL https://{host}/… named by the metadata: {host} is neither the FHIR base's host nor \
         in trusted_token_hosts; the credentials are not sent there"
    )]
    UntrustedHost { host: String },
}

/// Why a page URL is not requested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PageRefused {
    #[error("refused a next link to another origin ({0}); the token is not sent there")]
    OtherOrigin(String),
    /// The path, shortened to 64 characters.
    #[error("refused a next link outside the tenant's FHIR base ({0}); the token is not sent there")]
    OutsideBase(String),
    #[error("paging did not end: more than max_pages ({0}) pages for one location group")]
    TooManyPages(u64),
    /// The page number in the group the repeated link would have been.
    #[error("paging cycle: the next link repeats a page already fetched in this sync (page {0} of the group)")]
    Cycle(u64),
}

/// The token URL a tenant's metadata names, if the secret may go there: the FHIR base's own
/// origin, or https on a host of `trusted_hosts`.
pub(crate) fn trusted_token_url(base: &Url, token: &Url, trusted_hosts: &[String]) -> Result<(), TokenUrlRefused> {
    if token.origin() == base.origin() {
        return Ok(());
    }
    let host = token.host_str().unwrap_or("?").to_ascii_lowercase();
    if token.scheme() == "https" && trusted_hosts.contains(&host) {
        return Ok(());
    }
    if token.scheme() != "https" {
        Err(TokenUrlRefused::NotHttps { scheme: token.scheme().to_owned(), host })
    } else {
        Err(TokenUrlRefused::UntrustedHost { host })
    }
}

/// The pages of one tenant's sync: which URLs were fetched, and how many pages the current
/// location group has had.
#[derive(Debug)]
pub(crate) struct Paging {
    base: Url,
    max_pages: u64,
    /// The URLs fetched, as 64-bit hashes under a per-sync random key: a hostile server's page
    /// tokens can be as long as a page, and keeping thousands of them whole would let it size
    /// the client's memory. Two distinct URLs share a hash with odds of about 10⁻¹¹ at
    /// 10,000 pages, which would end that tenant's sync as a cycle, never loop it.
    fetched: HashSet<u64>,
    keys: RandomState,
    group_pages: u64,
}

impl Paging {
    pub(crate) fn new(base: &Url, max_pages: u64) -> Self {
        Self { base: base.clone(), max_pages, fetched: HashSet::new(), keys: RandomState::new(), group_pages: 0 }
    }

    /// A new location group starts: its page count restarts (the URLs fetched are still known).
    pub(crate) fn start_group(&mut self) {
        self.group_pages = 0;
    }

    /// Checks `url` before it is requested and records it. Refused: a URL outside the FHIR base
    /// (the token would go there), a URL already fetched in this sync (a cycle), a page beyond
    /// `max_pages`.
    pub(crate) fn admit(&mut self, url: &Url) -> Result<(), PageRefused> {
        if url.origin() != self.base.origin() {
            return Err(PageRefused::OtherOrigin(url.origin().ascii_serialization()));
        }
        if !is_under(&self.base, url) {
            return Err(PageRefused::OutsideBase(shown_path(url.path())));
        }
        if self.group_pages >= self.max_pages {
            return Err(PageRefused::TooManyPages(self.max_pages));
        }
        if !self.fetched.insert(self.keys.hash_one(page_key(url))) {
            return Err(PageRefused::Cycle(self.group_pages + 1));
        }
        self.group_pages += 1;
        Ok(())
    }
}

/// A page URL as paging compares it: the fragment dropped (it is never sent, so two links that
/// differ only by it ask for the same page) and percent-escapes in upper case (RFC 3986 §6.2.2.1:
/// `%2f` and `%2F` are the same octet). The URL parser has already done the rest of the URL
/// standard's normalisation: scheme and host in lower case, the scheme's default port dropped,
/// `.` and `..` segments resolved.
pub(crate) fn page_key(url: &Url) -> String {
    let text = url.as_str();
    let text = text.split_once('#').map_or(text, |(before, _)| before);
    let bytes = text.as_bytes();
    let mut key = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(offset) = text[at..].find('%') {
        let percent = at + offset;
        key.push_str(&text[at..percent]);
        match bytes.get(percent + 1..percent + 3) {
            Some(hex) if hex.iter().all(u8::is_ascii_hexdigit) => {
                key.push('%');
                key.extend(hex.iter().map(|b| char::from(b.to_ascii_uppercase())));
                at = percent + 3;
            }
            _ => {
                key.push('%');
                at = percent + 1;
            }
        }
    }
    key.push_str(&text[at..]);
    key
}

/// A path for a message: at most 64 characters, so a hostile link cannot flood the log.
fn shown_path(path: &str) -> String {
    let cut: String = path.chars().take(64).collect();
    if cut.len() < path.len() { format!("{cut}…") } else { cut }
}

/// What to do about a 429.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ThrottleStep {
    Wait(Duration),
    /// Give up on the tenant for this run: do not call it before `until`.
    Defer {
        until: OffsetDateTime,
        reason: String,
    },
}

/// One tenant's 429s in this sync.
#[derive(Debug, Clone)]
pub(crate) struct Throttle {
    floor: Duration,
    max_retry_after: Duration,
    max_waits: u32,
    budget: Duration,
    in_a_row: u32,
    waited: Duration,
}

impl Throttle {
    pub(crate) fn new(limits: &SyncLimits) -> Self {
        Self {
            floor: limits.throttle_floor,
            max_retry_after: limits.max_retry_after,
            max_waits: limits.max_throttle_waits,
            budget: limits.throttle_budget,
            in_a_row: 0,
            waited: Duration::ZERO,
        }
    }

    /// An answer other than 429 came: the waits in a row start again (the budget does not).
    pub(crate) fn answered(&mut self) {
        self.in_a_row = 0;
    }

    /// The step for a 429 whose `Retry-After` read as `retry_after` (clamped; `None` when missing
    /// or unreadable), at `now`.
    pub(crate) fn on_429(&mut self, retry_after: Option<Duration>, now: OffsetDateTime) -> ThrottleStep {
        let wait = retry_after.unwrap_or(Duration::ZERO).max(self.floor);
        let reason = if wait > self.max_retry_after {
            format!(
                "asked to wait {}s (more than max_retry_after, {}s)",
                wait.as_secs(),
                self.max_retry_after.as_secs()
            )
        } else if self.in_a_row >= self.max_waits {
            format!("still answering 429 after {} waits in a row (max_throttle_waits)", self.in_a_row)
        } else if self.waited.saturating_add(wait) > self.budget {
            format!(
                "429 waits would exceed throttle_budget ({}s; {}s waited already)",
                self.budget.as_secs(),
                self.waited.as_secs()
            )
        } else {
            self.in_a_row += 1;
            self.waited = self.waited.saturating_add(wait);
            return ThrottleStep::Wait(wait);
        };
        ThrottleStep::Defer { until: instant_after(now, wait), reason }
    }

    /// Waits made so far in this sync.
    #[cfg(test)]
    pub(crate) fn waited(&self) -> Duration {
        self.waited
    }
}

/// `now + wait`, saturating at the end of the calendar RFC 3339 can write (year 9999) instead of
/// overflowing.
pub(crate) fn instant_after(now: OffsetDateTime, wait: Duration) -> OffsetDateTime {
    let last = time::macros::datetime!(9999-12-31 23:59:59.999_999_999 UTC);
    let wait = time::Duration::try_from(wait).unwrap_or(time::Duration::MAX);
    now.checked_add(wait).map_or(last, |at| at.min(last))
}

#[cfg(test)]
mod tests;
