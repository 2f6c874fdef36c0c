//! `appointment-sync`: the multi-tenant appointment sync client an integration runs in production
//! against Cerner Millennium's FHIR DSTU2 and R4 APIs, signed in as a system account. Each tenant's
//! version comes from its FHIR base's metadata; one configuration may mix both.
//!
//! # Layout
//! - [`config`]: the TOML configuration and the harness job file (contract v1), validated.
//! - [`secret`]: the secret newtype (`Debug`/`Display` print `***`).
//! - [`store`]: the store trait and its SQLite (default) and PostgreSQL implementations.
//! - [`fhir_version`]: DSTU2 or R4, from a tenant's metadata: its media type and Appointment search.
//! - [`http`]: requests with retries, backoff and typed answers; [`auth`]: discovery and tokens.
//! - [`tenant`]: one tenant's sync; [`run`]: every tenant, bounded concurrency, the run summary;
//!   [`worker`]: `run --worker`, tenants shared by leases between processes over PostgreSQL.
//! - [`page`]: a search page read without re-encoding its resources.
//! - [`guard`]: what the client refuses from a server (paging, throttling, token hosts), for any
//!   FHIR version.
//! - [`summary`]: the human summary of a run; [`output`]: the contract's NDJSON output; [`progress`]: bars on a terminal, log lines otherwise.

pub mod auth;
pub mod config;
pub mod fhir_version;
pub mod guard;
pub mod http;
pub mod output;
pub mod page;
pub mod progress;
pub mod run;
pub mod secret;
pub mod store;
pub mod summary;
pub mod tenant;
pub mod worker;
