//! `cerner-mock`: a local emulator of Cerner Millennium's system-account authorization server and
//! tenant-scoped FHIR DSTU2 API, for developing and testing integrations offline.
//!
//! # Layout
//! - [`app`]: shared state, [`build_router`], [`serve`] and [`MockServer`], a running emulator.
//! - [`profile`]: the TOML profile (tenants, accounts, approvals, token lifetimes), validated.
//! - [`clock`]: the one clock every time decision uses; real or manual.
//! - [`ids`], [`scope`]: typed tenant ids, client ids, secrets and OAuth scopes.
//! - [`tokens`]: issuing and verifying access tokens (shared by both surfaces).
//! - [`oauth`]: the token endpoint (client_secret_basic and private_key_jwt).
//! - [`fhir`]: the FHIR DSTU2 endpoints: discovery (`metadata`, `.well-known/smart-configuration`).
//! - [`admin`]: the emulator's own control API under `/__admin/`.

pub mod admin;
pub mod app;
pub mod clock;
pub mod fhir;
pub mod ids;
pub mod oauth;
pub mod profile;
pub mod scope;
pub mod tokens;

pub use app::{AppState, MockServer, ServerConfig, StartError, build_router, serve};
pub use clock::Clock;
pub use profile::{Profile, ProfileError};
pub mod store;
