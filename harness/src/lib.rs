//! `cerner-harness`: runs a sync client against the emulator, scenario by scenario, and judges it
//! the way Cerner's validation reviewers would: from what it sent (the emulator's journal), what it
//! stored (its contract-v1 output) and what it printed (its logs).
//!
//! # Layout
//! - [`scenario`]: what a scenario is (setup, runs, checks); [`scenarios`]: the catalogue.
//! - [`runner`]: an emulator per scenario, the client as a separate process ([`process`]), the
//!   evidence.
//! - [`evidence`]: what a check looks at; [`verdict`]: what it concludes.
//! - [`report`]: terminal, JSON Lines, JUnit XML and HTML.

pub mod evidence;
mod gather;
pub mod probe;
pub mod process;
pub mod proxy;
pub mod report;
pub mod runner;
pub mod sandbox;
pub mod scenario;
pub mod scenarios;
pub mod verdict;
