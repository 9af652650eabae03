//! Golden tests of the `parse` module on real files from other projects' test suites and real
//! machines, plus property tests that no input makes a parser panic.
//!
//! Contents:
//! - `util`: where fixtures are (a missing `shared/fixtures` fails the test, never skips it);
//! - `os_release`: every fixture file, the EDGE cases, root selection and the Debian fallback;
//! - `dpkg`: every status fixture, the Debian 13 root, this machine's own database, origins;
//! - `rpm`: SQLite (compared with the rpm tool), ndb, Berkeley DB through the rpm tool, EDGE cases;
//! - `macos`: SystemVersion.plist, app Info.plists (XML and binary), the application walker;
//! - `flatpak_snap`: Flatpak and Snap on small built trees;
//! - `properties`: random and truncated inputs for every parser.
//!
//! Fixture facts come from `../shared/fixtures/PROVENANCE.md`; the Apache-2.0 ones are copied in
//! `tests/data/` (see its README).

// Helpers outside `#[test]` functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;
mod util;

mod dpkg;
mod flatpak_snap;
mod macos;
mod os_release;
mod properties;
mod rpm;
