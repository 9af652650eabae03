//! Helpers: this crate's built hives, opening keys, per-user installs, and short views of what
//! an inventory found.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use sunset_agent::inventory::Collected;
use sunset_agent::inventory::windows::{Machine, UserHive, users};
use sunset_agent::registry::{Hive, HiveKey, Key};
use sunset_catalog::inventory::{Software, Source};

/// This crate's own test data folder.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/windows")
}

/// A hive built into `tests/data/windows/`.
pub fn data_hive(relative: &str) -> Hive {
    Hive::open(&data_dir().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

pub fn open<'h>(key: &HiveKey<'h>, path: &str) -> HiveKey<'h> {
    key.open(path)
        .unwrap()
        .unwrap_or_else(|| panic!("{path} missing under {:?}", key.path()))
}

/// Per-user installs of a whole user hive.
pub fn user_entries(
    root: &HiveKey<'_>,
    sid: Option<&str>,
    name: &str,
) -> (Vec<Software>, Vec<String>) {
    let user = UserHive {
        sid: sid.map(str::to_owned),
        name: Some(name.to_owned()),
        root,
    };
    let mut warnings = Vec::new();
    let found = users::collect(&user, &mut warnings);
    (
        found,
        warnings
            .into_iter()
            .map(|w| format!("{}: {}", w.source, w.message))
            .collect(),
    )
}

/// `(name, version)` pairs.
pub fn names_versions(found: &[Software]) -> Vec<(&str, Option<&str>)> {
    found
        .iter()
        .map(|s| (s.name.as_str(), s.version.as_deref()))
        .collect()
}

pub fn find<'a>(found: &'a [Software], name: &str) -> &'a Software {
    found
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("{name} not in {:#?}", names_versions(found)))
}

pub fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

pub fn machine_only<'a, K>(software: &'a K) -> Machine<'a, K> {
    Machine {
        software: Some(software),
        system: None,
        hardware: None,
    }
}

/// One line per software entry: `name | version | source | architecture` (`-` when absent).
pub fn rows(inventory: &Collected) -> Vec<String> {
    inventory
        .software
        .iter()
        .map(|s| {
            let source = match &s.source {
                Source::UserUninstall {
                    user_sid,
                    user_name,
                } => format!(
                    "user:{}:{}",
                    user_sid.as_deref().unwrap_or("-"),
                    user_name.as_deref().unwrap_or("-")
                ),
                Source::WindowsRegistry { path } => format!("registry:{path}"),
                other => other.name().to_owned(),
            };
            let version = s.version.as_deref().unwrap_or("-");
            let arch = s.architecture.as_deref().unwrap_or("-");
            format!("{} | {version} | {source} | {arch}", s.name)
        })
        .collect()
}
