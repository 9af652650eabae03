//! The Sunset agent as a library: inventory collection per platform, and the `scan` command's logic.
//! `main.rs` is only argument parsing and exit codes.

pub mod inventory;
pub mod logging;
pub mod parse;
pub mod platform;
pub mod probe;
pub mod registry;
pub mod report;
pub mod scan;

// Agent <-> collector (issue 6).
pub mod config;
pub mod deliver;
pub mod schedule;
pub mod service;
pub mod spool;
pub mod state;
pub mod update;
