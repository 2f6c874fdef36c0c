//! `cerner-mock`: a local emulator of Cerner Millennium's system-account authorization server and
//! tenant-scoped FHIR DSTU2 and R4 APIs, for developing and testing integrations offline.
//!
//! # Layout
//! - [`server`]: the accept loop ([`serve`]), connection limits and [`MockServer`], a running
//!   emulator; [`app`]: the shared [`AppState`] and [`build_router`], which joins the surfaces.
//! - [`profile`]: the TOML profile (tenants, accounts, approvals, tokens, limits, `[r4]` settings,
//!   faults), validated; [`defaults`]: the ids of the embedded default profile; [`origin`]: public
//!   origins.
//! - [`request`]: the vocabulary every layer shares: [`request::Surface`],
//!   [`request::FhirVersion`] (the typed version, spelled as a string only there and in serde
//!   attributes), [`request::Endpoint`], and a request's [`request::Record`].
//! - [`clock`]: the one clock every time decision uses; real or manual.
//! - [`ids`], [`scope`]: typed tenant ids, client ids, secrets and OAuth scopes.
//! - [`headers`]: the standard and CORS headers of Cerner's two hosts (layers outside the instrument).
//! - [`instrument`]: around the Cerner surfaces: identify, inject faults, limit, journal, and stamp
//!   `X-Request-Id` and `opc-request-id`.
//! - [`oauth`]: the authorization server's endpoints, declared once ([`oauth::endpoints`], which
//!   the router serves and the discovery documents list): token (client_secret_basic and
//!   private_key_jwt), revocation (RFC 7009) and introspection (RFC 7662); and the credentials a
//!   request presents, parsed once ([`oauth::presented`]); [`tokens`]: issuing and verifying
//!   access tokens (shared by both FHIR versions).
//! - [`fhir`]: the one FHIR surface, both versions. The pipeline is written once
//!   (`fhir::resources`: reads and searches; [`fhir::discovery`]: metadata and SMART
//!   configuration; `fhir::auth`, [`fhir::paging`], [`fhir::params`]); the version seam
//!   (`fhir::seam::Version`) asks each version only what differs; [`fhir::declared`] is the shape
//!   of a version's declaration (types, search parameters, modifiers, includes) from which both its
//!   parsers' accepted names and its capability statement are generated; [`fhir::dstu2`] and
//!   [`fhir::r4`] hold each version's tables, parsers, renderers, media types, error shapes and
//!   discovery documents.
//! - [`store`]: per-tenant resources and their indexes, the typed queries they answer
//!   ([`store::query`]), data changes, fixtures and the seeded generator. One store serves both
//!   versions; each resource is rendered per version.
//! - [`limits`]: rate limits (GCRA) per account and tenant, on the emulator's clock.
//! - [`faults`]: fault rules and their actions; [`journal`]: the bounded request journal.
//! - [`admin`]: the emulator's own control API under `/__admin/`, with its JSON in [`admin::wire`];
//!   `admin_client`: a typed client of it, for tests and the harness (the default-on
//!   `admin_client` feature; the emulator's binary is built without it and links no HTTP client);
//!   [`health`]: the dependency-free health check `cerner-mock health` runs (a container's
//!   `HEALTHCHECK`).
//! - [`replay`]: `--replay DIR`, a recording of `cerner-harness record` served as the tenant it
//!   was recorded from, and the probe lists that recording asks.
//! - `rng`: the seeded random streams of the generator and of probabilistic fault rules.
//!
//! # The path of a request
//! 1. **accept**: [`server::serve_with`] accepts the connection (bounded: connections, header
//!    time, idle time) and hands the request to the router of [`build_router`]. The router matches
//!    the route (the one time the path is parsed) and runs its surface's stack as one service: the
//!    trace, the host's fixed headers ([`headers::HostHeaders`]) and CORS, then the instrument.
//! 2. **instrument**: [`instrument::instrument`] takes a journal sequence number, parses the
//!    credentials once ([`oauth::presented::Presented`]) and builds the request's
//!    [`request::Record`] from the matched route and those credentials (surface, version, endpoint,
//!    tenant, resource, client, token id, granted scopes); both go on as request extensions. It
//!    applies the first fault rule that triggers (matched against the record) and the rate limits
//!    ([`limits`]), and runs the rest in a span that names version, tenant, resource and client.
//! 3. **negotiate**: [`fhir::negotiate::Negotiate`], the last layer of the FHIR stack, answers 406
//!    to an `Accept` the base's version cannot serve (each version gives its types as a `MEDIA`).
//! 4. **authorize**: the handler of `fhir::resources` (generic over the version) looks up the
//!    tenant and checks, through `fhir::auth`, the bearer token's claims on the emulator's clock,
//!    the tenant's approval and, by the version's rules, the scopes (the record's, parsed once).
//!    The token endpoint authenticates the client instead, in [`oauth`], and issues a token with
//!    [`tokens`].
//! 5. **parse**: the version's parser, accepting exactly its declared parameters
//!    ([`fhir::declared`]), turns the query pairs into a typed search with Cerner's rules
//!    ([`fhir::params::parse_search`] on DSTU2, [`fhir::r4::params`] on R4).
//! 6. **search**: the tenant's [`store::TenantData`] runs the query on its indexes
//!    ([`store::Store::search_cached`] keeps recent results, keyed with the version), or R4 scans
//!    Location and Practitioner.
//! 7. **render**: the pipeline writes the page and its signed links ([`fhir::paging`], carrying the
//!    version) with one bundle writer; each row is written in the version's shape (DSTU2 as
//!    stored, R4 by [`fhir::r4::render`]). A page's entries asked again on unchanged data are sent
//!    as first written ([`store::Store::rendered`]), after a new head.
//! 8. **journal**: back in the instrument, post-fault actions rewrite the answer, the request ids
//!    are stamped, and the request is recorded in the [`journal`] (and the journal file, off the
//!    request path).

pub(crate) mod admin;
#[cfg(feature = "admin_client")]
pub mod admin_client;
pub(crate) mod app;
pub mod clock;
pub mod defaults;
pub mod faults;
pub mod fhir;
pub(crate) mod headers;
pub mod health;
pub mod ids;
pub(crate) mod instrument;
pub mod journal;
pub(crate) mod limits;
pub mod oauth;
pub mod origin;
pub(crate) mod profile;
pub mod replay;
pub mod request;
mod rng;
pub mod scope;
pub(crate) mod server;
pub mod store;
pub mod tokens;

#[cfg(feature = "admin_client")]
pub use admin_client::AdminClient;
pub use app::{AppState, StateError, StateOptions, build_router};
pub use clock::Clock;
pub use limits::LimitSettings;
pub use profile::{AccountStatus, Profile, ProfileError};
pub use server::{ConnectionLimits, MockServer, ServerConfig, StartError, serve, serve_with};
