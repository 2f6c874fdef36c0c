//! `appointment-sync`: the multi-tenant appointment sync client an integration runs in
//! production against Cerner Millennium's FHIR DSTU2 API.
//!
//! This crate is empty for now: the client is built in a later step of the project (see the
//! README's roadmap). It holds no placeholder behaviour.
