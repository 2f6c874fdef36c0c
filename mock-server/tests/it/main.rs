//! Integration tests of the emulator over HTTP: one binary, one module per surface.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod assertion;
mod cli;
mod clock;
mod discovery;
mod helpers;
mod token;
mod token_props;
