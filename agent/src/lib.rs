//! The Sunset agent as a library: inventory collection per platform, and the `scan` command's logic.
//! `main.rs` is only argument parsing and exit codes.
