//! Fuzzing of the emulator's input surfaces with proptest, in process (no sockets): one target per
//! surface, each a property that holds for any input — no panic, no undocumented 5xx, and every
//! answer in its protocol's own shape. `FUZZ_CASES` sets the cases per target (default 256, so CI
//! stays fast); each target prints how many executions it ran:
//!
//! ```text
//! FUZZ_CASES=1000000 cargo test --release -p cerner-mock --test fuzz -- --nocapture --test-threads=1
//! ```
//!
//! # Layout
//! - `driver`: the router built once per target, `oneshot` requests, the case count and the report.
//! - `shapes`: what a well-formed answer of each surface looks like.
//! - `fhir_query`: query strings, search parameters, ids and `-pageContext` tokens on the FHIR endpoints;
//!   `fhir_query/cases`: its requests (endpoint, query text, credentials); `fhir_query/params`: its
//!   search parameter grammar.
//! - `token_form`: token request bodies, content types and `Authorization` headers.
//! - `client_assertion`: private_key_jwt assertions, signed, mutated and forged.
//! - `profile_toml`: the profile parser and validator.
//! - `fault_json`: fault rules posted to `/__admin/faults`, and the `FaultRule` deserializer.
//!
//! Inputs a run found are kept as explicit tests next to each target (and in
//! `tests/proptest-regressions/`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod client_assertion;
mod driver;
mod fault_json;
mod fhir_query;
mod profile_toml;
mod shapes;
mod token_form;
