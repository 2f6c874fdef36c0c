//! `cerner-mock`: a local emulator of Cerner Millennium's system-account authorization server and
//! tenant-scoped FHIR DSTU2 and R4 APIs, for developing and testing integrations offline.
//!
//! # Layout
//! - [`server`]: the accept loop ([`serve`]), connection limits and [`MockServer`], a running
//!   emulator; [`app`]: the shared [`AppState`] and [`build_router`], which joins the surfaces.
//! - [`profile`]: the TOML profile (tenants, accounts, approvals, tokens, limits, faults), validated;
//!   [`defaults`]: the ids of the embedded default profile; [`origin`]: public origins.
//! - [`clock`]: the one clock every time decision uses; real or manual.
//! - [`ids`], [`scope`]: typed tenant ids, client ids, secrets and OAuth scopes.
//! - [`headers`]: the standard and CORS headers of Cerner's two hosts (layers outside the instrument).
//! - [`instrument`]: around the Cerner surfaces: identify, inject faults, limit, journal.
//! - [`oauth`]: the token endpoint (client_secret_basic and private_key_jwt), and the credentials a
//!   request presents, parsed once ([`oauth::presented`]); [`tokens`]: issuing and verifying
//!   access tokens (shared by both surfaces).
//! - [`fhir`]: the FHIR DSTU2 endpoints: discovery, authorization, reads, search parameters
//!   ([`fhir::params`]), bundles and paging; [`r4`]: the FHIR R4 endpoints beside them, rendered
//!   from the same store.
//! - [`store`]: per-tenant resources and their indexes, the typed queries they answer
//!   ([`store::query`]), data changes, fixtures and the seeded generator.
//! - [`limits`]: rate limits (GCRA) per account and tenant, on the emulator's clock.
//! - [`faults`]: fault rules and their actions; [`journal`]: the bounded request journal.
//! - [`admin`]: the emulator's own control API under `/__admin/`, with its JSON in [`admin::wire`];
//!   [`admin_client`]: a typed client of it, for tests and the harness.
//! - `rng`: the seeded random streams of the generator and of probabilistic fault rules.
//!
//! # The path of a request
//! 1. **accept**: [`server::serve_with`] accepts the connection (bounded: connections, header
//!    time, idle time) and hands the request to the router of [`build_router`], where its
//!    surface's stack runs as one service: the trace, the host's fixed headers
//!    ([`headers::HostHeaders`]) and CORS, then the instrument.
//! 2. **instrument**: [`instrument::instrument`] takes a journal sequence number, parses the
//!    credentials once ([`oauth::presented::Presented`], passed on as a request extension),
//!    identifies tenant, resource and client, applies the first fault rule that triggers and the
//!    rate limits ([`limits`]).
//! 3. **negotiate**: [`fhir::negotiate::Negotiate`], the last layer of the FHIR stack, answers 406
//!    to an `Accept` the base's version cannot serve (each version gives its types as a `MEDIA`).
//! 4. **authorize**: `fhir::auth::authorize` checks the tenant, the bearer token's claims on the
//!    emulator's clock, the tenant's approval and the scopes (the token endpoint authenticates
//!    the client instead, in [`oauth`], and issues a token with [`tokens`]).
//! 5. **parse**: [`fhir::params::parse_search`] (R4: [`r4`]'s parameters) turns the query pairs
//!    into a typed [`store::query::Query`] with Cerner's search rules.
//! 6. **search**: the tenant's [`store::TenantData`] runs the query on its indexes
//!    ([`store::Store::search_cached`] keeps recent results).
//! 7. **render**: `fhir::bundle` and [`fhir::paging`] write the page and its signed links (R4
//!    uses the same bundle writer, with each row written in R4's shape).
//! 8. **journal**: back in the instrument, post-fault actions rewrite the answer, and the request
//!    is recorded in the [`journal`] (and the journal file, off the request path).

pub mod admin;
pub mod admin_client;
pub mod app;
pub mod clock;
pub mod defaults;
pub mod faults;
pub mod fhir;
pub mod headers;
pub mod ids;
pub mod instrument;
pub mod journal;
pub mod limits;
pub mod oauth;
pub mod origin;
pub mod profile;
pub mod request;
mod rng;
pub mod scope;
pub mod server;
pub mod store;
pub mod tokens;

pub use admin_client::AdminClient;
pub use app::{AppState, StateError, StateOptions, build_router};
pub use clock::Clock;
pub use profile::{Profile, ProfileError};
pub use server::{ConnectionLimits, MockServer, ServerConfig, StartError, serve, serve_with};
