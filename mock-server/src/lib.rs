//! `cerner-mock`: a local emulator of Cerner Millennium's system-account authorization server and
//! tenant-scoped FHIR DSTU2 API, for developing and testing integrations offline.
//!
//! # Layout
//! - [`app`]: shared state and [`build_router`]; [`server`]: the accept loop ([`serve`]) and
//!   [`MockServer`], a running emulator.
//! - [`profile`]: the TOML profile (tenants, accounts, approvals, tokens, limits, faults), validated.
//! - [`clock`]: the one clock every time decision uses; real or manual.
//! - [`ids`], [`scope`]: typed tenant ids, client ids, secrets and OAuth scopes.
//! - [`tokens`]: issuing and verifying access tokens (shared by both surfaces).
//! - [`oauth`]: the token endpoint (client_secret_basic and private_key_jwt).
//! - [`fhir`]: the FHIR DSTU2 endpoints: discovery, reads, searches with Cerner's rules, paging.
//! - [`store`]: per-tenant resources and their indexes; fixtures and the seeded generator.
//! - [`limits`]: rate limits (GCRA) per account and tenant, on the emulator's clock.
//! - [`instrument`]: around the Cerner surfaces: identify, inject faults, limit, journal.
//! - [`faults`]: fault rules and their actions; [`journal`]: the bounded request journal.
//! - [`admin`]: the emulator's own control API under `/__admin/`.
//! - [`admin_client`]: a typed client of the admin API, for tests and the harness.

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
