//! Workspace-level end-to-end tests that cross crates (emulator, sync client, harness) live in
//! this crate's `tests/` folder once more than one crate exists to cross.
