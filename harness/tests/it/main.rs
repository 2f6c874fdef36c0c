//! The harness's integration tests, one test binary (one link, one build of the dependencies).
//!
//! # Layout
//! - [`rehearse`]: the reference client passes every scenario; `list`; bad arguments exit 2.
//! - [`broken_clients`]: every check can fail: each flaw of `tests/clients/broken_client.py` is
//!   caught by the scenario meant for it.
//! - [`manners`]: a closed stdout, `--color`, `-q`, `--help`'s exit codes, the width, `-j`,
//!   `--fail-fast`, `--keep-workdir`, the client's output in the reports.
//! - [`vacuous`]: a scenario that examines nothing, or whose fault never fired, does not pass.
//! - [`sandbox`]: `sandbox` against the emulator standing in for the public sandbox.
//! - [`probes`]: `record` and `diff`.
//! - [`probes_r4`]: `record` and `diff` on R4: R4 recordings, `r4-<probe>.json` payloads.
//! - [`sandbox_r4`]: `sandbox` on an R4 base.
//! - [`starter_client`]: the README's starter client passes every scenario on both versions.
//! - [`replay`]: `record` of `cerner-mock --replay` gives back the recording it replays.
//! - [`report_in_chromium`]: the HTML report's timeline picture in headless Chromium.
//! - [`r4`]: the scenarios on R4: every broken client caught, the good mode passing, a DSTU2-only
//!   client failing the production tenant, reports over both versions naming the version.
//! - [`r4_reference`]: the reference client over `--fhir-version both` (needs its R4 support).

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod broken_clients;
mod hospitals;
mod manners;
mod probes;
mod probes_r4;
mod r4;
mod r4_reference;
mod rehearse;
mod replay;
mod report_in_chromium;
mod sandbox;
mod sandbox_r4;
mod starter_client;
mod vacuous;

use std::path::PathBuf;

/// The harness binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_cerner-harness");

/// The default profile's system account, as a user of `record` or `sandbox` passes it in the
/// environment (its secret is the profile's default, not a real one).
const CLIENT_ID: &str = cerner_harness::runner::CLIENT_ID;
const CLIENT_SECRET: &str = cerner_mock::defaults::CLIENT_SECRET;

/// The page cap every test rehearsal gives (`--page-cap`): the endless-paging scenario is judged
/// against it, and the job passes it to the client as `limits.max_pages`, so no test needs a client
/// to make 10,000 requests within a time limit.
const PAGE_CAP: &str = "40";

/// A time limit no client that works needs on a busy machine: a run is only killed at it when it
/// would never end.
const GENEROUS: &str = "300";

/// `cerner-harness rehearse --page-cap PAGE_CAP`, to which a test adds its own arguments.
fn rehearse() -> std::process::Command {
    let mut command = std::process::Command::new(BIN);
    command.args(["rehearse", "--page-cap", PAGE_CAP]);
    command
}

/// The deliberately broken client in `mode`, as a `--client-cmd`.
fn broken_client(mode: &str) -> String {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients/broken_client.py");
    format!("python3 '{}' {mode}", script.display())
}

/// An emulator with the default profile, as a stand-in for a real server.
async fn emulator() -> cerner_mock::MockServer {
    cerner_mock::MockServer::start(cerner_mock::ServerConfig::new(cerner_mock::Profile::embedded_default()))
        .await
        .unwrap()
}
