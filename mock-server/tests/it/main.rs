//! Integration tests of the emulator over HTTP: one binary, one module per surface.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin_api;
mod admin_tenants;
mod assertion;
mod cli;
mod clock;
mod cors;
mod discovery;
mod error_shapes;
mod faults;
mod faults_hostile;
mod fhir_auth;
mod fhir_read;
mod fhir_search;
mod hardening;
mod health;
mod helpers;
mod journal;
mod limits;
mod metadata_truth;
mod openapi;
mod paging;
mod r4;
mod r4_appointments;
mod r4_encounter;
mod r4_patient;
mod r4_search;
mod r4_settings;
mod replay;
mod request_ids;
mod search_model;
mod search_rules;
mod token;
mod token_props;
