//! `cerner-harness`: runs a sync client against the emulator, scenario by scenario, and judges it
//! the way Cerner's validation reviewers would: from what it sent (the emulator's journal), what it
//! stored (its contract-v1 output) and what it printed (its logs).
//!
//! # Layout
//! The path of a rehearsal: `main` (the CLI) → [`scenarios`] (which ones) → [`runner`] (per
//! scenario: an emulator, its setup and faults, the client run) → [`evidence`] → checks →
//! [`verdict`] → [`report`].
//!
//! - [`scenario`]: what a scenario is: tenants, setup, faults, runs, checks.
//! - [`scenarios`]: the catalogue, by concern: `basics` (healthy emulator), `window` (the window's
//!   edges), `paging`, `failures` (production-like faults), `hostile` (a compromised or broken
//!   server), `secrets` (credential hygiene); `checks`, the checks several scenarios share.
//! - [`schedule`]: which scenario runs when: `-j` at once, `--fail-fast`, each reported as it
//!   finishes.
//! - [`redact`]: what the reports may repeat of a client's output.
//! - [`runner`]: runs scenarios: an emulator per scenario on `127.0.0.1:0`, the job file, the
//!   client's runs, the evidence, the checks.
//! - [`process`]: the client as an OS process (`sh -c`, its own process group, time limit, peak
//!   memory), and the `measure` wrapper.
//! - `gather`: what the client left behind (output file, `state_dir`) and the journal as the
//!   reports show it.
//! - [`summary`]: the failure report a client owes: contract v2's final summary, v1's log words.
//! - [`support`]: the redacted note a failing check carries for a support ticket.
//! - [`evidence`]: what a check looks at; [`verdict`]: what it concludes, and the report.
//! - [`rates`]: per tenant, the client's peak requests per second, most requests in flight,
//!   requests per appointment and 429s, from the journal, beside the tenant's limits.
//! - [`fleet`]: `--fleet`: a daily pull of a fleet projected from those rates.
//! - [`report`]: the renderings: terminal table, failures only, JSON Lines, JUnit XML, HTML with
//!   an SVG timeline per scenario.
//! - [`sandbox`]: the sandbox-safe subset against a real server, judged through [`proxy`] (a
//!   recording forward proxy under a request budget), plus its server probes.
//! - [`probe`]: `record` and `diff`: a fixed list of requests to a real server, the emulator or
//!   documented payloads, compared by shape; and the one sign-in sequence (`probe::sign_in`) that
//!   `record`, `diff` and the sandbox's server probes use.
//! - [`version`]: DSTU2 and R4: a rehearsal runs each scenario once per version asked for, with the
//!   job's bases, its fault rules and the version-dependent checks in that version's terms.

pub(crate) mod evidence;
pub mod fleet;
mod gather;
mod job;
pub mod probe;
pub mod process;
pub(crate) mod proxy;
pub(crate) mod rates;
pub(crate) mod redact;
pub mod report;
pub mod runner;
pub mod sandbox;
pub mod scenario;
pub mod scenarios;
pub mod schedule;
pub(crate) mod summary;
pub(crate) mod support;
pub mod verdict;
pub mod version;
