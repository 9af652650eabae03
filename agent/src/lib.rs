//! The Sunset agent as a library: inventory collection per platform, and the `scan` command's logic.
//! `main.rs` is only argument parsing and exit codes.

pub mod registry;

// Pure parsers for Linux and macOS inventory files.
pub mod parse;

// Agent <-> collector (issue 6).
pub mod config;
pub mod deliver;
pub mod schedule;
pub mod spool;
pub mod state;
pub mod service;
pub mod update;
