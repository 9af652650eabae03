//! The offline hive reader against real hives from other projects' test suites.
//!
//! Fixtures live in `../shared/fixtures/windows-hives/` beside the checkout (xz-compressed; sources,
//! licences and the expected facts are in `../shared/fixtures/PROVENANCE.md`). Some are GPL test data, so
//! they are read from there and never copied into this repository. Without that folder every test says it
//! was skipped, except under `CI=true`, where a missing folder fails.
//!
//! Here: the helpers. Modules: `users` (per-user Uninstall keys) · `system` (SYSTEM hives) ·
//! `formats` (format cases, yarp) · `glpi` (HKLM Uninstall exports) · `damaged` (damaged input and
//! fuzzing) · `proxy` (the WinHTTP decoder on real profile values).
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use proptest::prelude::*;
use sunset_agent::registry::{Hive, HiveKey, Key, RegistryError, Value};

use common::{fixture_bytes, fixtures_dir};

// ---------------------------------------------------------------------------------------------------------
// Helpers

const UNINSTALL: &str = r"Software\Microsoft\Windows\CurrentVersion\Uninstall";

/// A fixture hive, which must open.
fn load(name: &str) -> Option<Hive> {
    common::fixture_hive(name)
}

fn open<'h>(key: &HiveKey<'h>, path: &str) -> HiveKey<'h> {
    key.open(path)
        .unwrap()
        .unwrap_or_else(|| panic!("{path} missing under {:?}", key.path()))
}

fn string(key: &HiveKey<'_>, name: &str) -> Option<String> {
    key.value(name).unwrap().map(|v| match v {
        Value::String(s) => s,
        other => panic!("{}: value {name} is not a string: {other:?}", key.path()),
    })
}

fn number(key: &HiveKey<'_>, name: &str) -> Option<u32> {
    key.value(name).unwrap().map(|v| {
        v.as_u32()
            .unwrap_or_else(|| panic!("{name} is not a number: {v:?}"))
    })
}

/// (key name, DisplayName, DisplayVersion) of every entry under an Uninstall key, sorted by key name.
fn uninstall_entries(uninstall: &HiveKey<'_>) -> Vec<(String, String, Option<String>)> {
    let mut entries: Vec<_> = uninstall
        .subkeys()
        .unwrap()
        .into_iter()
        .map(|name| {
            let entry = open(uninstall, &name);
            let display_name = string(&entry, "DisplayName").unwrap_or_default();
            (name, display_name, string(&entry, "DisplayVersion"))
        })
        .collect();
    entries.sort();
    entries
}

/// What a whole-tree walk saw.
#[derive(Debug, Default)]
struct Walk {
    keys: usize,
    values: usize,
    errors: usize,
}

/// Walks every key and value below `key` through the public API, up to `budget` keys.
fn walk(key: &HiveKey<'_>, depth: usize, budget: usize, seen: &mut Walk) {
    seen.keys += 1;
    match key.value_names() {
        Ok(names) => {
            for name in names {
                match key.value(&name) {
                    Ok(_) => seen.values += 1,
                    Err(_) => seen.errors += 1,
                }
            }
        }
        Err(_) => seen.errors += 1,
    }
    let Ok(names) = key.subkeys() else {
        seen.errors += 1;
        return;
    };
    for name in names {
        if seen.keys >= budget || depth > 600 || name.is_empty() {
            return;
        }
        match key.open(&name) {
            Ok(Some(child)) => walk(&child, depth + 1, budget, seen),
            Ok(None) => {}
            Err(_) => seen.errors += 1,
        }
    }
}

mod damaged;
mod formats;
mod glpi;
mod proxy;
mod system;
mod users;
