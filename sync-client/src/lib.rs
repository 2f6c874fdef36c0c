//! `appointment-sync`: the multi-tenant appointment sync client an integration runs in production
//! against Cerner Millennium's FHIR DSTU2 and R4 APIs, signed in as a system account. Each tenant's
//! version comes from its FHIR base's metadata; one configuration may mix both.
//!
//! # Layout
//! - [`config`]: the TOML configuration and the harness job file (contract v1), validated once into
//!   a `SyncConfig`.
//! - [`secret`]: the secret newtype (`Debug`/`Display` print `***`); [`redact`]: credentials
//!   masked in every text a server sent before it is logged, reported or stored.
//! - [`http`]: requests with retries, backoff, a body cap and typed answers ([`http::Failure`]).
//! - [`auth`]: token URL discovery from `metadata` and tokens (client secret or `private_key_jwt`).
//! - [`capability`]: what a tenant's own metadata offers and its token grants (hospitals differ).
//! - [`fhir_version`]: DSTU2 or R4, from a tenant's metadata: its media type and Appointment search.
//! - [`guard`]: what the client refuses from a server (paging, throttling, token hosts), for any
//!   FHIR version.
//! - [`page`]: a search page read without re-encoding its resources.
//! - [`store`]: the store trait and its SQLite (default) and PostgreSQL implementations.
//! - [`tenant`]: one tenant's sync; [`run`]: every tenant, bounded concurrency, the run summary;
//!   [`worker`]: `run --worker`, tenants shared by leases between processes over PostgreSQL.
//! - [`output`]: the contract's NDJSON output; [`summary`]: the human summary of a run;
//!   [`progress`]: bars on a terminal, log lines otherwise.
//!
//! # The path of a sync
//! ```text
//! config ──► run (or worker) ──► per tenant, at most `concurrency` at once (tenant):
//!   discover   GET {fhir_base}metadata → token URL, checked by guard,  (auth)
//!              and the FHIR version (fhirVersion 1.0.2 / 4.0.1)        (fhir_version)
//!   token      POST to the token URL, reused until near its expiry     (auth, http)
//!   search     GET Appointment?location=…&date=ge…&date=lt… (R4:        (fhir_version)
//!              -date-or-req-period=ge…T…&…=lt…T…), then each `next` link
//!              byte for byte, admitted by guard                        (tenant, http, guard)
//!   page       the Bundle's entries read as they were sent, one at a
//!              time, at most max_page_entries                          (page)
//!   window     appointments starting outside [start, end) dropped      (tenant)
//!   store      each page saved in one transaction; after a complete
//!              window, what it no longer returned marked vanished      (store)
//!   output     the page's stored rows appended as NDJSON               (output)
//! ──► the tenants' states saved, the run finished ──► summary, exit code (main, summary)
//! ```
//!
//! A tenant's sync is bounded by `tenant_time_budget`; every text from a server is redacted
//! ([`redact`]) before it is logged, reported or stored.

pub mod auth;
pub mod capability;
pub mod config;
pub mod fhir_version;
pub(crate) mod guard;
pub mod http;
pub(crate) mod output;
pub(crate) mod page;
pub mod progress;
pub mod redact;
pub mod run;
pub mod secret;
pub mod store;
pub mod summary;
pub mod tenant;
pub(crate) mod tenant_id;
pub mod worker;
