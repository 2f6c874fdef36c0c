//! End-to-end tests of the sync client against `cerner-mock` started in-process on port 0.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod crash;
mod fleet;
mod helpers;
mod hostile;
mod resilience;
mod sync;
mod synthetic;
mod tls;
mod workers;
