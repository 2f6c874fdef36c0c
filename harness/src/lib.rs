//! `cerner-harness`: runs a sync client against the emulator, scenario by scenario, and judges it
//! the way Cerner's validation reviewers would.
//!
//! This crate is empty for now: the harness is built in a later step of the project (see the
//! README's roadmap). It holds no placeholder behaviour.
