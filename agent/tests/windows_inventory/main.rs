//! The Windows inventory (`sunset_agent::inventory::windows`) against real hives and hives built from `.reg` text.
//!
//! Real hives live in `../shared/fixtures/windows-hives/` beside the checkout (xz-compressed; sources,
//! licences and expected facts in `../shared/fixtures/PROVENANCE.md`); some are GPL test data, so they are
//! read from there and never copied here. Without that folder those tests fail (`common::shared_fixtures`):
//! a test of real files never passes by skipping them. Hives for cases no real hive has (a SOFTWARE hive's
//! `CurrentVersion`, browsers, .NET, Office, `WOW6432Node`, updates, packed versions, a whole volume) are
//! built by `tests/data/windows/make-hives.sh` with hivex and checked in; see the README there.
//!
//! Contents:
//! - `util`: helpers;
//! - `users`: real user hives;
//! - `system`: real SYSTEM hives and Windows' own CurrentVersion copies;
//! - `uninstall_exports`: real HKLM Uninstall exports (glpi);
//! - `built`: built hives, OS and extras;
//! - `volume`: an offline volume end to end;
//! - `damaged`: damaged input.
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;
mod util;

mod built;
mod damaged;
mod system;
mod uninstall_exports;
mod users;
mod volume;
